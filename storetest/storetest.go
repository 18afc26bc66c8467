// Package storetest is the conformance suite of groundtruth.Store: every implementation
// (sqlite, postgres) runs the same tests through the interface alone.
//
// A store test calls Run with a function that opens a new, empty store:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) groundtruth.Store {
//			s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "gt.db"))
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		})
//	}
//
// Run closes each store it opens; open registers the cleanup of anything else (a
// temporary schema, say) with t.Cleanup, which then runs after the store is closed.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	gt "groundtruth"
)

// Run runs the conformance suite, each test in a parallel subtest with a store of its
// own from open.
func Run(t *testing.T, open func(t *testing.T) gt.Store) {
	tests := []struct {
		name string
		f    func(t *testing.T, s gt.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"Replace", testReplace},
		{"TimesInUTC", testTimesInUTC},
		{"ProjectedSeq", testProjectedSeq},
		{"Snapshots", testSnapshots},
		{"NotFound", testNotFound},
		{"TenantIsolation", testTenantIsolation},
		{"HashLookups", testHashLookups},
		{"Pagination", testPagination},
		{"PageOrderIsByteOrder", testPageOrderIsByteOrder},
		{"Prices", testPrices},
		{"PricePaging", testPricePaging},
		{"Commodities", testCommodities},
		{"AtomicOnConstraintViolation", testAtomicOnConstraintViolation},
		{"AtomicOnUnknownTenant", testAtomicOnUnknownTenant},
		{"AtomicOnCancelledContext", testAtomicOnCancelledContext},
		{"ConcurrentReadsWhileWriting", testConcurrentReadsWhileWriting},
		{"HealthRoundTrip", testHealthRoundTrip},
		{"HealthReplace", testHealthReplace},
		{"HealthNotFound", testHealthNotFound},
		{"HealthPaging", testHealthPaging},
		{"DevicePositions", testDevicePositions},
		{"SeriesMerge", testSeriesMerge},
		{"SeriesRange", testSeriesRange},
		{"SeriesIsolation", testSeriesIsolation},
		{"SeriesBadQuery", testSeriesBadQuery},
		{"SeriesReplace", testSeriesReplace},
		{"SeriesPrune", testSeriesPrune},
		{"AtomicTelemetry", testAtomicTelemetry},
		{"RiskRoundTrip", testRiskRoundTrip},
		{"RiskReplace", testRiskReplace},
		{"AlertEvidenceKept", testAlertEvidenceKept},
		{"RiskNotFound", testRiskNotFound},
		{"RiskIsolation", testRiskIsolation},
		{"AtomicRisk", testAtomicRisk},
		{"RuleVersions", testRuleVersions},
		{"AlertFilters", testAlertFilters},
		{"RiskPaging", testRiskPaging},
		{"Portfolio", testPortfolio},
		{"LoanPoints", testLoanPoints},
		{"FieldObservations", testFieldObservations},
		{"WebhookConfig", testWebhookConfig},
		{"WebhookDeliveries", testWebhookDeliveries},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close() = %v, want nil", err)
				}
			})
			tc.f(t, s)
		})
	}
}

// epoch is the event time of the fixtures.
var epoch = time.Date(2026, 4, 20, 6, 45, 12, 345678901, time.UTC)

// apply applies c to s, failing the test on error.
func apply(t *testing.T, s gt.Store, c *gt.Changes) {
	t.Helper()
	if err := s.ApplyChanges(context.Background(), c); err != nil {
		t.Fatalf("ApplyChanges(seq %d) = %v, want nil", c.Seq, err)
	}
}

// seed validates the fixtures of tenant, applies them at seq and returns them.
func seed(t *testing.T, s gt.Store, tenant string, seq uint64) *gt.Changes {
	t.Helper()
	c := fixtures(tenant, seq, epoch)
	if err := validate(c); err != nil {
		t.Fatalf("fixtures of %s: %v", tenant, err)
	}
	apply(t, s, c)
	return c
}

// equal reports a difference between got and want, compared with reflect.DeepEqual.
func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s =\n\t%+v\nwant\n\t%+v", what, deref(got), deref(want))
	}
}

// deref returns what a pointer points to, for readable messages.
func deref(v any) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		return rv.Elem().Interface()
	}
	return v
}

// wantCode checks that err is a *groundtruth.Error with the given code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	var e *gt.Error
	if !errors.As(err, &e) || gt.ErrorCode(err) != code {
		t.Errorf("%s error = %v (%T), want a *groundtruth.Error with code %s", what, err, err, code)
	}
}

// get reads one record and compares it with want.
func get[T any](t *testing.T, what string, f func() (*T, error), want *T) {
	t.Helper()
	got, err := f()
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	equal(t, what, got, want)
}

// notFound checks that a read of one record fails with ENOTFOUND.
func notFound[T any](t *testing.T, what string, f func() (*T, error)) {
	t.Helper()
	got, err := f()
	if got != nil {
		t.Errorf("%s = %+v, want nil", what, deref(got))
	}
	wantCode(t, what, err, gt.ENOTFOUND)
}

// walk reads every page of a list with the given limit, checking that each page holds at
// most limit records and that ids strictly increase across pages, and returns them all.
func walk[T any](t *testing.T, what string, limit int, id func(*T) string,
	list func(o gt.ListOptions) ([]T, error)) []T {
	t.Helper()
	var all []T
	o := gt.ListOptions{Limit: limit}
	for pages := 0; ; pages++ {
		if pages > 10000 {
			t.Fatalf("%s: more than 10000 pages; is the cursor ignored?", what)
		}
		page, err := list(o)
		if err != nil {
			t.Fatalf("%s after %q: %v", what, o.After, err)
		}
		if len(page) > limit {
			t.Fatalf("%s after %q: %d records, want at most %d", what, o.After, len(page), limit)
		}
		for i := range page {
			if k := id(&page[i]); k <= o.After {
				t.Fatalf("%s after %q: id %q is not after the cursor", what, o.After, k)
			} else {
				o.After = k
			}
		}
		all = append(all, page...)
		if len(page) < limit {
			return all
		}
	}
}

// byID returns a copy of rs sorted by id.
func byID[T any](rs []T, id func(*T) string) []T {
	out := slices.Clone(rs)
	slices.SortFunc(out, func(a, b T) int { return strings.Compare(id(&a), id(&b)) })
	return out
}

// ids returns the ids of rs.
func ids[T any](rs []T, id func(*T) string) []string {
	out := make([]string, len(rs))
	for i := range rs {
		out[i] = id(&rs[i])
	}
	return out
}

// Identifiers of each record kind, for walk and byID.
func tenantID(r *gt.Tenant) string         { return r.ID }
func keyID(r *gt.APIKey) string            { return r.ID }
func partyID(r *gt.Party) string           { return r.ID }
func siteID(r *gt.Site) string             { return r.ID }
func loanID(r *gt.Loan) string             { return r.ID }
func collateralID(r *gt.Collateral) string { return r.ID }
func deviceID(r *gt.Device) string         { return r.ID }
func releaseID(r *gt.Release) string       { return r.ID }

// describe names a record for messages.
func describe(kind, tenant, id string) string {
	return fmt.Sprintf("%s(%s, %s)", kind, tenant, id)
}
