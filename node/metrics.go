package node

import (
	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	applied       prometheus.Counter
	rejected      prometheus.Counter
	storeErrors   prometheus.Counter
	snapshots     prometheus.Counter
	early         prometheus.Counter
	batch         prometheus.Histogram
	appendLatency prometheus.Histogram
}

func newMetrics() metrics {
	return metrics{
		applied:     prometheus.NewCounter(prometheus.CounterOpts{Name: "groundtruth_events_applied_total", Help: "Journal events applied by the engine."}),
		rejected:    prometheus.NewCounter(prometheus.CounterOpts{Name: "groundtruth_events_rejected_total", Help: "Events the engine rejected (no state change)."}),
		storeErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "groundtruth_projection_errors_total", Help: "Failed writes of changes to the store (retried)."}),
		snapshots:   prometheus.NewCounter(prometheus.CounterOpts{Name: "groundtruth_snapshots_total", Help: "Engine snapshots saved."}),
		early: prometheus.NewCounter(prometheus.CounterOpts{Name: "groundtruth_early_projections_total",
			Help: "Writes of held telemetry's alerts, actions, inspections and signals ahead of the rest (an alert changed)."}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "groundtruth_apply_batch_seconds",
			Help: "Time to apply and project one batch of events.", Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10)}),
		appendLatency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "groundtruth_journal_append_seconds",
			Help: "Time for a durable journal append.", Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10)}),
	}
}

func (m metrics) register(r prometheus.Registerer, n *Node) error {
	for _, c := range []prometheus.Collector{m.applied, m.rejected, m.storeErrors, m.snapshots, m.early, m.batch, m.appendLatency,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "groundtruth_applied_sequence", Help: "Sequence of the last event applied and projected."},
			func() float64 { return float64(n.Applied()) }),
	} {
		if err := r.Register(c); err != nil {
			return err
		}
	}
	return nil
}
