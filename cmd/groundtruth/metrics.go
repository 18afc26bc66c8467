package main

import (
	"github.com/prometheus/client_golang/prometheus"
)

// ingestCollector exposes the refusals and outcomes the ingest service and the embedded
// broker count per device, summed by reason, at /metrics: per-device counts stay in each
// device's health (GET /api/v1/devices/{id}/health), where they do not multiply the
// metrics' series by the fleet.
type ingestCollector struct {
	rt   *ingestRuntime
	desc *prometheus.Desc
}

func newIngestCollector(rt *ingestRuntime) *ingestCollector {
	return &ingestCollector{rt: rt, desc: prometheus.NewDesc("groundtruth_ingest_outcomes_total",
		"Packs by outcome (accepted, duplicate, or the reason of a refusal) as the ingest service (source ingest) "+
			"and the embedded broker's sign-in and topic checks (source mqtt) counted them, summed over devices.",
		[]string{"source", "outcome"}, nil)}
}

func (c *ingestCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *ingestCollector) Collect(ch chan<- prometheus.Metric) {
	emit := func(source string, counts map[string]map[string]uint64) {
		sum := map[string]uint64{}
		for _, byReason := range counts {
			for r, n := range byReason {
				sum[r] += n
			}
		}
		for r, n := range sum {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(n), source, r)
		}
	}
	if c.rt.svc != nil {
		emit("ingest", c.rt.svc.Counters())
	}
	if c.rt.broker != nil {
		emit("mqtt", c.rt.broker.Counters())
	}
}
