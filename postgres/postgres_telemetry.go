package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	gt "groundtruth"
	"groundtruth/projection"
)

// The telemetry tables, in the order ApplyChanges writes them.
var (
	health = (&rowTable[gt.DeviceHealth]{Row: projection.Health}).init()
	series = (&rowTable[gt.SeriesBucket]{Row: projection.Series}).init()
)

// colType is how a field of a telemetry row travels: the Go type of Fields and the SQL
// type of its column.
type colType int

const (
	colText colType = iota
	colFloat
	colInt
	colTime
	colJSON
)

// sqlArray is the array type a column's values are sent as.
var sqlArray = [...]string{colText: "text[]", colFloat: "float8[]", colInt: "int8[]",
	colTime: "timestamptz[]", colJSON: "text[]"}

// typeOf returns the colType of a pointer returned by Fields.
func typeOf(f any) colType {
	switch f.(type) {
	case *string:
		return colText
	case *float64:
		return colFloat
	case *uint64:
		return colInt
	case *time.Time:
		return colTime
	}
	return colJSON
}

// rowTable is a telemetry kind's projection.Row with the statements of this dialect.
// Times are timestamptz, NULL for the zero time.
type rowTable[T any] struct {
	projection.Row[T]
	types  []colType
	sel    string // SELECT of every column, without a condition
	upsert string // one statement for every row, each column sent as an array
}

// init builds the table's SQL and returns t.
func (t *rowTable[T]) init() *rowTable[T] {
	var zero T
	var params, exprs, set []string
	for i, f := range t.Fields(&zero) {
		ct := typeOf(f)
		t.types = append(t.types, ct)
		params = append(params, fmt.Sprintf("$%d::%s", i+1, sqlArray[ct]))
		c := t.Cols[i]
		if ct == colJSON {
			exprs = append(exprs, c+"::jsonb")
		} else {
			exprs = append(exprs, c)
		}
		if i >= t.Key {
			set = append(set, c+" = excluded."+c)
		}
	}
	cols := strings.Join(t.Cols, ", ")
	t.sel = fmt.Sprintf("SELECT %s FROM %s", cols, t.Table)
	t.upsert = fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM unnest(%s) AS r (%s) ON CONFLICT (%s) DO UPDATE SET %s",
		t.Table, cols, strings.Join(exprs, ", "), strings.Join(params, ", "), cols,
		strings.Join(t.Cols[:t.Key], ", "), strings.Join(set, ", "))
	return t
}

// queue adds one upsert of every row of rs to b, with a label that names it in errors. A
// row replaces the one of the same key whole; of rows of rs with the same key, the last
// is written.
func (t *rowTable[T]) queue(b *pgx.Batch, labels []string, rs []T) ([]string, error) {
	if len(rs) == 0 {
		return labels, nil
	}
	rs = t.dedupe(rs)
	var (
		n      = len(rs)
		texts  = make([][]string, len(t.types))
		floats = make([][]float64, len(t.types))
		ints   = make([][]int64, len(t.types))
		times  = make([][]pgtype.Timestamptz, len(t.types))
	)
	for i, ct := range t.types {
		switch ct {
		case colText, colJSON:
			texts[i] = make([]string, n)
		case colFloat:
			floats[i] = make([]float64, n)
		case colInt:
			ints[i] = make([]int64, n)
		case colTime:
			times[i] = make([]pgtype.Timestamptz, n)
		}
	}
	for j := range rs {
		r := &rs[j]
		fields := t.Fields(r)
		if tenant := fields[0].(*string); *tenant == "" {
			return nil, gt.Errorf(gt.EINVALID, "%s of %q has no tenant", t.Noun, t.Name(r))
		}
		for i, f := range fields {
			switch p := f.(type) {
			case *string:
				texts[i][j] = *p
			case *float64:
				floats[i][j] = *p
			case *uint64:
				v, err := toInt64(t.Noun+" "+t.Cols[i], *p)
				if err != nil {
					return nil, err
				}
				ints[i][j] = v
			case *time.Time:
				times[i][j] = pgtype.Timestamptz{Time: *p, Valid: !p.IsZero()}
			default:
				data, err := json.Marshal(p)
				if err != nil {
					return nil, fmt.Errorf("encode %s of %q: %s: %w", t.Noun, t.Name(r), t.Cols[i], err)
				}
				texts[i][j] = string(data)
			}
		}
	}
	args := make([]any, len(t.types))
	for i, ct := range t.types {
		switch ct {
		case colText, colJSON:
			args[i] = texts[i]
		case colFloat:
			args[i] = floats[i]
		case colInt:
			args[i] = ints[i]
		case colTime:
			args[i] = times[i]
		}
	}
	b.Queue(t.upsert, args...)
	return append(labels, fmt.Sprintf("put %s of %q and %d more", t.Noun, t.Name(&rs[0]), n-1)), nil
}

// dedupe returns rs with one row per key, the last given, at the place of the first.
// PostgreSQL refuses to update a row twice in one statement.
func (t *rowTable[T]) dedupe(rs []T) []T {
	if len(rs) < 2 {
		return rs
	}
	seen := make(map[string]int, len(rs))
	var key []byte
	var out []T
	for j := range rs {
		key = key[:0]
		for _, f := range t.Fields(&rs[j])[:t.Key] {
			switch p := f.(type) {
			case *string:
				key = append(key, *p...)
			case *time.Time:
				key = fmt.Appendf(key, "%d", p.UnixMicro())
			}
			key = append(key, 0)
		}
		if i, ok := seen[string(key)]; ok {
			if out == nil {
				out = append(make([]T, 0, len(rs)), rs[:j]...)
			}
			out[i] = rs[j]
			continue
		}
		seen[string(key)] = len(seen)
		if out != nil {
			out = append(out, rs[j])
		}
	}
	if out == nil {
		return rs
	}
	return out
}

// scanner reads rows of t.sel into records. It holds the columns that need converting,
// so that reading many rows allocates little.
type scanner[T any] struct {
	t     *rowTable[T]
	dest  []any
	ints  []int64
	times []pgtype.Timestamptz
	raw   [][]byte
}

// scanner returns a scanner of the rows of t.sel.
func (t *rowTable[T]) scanner() *scanner[T] {
	n := len(t.Cols)
	return &scanner[T]{t: t, dest: make([]any, n), ints: make([]int64, n),
		times: make([]pgtype.Timestamptz, n), raw: make([][]byte, n)}
}

// scan reads the current row of row.
func (s *scanner[T]) scan(row pgx.Row) (T, error) {
	var r T
	fields := s.t.Fields(&r)
	for i, f := range fields {
		switch s.t.types[i] {
		case colText, colFloat:
			s.dest[i] = f
		case colInt:
			s.dest[i] = &s.ints[i]
		case colTime:
			s.dest[i] = &s.times[i]
		case colJSON:
			s.dest[i] = &s.raw[i]
		}
	}
	if err := row.Scan(s.dest...); err != nil {
		return r, err
	}
	for i, f := range fields {
		switch p := f.(type) {
		case *string, *float64:
		case *uint64:
			*p = uint64(s.ints[i])
		case *time.Time:
			*p = time.Time{}
			if s.times[i].Valid {
				*p = s.times[i].Time.UTC()
			}
		default:
			if err := json.Unmarshal(s.raw[i], p); err != nil {
				return r, fmt.Errorf("decode %s %s: %w", s.t.Noun, s.t.Cols[i], err)
			}
		}
	}
	return r, nil
}

// list runs a query of t.sel and returns its rows.
func (t *rowTable[T]) list(ctx context.Context, db *pgxpool.Pool, query string, args ...any) ([]T, error) {
	rows, err := db.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	s := t.scanner()
	for rows.Next() {
		r, err := s.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// queueTelemetry adds the upserts of the device health rows and the series buckets of c.
func queueTelemetry(b *pgx.Batch, labels []string, c *gt.Changes) ([]string, error) {
	labels, err := health.queue(b, labels, c.Health)
	if err != nil {
		return nil, err
	}
	return series.queue(b, labels, c.Series)
}

// DeviceHealth returns the telemetry health of a tenant's device, or an ENOTFOUND error
// before the device's first pack.
func (s *Store) DeviceHealth(ctx context.Context, tenant, id string) (*gt.DeviceHealth, error) {
	sc := health.scanner()
	h, err := sc.scan(s.pool.QueryRow(ctx, health.sel+" WHERE tenant_id = $1 AND device_id = $2", tenant, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, gt.Errorf(gt.ENOTFOUND, "health of device %q not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get health of device %q: %w", id, err)
	}
	return &h, nil
}

// DeviceHealths returns one page of the health of a tenant's devices that have reported,
// ordered by device id.
func (s *Store) DeviceHealths(ctx context.Context, tenant string, o gt.ListOptions) ([]gt.DeviceHealth, error) {
	out, err := health.list(ctx, s.pool, health.sel+" WHERE tenant_id = $1 AND device_id > $2 ORDER BY device_id LIMIT $3",
		tenant, o.After, o.PageLimit())
	if err != nil {
		return nil, fmt.Errorf("list device health: %w", err)
	}
	return out, nil
}

// Series returns a device's readings of one measurement merged into points of q.Step,
// oldest first; an invalid query is an EINVALID error.
func (s *Store) Series(ctx context.Context, tenant string, q gt.SeriesQuery) ([]gt.SeriesPoint, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	from, to := projection.SeriesRange(q)
	buckets, err := series.list(ctx, s.pool, series.sel+
		" WHERE tenant_id = $1 AND device_id = $2 AND name = $3 AND start >= $4 AND start < $5 ORDER BY start",
		tenant, q.Device, q.Name, from, to)
	if err != nil {
		return nil, fmt.Errorf("read series %s of device %q: %w", q.Name, q.Device, err)
	}
	if out := gt.MergeSeries(q, buckets); out != nil {
		return out, nil
	}
	return []gt.SeriesPoint{}, nil
}

// PruneSeries deletes the one-minute buckets that start before before, in batches of
// 10,000 rows so that no transaction holds many locks; it returns how many it deleted.
func (s *Store) PruneSeries(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	for {
		tag, err := s.pool.Exec(ctx, `DELETE FROM series_buckets WHERE ctid IN
			(SELECT ctid FROM series_buckets WHERE start < $1 LIMIT 10000)`, before)
		if err != nil {
			return n, fmt.Errorf("prune series: %w", err)
		}
		n += tag.RowsAffected()
		if tag.RowsAffected() < 10000 {
			return n, nil
		}
	}
}

// DevicePositions lists every device of a tenant, by id, with its state and newest
// position from its health row.
func (s *Store) DevicePositions(ctx context.Context, tenant string) ([]gt.DevicePosition, error) {
	rows, err := s.pool.Query(ctx, `SELECT d.id, d.kind, COALESCE(d.site_id, ''), COALESCE(d.collateral_id, ''),
		d.interval_us, CASE WHEN d.interval_us IS NULL THEN d.data->>'interval' ELSE '' END, h.device_id IS NOT NULL, COALESCE(h.state, ''), h.last_seen,
		(h.last->'lat'->>'v')::double precision, (h.last->'lon'->>'v')::double precision
		FROM devices d LEFT JOIN device_health h ON h.tenant_id = d.tenant_id AND h.device_id = d.id
		WHERE d.tenant_id = $1 ORDER BY d.id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("list device positions: %w", err)
	}
	defer rows.Close()
	out := []gt.DevicePosition{}
	for rows.Next() {
		var p gt.DevicePosition
		var kind string
		var us *int64
		var interval *string
		var seen *time.Time
		if err := rows.Scan(&p.DeviceID, &kind, &p.SiteID, &p.CollateralID, &us, &interval, &p.Reported, &p.State, &seen, &p.Lat, &p.Lon); err != nil {
			return nil, fmt.Errorf("list device positions: %w", err)
		}
		p.Kind = gt.DeviceKind(kind)
		var usv int64
		var doc string
		if us != nil {
			usv = *us
		}
		if interval != nil {
			doc = *interval
		}
		if p.Interval, err = projection.Interval(p.DeviceID, usv, us != nil, doc); err != nil {
			return nil, err
		}
		if seen != nil {
			p.LastSeen = seen.UTC()
		}
		if p.Lat == nil || p.Lon == nil {
			p.Lat, p.Lon = nil, nil
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list device positions: %w", err)
	}
	return out, nil
}
