// Package loadgen simulates devices sending telemetry to groundtruth and measures what
// the ingest path sustains (SPEC §14): N devices, each with its own MQTT connection
// (MQTT 5, QoS 1) or HTTP client, send deterministic SenML packs (signed or not), wait for
// each PUBACK or 202, and report the records acknowledged per second and the ack latency.
// The same load can run against a bare MQTT broker, publish and subscribe, to give the
// baseline the ingest goal is judged against.
//
// Provision creates the devices through the HTTP API; Run drives them; Pack gives the
// exact bytes of any pack, so a crash test can check, after a restart, that every pack a
// device had acknowledged (Report.LastAcked) was kept.
//
// Delivery is at least once: a pack refused as overloaded (MQTT 0x97, HTTP 429 or 503)
// or lost with its connection is sent again, the same bytes, until it is answered, and a
// device never moves past a pack it has not had answered. Other refusals are counted by
// reason code and the device goes on with the next pack.
package loadgen

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// Defaults of Config.
const (
	DefaultPackSize       = 10
	DefaultInFlight       = 1
	DefaultDrain          = 10 * time.Second
	DefaultConnectTimeout = 30 * time.Second
)

// Config is one load run.
type Config struct {
	// Target is where packs go: "mqtt://host:port" or "tcp://host:port" for groundtruth's
	// MQTT broker (topic gt/v1/{tenant}/{device}/up, username the device id, password its
	// token), "http://host:port" for its HTTP ingest (POST /api/v1/ingest with the token
	// as bearer), or with Bare an ordinary broker ("host:port" is read as tcp://).
	Target string
	// Bare makes the run a baseline against an ordinary broker: no credentials, packs
	// published to gtbench/{run id}/{device} and counted again by subscribers of
	// gtbench/{run id}/#.
	Bare bool
	// Subscribers is the number of subscribers of a bare run (default 1); more than one
	// share the subscription ($share/...).
	Subscribers int
	// Devices are the simulated devices; for a bare run only the ids matter (BareDevices).
	Devices []Device
	// PackSize is the number of records per pack, 1 to MaxPackSize (default 10).
	PackSize int
	// Rate is the target of packs per second over all devices, spread evenly; 0 sends as
	// fast as the answers come.
	Rate float64
	// Duration ends the run: no pack starts after it, and packs in flight get Drain more
	// to be answered. 0 = no time limit.
	Duration time.Duration
	// Packs is the number of packs per device; a device stops when all are answered.
	// 0 = no limit. With neither Duration nor Packs, the run ends when ctx does.
	Packs int
	// InFlight is the number of packs a device may have unanswered (default 1). With more
	// than one, packs leave in order but a reconnection or a resend may reorder them, which
	// a server enforcing increasing seq for signed packs refuses as a replay.
	InFlight int
	// Start is the clock of the packs' times (see Pack); zero means now.
	Start time.Time
	// Drain is how long packs in flight may take to be answered after Duration
	// (default 10 s).
	Drain time.Duration
	// ConnectTimeout bounds the wait for every device's first MQTT connection
	// (default 30 s).
	ConnectTimeout time.Duration
	// Progress, when set, receives a progress line every second.
	Progress io.Writer
}

// Modes of a run, as Report.Mode names them.
const (
	ModeMQTT = "mqtt"
	ModeHTTP = "http"
	ModeBare = "bare"
)

// check fills the defaults and validates c; it returns the run's mode and target URL.
func (c *Config) check() (string, *url.URL, error) {
	if c.PackSize == 0 {
		c.PackSize = DefaultPackSize
	}
	if c.InFlight == 0 {
		c.InFlight = DefaultInFlight
	}
	if c.Subscribers == 0 {
		c.Subscribers = 1
	}
	if c.Drain == 0 {
		c.Drain = DefaultDrain
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.Start.IsZero() {
		c.Start = time.Now()
	}
	switch {
	case len(c.Devices) == 0:
		return "", nil, fmt.Errorf("devices: none given")
	case c.PackSize < 1 || c.PackSize > MaxPackSize:
		return "", nil, fmt.Errorf("pack size: %d is outside 1 to %d", c.PackSize, MaxPackSize)
	case c.Rate < 0 || c.Duration < 0 || c.Packs < 0 || c.Drain < 0:
		return "", nil, fmt.Errorf("rate, duration, packs and drain must not be negative")
	case c.InFlight < 1 || c.InFlight > 1000:
		return "", nil, fmt.Errorf("in flight: %d is outside 1 to 1000", c.InFlight)
	case c.Subscribers < 1 || c.Subscribers > 100:
		return "", nil, fmt.Errorf("subscribers: %d is outside 1 to 100", c.Subscribers)
	}
	target := c.Target
	if !strings.Contains(target, "://") {
		target = "tcp://" + target
	}
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return "", nil, fmt.Errorf("target: %q is not a URL such as tcp://127.0.0.1:1883 or http://127.0.0.1:8080", c.Target)
	}
	mode := ModeMQTT
	switch strings.ToLower(u.Scheme) {
	case "mqtt", "tcp", "mqtts", "tls", "ssl":
	case "http", "https":
		mode = ModeHTTP
	default:
		return "", nil, fmt.Errorf("target: unsupported scheme %q (use mqtt, tcp, mqtts, http or https)", u.Scheme)
	}
	if c.Bare && mode != ModeMQTT {
		return "", nil, fmt.Errorf("target: a bare run needs an MQTT broker, not %s", c.Target)
	}
	seen := make(map[string]bool, len(c.Devices))
	for _, d := range c.Devices {
		switch {
		case d.ID == "":
			return "", nil, fmt.Errorf("devices: a device has no id")
		case seen[d.ID]:
			return "", nil, fmt.Errorf("devices: %q appears twice", d.ID)
		case c.Bare:
		case d.Token == "":
			return "", nil, fmt.Errorf("devices: %q has no token", d.ID)
		case mode == ModeMQTT && d.Tenant == "":
			return "", nil, fmt.Errorf("devices: %q has no tenant, which its MQTT topic needs", d.ID)
		}
		seen[d.ID] = true
	}
	if c.Bare {
		mode = ModeBare
	}
	return mode, u, nil
}
