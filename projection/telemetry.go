package projection

import (
	"time"

	gt "groundtruth"
)

// Row describes the table of a telemetry kind. Unlike a Kind, a row has no id, version
// or JSON document of the whole record: it is keyed by the first Key columns and every field is a column of
// its own, so that the many small rows the engine emits stay cheap to write and to range
// over. Fields returns pointers to the fields of r in the order of Cols; the dialects
// write and read the columns through them, by the type pointed to:
//
//	string, float64  as they are
//	uint64           a signed 64-bit integer; larger values are refused
//	time.Time        the dialect's time to the microsecond (UTC); the zero time is NULL
//	anything else    JSON text (jsonb on PostgreSQL), nil maps as null
type Row[T any] struct {
	Table  string            // SQL table
	Noun   string            // a row in messages: "device health"
	Cols   []string          // every column, the key first
	Key    int               // the first Key columns are the primary key, tenant_id first
	Fields func(r *T) []any  // pointers to the fields of r, one per column
	Name   func(r *T) string // names r in messages
}

// The telemetry kinds, in the order a store writes them.
var (
	Health = Row[gt.DeviceHealth]{
		Table: "device_health", Noun: "device health",
		Cols: []string{"tenant_id", "device_id", "state", "state_at", "last_seen", "last_reading_at",
			"last_seq", "last_digest", "packs", "readings", "duplicates", "late", "rejected", "last", "seq"},
		Key: 2,
		Fields: func(r *gt.DeviceHealth) []any {
			return []any{&r.TenantID, &r.DeviceID, &r.State, &r.StateAt, &r.LastSeen, &r.LastReadingAt,
				&r.LastSeq, &r.LastDigest, &r.Packs, &r.Readings, &r.Duplicates, &r.Late, &r.Rejected, &r.Last, &r.Seq}
		},
		Name: func(r *gt.DeviceHealth) string { return r.DeviceID },
	}
	Series = Row[gt.SeriesBucket]{
		Table: "series_buckets", Noun: "series bucket",
		Cols: []string{"tenant_id", "device_id", "name", "start", "count", "sum", "min", "max",
			"last", "last_at"},
		Key: 4,
		Fields: func(r *gt.SeriesBucket) []any {
			return []any{&r.TenantID, &r.DeviceID, &r.Name, &r.Start, &r.Count, &r.Sum, &r.Min, &r.Max,
				&r.Last, &r.LastAt}
		},
		Name: func(r *gt.SeriesBucket) string {
			return r.DeviceID + " " + r.Name + " at " + r.Start.UTC().Format(time.RFC3339Nano)
		},
	}
)

// SeriesRange returns the bounds of q (which passed Check) for a start column that holds
// microseconds: From <= start < To becomes from <= start < to with both rounded up to the
// microsecond, which selects the same whole-microsecond starts.
func SeriesRange(q gt.SeriesQuery) (from, to time.Time) {
	return ceilMicro(q.From), ceilMicro(q.To)
}

// ceilMicro rounds t up to a whole microsecond, in UTC.
func ceilMicro(t time.Time) time.Time {
	t = t.UTC()
	if u := t.Truncate(time.Microsecond); !u.Equal(t) {
		return u.Add(time.Microsecond)
	}
	return t
}
