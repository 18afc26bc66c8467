package storetest

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"time"

	gt "groundtruth"
)

// Tenants of the fixtures.
const (
	tenantA = "northwind-bank"
	tenantB = "sunrise-credit"
)

// day returns midnight UTC of a date.
func day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// square returns a closed GeoJSON polygon: a rectangle of w x h degrees from (lon, lat).
func square(lon, lat, w, h float64) gt.Polygon {
	return gt.Polygon{Type: "Polygon", Coordinates: [][][2]float64{{
		{lon, lat}, {lon + w, lat}, {lon + w, lat + h}, {lon, lat + h}, {lon, lat},
	}}}
}

// hashOf returns a deterministic secret hash, distinct for every tenant and name.
func hashOf(tenant, name string) string {
	return gt.HashSecret("gt_" + tenant + "_" + name)
}

// publicKey returns a deterministic Ed25519 public key in base64url.
func publicKey(seed string) string {
	s := make([]byte, ed25519.SeedSize)
	copy(s, seed)
	pub := ed25519.NewKeyFromSeed(s).Public().(ed25519.PublicKey)
	return base64.RawURLEncoding.EncodeToString(pub)
}

// fixtures returns realistic records of every kind for one tenant, stamped as created by
// the event seq at time at: a copper lot in a Qingdao bonded warehouse, a floor-planned
// car, a cattle herd with ear tags, a maize field, an invoice. Names differ by tenant.
func fixtures(tenant string, seq uint64, at time.Time) *gt.Changes {
	c := &gt.Changes{Seq: seq}
	c.Tenants = []gt.Tenant{{ID: tenant, Name: map[string]string{
		tenantA: "Northwind Bank AG",
		tenantB: "晨曦信贷 Sunrise Credit Ltd.",
	}[tenant]}}
	c.APIKeys = []gt.APIKey{
		{ID: "key-admin", Name: "Risk desk admin", Role: gt.RoleAdmin, Prefix: "gtk_4Fq9", Hash: hashOf(tenant, "key-admin")},
		{ID: "key-analyst", Name: "Analyst — Zoë", Role: gt.RoleAnalyst, Prefix: "gtk_x7Lm", Hash: hashOf(tenant, "key-analyst")},
		{ID: "key-old-feed", Name: "Retired price feed", Role: gt.RoleAnalyst, Prefix: "gtk_0oPz", Hash: hashOf(tenant, "key-old-feed"), Revoked: true},
	}
	c.Parties = []gt.Party{
		{ID: "qd-copper-trading", Name: "青岛铜业贸易有限公司", Roles: []gt.PartyRole{gt.PartyBorrower},
			RegistrationID: "91370200MA3C8Q4L2X", Country: "CN", Region: "Shandong",
			RelatedParties: []string{"qd-port-logistics"}},
		{ID: "qd-port-logistics", Name: "Qingdao Port International Logistics Co., Ltd.",
			Roles: []gt.PartyRole{gt.PartyCustodian}, Country: "CN", Region: "Shandong"},
		{ID: "hamburg-metall", Name: "Hamburger Metallhandel GmbH & Co. KG",
			Roles: []gt.PartyRole{gt.PartyDebtor, gt.PartyCoreEnterprise}, RegistrationID: "HRA 123456", Country: "DE"},
		{ID: "autohaus-kaiser", Name: "Autohaus Kaiser GmbH", Roles: []gt.PartyRole{gt.PartyBorrower},
			RegistrationID: "HRB 98765", Country: "DE", Region: "Bayern"},
		{ID: "estancia-sao-joao", Name: "Estância São João Agropecuária Ltda.",
			Roles: []gt.PartyRole{gt.PartyBorrower}, Country: "BR", Region: "Mato Grosso"},
		{ID: "fazenda-boa-vista", Name: "Fazenda Boa Vista 🌽", Roles: []gt.PartyRole{gt.PartyBorrower},
			Country: "BR", Region: "Mato Grosso"},
	}
	wh := square(120.3275, 36.0671, 0.004, 0.003)
	bayA := square(120.3280, 36.0675, 0.001, 0.001)
	c.Sites = []gt.Site{
		{ID: "qd-bonded-wh-3", Name: "青岛保税港区 3号仓 (Qingdao Bonded Warehouse No. 3)", Kind: gt.SiteWarehouse,
			CustodianID: "qd-port-logistics", Region: "Shandong", Boundary: wh,
			Zones:             []gt.Zone{{ID: "bay-a", Name: "Bay A", Boundary: &bayA}, {ID: "bay-b", Name: "Bay B"}},
			ThroughputPerHour: 120000},
		{ID: "kaiser-lot-muc", Name: "Autohaus Kaiser — Hof München-Freiham", Kind: gt.SiteLot,
			Region: "Bayern", Boundary: square(11.4128, 48.1379, 0.002, 0.001)},
		{ID: "pasture-sao-joao", Name: "Pastagem Norte, Estância São João", Kind: gt.SitePasture,
			Region: "Mato Grosso", Boundary: square(-56.1021, -15.6012, 0.05, 0.04)},
		{ID: "farm-boa-vista", Name: "Fazenda Boa Vista", Kind: gt.SiteFarm,
			Region: "Mato Grosso", Boundary: square(-55.7402, -12.5513, 0.03, 0.03)},
	}
	terms := gt.Terms{WarnLTV: 0.65, MarginCallLTV: 0.75, LiquidationLTV: 0.85, CurePeriod: gt.Duration(48 * time.Hour)}
	c.Loans = []gt.Loan{
		{ID: "ln-2026-0001", BorrowerID: "qd-copper-trading", Product: gt.ProductInventory,
			Principal: gt.Money{Amount: 5_000_000_000, Currency: "CNY"}, Outstanding: gt.Money{Amount: 4_200_000_000, Currency: "CNY"},
			InterestRate: 0.0435, StartDate: day(2026, 3, 1), MaturityDate: day(2026, 9, 1), Status: gt.LoanActive, Terms: terms},
		{ID: "ln-2026-0002", BorrowerID: "autohaus-kaiser", Product: gt.ProductFloorplan,
			Principal: gt.Money{Amount: 6_890_000, Currency: "EUR"}, Outstanding: gt.Money{Amount: 6_890_000, Currency: "EUR"},
			InterestRate: 0.061, StartDate: day(2026, 2, 15), MaturityDate: day(2026, 8, 15), Status: gt.LoanActive, Terms: gt.DefaultTerms},
		{ID: "ln-2026-0003", BorrowerID: "estancia-sao-joao", Product: gt.ProductLivestock,
			Principal: gt.Money{Amount: 50_400_000, Currency: "BRL"}, Outstanding: gt.Money{Amount: 38_150_075, Currency: "BRL"},
			InterestRate: 0.1325, StartDate: day(2025, 11, 1), MaturityDate: day(2026, 11, 1), Status: gt.LoanOverdue,
			DaysPastDue: 12, Terms: gt.DefaultTerms},
		{ID: "ln-2026-0004", BorrowerID: "fazenda-boa-vista", Product: gt.ProductCrop,
			Principal: gt.Money{Amount: 120_000_000, Currency: "BRL"}, Outstanding: gt.Money{Amount: 120_000_000, Currency: "BRL"},
			InterestRate: 0.115, StartDate: day(2026, 9, 20), MaturityDate: day(2027, 5, 31), Status: gt.LoanActive, Terms: gt.DefaultTerms},
		{ID: "ln-2026-0005", BorrowerID: "qd-copper-trading", CoreEnterpriseID: "hamburg-metall", Product: gt.ProductReceivables,
			Principal: gt.Money{Amount: 147_600_000, Currency: "USD"}, Outstanding: gt.Money{Amount: 147_600_000, Currency: "USD"},
			InterestRate: 0.072, StartDate: day(2026, 4, 3), MaturityDate: day(2026, 7, 2), Status: gt.LoanFrozen, Terms: gt.DefaultTerms},
	}
	geofence := square(11.4100, 48.1350, 0.01, 0.008)
	c.Collateral = []gt.Collateral{
		{ID: "col-cu-lot-7781", Kind: gt.KindInventoryLot, Description: "阴极铜 Cathode copper, LME grade A, 250 t",
			Allocations: []gt.Allocation{{LoanID: "ln-2026-0001", Share: 1}},
			Inventory: &gt.InventoryLot{Commodity: "copper", Quantity: 250, Unit: "t", SiteID: "qd-bonded-wh-3", ZoneID: "bay-a",
				ReceiptNo: "QDBW-2026-007781", CustodianID: "qd-port-logistics", BulkDensity: 8960}},
		{ID: "col-vin-wba8e1c5", Kind: gt.KindVehicle, Description: "BMW X5 xDrive40i, demonstrator",
			Allocations: []gt.Allocation{{LoanID: "ln-2026-0002", Share: 0.6}},
			Vehicle: &gt.Vehicle{VIN: "WBA8E1C50JA123456", Make: "BMW", Model: "X5 xDrive40i", Year: 2025,
				Value: gt.Money{Amount: 6_890_000, Currency: "EUR"}, SiteID: "kaiser-lot-muc", HomeGeofence: &geofence,
				DepreciationRate: 0.15}},
		{ID: "col-herd-sj-nelore", Kind: gt.KindLivestock, Description: "Nelore steers, 120 head",
			Allocations: []gt.Allocation{{LoanID: "ln-2026-0003", Share: 1}},
			Livestock: &gt.Herd{Species: "cattle", HeadCount: 120,
				TagIDs:       []string{"BR076000104511", "BR076000104512", "BR076000104513", "BR076000104514"},
				SiteID:       "pasture-sao-joao",
				PricePerHead: gt.Money{Amount: 420_000, Currency: "BRL"}}},
		{ID: "col-maize-bv-t12", Kind: gt.KindCropField, Description: "Talhão 12, milho safrinha",
			Allocations: []gt.Allocation{{LoanID: "ln-2026-0004", Share: 1}},
			Crop: &gt.CropField{Field: square(-55.7350, -12.5480, 0.012, 0.0095), Crop: "maize", AreaHa: 142.75,
				Season: "2026/27", PlantingBy: day(2026, 11, 15), HarvestFrom: day(2027, 3, 1), SiteID: "farm-boa-vista"}},
		{ID: "col-inv-2026-04417", Kind: gt.KindReceivable, Description: "Invoice for 200 t copper cathode, CIF Hamburg",
			Allocations: []gt.Allocation{{LoanID: "ln-2026-0005", Share: 1}},
			Receivable: &gt.Receivable{SellerID: "qd-copper-trading", BuyerID: "hamburg-metall", InvoiceNumber: "INV-2026-04417",
				InvoiceDate: day(2026, 4, 2), DueDate: day(2026, 7, 1), Amount: gt.Money{Amount: 184_500_000, Currency: "USD"},
				BillOfLading: "COSU6312345670", Vessel: "COSCO SHIPPING Aries", BuyerConfirmed: true}},
	}
	c.Devices = []gt.Device{
		{ID: "lc-qd3-bay-a-01", Kind: gt.DeviceLoadCell, CollateralID: "col-cu-lot-7781", SiteID: "qd-bonded-wh-3", ZoneID: "bay-a",
			Interval: gt.Duration(5 * time.Minute), Calibration: gt.Calibration{Tare: 12.5, Scale: 0.998, Unit: "kg"},
			TokenHash: hashOf(tenant, "lc-qd3-bay-a-01"), HasToken: true, PublicKey: publicKey(tenant + "lc-qd3")},
		{ID: "gps-wba8e1c5", Kind: gt.DeviceGPSTracker, CollateralID: "col-vin-wba8e1c5",
			Interval: gt.Duration(15 * time.Minute), Calibration: gt.Calibration{Scale: 1}},
		{ID: "collar-br076000104511", Kind: gt.DeviceTag, CollateralID: "col-herd-sj-nelore", SiteID: "pasture-sao-joao",
			Interval: gt.Duration(time.Hour), Calibration: gt.Calibration{Scale: 1},
			TokenHash: hashOf(tenant, "collar-br076000104511"), HasToken: true, Disabled: true},
	}
	c.Releases = []gt.Release{
		{ID: "rel-2026-0415-01", CollateralID: "col-cu-lot-7781", Direction: gt.ReleaseOut, Quantity: 25, Unit: "t",
			At: time.Date(2026, 4, 15, 2, 30, 0, 0, time.UTC), Reference: "还款 CNY 4,000,000 on 2026-04-14"},
		{ID: "rel-2026-0502-01", CollateralID: "col-cu-lot-7781", Direction: gt.ReleaseIn, Quantity: 18.35, Unit: "t",
			At: time.Date(2026, 5, 2, 8, 0, 0, 0, time.UTC), Reference: "Top-up, receipt QDBW-2026-008102"},
		{ID: "rel-2026-0610-01", CollateralID: "col-herd-sj-nelore", Direction: gt.ReleaseOut, Quantity: 14, Unit: "count",
			At: time.Date(2026, 6, 10, 13, 0, 0, 0, time.UTC)},
	}
	stamp(c, tenant, seq, at)
	return c
}

// stamp sets the meta of every record of c as created by the event seq at time at.
func stamp(c *gt.Changes, tenant string, seq uint64, at time.Time) {
	for i := range c.Tenants {
		c.Tenants[i].Meta.Stamp(tenant, seq, at, true)
	}
	for i := range c.APIKeys {
		c.APIKeys[i].Meta.Stamp(tenant, seq, at, true)
	}
	for i := range c.Parties {
		c.Parties[i].Meta.Stamp(tenant, seq, at, true)
	}
	for i := range c.Sites {
		c.Sites[i].Meta.Stamp(tenant, seq, at, true)
	}
	for i := range c.Loans {
		c.Loans[i].Meta.Stamp(tenant, seq, at, true)
	}
	for i := range c.Collateral {
		c.Collateral[i].Meta.Stamp(tenant, seq, at, true)
	}
	for i := range c.Devices {
		c.Devices[i].Meta.Stamp(tenant, seq, at, true)
	}
	for i := range c.Releases {
		c.Releases[i].Meta.Stamp(tenant, seq, at, true)
	}
}

// validate checks every record of c with its Validate method.
func validate(c *gt.Changes) error {
	var errs []error
	check := func(kind, id string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %q: %w", kind, id, err))
		}
	}
	for i := range c.Tenants {
		check("tenant", c.Tenants[i].ID, c.Tenants[i].Validate())
	}
	for i := range c.APIKeys {
		check("API key", c.APIKeys[i].ID, c.APIKeys[i].Validate())
	}
	for i := range c.Parties {
		check("party", c.Parties[i].ID, c.Parties[i].Validate())
	}
	for i := range c.Sites {
		check("site", c.Sites[i].ID, c.Sites[i].Validate())
	}
	for i := range c.Loans {
		check("loan", c.Loans[i].ID, c.Loans[i].Validate())
	}
	for i := range c.Collateral {
		check("collateral", c.Collateral[i].ID, c.Collateral[i].Validate())
	}
	for i := range c.Devices {
		check("device", c.Devices[i].ID, c.Devices[i].Validate())
	}
	for i := range c.Releases {
		check("release", c.Releases[i].ID, c.Releases[i].Validate())
	}
	for i := range c.Prices {
		check("price", c.Prices[i].Commodity, c.Prices[i].Validate())
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%d invalid fixtures, first: %w", len(errs), errs[0])
}
