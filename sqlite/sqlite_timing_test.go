package sqlite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	gt "groundtruth"
)

// loanBatch returns 100 inventory loans of tenant, with ids from prefix, stamped by seq.
func loanBatch(tenant, prefix string, seq uint64) []gt.Loan {
	at := time.Date(2026, 4, 20, 6, 45, 12, 0, time.UTC)
	loans := make([]gt.Loan, 100)
	for i := range loans {
		l := gt.Loan{ID: fmt.Sprintf("%s-%03d", prefix, i), BorrowerID: "qd-copper-trading", Product: gt.ProductInventory,
			Principal: gt.Money{Amount: 5_000_000_000, Currency: "CNY"}, Outstanding: gt.Money{Amount: 4_200_000_000 - int64(i), Currency: "CNY"},
			InterestRate: 0.0435, StartDate: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
			MaturityDate: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), Status: gt.LoanActive, Terms: gt.DefaultTerms}
		l.Stamp(tenant, seq, at, true)
		loans[i] = l
	}
	return loans
}

// BenchmarkApplyChanges100Loans measures one ApplyChanges of 100 loans: replacing the
// same loans ("replace") and writing new ones each time ("new"). Bytes are the loans' JSON.
func BenchmarkApplyChanges100Loans(b *testing.B) {
	ctx := context.Background()
	s := open(b, filepath.Join(b.TempDir(), "bench.db"))
	defer s.Close()
	tenant := gt.Tenant{ID: "northwind-bank", Name: "Northwind Bank AG"}
	tenant.Stamp(tenant.ID, 1, time.Now(), true)
	if err := s.ApplyChanges(ctx, &gt.Changes{Seq: 1, Tenants: []gt.Tenant{tenant}}); err != nil {
		b.Fatal(err)
	}
	seq := uint64(1)
	for _, mode := range []string{"replace", "new"} {
		b.Run(mode, func(b *testing.B) {
			c := &gt.Changes{Records: gt.Records{Loans: loanBatch(tenant.ID, "ln", seq)}}
			raw, _ := json.Marshal(c.Loans)
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				seq++
				c.Seq = seq
				if mode == "new" {
					c.Loans = loanBatch(tenant.ID, fmt.Sprintf("ln-%d", seq), seq)
				}
				if err := s.ApplyChanges(ctx, c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
