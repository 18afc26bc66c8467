package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
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
	return startIngestCerts(e, log, sys, rate, nil)
}

// startIngestCerts is startIngest with the index of devices' registered client
// certificates, which the node's projection hook must feed (Observe) from its start; the
// TLS listener then recognises devices by certificate. With certs nil it accepts tokens
// only. The index scans the store once the node is ready, before the broker serves.
func startIngestCerts(e *env, log *slog.Logger, sys *system, rate float64, certs *mqtt.CertificateIndex) (*ingestRuntime, error) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(e.ctx))
	rt := &ingestRuntime{cancel: cancel, errc: make(chan error, 3)}
	c := ingest.NewCommitter(sys.journal, ingest.CommitterOptions{Now: e.now})
	rt.wg.Add(1)
	go func() { defer rt.wg.Done(); c.Run(ctx) }()
	svc, err := ingest.NewService(ingest.Options{Committer: c, Store: sys.store, Rate: rate, Logger: log, Now: e.now})
	if err != nil {
		rt.Close()
		return nil, err
	}
	rt.svc = svc
	if e.cfg.MQTT != "" || e.cfg.MQTTTLS != "" {
		o := mqtt.Options{Addr: e.cfg.MQTT, Devices: svc, Handler: svc.Handler(gt.ViaMQTT),
			Status: svc.Handler(gt.ViaMQTT), Logger: log}
		if e.cfg.MQTTTLS != "" {
			cert, err := tls.LoadX509KeyPair(e.cfg.MQTTTLSCert, e.cfg.MQTTTLSKey)
			if err != nil {
				rt.Close()
				return nil, fmt.Errorf("mqtt-tls-cert, mqtt-tls-key: cannot load the broker's TLS certificate and key: %w", err)
			}
			o.TLS = &mqtt.TLSOptions{Addr: e.cfg.MQTTTLS, Certificate: cert}
			if certs != nil {
				o.Certificates = certs
			}
		}
		b, err := mqtt.New(o)
		if err != nil {
			rt.Close()
			var le *mqtt.ListenError
			switch {
			case errors.As(err, &le) && le.TLS:
				return nil, fmt.Errorf("%w (choose another address with --mqtt-tls or GT_MQTT_TLS, or disable the TLS listener with --mqtt-tls off)", err)
			case errors.As(err, &le):
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
		if rt.broker != nil && rt.broker.TLSAddr() != nil && certs != nil {
			// Devices that registered a certificate before this start; later ones arrive
			// through Observe.
			if err := certs.Load(ctx, sys.store); err != nil {
				if ctx.Err() == nil {
					rt.errc <- fmt.Errorf("mqtt: load the devices' client certificates: %w", err)
				}
				return
			}
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
