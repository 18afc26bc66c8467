package main

import (
	"context"
	"log/slog"
	"time"

	gt "groundtruth"
)

// keepSeries deletes, at start and then every hour until ctx ends, the one-minute series
// buckets older than retention (0 keeps them all). The journal keeps every reading, so
// nothing is lost that a rebuild of the store could not bring back.
func keepSeries(ctx context.Context, st gt.Store, retention time.Duration, now func() time.Time, log *slog.Logger) {
	if retention <= 0 {
		return
	}
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		pruneSeries(ctx, st, retention, now(), log)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// pruneSeries deletes the buckets older than retention at now.
func pruneSeries(ctx context.Context, st gt.Store, retention time.Duration, now time.Time, log *slog.Logger) {
	n, err := st.PruneSeries(ctx, now.Add(-retention))
	switch {
	case err != nil && ctx.Err() == nil:
		log.Error("prune series", "err", err)
	case n > 0:
		log.Info("pruned series buckets", "deleted", n, "older_than", now.Add(-retention).Format(time.RFC3339))
	}
}
