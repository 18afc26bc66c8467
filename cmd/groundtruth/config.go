package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Config is the configuration shared by every command. Each field is set, in increasing
// precedence, by the defaults, the JSON config file, the environment (GT_...) and the
// command-line flags. It is validated once, by loadConfig.
type Config struct {
	Data string `json:"data"` // GT_DATA, --data
	HTTP string `json:"http"` // GT_HTTP, serve --http
	// HTTPTLSCert and HTTPTLSKey, PEM files, make the API and dashboard answer HTTPS only.
	HTTPTLSCert string `json:"http_tls_cert"` // GT_HTTP_TLS_CERT, serve --http-tls-cert
	HTTPTLSKey  string `json:"http_tls_key"`  // GT_HTTP_TLS_KEY, serve --http-tls-key
	Store       string `json:"store"`         // GT_STORE, --store
	Journal     string `json:"journal"`       // GT_JOURNAL, --journal
	LogLevel    string `json:"log_level"`     // GT_LOG_LEVEL, --log-level
	// MQTT is the embedded broker's listen address; "" or "off" disables it.
	MQTT string `json:"mqtt"` // GT_MQTT, serve --mqtt
	// MQTTTLS is the embedded broker's TLS listen address; "" or "off" disables it. It needs
	// MQTTTLSCert and MQTTTLSKey, the broker's certificate (chain) and key, PEM files.
	MQTTTLS     string `json:"mqtt_tls"`      // GT_MQTT_TLS, serve --mqtt-tls
	MQTTTLSCert string `json:"mqtt_tls_cert"` // GT_MQTT_TLS_CERT, serve --mqtt-tls-cert
	MQTTTLSKey  string `json:"mqtt_tls_key"`  // GT_MQTT_TLS_KEY, serve --mqtt-tls-key
	// MQTTBroker is an external broker to subscribe to (bridge mode), e.g. tcp://host:1883.
	MQTTBroker string `json:"mqtt_broker"` // GT_MQTT_BROKER, serve --mqtt-broker
	// SnapshotEvery is the number of events between engine snapshots.
	SnapshotEvery uint64 `json:"snapshot_every"` // GT_SNAPSHOT_EVERY
	// JournalStream names the JetStream stream of an external journal (default GT_EVENTS);
	// deployments sharing one NATS server each take their own. Its subjects are derived.
	JournalStream string `json:"journal_stream"` // GT_JOURNAL_STREAM
}

func defaultConfig() Config {
	return Config{Data: "./groundtruth-data", HTTP: ":8080", MQTT: ":1883", Journal: "embedded", LogLevel: "info", SnapshotEvery: 10000}
}

// configKeys maps each setting to its environment variable and flag name.
var configKeys = []struct {
	env, flag string
	field     func(*Config) *string
}{
	{"GT_DATA", "data", func(c *Config) *string { return &c.Data }},
	{"GT_HTTP", "http", func(c *Config) *string { return &c.HTTP }},
	{"GT_HTTP_TLS_CERT", "http-tls-cert", func(c *Config) *string { return &c.HTTPTLSCert }},
	{"GT_HTTP_TLS_KEY", "http-tls-key", func(c *Config) *string { return &c.HTTPTLSKey }},
	{"GT_STORE", "store", func(c *Config) *string { return &c.Store }},
	{"GT_JOURNAL", "journal", func(c *Config) *string { return &c.Journal }},
	{"GT_LOG_LEVEL", "log-level", func(c *Config) *string { return &c.LogLevel }},
	{"GT_MQTT", "mqtt", func(c *Config) *string { return &c.MQTT }},
	{"GT_MQTT_TLS", "mqtt-tls", func(c *Config) *string { return &c.MQTTTLS }},
	{"GT_MQTT_TLS_CERT", "mqtt-tls-cert", func(c *Config) *string { return &c.MQTTTLSCert }},
	{"GT_MQTT_TLS_KEY", "mqtt-tls-key", func(c *Config) *string { return &c.MQTTTLSKey }},
	{"GT_MQTT_BROKER", "mqtt-broker", func(c *Config) *string { return &c.MQTTBroker }},
	{"GT_JOURNAL_STREAM", "", func(c *Config) *string { return &c.JournalStream }},
}

// loadConfig builds the configuration from the defaults, the file (flag --config, else
// GT_CONFIG), the environment and the flags, and validates it.
func loadConfig(file string, getenv func(string) string, flags map[string]string) (Config, error) {
	c := defaultConfig()
	if file == "" {
		file = getenv("GT_CONFIG")
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return c, fmt.Errorf("read config: %w", err)
		}
		d := json.NewDecoder(bytes.NewReader(b))
		d.DisallowUnknownFields()
		if err := d.Decode(&c); err != nil {
			return c, fmt.Errorf("config file %s: %w", file, err)
		}
	}
	for _, k := range configKeys {
		if v := getenv(k.env); v != "" {
			*k.field(&c) = v
		}
	}
	if v := getenv("GT_SNAPSHOT_EVERY"); v != "" {
		if _, err := fmt.Sscan(v, &c.SnapshotEvery); err != nil {
			return c, fmt.Errorf("GT_SNAPSHOT_EVERY=%q: not a number", v)
		}
	}
	for _, k := range configKeys {
		if v, ok := flags[k.flag]; ok {
			*k.field(&c) = v
		}
	}
	return c, c.validate()
}

func (c *Config) validate() error {
	if strings.TrimSpace(c.Data) == "" {
		return fmt.Errorf("data: the data directory must not be empty")
	}
	if _, err := logLevel(c.LogLevel); err != nil {
		return err
	}
	if c.Journal != "embedded" && c.Journal != "" && !strings.HasPrefix(c.Journal, "nats://") && !strings.HasPrefix(c.Journal, "tls://") {
		return fmt.Errorf("journal: %q is neither 'embedded' nor a nats:// URL", c.Journal)
	}
	if (c.HTTPTLSCert == "") != (c.HTTPTLSKey == "") {
		return fmt.Errorf("http_tls_cert, http_tls_key: HTTPS needs both the certificate and the key (--http-tls-cert and --http-tls-key, or GT_HTTP_TLS_CERT and GT_HTTP_TLS_KEY)")
	}
	if c.MQTT == "off" || c.MQTT == "none" {
		c.MQTT = ""
	}
	if c.MQTTTLS == "off" || c.MQTTTLS == "none" {
		c.MQTTTLS = ""
	}
	if c.MQTTTLS != "" && (c.MQTTTLSCert == "" || c.MQTTTLSKey == "") {
		return fmt.Errorf("mqtt_tls: the TLS listener needs the broker's certificate and key (--mqtt-tls-cert and --mqtt-tls-key, or GT_MQTT_TLS_CERT and GT_MQTT_TLS_KEY)")
	}
	if b := c.MQTTBroker; b != "" && !strings.HasPrefix(b, "tcp://") && !strings.HasPrefix(b, "mqtt://") &&
		!strings.HasPrefix(b, "ssl://") && !strings.HasPrefix(b, "tls://") && !strings.HasPrefix(b, "mqtts://") {
		return fmt.Errorf("mqtt_broker: %q is not a tcp://, mqtt://, ssl://, tls:// or mqtts:// URL", b)
	}
	if st := c.JournalStream; st != "" && !journalStream.MatchString(st) {
		return fmt.Errorf("journal_stream: %q must be letters, digits, '-' or '_' (at most 64)", st)
	}
	if c.SnapshotEvery == 0 {
		return fmt.Errorf("snapshot_every must be positive")
	}
	abs, err := filepath.Abs(c.Data)
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	c.Data = abs
	return nil
}

var journalStream = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func logLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("log_level: %q is not one of debug, info, warn, error", s)
	}
	return l, nil
}

// storeDSN returns the store to open: the configured one or the SQLite file in the data
// directory.
func (c *Config) storeDSN() string {
	if c.Store != "" {
		return c.Store
	}
	return filepath.Join(c.Data, "groundtruth.db")
}
