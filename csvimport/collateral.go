package csvimport

import (
	"slices"
	"strings"

	gt "groundtruth"
)

// detailColumns are the columns of the collateral details, in documentation order. Some
// (site_id, currency) serve several kinds.
var detailColumns = []string{
	"commodity", "quantity", "unit", "site_id", "zone_id", "receipt_no", "custodian_id", "unit_weight_kg", "bulk_density",
	"vin", "serial", "make", "model", "year", "value", "currency", "home_geofence", "depreciation_rate",
	"species", "head_count", "tag_ids", "pasture", "price_per_head",
	"field", "crop", "area_ha", "season", "planting_by", "harvest_from",
	"seller_id", "buyer_id", "invoice_number", "invoice_date", "due_date", "amount", "bill_of_lading", "vessel", "buyer_confirmed",
}

// kindColumns lists the detail columns each collateral kind uses.
var kindColumns = map[gt.CollateralKind][]string{
	gt.KindInventoryLot: {"commodity", "quantity", "unit", "site_id", "zone_id", "receipt_no", "custodian_id", "unit_weight_kg", "bulk_density"},
	gt.KindVehicle:      {"vin", "serial", "make", "model", "year", "value", "currency", "site_id", "home_geofence", "depreciation_rate"},
	gt.KindLivestock:    {"species", "head_count", "tag_ids", "site_id", "pasture", "price_per_head", "currency"},
	gt.KindCropField:    {"field", "crop", "area_ha", "season", "planting_by", "harvest_from", "site_id"},
	gt.KindReceivable: {"seller_id", "buyer_id", "invoice_number", "invoice_date", "due_date", "amount", "currency",
		"bill_of_lading", "vessel", "buyer_confirmed"},
}

func buildCollateral(r *row) {
	c := gt.Collateral{
		ID:          r.s("id"),
		Kind:        gt.CollateralKind(r.s("kind")),
		Description: r.s("description"),
	}
	uses, ok := kindColumns[c.Kind]
	if !ok {
		r.fail("kind", "must be one of inventory_lot, vehicle, livestock_herd, crop_field, receivable; got %q", string(c.Kind))
		return
	}
	for _, col := range detailColumns {
		if r.s(col) != "" && !slices.Contains(uses, col) {
			r.fail(col, "is not used by kind %s: leave it empty (%s uses %s)", c.Kind, c.Kind, strings.Join(uses, ","))
		}
	}
	c.Allocations = allocations(r)
	switch c.Kind {
	case gt.KindInventoryLot:
		c.Inventory = &gt.InventoryLot{
			Commodity:    r.s("commodity"),
			Quantity:     r.num("quantity"),
			Unit:         r.s("unit"),
			SiteID:       r.s("site_id"),
			ZoneID:       r.s("zone_id"),
			ReceiptNo:    r.s("receipt_no"),
			CustodianID:  r.s("custodian_id"),
			UnitWeightKg: r.num("unit_weight_kg"),
			BulkDensity:  r.num("bulk_density"),
		}
	case gt.KindVehicle:
		cur, curOK := r.currency()
		c.Vehicle = &gt.Vehicle{
			VIN:              r.s("vin"),
			Serial:           r.s("serial"),
			Make:             r.s("make"),
			Model:            r.s("model"),
			Year:             r.integer("year"),
			Value:            r.money("value", cur, curOK),
			SiteID:           r.s("site_id"),
			HomeGeofence:     r.polygon("home_geofence"),
			DepreciationRate: r.num("depreciation_rate"),
		}
	case gt.KindLivestock:
		cur, curOK := r.currency()
		c.Livestock = &gt.Herd{
			Species:      r.s("species"),
			HeadCount:    r.integer("head_count"),
			TagIDs:       r.list("tag_ids"),
			SiteID:       r.s("site_id"),
			Pasture:      r.polygon("pasture"),
			PricePerHead: r.money("price_per_head", cur, curOK),
		}
	case gt.KindCropField:
		c.Crop = &gt.CropField{
			Crop:        r.s("crop"),
			AreaHa:      r.num("area_ha"),
			Season:      r.s("season"),
			PlantingBy:  r.date("planting_by"),
			HarvestFrom: r.date("harvest_from"),
			SiteID:      r.s("site_id"),
		}
		if pg := r.polygon("field"); pg != nil {
			c.Crop.Field = *pg
		} else if r.s("field") == "" {
			r.fail("field", "is required: the field's GeoJSON Polygon")
		}
	case gt.KindReceivable:
		cur, curOK := r.currency()
		c.Receivable = &gt.Receivable{
			SellerID:       r.s("seller_id"),
			BuyerID:        r.s("buyer_id"),
			InvoiceNumber:  r.s("invoice_number"),
			InvoiceDate:    r.date("invoice_date"),
			DueDate:        r.date("due_date"),
			Amount:         r.money("amount", cur, curOK),
			BillOfLading:   r.s("bill_of_lading"),
			Vessel:         r.s("vessel"),
			BuyerConfirmed: r.boolean("buyer_confirmed"),
		}
	}
	finish(r, &c, c.ID, func(v gt.Collateral) { r.p.b.Records.Collateral = append(r.p.b.Records.Collateral, v) })
}

// allocations pairs loan_ids with shares: one share per loan, or none for a single loan,
// which then takes the whole value (share 1).
func allocations(r *row) []gt.Allocation {
	loans, shares := r.list("loan_ids"), r.list("shares")
	if len(loans) == 0 {
		r.fail("loan_ids", "is required: the ids of the loans this collateral secures, separated by ';'")
		return nil
	}
	if len(shares) == 0 {
		if len(loans) > 1 {
			r.fail("shares", "is required with %d loans: give one share per loan in loan_ids, separated by ';'", len(loans))
			return nil
		}
		return []gt.Allocation{{LoanID: loans[0], Share: 1}}
	}
	if len(shares) != len(loans) {
		r.fail("shares", "has %d shares for %d loans in loan_ids: give one share per loan, in the same order", len(shares), len(loans))
		return nil
	}
	out := make([]gt.Allocation, len(loans))
	for i, id := range loans {
		v, err := parseFloat(shares[i])
		if err != nil {
			r.fail("shares", "share %d: %v", i+1, err)
			return nil
		}
		out[i] = gt.Allocation{LoanID: id, Share: v}
	}
	return out
}
