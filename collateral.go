package groundtruth

import (
	"fmt"
	"math"
	"time"
)

// CollateralKind is the type of a pledged asset.
type CollateralKind string

// Collateral kinds of SPEC §3.
const (
	KindInventoryLot CollateralKind = "inventory_lot"
	KindVehicle      CollateralKind = "vehicle" // vehicles and equipment
	KindLivestock    CollateralKind = "livestock_herd"
	KindCropField    CollateralKind = "crop_field"
	KindReceivable   CollateralKind = "receivable"
)

// Collateral is one pledge: an asset linked to one or more loans with an allocation share.
// Exactly the detail matching Kind is set.
type Collateral struct {
	ID          string         `json:"id" required:"false" doc:"Identifier chosen by the client, or generated when empty."`
	Kind        CollateralKind `json:"kind"`
	Description string         `json:"description,omitempty"`
	Allocations []Allocation   `json:"allocations"`

	Inventory  *InventoryLot `json:"inventory,omitempty"`
	Vehicle    *Vehicle      `json:"vehicle,omitempty"`
	Livestock  *Herd         `json:"livestock,omitempty"`
	Crop       *CropField    `json:"crop,omitempty"`
	Receivable *Receivable   `json:"receivable,omitempty"`
	Meta
}

// Allocation links collateral to a loan with the share of its value securing that loan.
type Allocation struct {
	LoanID string  `json:"loan_id"`
	Share  float64 `json:"share"` // (0, 1]; the shares of one collateral sum to at most 1
}

// Validate checks the kind, the matching detail and the allocations.
func (c *Collateral) Validate() error {
	if err := ValidateID("id", c.ID); err != nil {
		return err
	}
	if err := ValidateText("description", c.Description, 2000, false); err != nil {
		return err
	}
	set := 0
	for _, p := range []bool{c.Inventory != nil, c.Vehicle != nil, c.Livestock != nil, c.Crop != nil, c.Receivable != nil} {
		if p {
			set++
		}
	}
	if set > 1 {
		return FieldErrorf("kind", "exactly one of inventory, vehicle, livestock, crop, receivable may be set")
	}
	var err error
	switch c.Kind {
	case KindInventoryLot:
		if c.Inventory == nil {
			return FieldErrorf("inventory", "is required for kind inventory_lot")
		}
		err = prefixField("inventory", c.Inventory.Validate())
	case KindVehicle:
		if c.Vehicle == nil {
			return FieldErrorf("vehicle", "is required for kind vehicle")
		}
		err = prefixField("vehicle", c.Vehicle.Validate())
	case KindLivestock:
		if c.Livestock == nil {
			return FieldErrorf("livestock", "is required for kind livestock_herd")
		}
		err = prefixField("livestock", c.Livestock.Validate())
	case KindCropField:
		if c.Crop == nil {
			return FieldErrorf("crop", "is required for kind crop_field")
		}
		err = prefixField("crop", c.Crop.Validate())
	case KindReceivable:
		if c.Receivable == nil {
			return FieldErrorf("receivable", "is required for kind receivable")
		}
		err = prefixField("receivable", c.Receivable.Validate())
	default:
		return FieldErrorf("kind", "must be one of inventory_lot, vehicle, livestock_herd, crop_field, receivable; got %q", string(c.Kind))
	}
	if err != nil {
		return err
	}
	if len(c.Allocations) == 0 {
		return FieldErrorf("allocations", "needs at least one loan")
	}
	sum := 0.0
	seen := map[string]bool{}
	for i, a := range c.Allocations {
		f := fmt.Sprintf("allocations[%d]", i)
		if err := ValidateID(f+".loan_id", a.LoanID); err != nil {
			return err
		}
		if seen[a.LoanID] {
			return FieldErrorf(f+".loan_id", "loan %q is allocated twice", a.LoanID)
		}
		seen[a.LoanID] = true
		if math.IsNaN(a.Share) || a.Share <= 0 || a.Share > 1 {
			return FieldErrorf(f+".share", "must be above 0 and at most 1")
		}
		sum += a.Share
	}
	if sum > 1+1e-9 {
		return FieldErrorf("allocations", "shares add up to %.4f, more than 1", sum)
	}
	return nil
}

// Units of quantity accepted for inventory.
var quantityUnits = map[string]bool{"kg": true, "t": true, "m3": true, "l": true, "bbl": true, "count": true}

// InventoryLot is goods in a warehouse or yard, usually under a warehouse receipt.
type InventoryLot struct {
	Commodity   string  `json:"commodity"` // price series key, e.g. "copper"
	Quantity    float64 `json:"quantity"`
	Unit        string  `json:"unit"` // kg, t, m3, l, bbl or count
	SiteID      string  `json:"site_id"`
	ZoneID      string  `json:"zone_id,omitempty"`
	ReceiptNo   string  `json:"receipt_no,omitempty"` // warehouse receipt number
	CustodianID string  `json:"custodian_id,omitempty"`
	// UnitWeightKg converts counts to weight; BulkDensity (kg/m3) converts volume scans.
	UnitWeightKg float64 `json:"unit_weight_kg,omitempty"`
	BulkDensity  float64 `json:"bulk_density,omitempty"`
}

// Validate checks the lot's fields.
func (l *InventoryLot) Validate() error {
	if err := validateKey("commodity", l.Commodity); err != nil {
		return err
	}
	if !finitePositive(l.Quantity) {
		return FieldErrorf("quantity", "must be a positive number")
	}
	if !quantityUnits[l.Unit] {
		return FieldErrorf("unit", "must be one of kg, t, m3, l, bbl, count; got %q", l.Unit)
	}
	if err := ValidateID("site_id", l.SiteID); err != nil {
		return err
	}
	if l.ZoneID != "" {
		if err := ValidateID("zone_id", l.ZoneID); err != nil {
			return err
		}
	}
	if l.CustodianID != "" {
		if err := ValidateID("custodian_id", l.CustodianID); err != nil {
			return err
		}
	}
	if err := ValidateText("receipt_no", l.ReceiptNo, 100, false); err != nil {
		return err
	}
	if l.UnitWeightKg < 0 || math.IsNaN(l.UnitWeightKg) {
		return FieldErrorf("unit_weight_kg", "must not be negative")
	}
	if l.BulkDensity < 0 || math.IsNaN(l.BulkDensity) {
		return FieldErrorf("bulk_density", "must not be negative")
	}
	if l.Unit == "count" && l.UnitWeightKg == 0 {
		return FieldErrorf("unit_weight_kg", "is required when the unit is count")
	}
	return nil
}

// Vehicle is a vehicle or piece of equipment identified by VIN or serial number.
type Vehicle struct {
	VIN          string   `json:"vin,omitempty"`
	Serial       string   `json:"serial,omitempty"`
	Make         string   `json:"make,omitempty"`
	Model        string   `json:"model,omitempty"`
	Year         int      `json:"year,omitempty"`
	Value        Money    `json:"value"`                   // appraised value at pledge
	SiteID       string   `json:"site_id,omitempty"`       // e.g. the dealer lot
	HomeGeofence *Polygon `json:"home_geofence,omitempty"` // where it must stay
	// DepreciationRate is the annual declining-balance rate (0.15 = 15% a year).
	DepreciationRate float64 `json:"depreciation_rate,omitempty"`
}

// Validate checks the identifiers, value and geofence.
func (v *Vehicle) Validate() error {
	if v.VIN == "" && v.Serial == "" {
		return FieldErrorf("vin", "a VIN or a serial number is required")
	}
	if v.VIN != "" {
		if err := ValidateVIN(v.VIN); err != nil {
			return err
		}
	}
	for _, t := range []struct {
		field, v string
		max      int
	}{{"serial", v.Serial, 64}, {"make", v.Make, 100}, {"model", v.Model, 100}} {
		if err := ValidateText(t.field, t.v, t.max, false); err != nil {
			return err
		}
	}
	if err := v.Value.Validate(); err != nil {
		return prefixField("value", err)
	}
	if v.Value.Amount <= 0 {
		return FieldErrorf("value.amount", "must be positive")
	}
	if v.Year != 0 && (v.Year < 1900 || v.Year > 2100) {
		return FieldErrorf("year", "must be between 1900 and 2100")
	}
	if v.SiteID != "" {
		if err := ValidateID("site_id", v.SiteID); err != nil {
			return err
		}
	}
	if v.HomeGeofence != nil {
		if err := v.HomeGeofence.Validate(); err != nil {
			return prefixField("home_geofence", err)
		}
	}
	if math.IsNaN(v.DepreciationRate) || v.DepreciationRate < 0 || v.DepreciationRate >= 1 {
		return FieldErrorf("depreciation_rate", "must be in [0, 1)")
	}
	return nil
}

// ValidateVIN checks a 17-character ISO 3779 vehicle identification number: letters and
// digits without I, O and Q. (The North American check digit is not enforced, since
// other regions do not use it.)
func ValidateVIN(vin string) error {
	if len(vin) != 17 {
		return FieldErrorf("vin", "must have 17 characters, got %d", len(vin))
	}
	for i := 0; i < len(vin); i++ {
		c := vin[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') || c == 'I' || c == 'O' || c == 'Q' {
			return FieldErrorf("vin", "character %d (%q) is not allowed: use A-Z without I, O, Q, and 0-9", i+1, c)
		}
	}
	return nil
}

// Herd is a livestock herd identified by its ear tags, kept on a pasture.
type Herd struct {
	Species      string   `json:"species"` // e.g. "cattle"
	HeadCount    int      `json:"head_count"`
	TagIDs       []string `json:"tag_ids,omitempty"`
	SiteID       string   `json:"site_id,omitempty"` // the pasture
	Pasture      *Polygon `json:"pasture,omitempty"` // geofence when no site is given
	PricePerHead Money    `json:"price_per_head"`
}

// Validate checks the herd's fields; tag ids must be distinct and not more than the head
// count.
func (h *Herd) Validate() error {
	if err := validateKey("species", h.Species); err != nil {
		return err
	}
	if h.HeadCount <= 0 || h.HeadCount > 10_000_000 {
		return FieldErrorf("head_count", "must be between 1 and 10000000")
	}
	if len(h.TagIDs) > h.HeadCount {
		return FieldErrorf("tag_ids", "has %d tags for %d head", len(h.TagIDs), h.HeadCount)
	}
	seen := make(map[string]bool, len(h.TagIDs))
	for i, t := range h.TagIDs {
		if err := ValidateID(fmt.Sprintf("tag_ids[%d]", i), t); err != nil {
			return err
		}
		if seen[t] {
			return FieldErrorf(fmt.Sprintf("tag_ids[%d]", i), "duplicate tag %q", t)
		}
		seen[t] = true
	}
	if h.SiteID == "" && h.Pasture == nil {
		return FieldErrorf("site_id", "a pasture site or a pasture polygon is required")
	}
	if h.SiteID != "" {
		if err := ValidateID("site_id", h.SiteID); err != nil {
			return err
		}
	}
	if h.Pasture != nil {
		if err := h.Pasture.Validate(); err != nil {
			return prefixField("pasture", err)
		}
	}
	if err := h.PricePerHead.Validate(); err != nil {
		return prefixField("price_per_head", err)
	}
	return nil
}

// CropField is a financed field with its crop and season.
type CropField struct {
	Field       Polygon   `json:"field"`
	Crop        string    `json:"crop"` // e.g. "maize"
	AreaHa      float64   `json:"area_ha"`
	Season      string    `json:"season"` // e.g. "2026"
	PlantingBy  time.Time `json:"planting_by"`
	HarvestFrom time.Time `json:"harvest_from"`
	SiteID      string    `json:"site_id,omitempty"` // the farm
}

// Validate checks the field polygon, crop, area and season window.
func (f *CropField) Validate() error {
	if err := f.Field.Validate(); err != nil {
		return prefixField("field", err)
	}
	if err := validateKey("crop", f.Crop); err != nil {
		return err
	}
	if !finitePositive(f.AreaHa) {
		return FieldErrorf("area_ha", "must be a positive number")
	}
	if err := ValidateText("season", f.Season, 32, true); err != nil {
		return err
	}
	if err := ValidateTime("planting_by", f.PlantingBy); err != nil {
		return err
	}
	if err := ValidateTime("harvest_from", f.HarvestFrom); err != nil {
		return err
	}
	if !f.HarvestFrom.After(f.PlantingBy) {
		return FieldErrorf("harvest_from", "must be after planting_by")
	}
	if f.SiteID != "" {
		return ValidateID("site_id", f.SiteID)
	}
	return nil
}

// Receivable is an invoice (and optionally its bill of lading) assigned to the lender.
type Receivable struct {
	SellerID      string    `json:"seller_id"`
	BuyerID       string    `json:"buyer_id"`
	InvoiceNumber string    `json:"invoice_number"`
	InvoiceDate   time.Time `json:"invoice_date"`
	DueDate       time.Time `json:"due_date"`
	Amount        Money     `json:"amount"`
	BillOfLading  string    `json:"bill_of_lading,omitempty"`
	Vessel        string    `json:"vessel,omitempty"`
	// BuyerConfirmed is set once the buyer confirms the invoice; until then SPEC §6.3
	// values it with a 100% haircut.
	BuyerConfirmed bool `json:"buyer_confirmed" required:"false"`
}

// Validate checks the parties, number, dates and amount.
func (r *Receivable) Validate() error {
	if err := ValidateID("seller_id", r.SellerID); err != nil {
		return err
	}
	if err := ValidateID("buyer_id", r.BuyerID); err != nil {
		return err
	}
	if r.SellerID == r.BuyerID {
		return FieldErrorf("buyer_id", "must differ from seller_id")
	}
	for _, t := range []struct {
		field, v string
		max      int
		required bool
	}{{"invoice_number", r.InvoiceNumber, 100, true}, {"bill_of_lading", r.BillOfLading, 100, false}, {"vessel", r.Vessel, 100, false}} {
		if err := ValidateText(t.field, t.v, t.max, t.required); err != nil {
			return err
		}
	}
	if err := ValidateTime("invoice_date", r.InvoiceDate); err != nil {
		return err
	}
	if err := ValidateTime("due_date", r.DueDate); err != nil {
		return err
	}
	if r.DueDate.Before(r.InvoiceDate) {
		return FieldErrorf("due_date", "must not be before invoice_date")
	}
	if err := r.Amount.Validate(); err != nil {
		return prefixField("amount", err)
	}
	if r.Amount.Amount <= 0 {
		return FieldErrorf("amount.amount", "must be positive")
	}
	return nil
}

// validateKey checks a lower-case key such as a commodity or crop name.
func validateKey(field, s string) error {
	if s == "" {
		return FieldErrorf(field, "is required")
	}
	if len(s) > 64 {
		return FieldErrorf(field, "is longer than 64 characters")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return FieldErrorf(field, "must be lower case letters, digits, '_', '-' or '.'; got %q", s)
		}
	}
	return nil
}

func finitePositive(v float64) bool {
	return v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v)
}
