package journal

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// maxPayload is the embedded server's max_payload: an event of MaxEventSize plus headers.
const maxPayload = MaxEventSize + 64<<10

// startTimeout bounds the start of the embedded server, which recovers the stream files.
const startTimeout = 5 * time.Minute

// startServer starts an embedded nats-server with JetStream file storage under dir/journal.
// It accepts only in-process connections.
func startServer(dir string, syncInterval time.Duration, log *slog.Logger) (*server.Server, error) {
	opts := &server.Options{
		ServerName: "groundtruth-journal",
		DontListen: true,
		JetStream:  true,
		StoreDir:   filepath.Join(dir, "journal"),
		MaxPayload: maxPayload,
		NoSigs:     true,
		NoLog:      true,
	}
	if syncInterval == 0 {
		opts.SyncAlways = true
	} else {
		opts.SyncInterval = syncInterval
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("journal: embedded server: %w", err)
	}
	debug := log.Enabled(context.Background(), slog.LevelDebug)
	srv.SetLoggerV2(serverLog{log.With("component", "nats-server")}, debug, false, false)
	srv.Start()
	if !srv.ReadyForConnections(startTimeout) {
		srv.Shutdown()
		return nil, fmt.Errorf("journal: embedded server in %s not ready after %v", opts.StoreDir, startTimeout)
	}
	if !srv.JetStreamEnabled() {
		srv.Shutdown()
		return nil, fmt.Errorf("journal: embedded JetStream in %s did not start (see the server log)", opts.StoreDir)
	}
	return srv, nil
}

// serverLog passes the embedded server's log to slog: notices and debug lines at debug
// level, so that a normal start prints nothing.
type serverLog struct{ l *slog.Logger }

func (s serverLog) Noticef(format string, v ...any) { s.l.Debug(fmt.Sprintf(format, v...)) }
func (s serverLog) Warnf(format string, v ...any) {
	if strings.HasPrefix(format, "Maximum payloads over") {
		// maxPayload is above 8 MB on purpose.
		s.l.Debug(fmt.Sprintf(format, v...))
		return
	}
	s.l.Warn(fmt.Sprintf(format, v...))
}
func (s serverLog) Fatalf(format string, v ...any) { s.l.Error(fmt.Sprintf(format, v...)) }
func (s serverLog) Errorf(format string, v ...any) { s.l.Error(fmt.Sprintf(format, v...)) }
func (s serverLog) Debugf(format string, v ...any) { s.l.Debug(fmt.Sprintf(format, v...)) }
func (s serverLog) Tracef(format string, v ...any) {}
