package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	gt "groundtruth"
	"groundtruth/webhook"
)

// webhookKeyFile is the file of the data directory holding the server's webhook key: 32
// random bytes from which every tenant's webhook signing secret is derived.
const webhookKeyFile = "webhook.key"

// loadWebhookKey returns the webhook key of the data directory dir, creating it (mode
// 0600) at the first start. A key readable by others is made private, with a warning.
func loadWebhookKey(dir string, log *slog.Logger) ([]byte, error) {
	p := filepath.Join(dir, webhookKeyFile)
	key, err := os.ReadFile(p)
	switch {
	case err == nil:
		if len(key) != 32 {
			return nil, fmt.Errorf("webhook key %s holds %d bytes, want 32: restore it from a backup "+
				"(deleting it makes a new key, which changes every tenant's webhook secret)", p, len(key))
		}
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o077 != 0 {
			log.Warn("webhook key was readable by others; made it private", "file", p, "mode", fi.Mode().Perm().String())
			if err := os.Chmod(p, 0o600); err != nil {
				return nil, fmt.Errorf("make webhook key private: %w", err)
			}
		}
		return key, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("read webhook key: %w", err)
	}
	key = make([]byte, 32)
	rand.Read(key)
	tmp := p + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create webhook key: %w", err)
	}
	_, err = f.Write(key)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("create webhook key: %w", err)
	}
	if d, err := os.Open(dir); err == nil { // make the rename durable
		d.Sync()
		d.Close()
	}
	log.Info("created the webhook signing key", "file", p)
	return key, nil
}

// webhooks is a running webhook dispatcher.
type webhooks struct {
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

// startWebhooks starts the dispatcher of actions to the tenants' webhooks on the store and
// makes it the receiver of the node's projected changes (slot, read by the node's hook).
// It scans the store at start, so changes projected before it was set are not missed.
func startWebhooks(st gt.Store, key []byte, allowPrivate bool, log *slog.Logger, slot *atomic.Pointer[webhook.Dispatcher]) (*webhooks, error) {
	ws, ok := st.(webhook.Store)
	if !ok {
		return nil, fmt.Errorf("the store %T keeps no webhook deliveries", st)
	}
	d, err := webhook.New(webhook.Options{Store: ws, Key: key, Logger: log, AllowPrivate: allowPrivate})
	if err != nil {
		return nil, err
	}
	slot.Store(d)
	ctx, cancel := context.WithCancel(context.Background())
	w := &webhooks{cancel: cancel, done: make(chan error, 1)}
	go func() { w.done <- d.Run(ctx) }()
	return w, nil
}

// Close stops the dispatcher and waits for the attempts in flight; later calls do
// nothing.
func (w *webhooks) Close() {
	w.once.Do(func() {
		w.cancel()
		<-w.done
	})
}
