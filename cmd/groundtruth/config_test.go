package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "gt.json")
	os.WriteFile(file, []byte(`{"data": "/from/file", "http": ":7000", "journal": "nats://file:4222", "log_level": "warn"}`), 0o600)
	env := map[string]string{"GT_HTTP": ":7100", "GT_JOURNAL": "nats://env:4222"}
	getenv := func(k string) string { return env[k] }

	c, err := loadConfig(file, getenv, map[string]string{"journal": "embedded"})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Data: "/from/file", HTTP: ":7100", MQTT: ":1883", Journal: "embedded", LogLevel: "warn", SnapshotEvery: 10000}
	if c != want {
		t.Errorf("loadConfig = %+v, want %+v (file < env < flags)", c, want)
	}
	c, err = loadConfig("", func(string) string { return "" }, nil)
	if err != nil || c.HTTP != ":8080" || filepath.Base(c.Data) != "groundtruth-data" || c.Journal != "embedded" {
		t.Errorf("defaults = %+v, %v", c, err)
	}
	env["GT_CONFIG"] = file
	if c, _ := loadConfig("", getenv, nil); c.Data != "/from/file" {
		t.Errorf("GT_CONFIG not read: %+v", c)
	}
	for _, bad := range []string{`{"data": 5}`, `{"colour": "red"}`, `{"log_level": "loud"}`} {
		os.WriteFile(file, []byte(bad), 0o600)
		if _, err := loadConfig(file, func(string) string { return "" }, nil); err == nil {
			t.Errorf("config %s accepted", bad)
		}
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://gt:s3cret@db:5432/gt?sslmode=disable":     "postgres://gt:xxxxx@db:5432/gt?sslmode=disable",
		"postgres://gt@db/gt?password=s3cret&sslmode=disable": "postgres://gt@db/gt?password=xxxxx&sslmode=disable",
		"nats://user:pw@n1:4222,nats://user:pw@n2:4222":       "nats://user:xxxxx@n1:4222,nats://user:xxxxx@n2:4222",
		"nats://s3cret-token@n1:4222":                         "nats://xxxxx@n1:4222",
		"embedded":                                            "embedded",
		"/var/lib/gt/groundtruth.db":                          "/var/lib/gt/groundtruth.db",
	} {
		if got := redact(in); got != want || strings.Contains(got, "s3cret") || strings.Contains(got, ":pw@") {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}
