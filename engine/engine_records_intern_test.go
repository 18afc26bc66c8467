package engine

import (
	"encoding/json"
	"testing"
	"unsafe"

	gt "groundtruth"
)

// TestRecordsShareRepeatedStrings checks that two records decoded from an event keep one
// copy of the strings they repeat, and their own of the others.
func TestRecordsShareRepeatedStrings(t *testing.T) {
	var r gt.Records
	data := `{"loans":[{"id":"l1","borrower_id":"b","product":"inventory","principal":{"amount":1,"currency":"USD"}},
		{"id":"l2","borrower_id":"b","product":"inventory","principal":{"amount":1,"currency":"USD"}}],
	"collateral":[{"id":"c1","kind":"inventory_lot","allocations":[{"loan_id":"l1","share":1}],"inventory":{"commodity":"copper","quantity":1,"unit":"t","site_id":"wh"}},
		{"id":"c2","kind":"inventory_lot","allocations":[{"loan_id":"l1","share":1}],"inventory":{"commodity":"copper","quantity":1,"unit":"t","site_id":"wh"}}]}`
	if err := json.Unmarshal([]byte(data), &r); err != nil {
		t.Fatal(err)
	}
	same := func(what string, a, b string) {
		t.Helper()
		if unsafe.StringData(a) != unsafe.StringData(b) {
			t.Errorf("%s: two copies of %q", what, a)
		}
	}
	apart := func(what string, a, b string) {
		t.Helper()
		if unsafe.StringData(a) == unsafe.StringData(b) {
			t.Errorf("%s: %q and %q share their bytes before interning", what, a, b)
		}
	}
	c1, c2 := &r.Collateral[0], &r.Collateral[1]
	apart("commodity", c1.Inventory.Commodity, c2.Inventory.Commodity) // the test would pass without interning
	internRecords(&r)
	same("kind", string(c1.Kind), string(c2.Kind))
	same("commodity", c1.Inventory.Commodity, c2.Inventory.Commodity)
	same("site", c1.Inventory.SiteID, c2.Inventory.SiteID)
	same("allocated loan", c1.Allocations[0].LoanID, c2.Allocations[0].LoanID)
	same("borrower", r.Loans[0].BorrowerID, r.Loans[1].BorrowerID)
	same("currency", r.Loans[0].Principal.Currency, r.Loans[1].Principal.Currency)
	if c1.ID == c2.ID || c1.Inventory.Commodity != "copper" || r.Loans[1].Product != "inventory" {
		t.Errorf("interning changed the records: %+v %+v", c1, r.Loans[1])
	}
}
