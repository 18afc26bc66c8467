package storetest

import (
	"context"
	"testing"
	"time"

	gt "groundtruth"
)

// seriesAt is the start of the first minute of the series fixtures.
var seriesAt = time.Date(2026, 4, 20, 6, 0, 0, 0, time.UTC)

// minute returns the time m minutes and extra after seriesAt.
func minute(m int, extra time.Duration) time.Time {
	return seriesAt.Add(time.Duration(m)*time.Minute + extra)
}

// bucket returns a bucket of a load cell's weight in kilograms for minute m.
func bucket(tenant string, m int, count uint64, sum, lo, hi, last float64, lastAt time.Duration) gt.SeriesBucket {
	return gt.SeriesBucket{TenantID: tenant, DeviceID: "lc-qd3-bay-a-01", Name: "weight", Start: minute(m, 0),
		Count: count, Sum: sum, Min: lo, Max: hi, Last: last, LastAt: minute(m, lastAt)}
}

// weightBuckets returns six buckets of one series over ten minutes, minutes 2, 6, 7 and
// 8 without readings.
func weightBuckets(tenant string) []gt.SeriesBucket {
	return []gt.SeriesBucket{
		bucket(tenant, 0, 2, 10, 4, 6, 6, 40*time.Second),
		bucket(tenant, 1, 3, 30, 9, 11, 9, 50*time.Second),
		bucket(tenant, 3, 1, 7, 7, 7, 7, 10*time.Second),
		bucket(tenant, 4, 4, 8, -1, 5, 2, time.Minute-time.Microsecond),
		bucket(tenant, 5, 1, 100, 100, 100, 100, 0),
		bucket(tenant, 9, 2, 3, 1, 2, 1, 30*time.Second),
	}
}

// point returns a point of a series.
func point(start time.Time, count uint64, sum, mean, lo, hi, last float64) gt.SeriesPoint {
	return gt.SeriesPoint{Start: start, Count: count, Sum: sum, Mean: mean, Min: lo, Max: hi, Last: last}
}

// seriesOf reads a series, failing the test on error.
func seriesOf(t *testing.T, s gt.Store, tenant string, q gt.SeriesQuery) []gt.SeriesPoint {
	t.Helper()
	got, err := s.Series(context.Background(), tenant, q)
	if err != nil {
		t.Fatalf("Series(%s, %+v): %v", tenant, q, err)
	}
	return got
}

// wantSeries compares a series with want, an empty series with no points.
func wantSeries(t *testing.T, what string, got, want []gt.SeriesPoint) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	equal(t, what, got, want)
}

// weightQuery returns the query of the weight series of minutes [from, to) by step.
func weightQuery(from, to time.Time, step time.Duration) gt.SeriesQuery {
	return gt.SeriesQuery{Device: "lc-qd3-bay-a-01", Name: "weight", From: from, To: to, Step: step}
}

// testSeriesMerge writes buckets out of order and reads them merged by one and by five
// minutes. The expected points are worked out by hand from the buckets.
func testSeriesMerge(t *testing.T, s gt.Store) {
	seedTenants(t, s, 1, tenantA)
	b := weightBuckets(tenantA)
	apply(t, s, &gt.Changes{Seq: 2, Series: []gt.SeriesBucket{b[3], b[0], b[5], b[2]}})
	apply(t, s, &gt.Changes{Seq: 3, Series: []gt.SeriesBucket{b[4], b[1]}})

	wantSeries(t, "Series(step 1m)", seriesOf(t, s, tenantA, weightQuery(minute(0, 0), minute(10, 0), time.Minute)),
		[]gt.SeriesPoint{
			point(minute(0, 0), 2, 10, 5, 4, 6, 6),
			point(minute(1, 0), 3, 30, 10, 9, 11, 9),
			point(minute(3, 0), 1, 7, 7, 7, 7, 7),
			point(minute(4, 0), 4, 8, 2, -1, 5, 2),
			point(minute(5, 0), 1, 100, 100, 100, 100, 100),
			point(minute(9, 0), 2, 3, 1.5, 1, 2, 1),
		})
	// Minutes 0-4: 2+3+1+4 readings summing to 10+30+7+8, the last at 06:04:59.999999.
	// Minutes 5-9: 1+2 readings summing to 100+3, the last at 06:09:30.
	wantSeries(t, "Series(step 5m)", seriesOf(t, s, tenantA, weightQuery(minute(0, 0), minute(10, 0), 5*time.Minute)),
		[]gt.SeriesPoint{
			point(minute(0, 0), 10, 55, 5.5, -1, 11, 2),
			point(minute(5, 0), 3, 103, 103.0/3, 1, 100, 1),
		})
	// From is aligned down to a multiple of the step: 06:03 by 5m is 06:00.
	wantSeries(t, "Series(step 5m, from 06:03)", seriesOf(t, s, tenantA, weightQuery(minute(3, 0), minute(5, 0), 5*time.Minute)),
		[]gt.SeriesPoint{point(minute(0, 0), 10, 55, 5.5, -1, 11, 2)})
	// One point of ten minutes.
	wantSeries(t, "Series(step 10m)", seriesOf(t, s, tenantA, weightQuery(minute(0, 0), minute(10, 0), 10*time.Minute)),
		[]gt.SeriesPoint{point(minute(0, 0), 13, 158, 158.0/13, -1, 100, 1)})
}

// testSeriesRange checks the bounds of a query: From inclusive (after alignment), To
// exclusive, to the nanosecond, in any zone.
func testSeriesRange(t *testing.T, s gt.Store) {
	seedTenants(t, s, 1, tenantA)
	apply(t, s, &gt.Changes{Seq: 2, Series: weightBuckets(tenantA)})
	p1 := point(minute(1, 0), 3, 30, 10, 9, 11, 9)
	p3 := point(minute(3, 0), 1, 7, 7, 7, 7, 7)
	p4 := point(minute(4, 0), 4, 8, 2, -1, 5, 2)
	p5 := point(minute(5, 0), 1, 100, 100, 100, 100, 100)
	cst := time.FixedZone("CST", 8*3600)
	for _, tc := range []struct {
		name     string
		from, to time.Time
		want     []gt.SeriesPoint
	}{
		{"from inclusive, to exclusive", minute(1, 0), minute(4, 0), []gt.SeriesPoint{p1, p3}},
		{"to a microsecond after a start", minute(1, 0), minute(4, time.Microsecond), []gt.SeriesPoint{p1, p3, p4}},
		{"to a nanosecond after a start", minute(1, 0), minute(4, time.Nanosecond), []gt.SeriesPoint{p1, p3, p4}},
		{"to a nanosecond before a start", minute(1, 0), minute(4, -time.Nanosecond), []gt.SeriesPoint{p1, p3}},
		{"from within a minute", minute(1, 30*time.Second), minute(2, 0), []gt.SeriesPoint{p1}},
		{"from just after a start", minute(2, time.Nanosecond), minute(6, 0), []gt.SeriesPoint{p3, p4, p5}},
		{"no buckets in range", minute(6, 0), minute(9, 0), nil},
		{"before every bucket", minute(-60, 0), minute(0, 0), nil},
		{"zoned bounds", minute(3, 0).In(cst), minute(5, 0).In(cst), []gt.SeriesPoint{p3, p4}},
	} {
		wantSeries(t, "Series("+tc.name+")", seriesOf(t, s, tenantA, weightQuery(tc.from, tc.to, time.Minute)), tc.want)
	}
}

// testSeriesIsolation stores buckets of the same minutes for another device, another
// measurement and another tenant, and expects each series to hold only its own.
func testSeriesIsolation(t *testing.T, s gt.Store) {
	seedTenants(t, s, 1, tenantA, tenantB)
	mine := bucket(tenantA, 0, 2, 10, 4, 6, 6, 40*time.Second)
	device, name, tenant := mine, mine, mine
	device.DeviceID, device.Sum, device.Max = "lc-qd3-bay-a-02", 20, 16
	name.Name, name.Sum, name.Min = "temp", -8, -5
	tenant.TenantID, tenant.Count, tenant.Sum = tenantB, 1, 4
	apply(t, s, &gt.Changes{Seq: 2, Series: []gt.SeriesBucket{device, mine, name}})
	apply(t, s, &gt.Changes{Seq: 3, Series: []gt.SeriesBucket{tenant}})

	q := weightQuery(minute(0, 0), minute(5, 0), time.Minute)
	wantSeries(t, "Series(A, weight)", seriesOf(t, s, tenantA, q), []gt.SeriesPoint{point(minute(0, 0), 2, 10, 5, 4, 6, 6)})
	wantSeries(t, "Series(B, weight)", seriesOf(t, s, tenantB, q), []gt.SeriesPoint{point(minute(0, 0), 1, 4, 4, 4, 6, 6)})
	q.Name = "temp"
	wantSeries(t, "Series(A, temp)", seriesOf(t, s, tenantA, q), []gt.SeriesPoint{point(minute(0, 0), 2, -8, -4, -5, 6, 6)})
	q.Name, q.Device = "weight", "lc-qd3-bay-a-02"
	wantSeries(t, "Series(A, other device)", seriesOf(t, s, tenantA, q), []gt.SeriesPoint{point(minute(0, 0), 2, 20, 10, 4, 16, 6)})
	for _, tc := range []struct{ tenant, device, name string }{
		{"no-such-bank", mine.DeviceID, "weight"},
		{"", mine.DeviceID, "weight"},
		{tenantA, "no-such-device", "weight"},
		{tenantA, mine.DeviceID, "Weight"},
		{tenantA, mine.DeviceID, "weigh"},
		{tenantB, mine.DeviceID, "temp"},
	} {
		q := gt.SeriesQuery{Device: tc.device, Name: tc.name, From: minute(0, 0), To: minute(5, 0), Step: time.Minute}
		if got := seriesOf(t, s, tc.tenant, q); len(got) != 0 {
			t.Errorf("Series(%q, %s, %s) = %+v, want none", tc.tenant, tc.device, tc.name, got)
		}
	}
}

// testSeriesBadQuery expects EINVALID for queries that Check refuses.
func testSeriesBadQuery(t *testing.T, s gt.Store) {
	ctx := context.Background()
	seedTenants(t, s, 1, tenantA)
	apply(t, s, &gt.Changes{Seq: 2, Series: weightBuckets(tenantA)})
	ok := weightQuery(minute(0, 0), minute(10, 0), time.Minute)
	for _, tc := range []struct {
		name string
		edit func(q *gt.SeriesQuery)
	}{
		{"no device", func(q *gt.SeriesQuery) { q.Device = "" }},
		{"device id with a space", func(q *gt.SeriesQuery) { q.Device = "lc qd3" }},
		{"no name", func(q *gt.SeriesQuery) { q.Name = "" }},
		{"no step", func(q *gt.SeriesQuery) { q.Step = 0 }},
		{"step of 90s", func(q *gt.SeriesQuery) { q.Step = 90 * time.Second }},
		{"step of 30s", func(q *gt.SeriesQuery) { q.Step = 30 * time.Second }},
		{"negative step", func(q *gt.SeriesQuery) { q.Step = -time.Minute }},
		{"no from", func(q *gt.SeriesQuery) { q.From = time.Time{} }},
		{"no to", func(q *gt.SeriesQuery) { q.To = time.Time{} }},
		{"to before from", func(q *gt.SeriesQuery) { q.From, q.To = q.To, q.From }},
		{"empty range", func(q *gt.SeriesQuery) { q.To = q.From }},
		{"too many points", func(q *gt.SeriesQuery) { q.To = q.From.Add((gt.MaxSeriesPoints + 1) * time.Minute) }},
	} {
		q := ok
		tc.edit(&q)
		got, err := s.Series(ctx, tenantA, q)
		if got != nil {
			t.Errorf("Series(%s) = %+v, want nil", tc.name, got)
		}
		wantCode(t, "Series("+tc.name+")", err, gt.EINVALID)
	}
	if got := seriesOf(t, s, tenantA, ok); len(got) != 6 {
		t.Errorf("Series(valid query) = %d points, want 6", len(got))
	}
}

// testSeriesReplace writes a bucket again with new values and expects only the new ones,
// and keeps the last of two buckets of one key in the same changes.
func testSeriesReplace(t *testing.T, s gt.Store) {
	seedTenants(t, s, 1, tenantA)
	b := weightBuckets(tenantA)[:3]
	apply(t, s, &gt.Changes{Seq: 2, Series: b})
	// Minute 1 again, as if read later: fewer readings, lower values, no last time.
	again := bucket(tenantA, 1, 1, 42, 42, 42, 42, 0)
	again.LastAt = time.Time{}
	apply(t, s, &gt.Changes{Seq: 3, Series: []gt.SeriesBucket{again}})
	q := weightQuery(minute(0, 0), minute(5, 0), time.Minute)
	wantSeries(t, "Series after replacing minute 1", seriesOf(t, s, tenantA, q), []gt.SeriesPoint{
		point(minute(0, 0), 2, 10, 5, 4, 6, 6),
		point(minute(1, 0), 1, 42, 42, 42, 42, 42),
		point(minute(3, 0), 1, 7, 7, 7, 7, 7),
	})

	// The same key given in another zone is the same bucket.
	zoned := bucket(tenantA, 3, 2, 15, 7, 8, 8, 20*time.Second)
	zoned.Start = zoned.Start.In(time.FixedZone("BRT", -3*3600))
	first := bucket(tenantA, 0, 9, 90, 9, 11, 10, 59*time.Second)
	last := bucket(tenantA, 0, 3, -3, -2, 0, -2, 30*time.Second)
	apply(t, s, &gt.Changes{Seq: 4, Series: []gt.SeriesBucket{first, zoned, last}})
	wantSeries(t, "Series after writing minute 0 twice in one changes", seriesOf(t, s, tenantA, q), []gt.SeriesPoint{
		point(minute(0, 0), 3, -3, -1, -2, 0, -2),
		point(minute(1, 0), 1, 42, 42, 42, 42, 42),
		point(minute(3, 0), 2, 15, 7.5, 7, 8, 8),
	})
	// By five minutes, the last of minute 3 (06:03:20) is newer than that of minute 1
	// (zero: the replaced bucket has no last time) and of minute 0 (06:00:30).
	wantSeries(t, "Series(step 5m) after replacing", seriesOf(t, s, tenantA, weightQuery(minute(0, 0), minute(5, 0), 5*time.Minute)),
		[]gt.SeriesPoint{point(minute(0, 0), 6, 54, 9, -2, 42, 8)})
}

// testAtomicTelemetry checks that health rows and buckets are written in the transaction
// of the other records: when any part of the changes fails, none of them is visible.
func testAtomicTelemetry(t *testing.T, s gt.Store) {
	ctx := context.Background()
	before := seed(t, s, tenantA, 10)
	rows := healthRows(tenantA)
	buckets := weightBuckets(tenantA)
	apply(t, s, &gt.Changes{Seq: 11, Health: rows[:1], Series: buckets[:1]})
	q := weightQuery(minute(0, 0), minute(10, 0), time.Minute)
	check := func(what string) {
		t.Helper()
		if got := projected(t, s); got != 11 {
			t.Errorf("%s: ProjectedSeq = %d, want 11", what, got)
		}
		checkHealth(t, s, tenantA, rows[:1])
		wantSeries(t, what+": Series", seriesOf(t, s, tenantA, q), []gt.SeriesPoint{point(minute(0, 0), 2, 10, 5, 4, 6, 6)})
	}

	changed := rows[0]
	changed.Packs, changed.Seq = 9_999, 12
	replaced := buckets[0]
	replaced.Count, replaced.Sum = 7, 70
	orphan := before.Releases[0]
	orphan.TenantID = "no-such-bank"
	for _, tc := range []struct {
		name string
		c    *gt.Changes
	}{
		{"release of an unknown tenant", &gt.Changes{Seq: 12, Health: []gt.DeviceHealth{changed, rows[1]},
			Series: []gt.SeriesBucket{replaced, buckets[1]}, Records: gt.Records{Releases: []gt.Release{orphan}}}},
		{"bucket of an unknown tenant", &gt.Changes{Seq: 12, Health: []gt.DeviceHealth{changed, rows[1]},
			Series: []gt.SeriesBucket{replaced, bucket("no-such-bank", 1, 1, 1, 1, 1, 1, 0)}}},
		{"health of an unknown tenant", &gt.Changes{Seq: 12, Series: []gt.SeriesBucket{replaced, buckets[1]},
			Health: []gt.DeviceHealth{changed, healthRows("no-such-bank")[1]}}},
		{"health without a tenant", &gt.Changes{Seq: 12, Series: []gt.SeriesBucket{replaced},
			Health: []gt.DeviceHealth{changed, healthRows("")[1]}}},
		{"bucket without a tenant", &gt.Changes{Seq: 12, Health: []gt.DeviceHealth{changed},
			Series: []gt.SeriesBucket{replaced, bucket("", 1, 1, 1, 1, 1, 1, 0)}}},
	} {
		if err := s.ApplyChanges(ctx, tc.c); err == nil {
			t.Fatalf("ApplyChanges(%s) = nil, want an error", tc.name)
		}
		check("after " + tc.name)
	}
	notFound(t, "DeviceHealth(of failed changes)", func() (*gt.DeviceHealth, error) {
		return s.DeviceHealth(ctx, tenantA, rows[1].DeviceID)
	})
}

// testSeriesPrune deletes the buckets of every tenant that start before a time, and only
// those: a bucket starting at the time stays.
func testSeriesPrune(t *testing.T, s gt.Store) {
	seedTenants(t, s, 1, tenantA, tenantB)
	apply(t, s, &gt.Changes{Seq: 2, Series: append(weightBuckets(tenantA), weightBuckets(tenantB)...)})
	n, err := s.PruneSeries(context.Background(), minute(4, 0))
	if err != nil || n != 6 {
		t.Fatalf("PruneSeries = %d, %v; want the 3 buckets before minute 4 of each tenant", n, err)
	}
	p4 := point(minute(4, 0), 4, 8, 2, -1, 5, 2)
	p5 := point(minute(5, 0), 1, 100, 100, 100, 100, 100)
	p9 := point(minute(9, 0), 2, 3, 1.5, 1, 2, 1)
	for _, tenant := range []string{tenantA, tenantB} {
		wantSeries(t, "Series after pruning", seriesOf(t, s, tenant, weightQuery(minute(-60, 0), minute(60, 0), time.Minute)),
			[]gt.SeriesPoint{p4, p5, p9})
	}
	if n, err := s.PruneSeries(context.Background(), minute(4, 0)); err != nil || n != 0 {
		t.Errorf("PruneSeries again = %d, %v; want 0", n, err)
	}
}
