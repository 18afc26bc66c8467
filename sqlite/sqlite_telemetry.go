package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	gt "groundtruth"
	"groundtruth/projection"
)

// The telemetry tables, in the order ApplyChanges writes them.
var (
	health = (&rowTable[gt.DeviceHealth]{Row: projection.Health}).init()
	series = (&rowTable[gt.SeriesBucket]{Row: projection.Series}).init()
)

// batchRows is the number of rows one upsert statement writes. The engine emits
// thousands of telemetry rows per Changes; a statement of many rows costs one call
// through database/sql and the driver instead of one per row, which makes
// BenchmarkApplyChangesTelemetry about a fifth faster than a statement per row.
const batchRows = 64

// rowTable is a telemetry kind's projection.Row with the statements of this dialect.
// Times are INTEGER microseconds since the Unix epoch, NULL for the zero time.
type rowTable[T any] struct {
	projection.Row[T]
	sel    string // SELECT of every column, without a condition
	insert string // INSERT INTO table (columns) VALUES
	tuple  string // one row of values: (?, ?, ...)
	update string // ON CONFLICT (key) DO UPDATE SET every other column
}

// init builds the table's SQL and returns t.
func (t *rowTable[T]) init() *rowTable[T] {
	cols := strings.Join(t.Cols, ", ")
	var set []string
	for _, c := range t.Cols[t.Key:] {
		set = append(set, c+" = excluded."+c)
	}
	t.sel = fmt.Sprintf("SELECT %s FROM %s", cols, t.Table)
	t.insert = fmt.Sprintf("INSERT INTO %s (%s) VALUES ", t.Table, cols)
	t.tuple = "(" + strings.Repeat("?, ", len(t.Cols)-1) + "?)"
	t.update = fmt.Sprintf(" ON CONFLICT (%s) DO UPDATE SET %s",
		strings.Join(t.Cols[:t.Key], ", "), strings.Join(set, ", "))
	return t
}

// upsert returns the statement that upserts n rows; a row replaces the one of the same
// key whole, and a later row of a statement replaces an earlier one of the same key.
func (t *rowTable[T]) upsert(n int) string {
	var b strings.Builder
	b.Grow(len(t.insert) + n*(len(t.tuple)+2) + len(t.update))
	b.WriteString(t.insert)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(t.tuple)
	}
	b.WriteString(t.update)
	return b.String()
}

// put upserts every row of rs in tx, in order, batchRows at a time.
func (t *rowTable[T]) put(ctx context.Context, tx *sql.Tx, rs []T) error {
	full := len(rs) / batchRows * batchRows
	if err := t.putBatches(ctx, tx, rs[:full], batchRows); err != nil {
		return err
	}
	return t.putBatches(ctx, tx, rs[full:], len(rs)-full)
}

// putBatches upserts the rows of rs with one statement of n rows, len(rs) a multiple of n.
func (t *rowTable[T]) putBatches(ctx context.Context, tx *sql.Tx, rs []T, n int) error {
	if len(rs) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, t.upsert(n))
	if err != nil {
		return fmt.Errorf("prepare %s upsert: %w", t.Noun, err)
	}
	defer st.Close()
	args := make([]any, 0, n*len(t.Cols))
	for ; len(rs) > 0; rs = rs[n:] {
		args = args[:0]
		for i := range rs[:n] {
			if args, err = t.bind(args, &rs[i]); err != nil {
				return err
			}
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("put %s of %q and %d more: %w", t.Noun, t.Name(&rs[0]), n-1, err)
		}
	}
	return nil
}

// bind appends the values of the columns of r to a.
func (t *rowTable[T]) bind(a []any, r *T) ([]any, error) {
	fields := t.Fields(r)
	if tenant := fields[0].(*string); *tenant == "" {
		return nil, gt.Errorf(gt.EINVALID, "%s of %q has no tenant", t.Noun, t.Name(r))
	}
	for i, f := range fields {
		switch p := f.(type) {
		case *string:
			a = append(a, *p)
		case *float64:
			a = append(a, *p)
		case *uint64:
			v, err := toInt64(t.Noun+" "+t.Cols[i], *p)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		case *time.Time:
			if p.IsZero() {
				a = append(a, nil)
				break
			}
			if err := checkTime(t.Noun+" "+t.Cols[i], *p); err != nil {
				return nil, err
			}
			a = append(a, p.UnixMicro())
		default:
			data, err := json.Marshal(p)
			if err != nil {
				return nil, fmt.Errorf("encode %s of %q: %s: %w", t.Noun, t.Name(r), t.Cols[i], err)
			}
			a = append(a, string(data))
		}
	}
	return a, nil
}

// scanner reads rows of t.sel into records. It holds the columns that need converting,
// so that reading many rows allocates little.
type scanner[T any] struct {
	t     *rowTable[T]
	dest  []any
	ints  []int64
	times []sql.NullInt64
	raw   [][]byte
}

// scanner returns a scanner of the rows of t.sel.
func (t *rowTable[T]) scanner() *scanner[T] {
	n := len(t.Cols)
	return &scanner[T]{t: t, dest: make([]any, n), ints: make([]int64, n),
		times: make([]sql.NullInt64, n), raw: make([][]byte, n)}
}

// scan reads the current row of sc.
func (s *scanner[T]) scan(sc interface{ Scan(...any) error }) (T, error) {
	var r T
	fields := s.t.Fields(&r)
	for i, f := range fields {
		switch f.(type) {
		case *string, *float64:
			s.dest[i] = f
		case *uint64:
			s.dest[i] = &s.ints[i]
		case *time.Time:
			s.dest[i] = &s.times[i]
		default:
			s.dest[i] = &s.raw[i]
		}
	}
	if err := sc.Scan(s.dest...); err != nil {
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
				*p = time.UnixMicro(s.times[i].Int64).UTC()
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
func (t *rowTable[T]) list(ctx context.Context, db *sql.DB, query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
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

// putTelemetry upserts the device health rows and the series buckets of c.
func putTelemetry(ctx context.Context, tx *sql.Tx, c *gt.Changes) error {
	if err := health.put(ctx, tx, c.Health); err != nil {
		return err
	}
	return series.put(ctx, tx, c.Series)
}

// DeviceHealth returns the telemetry health of a tenant's device, or an ENOTFOUND error
// before the device's first pack.
func (s *Store) DeviceHealth(ctx context.Context, tenant, id string) (*gt.DeviceHealth, error) {
	sc := health.scanner()
	h, err := sc.scan(s.r.QueryRowContext(ctx, health.sel+" WHERE tenant_id = ? AND device_id = ?", tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
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
	out, err := health.list(ctx, s.r, health.sel+" WHERE tenant_id = ? AND device_id > ? ORDER BY device_id LIMIT ?",
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
	buckets, err := series.list(ctx, s.r, series.sel+
		" WHERE tenant_id = ? AND device_id = ? AND name = ? AND start >= ? AND start < ? ORDER BY start",
		tenant, q.Device, q.Name, from.UnixMicro(), to.UnixMicro())
	if err != nil {
		return nil, fmt.Errorf("read series %s of device %q: %w", q.Name, q.Device, err)
	}
	if out := gt.MergeSeries(q, buckets); out != nil {
		return out, nil
	}
	return []gt.SeriesPoint{}, nil
}

// PruneSeries deletes the one-minute buckets that start before before, in batches of
// 10,000 so that the single writer is never held long; it returns how many it deleted.
func (s *Store) PruneSeries(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	for {
		res, err := s.w.ExecContext(ctx, `DELETE FROM series_buckets WHERE (tenant_id, device_id, name, start) IN
			(SELECT tenant_id, device_id, name, start FROM series_buckets WHERE start < ? LIMIT 10000)`, before.UnixMicro())
		if err != nil {
			return n, fmt.Errorf("prune series: %w", err)
		}
		k, _ := res.RowsAffected()
		n += k
		if k < 10000 {
			return n, nil
		}
	}
}

// DevicePositions lists every device of a tenant, by id, with its state and newest
// position from its health row.
func (s *Store) DevicePositions(ctx context.Context, tenant string) ([]gt.DevicePosition, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT d.id, d.kind, COALESCE(d.site_id, ''), COALESCE(d.collateral_id, ''),
		d.interval_us, CASE WHEN d.interval_us IS NULL THEN json_extract(d.data, '$.interval') ELSE '' END, h.device_id IS NOT NULL, COALESCE(h.state, ''), h.last_seen,
		json_extract(h.last, '$.lat.v'), json_extract(h.last, '$.lon.v')
		FROM devices d LEFT JOIN device_health h ON h.tenant_id = d.tenant_id AND h.device_id = d.id
		WHERE d.tenant_id = ? ORDER BY d.id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("list device positions: %w", err)
	}
	defer rows.Close()
	out := []gt.DevicePosition{}
	for rows.Next() {
		var p gt.DevicePosition
		var kind string
		var us sql.NullInt64
		var interval sql.NullString
		var seen sql.NullInt64
		var lat, lon sql.NullFloat64
		if err := rows.Scan(&p.DeviceID, &kind, &p.SiteID, &p.CollateralID, &us, &interval, &p.Reported, &p.State, &seen, &lat, &lon); err != nil {
			return nil, fmt.Errorf("list device positions: %w", err)
		}
		p.Kind = gt.DeviceKind(kind)
		if p.Interval, err = projection.Interval(p.DeviceID, us.Int64, us.Valid, interval.String); err != nil {
			return nil, err
		}
		if seen.Valid {
			p.LastSeen = time.UnixMicro(seen.Int64).UTC()
		}
		if lat.Valid && lon.Valid {
			p.Lat, p.Lon = &lat.Float64, &lon.Float64
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list device positions: %w", err)
	}
	return out, nil
}
