package csvimport_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	gt "groundtruth"
	"groundtruth/csvimport"
)

// TestLocate checks that engine errors naming a record by position are mapped to the CSV
// line and column of that record, keeping code and message.
func TestLocate(t *testing.T) {
	loans := loansHeader +
		"l1,p1,inventory,100,USD,2026-01-01,2027-01-01,,,,\n" +
		"\n" + // a blank line still counts as a line
		"l2,p2,inventory,100,USD,2026-01-01,2027-01-01,,,,\n" +
		"l3,p3,inventory,100,USD,2026-01-01,2027-01-01,,,,\n"
	collateral := collateralCSV(
		map[string]string{"id": "c1", "kind": "inventory_lot", "loan_ids": "l1;l2", "shares": "0.5;0.5",
			"commodity": "copper", "quantity": "1", "unit": "t", "site_id": "s1", "zone_id": "z1", "custodian_id": "p9"},
		map[string]string{"id": "c2", "kind": "receivable", "loan_ids": "l1", "seller_id": "p1", "buyer_id": "p2",
			"invoice_number": "1", "invoice_date": "2026-01-01", "due_date": "2026-03-01", "amount": "1", "currency": "USD"},
	)
	pink := "month,Copper ($/mt),Cocoa ($/kg)\n2022-08,7981.84,\n2022-09,7749,2.2915\n"
	tests := []struct {
		kind, csv string
		in        error
		want      string // Field of the located error; "" when it passes through unchanged
	}{
		{"loans", loans, gt.FieldErrorf("loans[1].borrower_id", `party "p2" does not exist`), "line 4, column borrower_id"},
		{"loans", loans, gt.FieldErrorf("loans[0].core_enterprise_id", "x"), "line 2, column core_enterprise_id"},
		{"loans", loans, &gt.Error{Code: gt.ECONFLICT, Field: "loans[2].id", Message: "exists"}, "line 5, column id"},
		{"loans", loans, gt.FieldErrorf("loans[2]", "x"), "line 5"},
		{"loans", loans, gt.FieldErrorf("loans[2].terms.warn_ltv", "x"), "line 5, column warn_ltv"},
		{"loans", loans, fmt.Errorf("apply: %w", gt.FieldErrorf("loans[0].borrower_id", "x")), "line 2, column borrower_id"},
		{"loans", loans, gt.FieldErrorf("loans[3].borrower_id", "x"), ""},
		{"loans", loans, gt.FieldErrorf("loans[-1].borrower_id", "x"), ""},
		{"loans", loans, gt.FieldErrorf("loans[1]x", "x"), ""},
		{"loans", loans, gt.FieldErrorf("parties[0].id", "x"), ""},
		{"loans", loans, gt.FieldErrorf("loans", "x"), ""},
		{"loans", loans, errors.New("disk full"), ""},
		{"collateral", collateral, gt.FieldErrorf("collateral[0].allocations[0].loan_id", `loan "l1" does not exist`), "line 2, column loan_ids"},
		{"collateral", collateral, gt.FieldErrorf("collateral[0].inventory.site_id", "x"), "line 2, column site_id"},
		{"collateral", collateral, gt.FieldErrorf("collateral[0].inventory.zone_id", "x"), "line 2, column zone_id"},
		{"collateral", collateral, gt.FieldErrorf("collateral[0].inventory.custodian_id", "x"), "line 2, column custodian_id"},
		{"collateral", collateral, gt.FieldErrorf("collateral[1].receivable.buyer_id", "x"), "line 3, column buyer_id"},
		{"collateral", collateral, gt.FieldErrorf("collateral[1].receivable.amount.currency", "x"), "line 3, column currency"},
		{"prices", pink, gt.FieldErrorf("prices[2].price.amount", "x"), "line 3, column Cocoa ($/kg)"},
		{"prices", pink, gt.FieldErrorf("prices[1].at", "x"), "line 3, column month"},
	}
	for _, tt := range tests {
		b, err := csvimport.Parse(tt.kind, strings.NewReader(tt.csv), csvimport.Options{})
		if err != nil {
			t.Fatalf("Parse(%s) error = %v", tt.kind, err)
		}
		got := b.Locate(tt.in)
		if tt.want == "" {
			if got != tt.in {
				t.Errorf("Locate(%v) = %v, want it unchanged", tt.in, got)
			}
			continue
		}
		var in, out *gt.Error
		errors.As(tt.in, &in)
		if !errors.As(got, &out) || out.Field != tt.want || out.Code != in.Code || !strings.HasSuffix(out.Message, in.Message) {
			t.Errorf("Locate(%v) = %#v, want field %q with code %q and message %q", tt.in, got, tt.want, in.Code, in.Message)
		}
	}
	var nilBatch *csvimport.Batch
	if in := gt.FieldErrorf("loans[0].id", "x"); nilBatch.Locate(in) != in {
		t.Errorf("nil Batch.Locate changed the error")
	}
}
