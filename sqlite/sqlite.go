// Package sqlite implements groundtruth.Store on an embedded SQLite database file, with
// the pure-Go driver modernc.org/sqlite (no cgo).
//
// The database runs in WAL mode. All writes go through one connection (a pool of size
// one), so writers queue in Go instead of contending for SQLite's write lock; reads use a
// separate pool of read-only connections, which WAL lets proceed while a write is in
// progress. The schema is embedded and migrated with goose when the store is opened.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"path/filepath"
	"runtime"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	gt "groundtruth"
)

//go:embed migrations/*.sql
var migrations embed.FS

// busyTimeout is how long a connection waits for a lock before SQLITE_BUSY. With a single
// writer connection it only matters for checkpoints and for other processes.
const busyTimeout = 10 * time.Second

// keepSnapshots is the number of newest engine snapshots kept; older ones are deleted.
const keepSnapshots = 3

// Store is a groundtruth.Store on one SQLite file. It is safe for concurrent use.
type Store struct {
	w *sql.DB // the single writer connection
	r *sql.DB // read-only connections
}

var _ gt.Store = (*Store)(nil)

// Open opens (creating if needed) the SQLite database at path, migrates its schema to the
// newest version and returns the store. path is a file name; it may be relative to the
// working directory.
func Open(ctx context.Context, path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %q: %w", path, err)
	}
	name := (&url.URL{Scheme: "file", Path: abs}).String()

	// synchronous=NORMAL: in WAL mode a commit is durable against a crash of the process
	// and the file never corrupts; a power loss may drop the last commits. That is the
	// right trade for a projection: the journal is the system of record, and the
	// projected sequence is written in the same transaction as the records, so after a
	// loss the store is consistent at an earlier sequence and the engine replays from
	// there. FULL would cost an fsync per commit for nothing the journal lacks.
	params := url.Values{}
	params.Set("_txlock", "immediate") // take the write lock at BEGIN, never upgrade
	params.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	params.Add("_pragma", "journal_mode(WAL)")
	params.Add("_pragma", "synchronous(NORMAL)")
	params.Add("_pragma", "foreign_keys(ON)")
	w, err := sql.Open("sqlite", name+"?"+params.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite %q: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %q: %w", path, err)
	}

	params = url.Values{}
	params.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	params.Add("_pragma", "query_only(ON)")
	r, err := sql.Open("sqlite", name+"?"+params.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %q: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	if err := r.PingContext(ctx); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("open sqlite %q: %w", path, err)
	}
	return &Store{w: w, r: r}, nil
}

// migrate applies the embedded migrations that the database lacks.
func migrate(ctx context.Context, db *sql.DB) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Close closes the database. The store must not be used afterwards.
func (s *Store) Close() error {
	return errors.Join(s.r.Close(), s.w.Close())
}

// ProjectedSeq returns the sequence of the last applied Changes, 0 when none.
func (s *Store) ProjectedSeq(ctx context.Context) (uint64, error) {
	var seq int64
	if err := s.r.QueryRowContext(ctx, `SELECT seq FROM projection WHERE id = 1`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("read projected seq: %w", err)
	}
	return uint64(seq), nil
}

// SaveSnapshot stores an engine snapshot taken after applying event seq, replacing one
// saved for the same seq, and deletes all but the newest few snapshots.
func (s *Store) SaveSnapshot(ctx context.Context, seq uint64, data []byte) error {
	sq, err := toInt64("snapshot seq", seq)
	if err != nil {
		return err
	}
	if data == nil {
		data = []byte{}
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save snapshot %d: %w", seq, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO snapshots (seq, data, created) VALUES (?, ?, ?)
		 ON CONFLICT (seq) DO UPDATE SET data = excluded.data, created = excluded.created`,
		sq, data, formatTime(time.Now())); err != nil {
		return fmt.Errorf("save snapshot %d: %w", seq, err)
	}
	if _, err := tx.ExecContext(ctx,
		`DELETE FROM snapshots WHERE seq NOT IN (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT ?)`,
		keepSnapshots); err != nil {
		return fmt.Errorf("prune snapshots: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save snapshot %d: %w", seq, err)
	}
	return nil
}

// LatestSnapshot returns the snapshot with the highest sequence; seq 0 and nil data when
// there is none.
func (s *Store) LatestSnapshot(ctx context.Context) (uint64, []byte, error) {
	var (
		seq  int64
		data []byte
	)
	err := s.r.QueryRowContext(ctx, `SELECT seq, data FROM snapshots ORDER BY seq DESC LIMIT 1`).Scan(&seq, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("read latest snapshot: %w", err)
	}
	return uint64(seq), data, nil
}

// timeLayout is how times are stored: UTC, RFC 3339 with exactly nine fractional digits,
// so that text order is time order.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// formatTime returns t in UTC in the stored layout.
func formatTime(t time.Time) string {
	return t.UTC().Format(timeLayout)
}

// checkTime returns an error for a time whose year does not fit the stored layout.
func checkTime(what string, t time.Time) error {
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return gt.Errorf(gt.EINVALID, "%s: year %d is outside 0-9999", what, y)
	}
	return nil
}

// parseTime reads a time in the stored layout.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("parse stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// toInt64 converts a sequence or version to SQLite's INTEGER, which is signed.
func toInt64(what string, v uint64) (int64, error) {
	if v > math.MaxInt64 {
		return 0, gt.Errorf(gt.EINVALID, "%s %d is out of range", what, v)
	}
	return int64(v), nil
}
