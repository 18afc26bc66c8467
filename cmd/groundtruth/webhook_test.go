package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWebhookKey checks that the key is created private at the first start, read back
// the same afterwards, made private when it is not, and refused when damaged.
func TestWebhookKey(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	k1, err := loadWebhookKey(dir, log)
	if err != nil || len(k1) != 32 {
		t.Fatalf("loadWebhookKey (new) = %d bytes, %v; want 32", len(k1), err)
	}
	p := filepath.Join(dir, webhookKeyFile)
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	if _, err := os.Stat(p + ".tmp"); err == nil {
		t.Error("the temporary file was left behind")
	}
	os.Chmod(p, 0o644)
	k2, err := loadWebhookKey(dir, log)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("loadWebhookKey (again) = %x, %v; want the same key", k2, err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 || !strings.Contains(logs.String(), "readable by others") {
		t.Errorf("a key readable by others: mode now %v, logs %q; want 0600 and a warning", fi.Mode().Perm(), logs.String())
	}
	if strings.Contains(logs.String(), string(k1)) {
		t.Error("the key appears in the logs")
	}
	os.WriteFile(p, k1[:31], 0o600)
	if _, err := loadWebhookKey(dir, log); err == nil || !strings.Contains(err.Error(), "31 bytes") {
		t.Errorf("loadWebhookKey (31 bytes) = %v, want an error naming the size", err)
	}
}
