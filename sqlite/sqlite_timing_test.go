package sqlite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/storetest"
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

// telemetryBatch returns what the engine emits when a number of load cells have each sent a
// pack of five measurements: a health row per device and a bucket per measurement.
func telemetryBatch(tenant string, devices int, seq uint64) *gt.Changes {
	at := time.Date(2026, 4, 20, 6, 45, 12, 345678000, time.UTC)
	names := []string{"weight", "temp", "humidity", "battery", "rssi"}
	c := &gt.Changes{Seq: seq, Health: make([]gt.DeviceHealth, devices), Series: make([]gt.SeriesBucket, 0, devices*len(names))}
	for d := range devices {
		id := fmt.Sprintf("lc-%05d", d)
		last := make(map[string]gt.Reading, len(names))
		for i, n := range names {
			v := float64(d*10 + i)
			last[n] = gt.Reading{Name: n, Unit: "kg", T: at.UnixMicro(), V: &v}
			c.Series = append(c.Series, gt.SeriesBucket{TenantID: tenant, DeviceID: id, Name: n, Start: at.Truncate(time.Minute),
				Count: seq, Sum: v * float64(seq), Min: v - 1, Max: v + 1, Last: v, LastAt: at})
		}
		c.Health[d] = gt.DeviceHealth{TenantID: tenant, DeviceID: id, State: gt.StateOnline, StateAt: at.Add(-time.Hour),
			LastSeen: at, LastReadingAt: at, LastSeq: seq, LastDigest: "9f86d081884c7d659a2feaa0c55ad015",
			Packs: seq, Readings: seq * 5, Rejected: map[string]uint64{}, Last: last, Seq: seq}
	}
	return c
}

// BenchmarkApplyChangesTelemetry measures one ApplyChanges of the health rows and buckets
// of 1,000 devices (1,000 rows and 5,000 buckets), replacing the same rows each time.
// Bytes are the rows' JSON.
func BenchmarkApplyChangesTelemetry(b *testing.B) {
	ctx := context.Background()
	s := open(b, filepath.Join(b.TempDir(), "bench.db"))
	defer s.Close()
	tenant := gt.Tenant{ID: "northwind-bank", Name: "Northwind Bank AG"}
	tenant.Stamp(tenant.ID, 1, time.Now(), true)
	if err := s.ApplyChanges(ctx, &gt.Changes{Seq: 1, Tenants: []gt.Tenant{tenant}}); err != nil {
		b.Fatal(err)
	}
	c := telemetryBatch(tenant.ID, 1000, 2)
	h, _ := json.Marshal(c.Health)
	r, _ := json.Marshal(c.Series)
	b.SetBytes(int64(len(h) + len(r)))
	b.ReportAllocs()
	for b.Loop() {
		c.Seq++
		if err := s.ApplyChanges(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
}

// riskStore returns a store holding a tenant with the risk records of 10,000 loans.
func riskStore(b *testing.B) (*gt.Changes, gt.Store) {
	ctx := context.Background()
	s := open(b, filepath.Join(b.TempDir(), "bench.db"))
	b.Cleanup(func() { s.Close() })
	tenant := gt.Tenant{ID: "northwind-bank", Name: "Northwind Bank AG"}
	tenant.Stamp(tenant.ID, 1, time.Now(), true)
	if err := s.ApplyChanges(ctx, &gt.Changes{Seq: 1, Tenants: []gt.Tenant{tenant}}); err != nil {
		b.Fatal(err)
	}
	c := storetest.RiskBatch(tenant.ID, 10_000, 2)
	if err := s.ApplyChanges(ctx, c); err != nil {
		b.Fatal(err)
	}
	return c, s
}

// BenchmarkPortfolio measures Portfolio of a tenant of 10,000 loans secured by 20,000
// valued lots, with 5,000 alerts.
func BenchmarkPortfolio(b *testing.B) {
	ctx := context.Background()
	_, s := riskStore(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Portfolio(ctx, "northwind-bank"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApplyChangesRisk measures one ApplyChanges replacing the metrics of 1,000
// loans and the valuations of their 2,000 lots, as after a price move.
func BenchmarkApplyChangesRisk(b *testing.B) {
	ctx := context.Background()
	all, s := riskStore(b)
	c := &gt.Changes{Seq: all.Seq, LoanRisks: all.LoanRisks[:1000], Valuations: all.Valuations[:2000]}
	b.ReportAllocs()
	for b.Loop() {
		c.Seq++
		if err := s.ApplyChanges(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
}
