package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

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
	for i, c := range cols {
		params = append(params, fmt.Sprintf("$%d", i+1))
		if c != "tenant_id" && c != "id" {
			set = append(set, c+" = excluded."+c) // created_at too: records are replaced whole
		}
	}
	t.upsert = fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (%s) DO UPDATE SET %s",
		t.Table, strings.Join(cols, ", "), strings.Join(params, ", "), conflict, strings.Join(set, ", "))
	secret := "NULL::text"
	if t.Secret != "" {
		secret = t.Secret
	}
	t.sel = fmt.Sprintf("SELECT data, %s FROM %s", secret, t.Table)
	if t.Scoped {
		t.get = t.sel + " WHERE tenant_id = $1 AND id = $2"
		t.list = t.sel + " WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3"
	} else {
		t.get = t.sel + " WHERE id = $1"
		t.list = t.sel + " WHERE id > $1 ORDER BY id LIMIT $2"
	}
	return t
}

// queue adds the upserts of every record of rs to b, in order, with a label for each
// that names the record in errors.
func (t *table[T]) queue(b *pgx.Batch, labels []string, rs []T) ([]string, error) {
	for i := range rs {
		r := &rs[i]
		id, m := t.Key(r)
		if t.Scoped && m.TenantID == "" {
			return nil, gt.Errorf(gt.EINVALID, "%s %q has no tenant", t.Noun, id)
		}
		version, err := toInt64(t.Noun+" version", m.Version)
		if err != nil {
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
		a = append(a, id, version, m.CreatedAt, m.UpdatedAt, data)
		b.Queue(t.upsert, append(a, t.Values(r)...)...)
		labels = append(labels, fmt.Sprintf("put %s %q", t.Noun, id))
	}
	return labels, nil
}

// decode reads one row of a SELECT built by init.
func (t *table[T]) decode(row pgx.Row) (T, error) {
	var (
		r      T
		data   []byte
		secret *string
	)
	if err := row.Scan(&data, &secret); err != nil {
		return r, err
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("decode %s: %w", t.Noun, err)
	}
	if t.Read != nil && secret != nil {
		t.Read(&r, *secret)
	}
	t.UTC(&r)
	return r, nil
}

// one returns the record of tenant with the given id (tenant is ignored for tenants).
func (t *table[T]) one(ctx context.Context, db *pgxpool.Pool, tenant, id string) (*T, error) {
	var row pgx.Row
	if t.Scoped {
		row = db.QueryRow(ctx, t.get, tenant, id)
	} else {
		row = db.QueryRow(ctx, t.get, id)
	}
	r, err := t.decode(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, gt.Errorf(gt.ENOTFOUND, "%s %q not found", t.Noun, id)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s %q: %w", t.Noun, id, err)
	}
	return &r, nil
}

// where returns the record matching a condition on the table, such as "hash = $1".
func (t *table[T]) where(ctx context.Context, db *pgxpool.Pool, cond string, args ...any) (*T, error) {
	r, err := t.decode(db.QueryRow(ctx, t.sel+" WHERE "+cond, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, gt.Errorf(gt.ENOTFOUND, "%s not found", t.Noun)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", t.Noun, err)
	}
	return &r, nil
}

// page returns one page of tenant's records ordered by id.
func (t *table[T]) page(ctx context.Context, db *pgxpool.Pool, tenant string, o gt.ListOptions) ([]T, error) {
	var (
		rows pgx.Rows
		err  error
	)
	if t.Scoped {
		rows, err = db.Query(ctx, t.list, tenant, o.After, o.PageLimit())
	} else {
		rows, err = db.Query(ctx, t.list, o.After, o.PageLimit())
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
