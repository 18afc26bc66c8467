// Package postgres implements groundtruth.Store on PostgreSQL with pgx.
//
// The schema is embedded and migrated with goose when the store is opened. The store
// lives in the first schema of the connection's search_path, which Open creates when it
// is missing, so that one database can hold several stores (tests use a schema each):
//
//	postgres://gt@db.internal:5432/groundtruth?sslmode=verify-full&search_path=bank_eu
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	gt "groundtruth"
)

//go:embed migrations/*.sql
var migrations embed.FS

// keepSnapshots is the number of newest engine snapshots kept; older ones are deleted.
const keepSnapshots = 3

// lockSpace is the first key of the advisory lock taken while migrating ("gt").
const lockSpace = 0x6774

// writerSpace is the first key of the advisory lock a projecting server holds ("gw").
const writerSpace = 0x6777

// Store is a groundtruth.Store on a PostgreSQL schema. It is safe for concurrent use.
type Store struct {
	pool   *pgxpool.Pool
	writer *pgx.Conn // holds the writer lock (LockWriter), outside the pool
}

// LockWriter takes the schema's writer lock, an advisory lock held on a connection of
// its own until Close (or until the process dies: the lock goes with the session). Only
// one server may project its journal into a schema: a second one would write the same
// rows from another journal position, and deliver every webhook again. It fails at once,
// naming the schema, when another server holds the lock.
func (s *Store) LockWriter(ctx context.Context) error {
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("writer lock: %w", err)
	}
	var schema string
	var ok bool
	if err := c.QueryRow(ctx, `SELECT current_schema(), pg_try_advisory_lock($1, hashtext(current_schema()))`, writerSpace).Scan(&schema, &ok); err != nil {
		c.Release()
		return fmt.Errorf("writer lock: %w", err)
	}
	if !ok {
		c.Release()
		return fmt.Errorf("another groundtruth server is projecting into PostgreSQL schema %q: one server per schema (give each its own schema in the store URL's search_path)", schema)
	}
	s.writer = c.Hijack()
	return nil
}

var _ gt.Store = (*Store)(nil)

// Open connects to the database at url (a postgres:// URL or a key=value connection
// string), creates the first schema of its search_path when missing, migrates the schema
// to the newest version and returns the store.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	schema := firstSchema(cfg.ConnConfig.RuntimeParams["search_path"])
	if err := migrate(ctx, pool, schema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	return &Store{pool: pool}, nil
}

// firstSchema returns the first schema named by a search_path setting, "" for none or
// for "$user".
func firstSchema(path string) string {
	first, _, _ := strings.Cut(path, ",")
	first = strings.TrimSpace(first)
	if len(first) >= 2 && first[0] == '"' && first[len(first)-1] == '"' {
		first = strings.ReplaceAll(first[1:len(first)-1], `""`, `"`)
	}
	if first == "$user" {
		return ""
	}
	return first
}

// migrate creates schema when it is named and missing and applies the embedded
// migrations that it lacks, holding an advisory lock on the schema name meanwhile so that
// stores opened at once migrate one after the other.
func migrate(ctx context.Context, pool *pgxpool.Pool, schema string) (err error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, hashtext($2))`, lockSpace, schema); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer func() {
		bg := context.WithoutCancel(ctx)
		if _, uerr := conn.Exec(bg, `SELECT pg_advisory_unlock($1, hashtext($2))`, lockSpace, schema); uerr != nil {
			conn.Conn().Close(bg) // the lock goes with the session
			err = errors.Join(err, fmt.Errorf("migrate: unlock: %w", uerr))
		}
	}()
	if schema != "" {
		var exists bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&exists); err != nil {
			return fmt.Errorf("migrate: look up schema %q: %w", schema, err)
		}
		if !exists {
			if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
				return fmt.Errorf("migrate: create schema %q: %w", schema, err)
			}
		}
	}
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Close closes every connection. The store must not be used afterwards.
func (s *Store) Close() error {
	if s.writer != nil {
		// Unlock explicitly: the session's end releases the lock too, but only once the
		// backend has processed the disconnect, which a server starting right after this
		// one could beat.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s.writer.Exec(ctx, `SELECT pg_advisory_unlock($1, hashtext(current_schema()))`, writerSpace)
		s.writer.Close(ctx)
		cancel()
		s.writer = nil
	}
	s.pool.Close()
	return nil
}

// ProjectedSeq returns the sequence of the last applied Changes, 0 when none.
func (s *Store) ProjectedSeq(ctx context.Context) (uint64, error) {
	var seq int64
	if err := s.pool.QueryRow(ctx, `SELECT seq FROM projection`).Scan(&seq); err != nil {
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
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("save snapshot %d: %w", seq, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx,
		`INSERT INTO snapshots (seq, data, created) VALUES ($1, $2, $3)
		 ON CONFLICT (seq) DO UPDATE SET data = excluded.data, created = excluded.created`,
		sq, data, time.Now().UTC()); err != nil {
		return fmt.Errorf("save snapshot %d: %w", seq, err)
	}
	if _, err := tx.Exec(ctx,
		`DELETE FROM snapshots WHERE seq NOT IN (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT $1)`,
		keepSnapshots); err != nil {
		return fmt.Errorf("prune snapshots: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
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
	err := s.pool.QueryRow(ctx, `SELECT seq, data FROM snapshots ORDER BY seq DESC LIMIT 1`).Scan(&seq, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("read latest snapshot: %w", err)
	}
	return uint64(seq), data, nil
}

// toInt64 converts a sequence or version to BIGINT, which is signed.
func toInt64(what string, v uint64) (int64, error) {
	if v > math.MaxInt64 {
		return 0, gt.Errorf(gt.EINVALID, "%s %d is out of range", what, v)
	}
	return int64(v), nil
}
