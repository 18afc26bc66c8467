package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"groundtruth/loadgen"
)

type loadgenCmd struct {
	Server   string        `help:"Base URL of the groundtruth server to provision devices on and, with --via http, to send to (default: the server holding the data directory, else http://127.0.0.1:8080)." placeholder:"URL"`
	APIKey   string        `name:"api-key" help:"Admin or risk-officer API key to provision the devices with (env GT_API_KEY)." placeholder:"KEY"`
	Devices  int           `help:"Simulated devices, each with its own connection." default:"100"`
	Signed   bool          `help:"Sign every pack (EdDSA compact JWS) with a key registered for each device."`
	Pack     int           `help:"SenML records per pack." default:"10"`
	Rate     float64       `help:"Target packs per second over all devices; 0 sends as fast as the acknowledgements come." default:"0"`
	Duration time.Duration `help:"How long to send; 0 runs until --packs are sent or Ctrl-C." default:"30s"`
	Packs    int           `help:"Packs per device; 0 = until --duration ends." default:"0"`
	InFlight int           `name:"in-flight" help:"Unacknowledged packs a device may have." default:"1"`
	Via      string        `help:"Transport: mqtt or http." enum:"mqtt,http" default:"mqtt"`
	MQTT     string        `name:"mqtt" help:"The server's MQTT broker, host:port or tcp://host:port (default: the server holding the data directory, else 127.0.0.1:1883)." placeholder:"ADDR"`
	Prefix   string        `help:"Device id prefix (default: lg- and the time, so every run has new devices)." placeholder:"ID"`

	AlertProbes int           `name:"alert-probes" help:"Also measure reading->alert latency with this many extra devices: each reports tamper, waits for the webhook of its alert, reports online, once per --alert-every. Points the tenant's webhook at loadgen for the run (the server needs --webhook-allow-private)." default:"0"`
	AlertEvery  time.Duration `name:"alert-every" help:"Period of each alert probe." default:"1s"`

	Bare        string `help:"Run the baseline instead: publish and subscribe through this ordinary broker (tcp://host:port), no server, no credentials." placeholder:"URL"`
	Subscribers int    `help:"With --bare: subscribers sharing the subscription." default:"1"`

	JSON  bool `help:"Print the report as JSON."`
	Quiet bool `help:"No progress lines on stderr."`
}

// Run provisions the devices through the server's API (unless --bare), sends the load
// and prints the report. Ctrl-C ends the run early and still prints what was achieved.
func (c *loadgenCmd) Run(e *env) error {
	if err := c.check(); err != nil {
		return err
	}
	cfg := loadgen.Config{PackSize: c.Pack, Rate: c.Rate, Duration: c.Duration, Packs: c.Packs,
		InFlight: c.InFlight, Subscribers: c.Subscribers}
	if !c.Quiet {
		cfg.Progress = e.stderr
	}
	var probe *loadgen.ProbeConfig
	if c.Bare != "" {
		cfg.Target, cfg.Bare, cfg.Devices = c.Bare, true, loadgen.BareDevices(c.Devices)
	} else {
		server, broker := c.Server, c.MQTT
		if server == "" {
			if si, err := readServerInfo(e.cfg.Data); err == nil {
				server, broker = si.HTTP, cmp.Or(broker, si.MQTT)
			}
		}
		server = cmp.Or(server, "http://127.0.0.1:8080")
		if broker == "" {
			broker = "127.0.0.1:1883"
			if u, err := url.Parse(server); err == nil && u.Hostname() != "" {
				broker = net.JoinHostPort(u.Hostname(), "1883")
			}
		}
		apiKey := cmp.Or(c.APIKey, e.getenv("GT_API_KEY"))
		if apiKey == "" {
			return fmt.Errorf("--api-key: required to provision the devices (or set GT_API_KEY; or use --bare for the broker baseline)")
		}
		t0 := time.Now()
		prefix := cmp.Or(c.Prefix, "lg-"+strconv.FormatInt(t0.UnixMilli(), 36))
		devs, err := loadgen.Provision(e.ctx, server, apiKey, c.Devices, c.Signed, prefix)
		if err != nil {
			return fmt.Errorf("--server %s: %w", server, err)
		}
		if c.AlertProbes > 0 {
			probes, err := loadgen.Provision(e.ctx, server, apiKey, c.AlertProbes, false, prefix+"-probe")
			if err != nil {
				return fmt.Errorf("--alert-probes: %w", err)
			}
			probe = &loadgen.ProbeConfig{Server: server, APIKey: apiKey, Target: mqttURL(broker), Devices: probes, Every: c.AlertEvery}
		}
		if !c.Quiet {
			fmt.Fprintf(e.stderr, "loadgen: provisioned %d devices %s to %s on %s in %s\n",
				len(devs), devs[0].ID, devs[len(devs)-1].ID, server, time.Since(t0).Round(time.Millisecond))
		}
		cfg.Devices = devs
		cfg.Target = server
		if c.Via == "mqtt" {
			cfg.Target = mqttURL(broker)
		}
	}
	var probeRep *loadgen.ProbeReport
	var probeErr error
	probeDone := make(chan struct{})
	probeCtx, stopProbe := context.WithCancel(e.ctx)
	defer stopProbe()
	if probe != nil {
		go func() {
			defer close(probeDone)
			probeRep, probeErr = loadgen.RunProbe(probeCtx, *probe)
		}()
	} else {
		close(probeDone)
	}
	rep, err := loadgen.Run(e.ctx, cfg)
	stopProbe()
	<-probeDone
	if err != nil {
		return err
	}
	if probeErr != nil {
		return fmt.Errorf("--alert-probes: %w", probeErr)
	}
	rep.AlertProbe = probeRep
	if c.JSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprint(e.stdout, rep)
	return nil
}

// check validates the flags, naming the one at fault.
func (c *loadgenCmd) check() error {
	switch {
	case c.Devices < 1:
		return fmt.Errorf("--devices: must be at least 1, got %d", c.Devices)
	case c.Pack < 1 || c.Pack > loadgen.MaxPackSize:
		return fmt.Errorf("--pack: must be from 1 to %d records, got %d", loadgen.MaxPackSize, c.Pack)
	case c.Rate < 0:
		return fmt.Errorf("--rate: must not be negative")
	case c.Duration < 0:
		return fmt.Errorf("--duration: must not be negative")
	case c.Packs < 0:
		return fmt.Errorf("--packs: must not be negative")
	case c.InFlight < 1 || c.InFlight > 1000:
		return fmt.Errorf("--in-flight: must be from 1 to 1000, got %d", c.InFlight)
	case c.Subscribers < 1 || c.Subscribers > 100:
		return fmt.Errorf("--subscribers: must be from 1 to 100, got %d", c.Subscribers)
	case c.AlertProbes < 0 || c.AlertProbes > 1000:
		return fmt.Errorf("--alert-probes: must be from 0 to 1000, got %d", c.AlertProbes)
	case c.AlertProbes > 0 && (c.Bare != "" || c.Via != "mqtt"):
		return fmt.Errorf("--alert-probes: needs the server's MQTT broker (not --bare, not --via http)")
	case c.AlertProbes > 0 && c.AlertEvery <= 0:
		return fmt.Errorf("--alert-every: must be positive")
	case c.Bare != "" && c.Signed:
		return fmt.Errorf("--signed: a bare run has no device keys")
	case c.Bare != "" && !strings.HasPrefix(c.Bare, "tcp://") && !strings.HasPrefix(c.Bare, "mqtt://") && strings.Contains(c.Bare, "://"):
		return fmt.Errorf("--bare: %q is not a tcp:// or mqtt:// broker URL", c.Bare)
	}
	return nil
}

// mqttURL turns host:port (":1883" meaning this host) into tcp://host:port.
func mqttURL(addr string) string {
	if strings.Contains(addr, "://") {
		return addr
	}
	if strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1" + addr
	}
	return "tcp://" + addr
}
