package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	gt "groundtruth"
	"groundtruth/journal"
	"groundtruth/node"
	"groundtruth/postgres"
	"groundtruth/sqlite"

	"github.com/prometheus/client_golang/prometheus"
)

// tickEvery is the interval of the server's tick events (SPEC §4.2).
const tickEvery = time.Second

// system is an opened journal, store and node, running until Close.
type system struct {
	journal gt.Journal
	store   gt.Store
	node    *node.Node
	cancel  context.CancelFunc
	done    chan error
}

func newLogger(e *env) *slog.Logger {
	lvl, _ := logLevel(e.cfg.LogLevel)
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: lvl}))
}

// openStore opens the configured store.
func openStore(ctx context.Context, dsn string) (gt.Store, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return postgres.Open(ctx, dsn)
	}
	return sqlite.Open(ctx, strings.TrimPrefix(dsn, "sqlite:"))
}

// openSystem opens the journal and store of the configuration and starts the node; with
// wait, it returns once the node has caught up with the journal. The caller must hold
// the data directory.
func openSystem(e *env, log *slog.Logger, reg prometheus.Registerer, wait bool) (*system, error) {
	return openSystemHook(e, log, reg, wait, nil)
}

// openSystemHook is openSystem with the node's OnProjected hook.
func openSystemHook(e *env, log *slog.Logger, reg prometheus.Registerer, wait bool, onProjected func(*gt.Changes)) (*system, error) {
	jo := journal.Options{URL: e.cfg.Journal, Dir: e.cfg.Data, Logger: log}
	if st := e.cfg.JournalStream; st != "" {
		jo.Stream, jo.Subject = st, "gt."+strings.ToLower(st)
	}
	j, err := journal.Open(e.ctx, jo)
	if err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	st, err := openStore(e.ctx, e.cfg.storeDSN())
	if err != nil {
		j.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	if l, ok := st.(interface{ LockWriter(context.Context) error }); ok {
		if err := l.LockWriter(e.ctx); err != nil {
			st.Close()
			j.Close()
			return nil, fmt.Errorf("open store: %w", err)
		}
	}
	o := node.Options{Journal: j, Store: st, Logger: log, SnapshotEvery: e.cfg.SnapshotEvery, Registerer: reg,
		OnProjected: onProjected, Now: e.now}
	if !wait && e.now == nil { // the server on the wall clock; one-shot commands append no ticks
		o.TickEvery = tickEvery
	}
	n, err := node.New(o)
	if err != nil {
		st.Close()
		j.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(e.ctx))
	s := &system{journal: j, store: st, node: n, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- n.Run(ctx) }()
	if !wait {
		return s, nil
	}
	select {
	case <-n.Ready():
		return s, nil
	case err := <-s.done:
		st.Close()
		j.Close()
		cancel()
		if err == nil {
			err = fmt.Errorf("engine stopped before it was ready")
		}
		return nil, fmt.Errorf("start engine: %w", err)
	case <-e.ctx.Done():
		s.Close()
		return nil, e.ctx.Err()
	}
}

// Close stops the node (which takes a final snapshot), then closes the store and the
// journal, in reverse order of opening.
func (s *system) Close() error {
	s.cancel()
	var err error
	select {
	case err = <-s.done:
	case <-time.After(30 * time.Second):
		err = fmt.Errorf("engine did not stop within 30s")
	}
	if cerr := s.store.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if cerr := s.journal.Close(); cerr != nil && err == nil {
		err = cerr
	}
	return err
}
