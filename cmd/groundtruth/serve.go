package main

import (
	"context"
	"crypto/tls"
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
	"groundtruth/mqtt"
	"groundtruth/web"
	"groundtruth/webhook"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

type serveCmd struct {
	HTTP       string        `name:"http" help:"HTTP listen address (env GT_HTTP; default :8080)." placeholder:"ADDR"`
	HTTPCert   string        `name:"http-tls-cert" help:"PEM certificate (chain): the API and dashboard answer HTTPS only (env GT_HTTP_TLS_CERT)." placeholder:"FILE"`
	HTTPKey    string        `name:"http-tls-key" help:"PEM private key of the HTTPS certificate (env GT_HTTP_TLS_KEY)." placeholder:"FILE"`
	MQTT       string        `name:"mqtt" help:"Embedded MQTT broker address (env GT_MQTT; default :1883; 'off' disables it)." placeholder:"ADDR"`
	MQTTTLS    string        `name:"mqtt-tls" help:"Embedded MQTT broker's TLS address, e.g. :8883 (env GT_MQTT_TLS; default off): devices sign in with a token or a registered client certificate." placeholder:"ADDR"`
	MQTTCert   string        `name:"mqtt-tls-cert" help:"PEM certificate (chain) of the broker's TLS listener (env GT_MQTT_TLS_CERT)." placeholder:"FILE"`
	MQTTKey    string        `name:"mqtt-tls-key" help:"PEM private key of the broker's TLS listener (env GT_MQTT_TLS_KEY)." placeholder:"FILE"`
	MQTTBroker string        `name:"mqtt-broker" help:"External MQTT broker to subscribe to with a shared subscription (env GT_MQTT_BROKER), e.g. tcp://host:1883." placeholder:"URL"`
	IngestRate float64       `name:"ingest-rate" help:"Packs per second one device may send (token bucket, burst twice that)." default:"1000"`
	SeriesKeep time.Duration `name:"series-retention" help:"Keep the one-minute reading buckets this long (the journal keeps every reading; 0 keeps them all)." default:"2160h"`
	APIRate    float64       `name:"api-rate" help:"API requests per second one tenant may make, all its keys together (token bucket, burst twice that; 0 for no limit)." default:"500"`
	TileURL    string        `name:"tile-url" help:"Map tile URL template for the dashboard, e.g. https://tile.example/{z}/{x}/{y}.png (default none: GeoJSON layers on a blank map)." placeholder:"URL"`
	WebhookLAN bool          `name:"webhook-allow-private" env:"GT_WEBHOOK_ALLOW_PRIVATE" help:"Deliver webhooks to loopback, private and link-local addresses too (development and tests; refused by default against request forgery into the bank's network)."`
	SimClock   bool          `name:"simulated-clock" help:"Run on a simulated clock that 'scenario run --server' drives with the token printed at start (for scenario runs against a deployment; never in production)."`
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
	// The TLS listener recognises devices by the client certificates they registered:
	// the index learns of them from every projected change, from the start.
	var certs *mqtt.CertificateIndex
	if e.cfg.MQTTTLS != "" {
		certs = mqtt.NewCertificateIndex()
	}
	onProjected := func(c *gt.Changes) {
		if d := dispatcher.Load(); d != nil {
			d.Observe(c)
		}
		if certs != nil {
			certs.Observe(c.Devices)
		}
	}
	var clock *simClock
	if c.SimClock {
		clock = &simClock{t: time.Now().UTC(), unset: true}
		e.now = clock.Now
	}
	// Serve at once: /healthz answers and /readyz says 503 while the journal replays.
	sys, err := openSystemHook(e, log, reg, false, onProjected)
	if err != nil {
		ln.Close()
		return err
	}
	ing, err := startIngestCerts(e, log, sys, c.IngestRate, certs)
	if err != nil {
		ln.Close()
		sys.Close()
		return err
	}
	defer ing.Close()
	reg.MustRegister(newIngestCollector(ing))
	wh, err := startWebhooks(sys.store, whKey, c.WebhookLAN, log, &dispatcher)
	if err != nil {
		ln.Close()
		ing.Close()
		sys.Close()
		return err
	}
	defer wh.Close()
	o := httpapi.Options{Node: sys.node, Store: sys.store, Logger: log, Ingest: ing.svc,
		Operator: operatorCheck(e.cfg.Data), Gatherer: reg, Registerer: reg, Version: version, WebhookKey: whKey,
		Dashboard: web.Handler(web.Options{TileURL: c.TileURL}), TenantRate: c.APIRate}
	if c.APIRate <= 0 {
		o.TenantRate = -1
	}
	clockLine := ""
	if clock != nil {
		token, hash := gt.NewSecret("gtc")
		d := &clockDriver{clock: clock, node: sys.node, hash: hash}
		if ing.broker != nil && e.cfg.MQTT != "" {
			d.mqtt = displayAddr(ing.broker.Addr())
		}
		o.Clock = d
		clockLine = "  clock    simulated; driver token " + token + " (shown once; scenario run --server --clock-token)\n"
	}
	api := httpapi.New(o)
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute}
	base := "http://" + displayAddr(ln.Addr())
	if e.cfg.HTTPTLSCert != "" {
		cert, err := tls.LoadX509KeyPair(e.cfg.HTTPTLSCert, e.cfg.HTTPTLSKey)
		if err != nil {
			ln.Close()
			ing.Close()
			wh.Close()
			sys.Close()
			return fmt.Errorf("--http-tls-cert/--http-tls-key: %w", err)
		}
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
		ln = tls.NewListener(ln, srv.TLSConfig)
		base = "https://" + displayAddr(ln.Addr())
	}
	info := serverInfo{HTTP: base, PID: os.Getpid()}
	mqttLine := "off"
	if ing.broker != nil && e.cfg.MQTT != "" {
		info.MQTT = "tcp://" + displayAddr(ing.broker.Addr())
		mqttLine = info.MQTT + " (devices: username = device id, password = device token)"
	}
	if ing.broker != nil && ing.broker.TLSAddr() != nil {
		tlsLine := "mqtts://" + displayAddr(ing.broker.TLSAddr()) + " (TLS: a registered client certificate, or the token)"
		if e.cfg.MQTT == "" {
			mqttLine = tlsLine
		} else {
			mqttLine += "\n  MQTTS    " + tlsLine
		}
	}
	if e.cfg.MQTTBroker != "" {
		mqttLine += "; bridge to " + redact(e.cfg.MQTTBroker)
	}
	if err := dd.writeServerInfo(info); err != nil {
		log.Warn("write server.json", "err", err)
	}
	fmt.Fprintf(e.stdout, "groundtruth %s serving\n  dashboard %s/\n  API      %s/api/v1 (OpenAPI: %s/api/v1/openapi.json)\n  ingest   %s/api/v1/ingest\n  MQTT     %s\n  metrics  %s/metrics\n  data     %s\n  store    %s\n  journal  %s\n%s",
		version, base, base, base, base, mqttLine, base, e.cfg.Data, redact(e.cfg.storeDSN()), journalLine(&e.cfg), clockLine)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	rctx, stopRetention := context.WithCancel(e.ctx)
	defer stopRetention()
	go func() {
		select { // the store is written by the node from replay on; prune once it is ready
		case <-sys.node.Ready():
			keepSeries(rctx, sys.store, c.SeriesKeep, time.Now, log)
		case <-rctx.Done():
		}
	}()
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
	stopRetention()
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

// journalLine names the journal, with its stream when not the default.
func journalLine(c *Config) string {
	if c.JournalStream != "" && c.Journal != "embedded" && c.Journal != "" {
		return redact(c.Journal) + " (stream " + c.JournalStream + ")"
	}
	return redact(c.Journal)
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
