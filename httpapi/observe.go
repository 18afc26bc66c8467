package httpapi

import (
	"log/slog"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/prometheus/client_golang/prometheus"
)

type principalHolderKey struct{}

// observer logs every API request and counts it, by operation and status, in the
// metrics. It never logs headers or bodies: they may hold keys and tokens.
type observer struct {
	log      *slog.Logger
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newObserver(log *slog.Logger, reg prometheus.Registerer) *observer {
	o := &observer{
		log: log,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "groundtruth_http_requests_total",
			Help: "API requests by operation and status code."}, []string{"operation", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "groundtruth_http_request_seconds",
			Help: "API request latency by operation.", Buckets: prometheus.ExponentialBuckets(0.0005, 4, 9)}, []string{"operation"}),
	}
	if reg != nil {
		reg.MustRegister(o.requests, o.latency)
	}
	return o
}

func (o *observer) middleware(ctx huma.Context, next func(huma.Context)) {
	start := time.Now()
	p := &principal{} // filled in by authenticate
	next(huma.WithValue(ctx, principalHolderKey{}, p))
	op := ctx.Operation().OperationID
	status := ctx.Status()
	if status == 0 {
		status = 200
	}
	d := time.Since(start)
	o.requests.WithLabelValues(op, strconv.Itoa(status)).Inc()
	o.latency.WithLabelValues(op).Observe(d.Seconds())
	level := slog.LevelInfo
	if ctx.Method() == "GET" {
		level = slog.LevelDebug
	}
	if status >= 500 {
		level = slog.LevelError
	}
	o.log.Log(ctx.Context(), level, "request", "op", op, "method", ctx.Method(), "path", ctx.URL().Path,
		"status", status, "duration", d.Round(time.Microsecond), "tenant", p.tenant, "key", p.keyID)
}
