package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	gt "groundtruth"
)

// dataDir is a data directory held by this process: an exclusive lock on DIR/LOCK (an
// flock, released by the kernel even on kill -9) keeps two processes from opening the
// embedded journal and store at once.
type dataDir struct {
	path string
	lock *os.File
}

// errDataDirBusy says another process (a running server) holds the data directory.
var errDataDirBusy = errors.New("data directory in use")

// lockDataDir creates the directory if needed and takes its lock, or returns
// errDataDirBusy when a server holds it.
func lockDataDir(path string) (*dataDir, error) {
	if err := os.MkdirAll(path, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(path, "LOCK"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errDataDirBusy
		}
		return nil, fmt.Errorf("lock data directory: %w", err)
	}
	f.Truncate(0)
	fmt.Fprintf(f, "%d\n", os.Getpid())
	return &dataDir{path: path, lock: f}, nil
}

// Close releases the lock and removes the server address file.
func (d *dataDir) Close() error {
	os.Remove(filepath.Join(d.path, "server.json"))
	return d.lock.Close()
}

// serverInfo is written to DIR/server.json by a running server so that the CLI can
// reach it.
type serverInfo struct {
	HTTP string `json:"http"`           // base URL, e.g. http://127.0.0.1:8080
	MQTT string `json:"mqtt,omitempty"` // embedded broker, e.g. tcp://127.0.0.1:1883
	PID  int    `json:"pid"`
}

func (d *dataDir) writeServerInfo(si serverInfo) error {
	b, _ := json.MarshalIndent(si, "", "  ")
	tmp := filepath.Join(d.path, "server.json.tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(d.path, "server.json"))
}

func readServerInfo(dir string) (serverInfo, error) {
	var si serverInfo
	b, err := os.ReadFile(filepath.Join(dir, "server.json"))
	if err != nil {
		return si, fmt.Errorf("a server holds %s but its address file is missing: %w", dir, err)
	}
	return si, json.Unmarshal(b, &si)
}

// Operator tokens prove that the caller can write the data directory. The CLI writes
// the hash of a fresh random token into DIR/operator/ and sends the token; the server
// accepts it once, within operatorTokenTTL, and deletes the file. The token itself is
// never stored.
const operatorTokenTTL = 2 * time.Minute

func newOperatorToken(dir string) (string, error) {
	secret, hash := gt.NewSecret("gto")
	od := filepath.Join(dir, "operator")
	if err := os.MkdirAll(od, 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(od, hash), nil, 0o600); err != nil {
		return "", err
	}
	return secret, nil
}

// operatorCheck returns the server's check of operator tokens for the data directory.
func operatorCheck(dir string) func(string) bool {
	return func(token string) bool {
		if !strings.HasPrefix(token, "gto_") {
			return false
		}
		p := filepath.Join(dir, "operator", gt.HashSecret(token))
		fi, err := os.Stat(p)
		if err != nil {
			return false
		}
		if os.Remove(p) != nil { // single use: whoever removes it wins
			return false
		}
		return time.Since(fi.ModTime()) < operatorTokenTTL
	}
}
