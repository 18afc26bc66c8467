package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	gt "groundtruth"
)

// tick returns a price tick recorded by the event seq.
func tick(commodity string, at time.Time, amount int64, currency, unit, source string, seq uint64) gt.PriceTick {
	return gt.PriceTick{Commodity: commodity, At: at, Price: gt.Money{Amount: amount, Currency: currency},
		Unit: unit, Source: source, Seq: seq}
}

// copperTicks returns LME copper cash settlement prices in USD per tonne, in time order,
// one of them with a time to the nanosecond.
func copperTicks(seq uint64) []gt.PriceTick {
	at := func(d, h, m, s, ns int) time.Time { return time.Date(2026, 4, d, h, m, s, ns, time.UTC) }
	return []gt.PriceTick{
		tick("copper", at(1, 16, 0, 0, 0), 941_250, "USD", "t", "LME cash settlement", seq),
		tick("copper", at(2, 16, 0, 0, 0), 938_800, "USD", "t", "LME cash settlement", seq),
		tick("copper", at(2, 16, 0, 0, 1), 938_900, "USD", "t", "LME intraday", seq),
		tick("copper", at(3, 9, 30, 15, 123456789), 944_175, "USD", "t", "SHFE → USD, 上海期货交易所", seq),
		tick("copper", at(3, 16, 0, 0, 0), 951_000, "USD", "t", "LME cash settlement", seq),
		tick("copper", at(6, 16, 0, 0, 0), 955_525, "USD", "t", "LME cash settlement", seq),
	}
}

// tickChanges returns changes recording ticks for tenant.
func tickChanges(tenant string, seq uint64, ticks ...gt.PriceTick) *gt.Changes {
	ticks = slices.Clone(ticks)
	for i := range ticks {
		ticks[i].TenantID = tenant
	}
	return &gt.Changes{Seq: seq, Records: gt.Records{Prices: ticks}}
}

// owned returns a copy of ticks owned by tenant.
func owned(tenant string, ticks []gt.PriceTick) []gt.PriceTick {
	return tickChanges(tenant, 0, ticks...).Prices
}

// seedTenants writes the records of tenants alone, at seq.
func seedTenants(t *testing.T, s gt.Store, seq uint64, tenants ...string) {
	t.Helper()
	c := &gt.Changes{Seq: seq}
	for _, tenant := range tenants {
		c.Tenants = append(c.Tenants, fixtures(tenant, seq, epoch).Tenants...)
	}
	apply(t, s, c)
}

// prices reads one query, failing the test on error.
func prices(t *testing.T, s gt.Store, tenant string, q gt.PriceQuery) []gt.PriceTick {
	t.Helper()
	got, err := s.Prices(context.Background(), tenant, q)
	if err != nil {
		t.Fatalf("Prices(%s, %+v): %v", tenant, q, err)
	}
	return got
}

// testPrices writes ticks out of order and reads them in time order, within ranges, and
// replaced by a later tick of the same commodity and time.
func testPrices(t *testing.T, s gt.Store) {
	ctx := context.Background()
	ticks := owned(tenantA, copperTicks(4))
	for _, p := range ticks {
		if err := p.Validate(); err != nil {
			t.Fatalf("fixture tick at %v: %v", p.At, err)
		}
	}
	seedTenants(t, s, 1, tenantA)
	shuffled := []gt.PriceTick{ticks[3], ticks[0], ticks[5], ticks[2], ticks[1], ticks[4]}
	apply(t, s, tickChanges(tenantA, 4, shuffled...))
	equal(t, "Prices(copper)", prices(t, s, tenantA, gt.PriceQuery{Commodity: "copper"}), ticks)

	for _, tc := range []struct {
		name     string
		from, to time.Time
		want     []gt.PriceTick
	}{
		{"from is inclusive", ticks[2].At, time.Time{}, ticks[2:]},
		{"to is exclusive", time.Time{}, ticks[2].At, ticks[:2]},
		{"both", ticks[1].At, ticks[4].At, ticks[1:4]},
		{"nanosecond bounds", ticks[3].At, ticks[3].At.Add(time.Nanosecond), ticks[3:4]},
		{"empty range", ticks[4].At, ticks[4].At, []gt.PriceTick{}},
		{"non-UTC bounds", ticks[1].At.In(time.FixedZone("CST", 8*3600)), ticks[4].At.In(time.FixedZone("EDT", -4*3600)), ticks[1:4]},
	} {
		got := prices(t, s, tenantA, gt.PriceQuery{Commodity: "copper", From: tc.from, To: tc.to})
		if len(got) == 0 && len(tc.want) == 0 {
			continue
		}
		equal(t, "Prices(copper, "+tc.name+")", got, tc.want)
	}

	// A tick of the same commodity and time replaces the earlier one; a tick given in
	// another zone is the same instant and comes back in UTC.
	fix := ticks[4]
	fix.At = fix.At.In(time.FixedZone("CST", 8*3600))
	fix.Price.Amount, fix.Source, fix.Seq = 950_990, "LME cash settlement (corrected)", 9
	apply(t, s, tickChanges(tenantA, 9, fix))
	want := slices.Clone(ticks)
	want[4] = fix
	want[4].At = ticks[4].At
	equal(t, "Prices(copper) after a correction", prices(t, s, tenantA, gt.PriceQuery{Commodity: "copper"}), want)

	if got := prices(t, s, tenantA, gt.PriceQuery{Commodity: "tin"}); len(got) != 0 {
		t.Errorf("Prices(tin) = %v, want none", got)
	}
	_, err := s.Prices(ctx, tenantA, gt.PriceQuery{Commodity: "copper", After: "yesterday"})
	wantCode(t, "Prices(After: \"yesterday\")", err, gt.EINVALID)
}

// testPricePaging walks ticks page by page with the At of the last tick as the cursor.
func testPricePaging(t *testing.T, s gt.Store) {
	ticks := owned(tenantA, copperTicks(2))
	seedTenants(t, s, 1, tenantA)
	apply(t, s, tickChanges(tenantA, 2, ticks...))
	for _, limit := range []int{1, 2, 4, 6, 50} {
		var all []gt.PriceTick
		q := gt.PriceQuery{Commodity: "copper", Limit: limit}
		for pages := 0; ; pages++ {
			if pages > len(ticks)+1 {
				t.Fatalf("Prices(limit %d): too many pages; is the cursor ignored?", limit)
			}
			page := prices(t, s, tenantA, q)
			if len(page) > limit {
				t.Fatalf("Prices(limit %d, after %q) = %d ticks", limit, q.After, len(page))
			}
			all = append(all, page...)
			if len(page) < limit {
				break
			}
			q.After = page[len(page)-1].At.Format(time.RFC3339Nano)
		}
		equal(t, "Prices walked with limit", all, ticks)
	}
	// The range and the cursor combine.
	q := gt.PriceQuery{Commodity: "copper", From: ticks[1].At, To: ticks[5].At, After: ticks[2].At.Format(time.RFC3339Nano), Limit: 1}
	equal(t, "Prices(range, after ticks[2], limit 1)", prices(t, s, tenantA, q), ticks[3:4])

	// Default and maximum page sizes.
	many := make([]gt.PriceTick, gt.MaxPageSize+1)
	for i := range many {
		many[i] = tick("maize", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Hour),
			21_150+int64(i), "BRL", "t", "B3 CCM", 3)
	}
	apply(t, s, tickChanges(tenantA, 3, many...))
	for _, tc := range []struct{ limit, want int }{{0, gt.DefaultPageSize}, {gt.MaxPageSize + 1, gt.MaxPageSize}} {
		if got := prices(t, s, tenantA, gt.PriceQuery{Commodity: "maize", Limit: tc.limit}); len(got) != tc.want {
			t.Errorf("Prices(maize, Limit %d) = %d ticks, want %d", tc.limit, len(got), tc.want)
		}
	}
}

// testCommodities lists each tenant's commodities, sorted, and keeps prices apart.
func testCommodities(t *testing.T, s gt.Store) {
	ctx := context.Background()
	if got, err := s.Commodities(ctx, tenantA); err != nil || len(got) != 0 {
		t.Errorf("Commodities(empty store) = %v, %v; want none", got, err)
	}
	seedTenants(t, s, 1, tenantA, tenantB)
	at := time.Date(2026, 4, 3, 16, 0, 0, 0, time.UTC)
	apply(t, s, tickChanges(tenantA, 2,
		tick("maize", at, 21_150, "BRL", "t", "B3 CCM", 2),
		tick("copper", at, 951_000, "USD", "t", "LME", 2),
		tick("aluminium", at, 244_050, "USD", "t", "LME", 2),
		tick("copper", at.Add(time.Hour), 951_500, "USD", "t", "LME", 2),
	))
	apply(t, s, tickChanges(tenantB, 3, tick("cattle", at, 31_500, "BRL", "@", "CEPEA boi gordo", 3)))

	for _, tc := range []struct {
		tenant string
		want   []string
	}{
		{tenantA, []string{"aluminium", "copper", "maize"}},
		{tenantB, []string{"cattle"}},
		{"no-such-bank", nil},
	} {
		got, err := s.Commodities(ctx, tc.tenant)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("Commodities(%s) = %q, %v; want %q", tc.tenant, got, err, tc.want)
		}
	}
	if got := prices(t, s, tenantB, gt.PriceQuery{Commodity: "copper"}); len(got) != 0 {
		t.Errorf("Prices(B, copper) = %v, want none: the ticks are A's", got)
	}
	if got := prices(t, s, tenantA, gt.PriceQuery{Commodity: "cattle"}); len(got) != 0 {
		t.Errorf("Prices(A, cattle) = %v, want none: the ticks are B's", got)
	}
	equal(t, "Prices(B, cattle)", prices(t, s, tenantB, gt.PriceQuery{Commodity: "cattle"}),
		owned(tenantB, []gt.PriceTick{tick("cattle", at, 31_500, "BRL", "@", "CEPEA boi gordo", 3)}))
}
