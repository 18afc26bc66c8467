package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	gt "groundtruth"
	"groundtruth/projection"
)

// table is a record kind's projection.Kind with the statements of this dialect, built
// by init from the kind's table and columns.
type table[T any] struct {
	projection.Kind[T]
	upsert string
	get    string
	list   string
	sel    string
}

// init builds the table's SQL statements and returns t.
func (t *table[T]) init() *table[T] {
	cols := []string{"id", "version", "created_at", "updated_at", "data"}
	conflict := "id"
	if t.Scoped {
		cols = append([]string{"tenant_id"}, cols...)
		conflict = "tenant_id, id"
	}
	cols = append(cols, t.Cols...)
	var set, params []string
	for _, c := range cols {
		params = append(params, "?")
		if c != "tenant_id" && c != "id" {
			set = append(set, c+" = excluded."+c) // created_at too: records are replaced whole
		}
	}
	t.upsert = fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (%s) DO UPDATE SET %s",
		t.Table, strings.Join(cols, ", "), strings.Join(params, ", "), conflict, strings.Join(set, ", "))
	secret := "NULL"
	if t.Secret != "" {
		secret = t.Secret
	}
	t.sel = fmt.Sprintf("SELECT data, %s FROM %s", secret, t.Table)
	if t.Scoped {
		t.get = t.sel + " WHERE tenant_id = ? AND id = ?"
		t.list = t.sel + " WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?"
	} else {
		t.get = t.sel + " WHERE id = ?"
		t.list = t.sel + " WHERE id > ? ORDER BY id LIMIT ?"
	}
	return t
}

// args returns the values of the upsert statement for r.
func (t *table[T]) args(r *T) ([]any, error) {
	id, m := t.Key(r)
	if t.Scoped && m.TenantID == "" {
		return nil, gt.Errorf(gt.EINVALID, "%s %q has no tenant", t.Noun, id)
	}
	version, err := toInt64(t.Noun+" version", m.Version)
	if err != nil {
		return nil, err
	}
	if err := checkTime(t.Noun+" created_at", m.CreatedAt); err != nil {
		return nil, err
	}
	if err := checkTime(t.Noun+" updated_at", m.UpdatedAt); err != nil {
		return nil, err
	}
	data, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode %s %q: %w", t.Noun, id, err)
	}
	a := make([]any, 0, 6+len(t.Cols))
	if t.Scoped {
		a = append(a, m.TenantID)
	}
	a = append(a, id, version, formatTime(m.CreatedAt), formatTime(m.UpdatedAt), string(data))
	return append(a, t.Values(r)...), nil
}

// put upserts every record of rs in tx, in order.
func (t *table[T]) put(ctx context.Context, tx *sql.Tx, rs []T) error {
	if len(rs) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, t.upsert)
	if err != nil {
		return fmt.Errorf("prepare %s upsert: %w", t.Noun, err)
	}
	defer st.Close()
	for i := range rs {
		a, err := t.args(&rs[i])
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, a...); err != nil {
			id, _ := t.Key(&rs[i])
			return fmt.Errorf("put %s %q: %w", t.Noun, id, err)
		}
	}
	return nil
}

// decode reads one row of a SELECT built by init.
func (t *table[T]) decode(sc interface{ Scan(...any) error }) (T, error) {
	var (
		r      T
		data   []byte
		secret sql.NullString
	)
	if err := sc.Scan(&data, &secret); err != nil {
		return r, err
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("decode %s: %w", t.Noun, err)
	}
	if t.Read != nil {
		t.Read(&r, secret.String)
	}
	t.UTC(&r)
	return r, nil
}

// one returns the record of tenant with the given id (tenant is ignored for tenants).
func (t *table[T]) one(ctx context.Context, db *sql.DB, tenant, id string) (*T, error) {
	var row *sql.Row
	if t.Scoped {
		row = db.QueryRowContext(ctx, t.get, tenant, id)
	} else {
		row = db.QueryRowContext(ctx, t.get, id)
	}
	r, err := t.decode(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gt.Errorf(gt.ENOTFOUND, "%s %q not found", t.Noun, id)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s %q: %w", t.Noun, id, err)
	}
	return &r, nil
}

// where returns the record matching a condition on the table, such as "hash = ?".
func (t *table[T]) where(ctx context.Context, db *sql.DB, cond string, args ...any) (*T, error) {
	r, err := t.decode(db.QueryRowContext(ctx, t.sel+" WHERE "+cond, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gt.Errorf(gt.ENOTFOUND, "%s not found", t.Noun)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", t.Noun, err)
	}
	return &r, nil
}

// page returns one page of tenant's records ordered by id.
func (t *table[T]) page(ctx context.Context, db *sql.DB, tenant string, o gt.ListOptions) ([]T, error) {
	var (
		rows *sql.Rows
		err  error
	)
	if t.Scoped {
		rows, err = db.QueryContext(ctx, t.list, tenant, o.After, o.PageLimit())
	} else {
		rows, err = db.QueryContext(ctx, t.list, o.After, o.PageLimit())
	}
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", t.Table, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		r, err := t.decode(rows)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", t.Table, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list %s: %w", t.Table, err)
	}
	return out, nil
}
