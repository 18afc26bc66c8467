package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	gt "groundtruth"
	"groundtruth/httpapi"
	"groundtruth/webhook"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

type serveCmd struct {
	HTTP       string  `name:"http" help:"HTTP listen address (env GT_HTTP; default :8080)." placeholder:"ADDR"`
	MQTT       string  `name:"mqtt" help:"Embedded MQTT broker address (env GT_MQTT; default :1883; 'off' disables it)." placeholder:"ADDR"`
	MQTTBroker string  `name:"mqtt-broker" help:"External MQTT broker to subscribe to with a shared subscription (env GT_MQTT_BROKER), e.g. tcp://host:1883." placeholder:"URL"`
	IngestRate float64 `name:"ingest-rate" help:"Packs per second one device may send (token bucket, burst twice that)." default:"1000"`
}

func (c *serveCmd) Run(e *env) error {
	log := newLogger(e)
	dd, err := lockDataDir(e.cfg.Data)
	if errors.Is(err, errDataDirBusy) {
		return fmt.Errorf("another groundtruth process is using %s (see its LOCK file for the pid)", e.cfg.Data)
	}
	if err != nil {
		return err
	}
	defer dd.Close()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	ln, err := net.Listen("tcp", e.cfg.HTTP)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (choose another address with --http or GT_HTTP)", e.cfg.HTTP, err)
	}
	whKey, err := loadWebhookKey(e.cfg.Data, log)
	if err != nil {
		ln.Close()
		return err
	}
	// The node hands projected actions to the webhook dispatcher once it runs; it scans
	// the store at start for those projected before.
	var dispatcher atomic.Pointer[webhook.Dispatcher]
	onProjected := func(c *gt.Changes) {
		if d := dispatcher.Load(); d != nil {
			d.Observe(c)
		}
	}
	// Serve at once: /healthz answers and /readyz says 503 while the journal replays.
	sys, err := openSystemHook(e, log, reg, false, onProjected)
	if err != nil {
		ln.Close()
		return err
	}
	ing, err := startIngest(e, log, sys, c.IngestRate)
	if err != nil {
		ln.Close()
		sys.Close()
		return err
	}
	defer ing.Close()
	wh, err := startWebhooks(sys.store, whKey, log, &dispatcher)
	if err != nil {
		ln.Close()
		ing.Close()
		sys.Close()
		return err
	}
	defer wh.Close()
	api := httpapi.New(httpapi.Options{Node: sys.node, Store: sys.store, Logger: log, Ingest: ing.svc,
		Operator: operatorCheck(e.cfg.Data), Gatherer: reg, Registerer: reg, Version: version, WebhookKey: whKey})
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute}
	base := "http://" + displayAddr(ln.Addr())
	info := serverInfo{HTTP: base, PID: os.Getpid()}
	mqttLine := "off"
	if ing.broker != nil {
		info.MQTT = "tcp://" + displayAddr(ing.broker.Addr())
		mqttLine = info.MQTT + " (devices: username = device id, password = device token)"
	}
	if e.cfg.MQTTBroker != "" {
		mqttLine += "; bridge to " + redact(e.cfg.MQTTBroker)
	}
	if err := dd.writeServerInfo(info); err != nil {
		log.Warn("write server.json", "err", err)
	}
	fmt.Fprintf(e.stdout, "groundtruth %s serving\n  API      %s/api/v1 (OpenAPI: %s/api/v1/openapi.json)\n  ingest   %s/api/v1/ingest\n  MQTT     %s\n  metrics  %s/metrics\n  data     %s\n  store    %s\n  journal  %s\n",
		version, base, base, base, mqttLine, base, e.cfg.Data, redact(e.cfg.storeDSN()), redact(e.cfg.Journal))

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-e.ctx.Done():
	case err = <-errc:
		log.Error("http server stopped", "err", err)
	case err = <-sys.done:
		log.Error("engine stopped", "err", err)
		sys.done <- err // let Close see it
	case err = <-ing.errc:
		log.Error("mqtt stopped", "err", err)
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	ing.Close()
	wh.Close() // before the store closes; the next start scans for what it missed
	if cerr := sys.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// displayAddr turns a wildcard listen address into one a person can open.
func displayAddr(a net.Addr) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok || !ta.IP.IsUnspecified() {
		return a.String()
	}
	return fmt.Sprintf("127.0.0.1:%d", ta.Port)
}

// redact hides the secrets of connection URLs (several may be separated by commas): the
// password or token in the user part, and password, token or key query parameters.
func redact(dsn string) string {
	parts := strings.Split(dsn, ",")
	for i, p := range parts {
		u, err := url.Parse(p)
		if err != nil || u.Scheme == "" {
			continue
		}
		if u.User != nil {
			if _, has := u.User.Password(); has {
				u.User = url.UserPassword(u.User.Username(), "xxxxx")
			} else if u.Scheme == "nats" && u.User.Username() != "" {
				u.User = url.User("xxxxx") // a bare token, as nats://TOKEN@host
			}
		}
		q := u.Query()
		for k := range q {
			if lk := strings.ToLower(k); strings.Contains(lk, "pass") || strings.Contains(lk, "token") ||
				strings.Contains(lk, "key") || strings.Contains(lk, "secret") {
				q.Set(k, "xxxxx")
			}
		}
		u.RawQuery = q.Encode()
		parts[i] = u.String()
	}
	return strings.Join(parts, ",")
}
