package mqtt

import (
	"context"
	"log/slog"
)

// quietHandler wraps the slog.Handler given to mochi. mochi logs every publish refused by
// a hook at ERROR ("publish packet error") and attaches whole packets, payload included,
// to several records; refusals are counted by Broker.Counters, so they go to DEBUG, and
// packet dumps are dropped.
type quietHandler struct{ slog.Handler }

func (h quietHandler) Handle(ctx context.Context, r slog.Record) error {
	level := r.Level
	if r.Message == "publish packet error" {
		level = slog.LevelDebug
		if !h.Handler.Enabled(ctx, level) {
			return nil
		}
	}
	out := slog.NewRecord(r.Time, level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		if a.Key != "packet" && a.Key != "pk" {
			out.AddAttrs(a)
		}
		return true
	})
	return h.Handler.Handle(ctx, out)
}

func (h quietHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return quietHandler{h.Handler.WithAttrs(attrs)}
}

func (h quietHandler) WithGroup(name string) slog.Handler {
	return quietHandler{h.Handler.WithGroup(name)}
}
