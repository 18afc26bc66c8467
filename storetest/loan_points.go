package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	gt "groundtruth"
)

// testLoanPoints: hourly points are replaced by key (tenant, loan, hour), read oldest
// first within [from, to), the newest when a limit cuts, one loan and tenant at a time.
func testLoanPoints(t *testing.T, s gt.Store) {
	ctx := context.Background()
	seedTenants(t, s, 1, tenantA, tenantB)
	hour := epoch.UTC().Truncate(time.Hour)
	f := func(v float64) *float64 { return &v }
	point := func(tenant, loan string, h int, ltv float64) gt.LoanPoint {
		return gt.LoanPoint{TenantID: tenant, LoanID: loan, Start: hour.Add(time.Duration(h) * time.Hour), Count: 2,
			MinLTV: f(ltv - 0.01), MaxLTV: f(ltv + 0.01), LastLTV: f(ltv), Band: gt.BandHealthy,
			Exposure: gt.Money{Amount: 100, Currency: "USD"}, Value: gt.Money{Amount: 150, Currency: "USD"},
			At: hour.Add(time.Duration(h)*time.Hour + 30*time.Minute), Seq: uint64(10 + h)}
	}
	var all []gt.LoanPoint
	for h := range 5 {
		all = append(all, point(tenantA, "loan-1", h, 0.5+0.01*float64(h)))
	}
	noLTV := point(tenantA, "loan-1", 5, 0)
	noLTV.MinLTV, noLTV.MaxLTV, noLTV.LastLTV, noLTV.Band = nil, nil, nil, gt.BandLiquidation
	all = append(all, noLTV)
	apply(t, s, &gt.Changes{Seq: 20, LoanPoints: append(append([]gt.LoanPoint(nil), all...),
		point(tenantA, "loan-2", 0, 0.9), point(tenantB, "loan-1", 0, 0.8))})
	// The hour-3 point again, later in its hour: replaced, not added.
	all[3].Count, all[3].LastLTV = 7, f(0.61)
	apply(t, s, &gt.Changes{Seq: 21, LoanPoints: []gt.LoanPoint{all[3]}})

	read := func(tenant, loan string, from, to time.Time, limit int) []gt.LoanPoint {
		t.Helper()
		ps, err := s.LoanPoints(ctx, tenant, loan, from, to, limit)
		if err != nil {
			t.Fatalf("LoanPoints(%s, %s) = %v", tenant, loan, err)
		}
		return ps
	}
	far := hour.Add(1000 * time.Hour)
	if got := read(tenantA, "loan-1", time.Time{}, far, 100); !reflect.DeepEqual(got, all) {
		t.Errorf("LoanPoints(all) =\n%+v\nwant\n%+v", got, all)
	}
	if got := read(tenantA, "loan-1", hour.Add(time.Hour), hour.Add(3*time.Hour), 100); !reflect.DeepEqual(got, all[1:3]) {
		t.Errorf("LoanPoints([1h, 3h)) = %+v, want hours 1 and 2", got)
	}
	if got := read(tenantA, "loan-1", time.Time{}, far, 2); !reflect.DeepEqual(got, all[4:]) {
		t.Errorf("LoanPoints(limit 2) = %+v, want the newest two, oldest first", got)
	}
	if got := read(tenantB, "loan-1", time.Time{}, far, 100); len(got) != 1 || *got[0].LastLTV != 0.8 {
		t.Errorf("tenant B's points = %+v, want its one point", got)
	}
	if got := read(tenantB, "loan-2", time.Time{}, far, 100); len(got) != 0 {
		t.Errorf("tenant B reads tenant A's loan-2: %+v", got)
	}
}
