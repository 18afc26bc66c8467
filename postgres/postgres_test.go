package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	gt "groundtruth"
	"groundtruth/postgres"
	"groundtruth/storetest"
)

// envURL names the environment variable with the URL of a test database, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const envURL = "GT_TEST_POSTGRES"

// schemaURL returns the URL of a fresh, randomly named schema of the test database and
// drops the schema when the test ends. It skips the test when GT_TEST_POSTGRES is unset.
func schemaURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(envURL)
	if base == "" {
		t.Skipf("%s is not set; set it to a PostgreSQL URL such as postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run", envURL)
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s = %q is not a postgres:// URL", envURL, base)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "gt_test_" + hex.EncodeToString(b[:])
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return u.String()
}

// open returns a store on a fresh schema, failing the test when the database set in
// GT_TEST_POSTGRES cannot be reached.
func open(t testing.TB) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), schemaURL(t))
	if err != nil {
		t.Fatalf("Open (%s is set): %v", envURL, err)
	}
	return s
}

// TestStore runs the conformance suite, each test on a schema of its own.
func TestStore(t *testing.T) {
	reachable(t)
	storetest.Run(t, func(t *testing.T) gt.Store { return open(t) })
}

// reachable skips the test when GT_TEST_POSTGRES is unset and fails it when the database
// cannot be reached.
func reachable(t *testing.T) {
	t.Helper()
	base := os.Getenv(envURL)
	if base == "" {
		t.Skipf("%s is not set; set it to a PostgreSQL URL such as postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run", envURL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("%s is set but the database cannot be reached: %v", envURL, err)
	}
	conn.Close(ctx)
}

// TestReopen checks that records, the projected sequence and snapshots survive Close and
// Open on the same schema, and that opening an up-to-date schema migrates nothing.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	u := schemaURL(t)
	s, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	tenant := gt.Tenant{ID: "northwind-bank", Name: "Northwind Bank AG"}
	tenant.Stamp(tenant.ID, 41, time.Date(2026, 4, 20, 6, 45, 12, 345678901, time.UTC), true)
	if err := s.ApplyChanges(ctx, &gt.Changes{Seq: 41, Tenants: []gt.Tenant{tenant}}); err != nil {
		t.Fatalf("ApplyChanges: %v", err)
	}
	if err := s.SaveSnapshot(ctx, 40, []byte("snapshot")); err != nil {
		t.Fatalf("SaveSnapshot: %v", err)
	}
	s.Close()

	s, err = postgres.Open(ctx, u)
	if err != nil {
		t.Fatalf("Open again: %v", err)
	}
	defer s.Close()
	if seq, err := s.ProjectedSeq(ctx); seq != 41 || err != nil {
		t.Errorf("ProjectedSeq after reopen = %d, %v; want 41", seq, err)
	}
	if got, err := s.Tenant(ctx, tenant.ID); err != nil || *got != tenant {
		t.Errorf("Tenant after reopen = %+v, %v; want %+v", got, err, tenant)
	}
	if seq, data, err := s.LatestSnapshot(ctx); seq != 40 || string(data) != "snapshot" || err != nil {
		t.Errorf("LatestSnapshot after reopen = %d, %q, %v; want 40, \"snapshot\"", seq, data, err)
	}
}

// TestOpenUnreachable checks that an unreachable server is an error, not a hang.
func TestOpenUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := postgres.Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	if err == nil {
		s.Close()
		t.Fatal("Open(port 1) = nil error, want one")
	}
}

// TestWriterLock: one store of a schema holds the writer lock; a second store of the
// same schema is refused, naming the schema, until the first closes.
func TestWriterLock(t *testing.T) {
	ctx := context.Background()
	u := schemaURL(t)
	a, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.LockWriter(ctx); err != nil {
		t.Fatalf("first writer: %v", err)
	}
	b, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.LockWriter(ctx); err == nil || !strings.Contains(err.Error(), "another groundtruth server") || !strings.Contains(err.Error(), "gt_test_") {
		t.Fatalf("second writer: %v, want refused naming the schema", err)
	}
	a.Close()
	if err := b.LockWriter(ctx); err != nil {
		t.Errorf("after the first closed: %v", err)
	}
}

// TestDevicePositionsFromDocuments: devices written before the interval_us column have
// their interval read from the document.
func TestDevicePositionsFromDocuments(t *testing.T) {
	u := schemaURL(t)
	s, err := postgres.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.DevicePositionsFromDocuments(t, s, func(t *testing.T) {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if tag, err := conn.Exec(ctx, `UPDATE devices SET interval_us = NULL`); err != nil {
			t.Fatal(err)
		} else if tag.RowsAffected() == 0 {
			t.Fatal("no devices to clear")
		}
	})
}
