package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/sqlite"
)

// TestPruneSeries: with 90 days of retention the buckets older than 90 days go, the
// newer stay; retention 0 deletes nothing.
func TestPruneSeries(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "gt.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	b := func(age time.Duration) gt.SeriesBucket {
		at := now.Add(-age).Truncate(time.Minute)
		return gt.SeriesBucket{TenantID: "bank-a", DeviceID: "cell-1", Name: "mass", Start: at, Count: 1, Sum: 1, Min: 1, Max: 1, Last: 1, LastAt: at}
	}
	if err := st.ApplyChanges(ctx, &gt.Changes{Seq: 1, Tenants: []gt.Tenant{{ID: "bank-a", Name: "A"}}}); err != nil {
		t.Fatal(err)
	}
	if err := st.ApplyChanges(ctx, &gt.Changes{Seq: 2, Series: []gt.SeriesBucket{b(100 * 24 * time.Hour), b(91 * 24 * time.Hour), b(89 * 24 * time.Hour), b(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	keepSeries(ctx, st, 0, func() time.Time { return now }, log) // returns at once
	pruneSeries(ctx, st, 90*24*time.Hour, now, log)
	pts, err := st.Series(ctx, "bank-a", gt.SeriesQuery{Device: "cell-1", Name: "mass", From: now.Add(-200 * 24 * time.Hour), To: now, Step: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, p := range pts {
		n += p.Count
	}
	if n != 2 {
		t.Errorf("%d buckets left, want the 2 younger than 90 days (%+v)", n, pts)
	}
}
