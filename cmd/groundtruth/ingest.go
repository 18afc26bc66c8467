package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"

	gt "groundtruth"
	"groundtruth/ingest"
	"groundtruth/mqtt"
)

// ingestRuntime is the device side of the server: the group committer, the validating
// service, and the embedded broker and/or the bridge to an external one.
type ingestRuntime struct {
	svc    *ingest.Service
	broker *mqtt.Broker // nil when disabled
	bridge *mqtt.Bridge // nil unless --mqtt-broker
	cancel context.CancelFunc
	wg     sync.WaitGroup
	errc   chan error
}

// startIngest opens the embedded broker's port at once (a taken port is a start-up
// error) but lets devices publish only once the node has caught up with the journal, so
// that replay protection reads a complete store.
func startIngest(e *env, log *slog.Logger, sys *system, rate float64) (*ingestRuntime, error) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(e.ctx))
	rt := &ingestRuntime{cancel: cancel, errc: make(chan error, 3)}
	c := ingest.NewCommitter(sys.journal, ingest.CommitterOptions{})
	rt.wg.Add(1)
	go func() { defer rt.wg.Done(); c.Run(ctx) }()
	svc, err := ingest.NewService(ingest.Options{Committer: c, Store: sys.store, Rate: rate, Logger: log})
	if err != nil {
		rt.Close()
		return nil, err
	}
	rt.svc = svc
	if e.cfg.MQTT != "" {
		b, err := mqtt.New(mqtt.Options{Addr: e.cfg.MQTT, Devices: svc, Handler: svc.Handler(gt.ViaMQTT),
			Status: svc.Handler(gt.ViaMQTT), Logger: log})
		if err != nil {
			rt.Close()
			var oe *net.OpError
			if errors.As(err, &oe) {
				return nil, fmt.Errorf("%w (choose another address with --mqtt or GT_MQTT, or disable the broker with --mqtt off)", err)
			}
			return nil, err
		}
		rt.broker = b
	}
	if e.cfg.MQTTBroker != "" {
		br, err := mqtt.NewBridge(mqtt.BridgeOptions{Broker: e.cfg.MQTTBroker, Devices: sys.store,
			Handler: svc.Handler(gt.ViaBridge), Status: svc.Handler(gt.ViaBridge), Logger: log})
		if err != nil {
			rt.Close()
			return nil, fmt.Errorf("mqtt bridge: %w", err)
		}
		rt.bridge = br
	}
	rt.wg.Add(1)
	go func() {
		defer rt.wg.Done()
		select {
		case <-sys.node.Ready():
		case <-ctx.Done():
			return
		}
		if rt.broker != nil {
			rt.wg.Add(1)
			go func() { defer rt.wg.Done(); rt.errc <- rt.broker.Serve(ctx) }()
		}
		if rt.bridge != nil {
			rt.wg.Add(1)
			go func() { defer rt.wg.Done(); rt.errc <- rt.bridge.Run(ctx) }()
		}
	}()
	return rt, nil
}

// Close stops accepting readings, then stops the committer (failing what it still holds,
// unacknowledged) and waits for all of it.
func (rt *ingestRuntime) Close() {
	if rt.broker != nil {
		rt.broker.Close()
	}
	rt.cancel()
	rt.wg.Wait()
}
