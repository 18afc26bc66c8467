package csvimport_test

import (
	"encoding/csv"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/csvimport"
)

const (
	// squareJSON is a GeoJSON polygon around a part of Hamburg; squareCell is it quoted for a CSV cell.
	squareJSON = `{"type":"Polygon","coordinates":[[[9.9,53.5],[10,53.5],[10,53.6],[9.9,53.6],[9.9,53.5]]]}`
	squareCell = `"{""type"":""Polygon"",""coordinates"":[[[9.9,53.5],[10,53.5],[10,53.6],[9.9,53.6],[9.9,53.5]]]}"`
	pubKey     = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" // 32 zero bytes, base64url
)

func square() gt.Polygon {
	return gt.Polygon{Type: "Polygon", Coordinates: [][][2]float64{{{9.9, 53.5}, {10, 53.5}, {10, 53.6}, {9.9, 53.6}, {9.9, 53.5}}}}
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// collateralColumns is the full collateral header.
var collateralColumns = []string{"id", "kind", "description", "loan_ids", "shares",
	"commodity", "quantity", "unit", "site_id", "zone_id", "receipt_no", "custodian_id", "unit_weight_kg", "bulk_density",
	"vin", "serial", "make", "model", "year", "value", "currency", "home_geofence", "depreciation_rate",
	"species", "head_count", "tag_ids", "pasture", "price_per_head",
	"field", "crop", "area_ha", "season", "planting_by", "harvest_from",
	"seller_id", "buyer_id", "invoice_number", "invoice_date", "due_date", "amount", "bill_of_lading", "vessel", "buyer_confirmed"}

// collateralCSV writes a collateral file with the full header and one line per row.
func collateralCSV(rows ...map[string]string) string {
	var sb strings.Builder
	w := csv.NewWriter(&sb)
	w.Write(collateralColumns)
	for _, r := range rows {
		rec := make([]string, len(collateralColumns))
		for i, c := range collateralColumns {
			rec[i] = r[c]
		}
		w.Write(rec)
	}
	w.Flush()
	return sb.String()
}

func usd(cents int64) gt.Money { return gt.Money{Amount: cents, Currency: "USD"} }

// TestParseValid checks that a valid file of each kind becomes the expected records.
func TestParseValid(t *testing.T) {
	sq := square()
	tests := []struct {
		name, kind, csv string
		opts            csvimport.Options
		want            gt.Records
	}{
		{
			name: "parties", kind: "parties",
			csv: "id,name,roles,registration_id,country,region,related_parties\n" +
				"p1,Acme Trading,borrower; core_enterprise,HRB 1234,DE,Bavaria,p2\n" +
				"p2,\"Acme Holding, Ltd\",custodian,,,,\n",
			want: gt.Records{Parties: []gt.Party{
				{ID: "p1", Name: "Acme Trading", Roles: []gt.PartyRole{"borrower", "core_enterprise"}, RegistrationID: "HRB 1234",
					Country: "DE", Region: "Bavaria", RelatedParties: []string{"p2"}},
				{ID: "p2", Name: "Acme Holding, Ltd", Roles: []gt.PartyRole{"custodian"}},
			}},
		},
		{
			name: "sites, columns in another order, BOM", kind: "sites",
			csv: "\uFEFFname,id,kind,boundary,zones,throughput_per_hour,custodian_id,region\n" +
				"Hamburg WH,s1,warehouse," + squareCell + ",bay1;bay2,5000,p2,DE-HH\n",
			want: gt.Records{Sites: []gt.Site{{ID: "s1", Name: "Hamburg WH", Kind: "warehouse", CustodianID: "p2", Region: "DE-HH",
				Boundary: sq, Zones: []gt.Zone{{ID: "bay1"}, {ID: "bay2"}}, ThroughputPerHour: 5000}}},
		},
		{
			name: "loans, defaults and explicit terms", kind: "loans",
			csv: "id,borrower_id,core_enterprise_id,product,principal,currency,outstanding,interest_rate,start_date,maturity_date,status,days_past_due,warn_ltv,margin_call_ltv,liquidation_ltv,cure_period\n" +
				"l1,p1,,inventory,1000000.50,USD,,0.085,2026-01-01,2026-12-31,,,,,,\n" +
				"l2,p1,p3,receivables,500000,eur,250000.1,0.07,2026-01-01T08:00:00+02:00,2027-01-01,overdue,12,0.6,0.75,0.85,48h\n" +
				"l3,p1,,crop,10,JPY,0,,2026-01-01,2027-01-01,closed,,,,,24h\n",
			want: gt.Records{Loans: []gt.Loan{
				{ID: "l1", BorrowerID: "p1", Product: "inventory", Principal: usd(100000050), Outstanding: usd(100000050),
					InterestRate: 0.085, StartDate: day("2026-01-01"), MaturityDate: day("2026-12-31"), Status: "active", Terms: gt.DefaultTerms},
				{ID: "l2", BorrowerID: "p1", CoreEnterpriseID: "p3", Product: "receivables",
					Principal: gt.Money{Amount: 50000000, Currency: "EUR"}, Outstanding: gt.Money{Amount: 25000010, Currency: "EUR"},
					InterestRate: 0.07, StartDate: time.Date(2026, 1, 1, 6, 0, 0, 0, time.UTC), MaturityDate: day("2027-01-01"),
					Status: "overdue", DaysPastDue: 12,
					Terms: gt.Terms{WarnLTV: 0.6, MarginCallLTV: 0.75, LiquidationLTV: 0.85, CurePeriod: gt.Duration(48 * time.Hour)}},
				{ID: "l3", BorrowerID: "p1", Product: "crop", Principal: gt.Money{Amount: 10, Currency: "JPY"},
					Outstanding: gt.Money{Amount: 0, Currency: "JPY"}, StartDate: day("2026-01-01"), MaturityDate: day("2027-01-01"),
					Status: "closed", Terms: gt.Terms{WarnLTV: 0.7, MarginCallLTV: 0.8, LiquidationLTV: 0.9, CurePeriod: gt.Duration(24 * time.Hour)}},
			}},
		},
		{
			name: "collateral of every kind", kind: "collateral",
			csv: collateralCSV(
				map[string]string{"id": "c1", "kind": "inventory_lot", "description": "Copper cathodes", "loan_ids": "l1;l2", "shares": "0.6;0.4",
					"commodity": "copper", "quantity": "250.5", "unit": "t", "site_id": "s1", "zone_id": "bay1", "receipt_no": "WR-1", "custodian_id": "p2"},
				map[string]string{"id": "c2", "kind": "vehicle", "loan_ids": "l1", "site_id": "s1", "vin": "1HGCM82633A004352", "make": "Honda",
					"model": "Accord", "year": "2024", "value": "35000", "currency": "USD", "home_geofence": squareJSON, "depreciation_rate": "0.15"},
				map[string]string{"id": "c3", "kind": "livestock_herd", "loan_ids": "l1", "site_id": "s2", "currency": "USD", "species": "cattle",
					"head_count": "3", "tag_ids": "t1;t2", "price_per_head": "1200.00"},
				map[string]string{"id": "c4", "kind": "crop_field", "loan_ids": "l1", "site_id": "s3", "field": squareJSON, "crop": "maize",
					"area_ha": "12.5", "season": "2026", "planting_by": "2026-04-01", "harvest_from": "2026-09-01"},
				map[string]string{"id": "c5", "kind": "receivable", "loan_ids": "l2", "currency": "EUR", "seller_id": "p1", "buyer_id": "p4",
					"invoice_number": "INV-1", "invoice_date": "2026-02-01", "due_date": "2026-05-01", "amount": "99000.99",
					"bill_of_lading": "BL-7", "vessel": "Maersk Ohio", "buyer_confirmed": "true"},
			),
			want: gt.Records{Collateral: []gt.Collateral{
				{ID: "c1", Kind: "inventory_lot", Description: "Copper cathodes",
					Allocations: []gt.Allocation{{LoanID: "l1", Share: 0.6}, {LoanID: "l2", Share: 0.4}},
					Inventory:   &gt.InventoryLot{Commodity: "copper", Quantity: 250.5, Unit: "t", SiteID: "s1", ZoneID: "bay1", ReceiptNo: "WR-1", CustodianID: "p2"}},
				{ID: "c2", Kind: "vehicle", Allocations: []gt.Allocation{{LoanID: "l1", Share: 1}},
					Vehicle: &gt.Vehicle{VIN: "1HGCM82633A004352", Make: "Honda", Model: "Accord", Year: 2024, Value: usd(3500000),
						SiteID: "s1", HomeGeofence: &sq, DepreciationRate: 0.15}},
				{ID: "c3", Kind: "livestock_herd", Allocations: []gt.Allocation{{LoanID: "l1", Share: 1}},
					Livestock: &gt.Herd{Species: "cattle", HeadCount: 3, TagIDs: []string{"t1", "t2"}, SiteID: "s2", PricePerHead: usd(120000)}},
				{ID: "c4", Kind: "crop_field", Allocations: []gt.Allocation{{LoanID: "l1", Share: 1}},
					Crop: &gt.CropField{Field: sq, Crop: "maize", AreaHa: 12.5, Season: "2026", PlantingBy: day("2026-04-01"),
						HarvestFrom: day("2026-09-01"), SiteID: "s3"}},
				{ID: "c5", Kind: "receivable", Allocations: []gt.Allocation{{LoanID: "l2", Share: 1}},
					Receivable: &gt.Receivable{SellerID: "p1", BuyerID: "p4", InvoiceNumber: "INV-1", InvoiceDate: day("2026-02-01"),
						DueDate: day("2026-05-01"), Amount: gt.Money{Amount: 9900099, Currency: "EUR"}, BillOfLading: "BL-7",
						Vessel: "Maersk Ohio", BuyerConfirmed: true}},
			}},
		},
		{
			name: "devices", kind: "devices",
			csv: "id,kind,collateral_id,site_id,zone_id,interval,tare,scale,unit,public_key\n" +
				"d1,load_cell,c1,s1,bay1,15m,12.5,0.001,kg," + pubKey + "\n" +
				"d2,gps_tracker,c2,,,1h,,,,\n",
			want: gt.Records{Devices: []gt.Device{
				{ID: "d1", Kind: "load_cell", CollateralID: "c1", SiteID: "s1", ZoneID: "bay1", Interval: gt.Duration(15 * time.Minute),
					Calibration: gt.Calibration{Tare: 12.5, Scale: 0.001, Unit: "kg"}, PublicKey: pubKey},
				{ID: "d2", Kind: "gps_tracker", CollateralID: "c2", Interval: gt.Duration(time.Hour), Calibration: gt.Calibration{Scale: 1}},
			}},
		},
		{
			name: "releases", kind: "releases",
			csv: "id,collateral_id,direction,quantity,unit,at,reference\n" +
				"r1,c1,out,25.5,t,2026-03-01T10:00:00Z,REL-1\n" +
				"r2,c1,in,2e3,kg,2026-03-02,\n",
			want: gt.Records{Releases: []gt.Release{
				{ID: "r1", CollateralID: "c1", Direction: "out", Quantity: 25.5, Unit: "t", At: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), Reference: "REL-1"},
				{ID: "r2", CollateralID: "c1", Direction: "in", Quantity: 2000, Unit: "kg", At: day("2026-03-02")},
			}},
		},
		{
			name: "prices, long layout", kind: "prices", opts: csvimport.Options{Source: "desk"},
			csv: "commodity,at,price,currency,unit,source\n" +
				"copper,2026-03-01,9500.25,USD,t,lme\n" +
				"nickel,2026-03-01T12:00:00Z,16000,usd,t,\n",
			want: gt.Records{Prices: []gt.PriceTick{
				{Commodity: "copper", At: day("2026-03-01"), Price: usd(950025), Unit: "t", Source: "lme"},
				{Commodity: "nickel", At: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), Price: usd(1600000), Unit: "t", Source: "desk"},
			}},
		},
		{
			name: "prices, Pink Sheet layout", kind: "prices",
			csv: "month,\"Crude oil, Brent ($/bbl)\",Cocoa ($/kg),Plywood (cents/sheet),Natural gas index (2010=100),\"Coal, South African ** ($/mt)\",Gold ($/troy oz), \r\n" +
				"1960-01,1.63000011444,0.634,511.47183227539,,,35.27,\r\n" +
				"1960-02,,0.0000050,511.5,12.5,21.255,35.5,\r\n",
			want: gt.Records{Prices: []gt.PriceTick{
				{Commodity: "crude_oil_brent", At: day("1960-01-01"), Price: usd(163), Unit: "bbl", Source: "worldbank_pinksheet"},
				{Commodity: "cocoa", At: day("1960-01-01"), Price: usd(63400), Unit: "t", Source: "worldbank_pinksheet"},
				{Commodity: "plywood", At: day("1960-01-01"), Price: usd(511), Unit: "sheet", Source: "worldbank_pinksheet"},
				{Commodity: "gold", At: day("1960-01-01"), Price: usd(3527), Unit: "troy_oz", Source: "worldbank_pinksheet"},
				{Commodity: "cocoa", At: day("1960-02-01"), Price: usd(1), Unit: "t", Source: "worldbank_pinksheet"},
				{Commodity: "plywood", At: day("1960-02-01"), Price: usd(512), Unit: "sheet", Source: "worldbank_pinksheet"},
				{Commodity: "coal_south_african", At: day("1960-02-01"), Price: usd(2126), Unit: "t", Source: "worldbank_pinksheet"},
				{Commodity: "gold", At: day("1960-02-01"), Price: usd(3550), Unit: "troy_oz", Source: "worldbank_pinksheet"},
			}},
		},
		{
			name: "prices, Date,Price layout", kind: "prices",
			opts: csvimport.Options{Commodity: "crude_oil_brent", Unit: "bbl", Currency: "USD", Source: "eia"},
			csv:  "Date,Price\r\n1987-05-15,18.58\r\n1987-06-15,18.865\r\n1987-07-15,\r\n",
			want: gt.Records{Prices: []gt.PriceTick{
				{Commodity: "crude_oil_brent", At: day("1987-05-15"), Price: usd(1858), Unit: "bbl", Source: "eia"},
				{Commodity: "crude_oil_brent", At: day("1987-06-15"), Price: usd(1887), Unit: "bbl", Source: "eia"},
			}},
		},
		{
			name: "prices, FRED layout named after the series", kind: "prices",
			opts: csvimport.Options{Commodity: "ppi_steel", Unit: "index", Currency: "USD"},
			csv:  "\"Date\",\"WPU101\"\n2023-10-01,316.305\n",
			want: gt.Records{Prices: []gt.PriceTick{
				{Commodity: "ppi_steel", At: day("2023-10-01"), Price: usd(31631), Unit: "index"},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := csvimport.Parse(tt.kind, strings.NewReader(tt.csv), tt.opts)
			if err != nil {
				t.Fatalf("Parse(%s) error = %v", tt.kind, err)
			}
			if !reflect.DeepEqual(b.Records, tt.want) {
				t.Errorf("Parse(%s) records =\n%+v\nwant\n%+v", tt.kind, b.Records, tt.want)
			}
			if b.Kind != tt.kind || b.Len() != tt.want.Len() {
				t.Errorf("Parse(%s) Kind, Len = %q, %d; want %q, %d", tt.kind, b.Kind, b.Len(), tt.kind, tt.want.Len())
			}
		})
	}
}

// TestParseSkipped checks that Pink Sheet columns without a money unit are listed.
func TestParseSkipped(t *testing.T) {
	in := "month,Copper ($/mt),Natural gas index (2010=100),Notes\n2022-09,7749,389.9,\n"
	b, err := csvimport.Parse("prices", strings.NewReader(in), csvimport.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Natural gas index (2010=100)", "Notes"}
	if !reflect.DeepEqual(b.Skipped, want) {
		t.Errorf("Skipped = %q, want %q", b.Skipped, want)
	}
}

// firstError returns the first *groundtruth.Error of err, failing the test when there is none.
func firstError(t *testing.T, err error) *gt.Error {
	t.Helper()
	var e *gt.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *groundtruth.Error", err, err)
	}
	return e
}
