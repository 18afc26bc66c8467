package csvimport_test

import (
	"fmt"
	"strings"
	"testing"

	gt "groundtruth"
	"groundtruth/csvimport"
)

const (
	partiesHeader = "id,name,roles\n"
	loansHeader   = "id,borrower_id,product,principal,currency,start_date,maturity_date,warn_ltv,margin_call_ltv,liquidation_ltv,cure_period\n"
	sitesHeader   = "id,name,kind,boundary,zones\n"
	devicesHeader = "id,kind,collateral_id,site_id,zone_id,interval,tare,scale\n"
	pricesHeader  = "commodity,at,price,currency,unit\n"
)

// TestParseErrors checks that each kind of bad input is reported at the right line and
// column (the first error's Field), with a message containing want.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, kind, csv string
		opts            csvimport.Options
		field, want     string
	}{
		{"empty file", "parties", "", csvimport.Options{}, "line 1", "header"},
		{"header only", "parties", partiesHeader + ",,\n", csvimport.Options{}, "line 1", "no records"},
		{"unknown kind", "widgets", partiesHeader, csvimport.Options{}, "kind", "unknown kind"},
		{"unknown column", "parties", "id,name,roles,colour\np1,A,borrower,red\n", csvimport.Options{}, "line 1, column colour", `unknown column "colour"`},
		{"unnamed column", "parties", "id,name,,roles\np1,A,,borrower\n", csvimport.Options{}, "line 1", "column 3 has no name"},
		{"duplicate column", "parties", "id,name,Name,roles\np1,A,B,borrower\n", csvimport.Options{}, "line 1, column name", "twice"},
		{"missing required column", "loans", "id,product,principal,currency,start_date,maturity_date\n", csvimport.Options{}, "line 1, column borrower_id", "missing"},
		{"header after blank lines", "parties", "\n\nid,name,role\n", csvimport.Options{}, "line 3, column role", "unknown column"},
		{"wrong field count", "parties", partiesHeader + "p1,A,borrower\np2,B\n", csvimport.Options{}, "line 3", "has 2 fields, the header has 3"},
		{"bare quote", "parties", partiesHeader + "p1,A \"B\" C,borrower\n", csvimport.Options{}, "line 2", "quote"},
		{"not UTF-8", "parties", partiesHeader + "p1,M\xfcller GmbH,borrower\n", csvimport.Options{}, "line 2, column name", "UTF-8"},
		{"pink sheet not UTF-8", "prices", "month,Copper ($/mt)\n2022-09,77\xe449\n", csvimport.Options{}, "line 2, column Copper ($/mt)", "UTF-8"},
		{"empty required cell", "parties", partiesHeader + "p1,,borrower\n", csvimport.Options{}, "line 2, column name", "required"},
		{"bad id", "parties", partiesHeader + "p 1,A,borrower\n", csvimport.Options{}, "line 2, column id", "character"},
		{"unknown role", "parties", partiesHeader + "p1,A,borrower;lender\n", csvimport.Options{}, "line 2, column roles", "lender"},
		{"duplicate id", "parties", partiesHeader + "p1,A,borrower\np2,B,borrower\np1,C,debtor\n", csvimport.Options{}, "line 4, column id", "also on line 2"},
		{"bad money decimals", "loans", loansHeader + "l1,p1,inventory,12.345,USD,2026-01-01,2027-01-01,,,,\n", csvimport.Options{}, "line 2, column principal", "more than 2 decimals"},
		{"decimal comma", "loans", loansHeader + "l1,p1,inventory,\"12,5\",USD,2026-01-01,2027-01-01,,,,\n", csvimport.Options{}, "line 2, column principal", "not a decimal"},
		{"unknown currency", "loans", loansHeader + "l1,p1,inventory,100,XYZ,2026-01-01,2027-01-01,,,,\n", csvimport.Options{}, "line 2, column currency", "XYZ"},
		{"currency missing", "loans", loansHeader + "l1,p1,inventory,100,,2026-01-01,2027-01-01,,,,\n", csvimport.Options{}, "line 2, column currency", "required"},
		{"bad date", "loans", loansHeader + "l1,p1,inventory,100,USD,2026-13-01,2027-01-01,,,,\n", csvimport.Options{}, "line 2, column start_date", "YYYY-MM-DD"},
		{"dates out of order", "loans", loansHeader + "l1,p1,inventory,100,USD,2027-01-01,2026-01-01,,,,\n", csvimport.Options{}, "line 2, column maturity_date", "after start_date"},
		{"bands out of order", "loans", loansHeader + "l1,p1,inventory,100,USD,2026-01-01,2027-01-01,0.8,0.7,0.9,\n", csvimport.Options{}, "line 2, column margin_call_ltv", "above the band"},
		{"bands partly set", "loans", loansHeader + "l1,p1,inventory,100,USD,2026-01-01,2027-01-01,0.6,,0.9,\n", csvimport.Options{}, "line 2, column margin_call_ltv", "all of"},
		{"bad cure period", "loans", loansHeader + "l1,p1,inventory,100,USD,2026-01-01,2027-01-01,,,,3 days\n", csvimport.Options{}, "line 2, column cure_period", "duration"},
		{"bad polygon JSON", "sites", sitesHeader + "s1,W,warehouse,\"{\"\"type\"\":\"\"Polygon\"\"\",\n", csvimport.Options{}, "line 2, column boundary", "GeoJSON"},
		{"polygon ring not closed", "sites", sitesHeader + "s1,W,warehouse,\"{\"\"type\"\":\"\"Polygon\"\",\"\"coordinates\"\":[[[0,0],[1,0],[1,1],[0,1]]]}\",\n",
			csvimport.Options{}, "line 2, column boundary", "coordinates[0]: ring is not closed"},
		{"polygon position of one number", "sites", sitesHeader + "s1,W,warehouse,\"{\"\"type\"\":\"\"Polygon\"\",\"\"coordinates\"\":[[[0,0],[1],[1,1],[0,0]]]}\",\n",
			csvimport.Options{}, "line 2, column boundary", "coordinates[0][1]"},
		{"boundary missing", "sites", sitesHeader + "s1,W,warehouse,,\n", csvimport.Options{}, "line 2, column boundary", "required"},
		{"duplicate zone", "sites", sitesHeader + "s1,W,warehouse," + squareCell + ",a;b;a\n", csvimport.Options{}, "line 2, column zones", "zones[2].id"},
		{"line of a row after a multi-line cell", "sites", sitesHeader + "s1,W,warehouse,\"{\"\"type\"\":\"\"Polygon\"\",\n\"\"coordinates\"\":\n[[[9.9,53.5],[10,53.5],[10,53.6],[9.9,53.5]]]}\",\ns2,X,silo," + squareCell + ",\n",
			csvimport.Options{}, "line 5, column kind", "silo"},
		{"share count mismatch", "collateral", collateralCSV(map[string]string{"id": "c1", "kind": "inventory_lot", "loan_ids": "l1;l2;l3", "shares": "0.5;0.5",
			"commodity": "copper", "quantity": "1", "unit": "t", "site_id": "s1"}), csvimport.Options{}, "line 2, column shares", "2 shares for 3 loans"},
		{"shares missing for several loans", "collateral", collateralCSV(map[string]string{"id": "c1", "kind": "inventory_lot", "loan_ids": "l1;l2",
			"commodity": "copper", "quantity": "1", "unit": "t", "site_id": "s1"}), csvimport.Options{}, "line 2, column shares", "required"},
		{"shares above 1", "collateral", collateralCSV(map[string]string{"id": "c1", "kind": "inventory_lot", "loan_ids": "l1;l2", "shares": "0.7;0.7",
			"commodity": "copper", "quantity": "1", "unit": "t", "site_id": "s1"}), csvimport.Options{}, "line 2, column shares", "more than 1"},
		{"duplicate loan", "collateral", collateralCSV(map[string]string{"id": "c1", "kind": "inventory_lot", "loan_ids": "l1;l1", "shares": "0.5;0.5",
			"commodity": "copper", "quantity": "1", "unit": "t", "site_id": "s1"}), csvimport.Options{}, "line 2, column loan_ids", "allocations[1].loan_id"},
		{"detail column of another kind", "collateral", collateralCSV(map[string]string{"id": "c1", "kind": "inventory_lot", "loan_ids": "l1",
			"commodity": "copper", "quantity": "1", "unit": "t", "site_id": "s1", "vin": "1HGCM82633A004352"}), csvimport.Options{}, "line 2, column vin", "not used by kind inventory_lot"},
		{"unknown collateral kind", "collateral", collateralCSV(map[string]string{"id": "c1", "kind": "boat", "loan_ids": "l1"}), csvimport.Options{}, "line 2, column kind", "boat"},
		{"inventory detail field", "collateral", collateralCSV(map[string]string{"id": "c1", "kind": "inventory_lot", "loan_ids": "l1",
			"commodity": "copper", "quantity": "1", "unit": "t", "site_id": "s 1"}), csvimport.Options{}, "line 2, column site_id", "character"},
		{"vehicle value currency", "collateral", collateralCSV(map[string]string{"id": "c1", "kind": "vehicle", "loan_ids": "l1",
			"vin": "1HGCM82633A004352", "value": "100"}), csvimport.Options{}, "line 2, column currency", "required"},
		{"vehicle value missing", "collateral", collateralCSV(map[string]string{"id": "c1", "kind": "vehicle", "loan_ids": "l1",
			"vin": "1HGCM82633A004352", "currency": "USD"}), csvimport.Options{}, "line 2, column value", "positive"},
		{"herd tag", "collateral", collateralCSV(map[string]string{"id": "c1", "kind": "livestock_herd", "loan_ids": "l1", "species": "cattle",
			"head_count": "3", "tag_ids": "a;b;a", "site_id": "s1", "price_per_head": "100", "currency": "USD"}), csvimport.Options{}, "line 2, column tag_ids", "tag_ids[2]"},
		{"bad boolean", "collateral", collateralCSV(map[string]string{"id": "c1", "kind": "receivable", "loan_ids": "l1", "seller_id": "a", "buyer_id": "b",
			"invoice_number": "1", "invoice_date": "2026-01-01", "amount": "1", "currency": "USD", "buyer_confirmed": "maybe"}), csvimport.Options{}, "line 2, column buyer_confirmed", "true or false"},
		{"device scale", "devices", devicesHeader + "d1,load_cell,c1,,,15m,0,-2\n", csvimport.Options{}, "line 2, column scale", "positive"},
		{"device interval", "devices", devicesHeader + "d1,load_cell,c1,,,15,0,1\n", csvimport.Options{}, "line 2, column interval", "duration"},
		{"device zone without site", "devices", devicesHeader + "d1,load_cell,c1,,bay1,15m,0,1\n", csvimport.Options{}, "line 2, column zone_id", "site_id"},
		{"release direction", "releases", "id,collateral_id,direction,quantity,unit,at\nr1,c1,sideways,1,t,2026-01-01\n", csvimport.Options{}, "line 2, column direction", "out"},
		{"price zero", "prices", pricesHeader + "copper,2026-01-01,0,USD,t\n", csvimport.Options{}, "line 2, column price", "positive"},
		{"price commodity", "prices", pricesHeader + "Copper,2026-01-01,1,USD,t\n", csvimport.Options{}, "line 2, column commodity", "lower case"},
		{"price duplicate", "prices", pricesHeader + "copper,2026-01-01,1,USD,t\ncopper,2026-01-01T00:00:00Z,2,USD,t\n", csvimport.Options{}, "line 3, column at", "also on line 2"},
		{"pink sheet negative", "prices", "month,Copper ($/mt),Cocoa ($/kg)\n2022-08,7981.84,2.3\n2022-09,7749,-2.2915\n", csvimport.Options{}, "line 3, column Cocoa ($/kg)", "positive"},
		{"pink sheet rounds to zero", "prices", "month,Copper ($/mt)\n2022-09,0.004\n", csvimport.Options{}, "line 2, column Copper ($/mt)", "positive"},
		{"pink sheet not a number", "prices", "month,Copper ($/mt)\n2022-09,abc\n", csvimport.Options{}, "line 2, column Copper ($/mt)", "decimal"},
		{"pink sheet bad month", "prices", "month,Copper ($/mt)\n2022-9,7749\n", csvimport.Options{}, "line 2, column month", "YYYY-MM"},
		{"pink sheet duplicate month", "prices", "month,Copper ($/mt)\n2022-09,7749\n2022-09,7750\n", csvimport.Options{}, "line 3, column month", "also on line 2"},
		{"pink sheet unknown unit", "prices", "month,Copper ($/lb)\n2022-09,3.5\n", csvimport.Options{}, "line 1, column Copper ($/lb)", "not known"},
		{"pink sheet duplicate commodity", "prices", "month,Copper ($/mt),COPPER ($/kg)\n", csvimport.Options{}, "line 1, column COPPER ($/kg)", "copper"},
		{"pink sheet unnamed column with a value", "prices", "month,Copper ($/mt), \n2022-09,7749,1\n", csvimport.Options{}, "line 2", "no name"},
		{"two columns without options", "prices", "Date,Price\n2026-01-01,80\n", csvimport.Options{Unit: "bbl", Currency: "USD"}, "commodity", "required"},
		{"two columns, bad option", "prices", "Date,Price\n2026-01-01,80\n", csvimport.Options{Commodity: "brent", Unit: "bbl", Currency: "US$"}, "currency", "unknown"},
		{"two columns, bad date", "prices", "Date,Price\n15/01/2026,80\n", csvimport.Options{Commodity: "brent", Unit: "bbl", Currency: "USD"}, "line 2, column Date", "YYYY-MM-DD"},
		{"two columns, negative", "prices", "Date,VALUE\n2026-01-01,80\n2026-02-01,-1\n", csvimport.Options{Commodity: "brent", Unit: "bbl", Currency: "USD"}, "line 3, column VALUE", "positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := csvimport.Parse(tt.kind, strings.NewReader(tt.csv), tt.opts)
			if err == nil {
				t.Fatalf("Parse(%s) = %+v, want an error at %q", tt.kind, b.Records, tt.field)
			}
			if b != nil {
				t.Errorf("Parse(%s) returned a batch with its error", tt.kind)
			}
			e := firstError(t, err)
			if e.Field != tt.field || !strings.Contains(e.Message, tt.want) {
				t.Errorf("Parse(%s) error = %q (field %q); want field %q, message containing %q", tt.kind, err, e.Field, tt.field, tt.want)
			}
			if e.Code != gt.EINVALID {
				t.Errorf("Parse(%s) error code = %q, want %q", tt.kind, e.Code, gt.EINVALID)
			}
		})
	}
}

// TestParseCollectsErrors checks that problems on several rows are all reported, each a
// *groundtruth.Error in line order, and that collection stops after MaxErrors.
func TestParseCollectsErrors(t *testing.T) {
	in := loansHeader +
		"l1,p1,inventory,12.345,USD,2026-01-01,2027-01-01,,,,\n" +
		"l2,p1,inventory,100,USD,2026-01-01,2027-01-01,,,,\n" +
		"l3,p1,inventory,100,XYZ,yesterday,2027-01-01,,,,\n"
	_, err := csvimport.Parse("loans", strings.NewReader(in), csvimport.Options{})
	var fields []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		fields = append(fields, firstError(t, e).Field)
	}
	want := []string{"line 2, column principal", "line 4, column currency", "line 4, column start_date"}
	if strings.Join(fields, "|") != strings.Join(want, "|") {
		t.Errorf("Parse error fields = %q, want %q", fields, want)
	}

	var sb strings.Builder
	sb.WriteString(partiesHeader)
	for i := range 30 {
		fmt.Fprintf(&sb, "p%d,,borrower\n", i)
	}
	_, err = csvimport.Parse("parties", strings.NewReader(sb.String()), csvimport.Options{})
	errs := err.(interface{ Unwrap() []error }).Unwrap()
	if len(errs) != csvimport.MaxErrors+1 || !strings.Contains(errs[len(errs)-1].Error(), "more errors follow") {
		t.Errorf("Parse of 30 bad rows gave %d errors ending in %v; want %d ending in a note", len(errs), errs[len(errs)-1], csvimport.MaxErrors+1)
	}
}

// TestParseTooLarge checks that a file of more than MaxRecords records is refused.
func TestParseTooLarge(t *testing.T) {
	var sb strings.Builder
	sb.WriteString(partiesHeader)
	for i := range csvimport.MaxRecords + 1 {
		fmt.Fprintf(&sb, "p%d,P,borrower\n", i)
	}
	_, err := csvimport.Parse("parties", strings.NewReader(sb.String()), csvimport.Options{})
	e := firstError(t, err)
	if e.Code != gt.ETOOLARGE || e.Field != fmt.Sprintf("line %d", csvimport.MaxRecords+2) {
		t.Errorf("Parse of %d records = %q (code %s), want %s at line %d", csvimport.MaxRecords+1, err, e.Code, gt.ETOOLARGE, csvimport.MaxRecords+2)
	}
}

// TestParseSkipsEmptyRows checks that rows of empty cells, as spreadsheets export, are ignored.
func TestParseSkipsEmptyRows(t *testing.T) {
	b, err := csvimport.Parse("parties", strings.NewReader(partiesHeader+"p1,A,borrower\n,,\n\n"), csvimport.Options{})
	if err != nil || len(b.Records.Parties) != 1 {
		t.Fatalf("Parse = %v, %v; want one party", b, err)
	}
	if _, err := csvimport.Parse("parties", strings.NewReader(partiesHeader+",,\np1,A,borrower;\n"), csvimport.Options{}); err != nil {
		t.Errorf("Parse with an empty row and a trailing ';' = %v", err)
	}
}
