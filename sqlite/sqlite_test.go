package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/sqlite"
	"groundtruth/storetest"
)

// open returns a new store on a file in a temporary directory.
func open(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open(%q) = %v", path, err)
	}
	return s
}

// TestStore runs the conformance suite, each test on a database file of its own.
func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) gt.Store {
		return open(t, filepath.Join(t.TempDir(), "groundtruth.db"))
	})
}

// TestReopen checks that records, the projected sequence and snapshots survive Close and
// Open, and that opening an up-to-date database migrates nothing.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "dir with spaces?#", "groundtruth.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	s := open(t, path)
	tenant := gt.Tenant{ID: "northwind-bank", Name: "Northwind Bank AG"}
	tenant.Stamp(tenant.ID, 41, time.Date(2026, 4, 20, 6, 45, 12, 345678901, time.UTC), true)
	key := gt.APIKey{ID: "key-admin", Name: "Admin", Role: gt.RoleAdmin, Prefix: "gtk_4Fq9", Hash: gt.HashSecret("gtk_secret")}
	key.Meta = tenant.Meta
	if err := s.ApplyChanges(ctx, &gt.Changes{Seq: 41, Tenants: []gt.Tenant{tenant}, APIKeys: []gt.APIKey{key}}); err != nil {
		t.Fatalf("ApplyChanges: %v", err)
	}
	if err := s.SaveSnapshot(ctx, 40, []byte("snapshot")); err != nil {
		t.Fatalf("SaveSnapshot: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = open(t, path)
	defer s.Close()
	if seq, err := s.ProjectedSeq(ctx); seq != 41 || err != nil {
		t.Errorf("ProjectedSeq after reopen = %d, %v; want 41", seq, err)
	}
	if got, err := s.Tenant(ctx, tenant.ID); err != nil || !reflect.DeepEqual(*got, tenant) {
		t.Errorf("Tenant after reopen = %+v, %v; want %+v", got, err, tenant)
	}
	if got, err := s.APIKeyByHash(ctx, key.Hash); err != nil || !reflect.DeepEqual(*got, key) {
		t.Errorf("APIKeyByHash after reopen = %+v, %v; want %+v", got, err, key)
	}
	if seq, data, err := s.LatestSnapshot(ctx); seq != 40 || string(data) != "snapshot" || err != nil {
		t.Errorf("LatestSnapshot after reopen = %d, %q, %v; want 40, \"snapshot\"", seq, data, err)
	}
}

// TestOpenFailsOnBadPath checks that a file that cannot be created is an error.
func TestOpenFailsOnBadPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "dir", "groundtruth.db")
	if s, err := sqlite.Open(context.Background(), path); err == nil {
		s.Close()
		t.Fatalf("Open(%q) = nil error, want one", path)
	}
}

// TestDevicePositionsFromDocuments: devices written before the interval_us column have
// their interval read from the document.
func TestDevicePositionsFromDocuments(t *testing.T) {
	path := filepath.Join(t.TempDir(), "groundtruth.db")
	s := open(t, path)
	defer s.Close()
	storetest.DevicePositionsFromDocuments(t, s, func(t *testing.T) {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if res, err := db.Exec(`UPDATE devices SET interval_us = NULL`); err != nil {
			t.Fatal(err)
		} else if n, _ := res.RowsAffected(); n == 0 {
			t.Fatal("no devices to clear")
		}
	})
}
