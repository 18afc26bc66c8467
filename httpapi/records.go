package httpapi

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"

	gt "groundtruth"

	"github.com/danielgtaylor/huma/v2"
)

// kind describes one kind of master-data record for the generic CRUD routes.
type kind[T any] struct {
	plural, singular string // "parties", "party": path and operation names
	get              func(gt.Store, context.Context, string, string) (*T, error)
	list             func(gt.Store, context.Context, string, gt.ListOptions) ([]T, error)
	id               func(*T) *string
	into             func(*gt.Records, T)
}

var (
	partyKind = kind[gt.Party]{"parties", "party", gt.Store.Party, gt.Store.Parties,
		func(v *gt.Party) *string { return &v.ID }, func(r *gt.Records, v gt.Party) { r.Parties = append(r.Parties, v) }}
	siteKind = kind[gt.Site]{"sites", "site", gt.Store.Site, gt.Store.Sites,
		func(v *gt.Site) *string { return &v.ID }, func(r *gt.Records, v gt.Site) { r.Sites = append(r.Sites, v) }}
	loanKind = kind[gt.Loan]{"loans", "loan", gt.Store.Loan, gt.Store.Loans,
		func(v *gt.Loan) *string { return &v.ID }, func(r *gt.Records, v gt.Loan) { r.Loans = append(r.Loans, v) }}
	collateralKind = kind[gt.Collateral]{"collateral", "collateral", gt.Store.Collateral, gt.Store.Collaterals,
		func(v *gt.Collateral) *string { return &v.ID }, func(r *gt.Records, v gt.Collateral) { r.Collateral = append(r.Collateral, v) }}
	deviceKind = kind[gt.Device]{"devices", "device", gt.Store.Device, gt.Store.Devices,
		func(v *gt.Device) *string { return &v.ID }, func(r *gt.Records, v gt.Device) { r.Devices = append(r.Devices, v) }}
	releaseKind = kind[gt.Release]{"releases", "release", gt.Store.Release, gt.Store.Releases,
		func(v *gt.Release) *string { return &v.ID }, func(r *gt.Records, v gt.Release) { r.Releases = append(r.Releases, v) }}
)

type bodyInput[T any] struct {
	Body T
}

type idInput struct {
	ID string `path:"id" maxLength:"64" doc:"Record identifier"`
}

type putInput[T any] struct {
	ID   string `path:"id" maxLength:"64" doc:"Record identifier"`
	Body T
}

type recordOutput[T any] struct {
	Status   int
	Location string `header:"Location"`
	Body     T
}

// ListInput is the cursor pagination of every list route.
type ListInput struct {
	Cursor string `query:"cursor" doc:"Opaque cursor from the previous page's next_cursor"`
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"50" doc:"Page size"`
}

// Page is one page of a list.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as cursor to get the next page; absent on the last page"`
}

type pageOutput[T any] struct {
	Body Page[T]
}

// registerRecords adds create, list, get and update routes for one kind of record.
func registerRecords[T any](s *Server, k kind[T]) {
	base := "/api/v1/" + k.plural
	o := op("create-"+k.singular, http.MethodPost, base, "create a "+k.singular, k.plural, writers...)
	o.DefaultStatus = http.StatusCreated
	huma.Register(s.api, o, func(ctx context.Context, in *bodyInput[T]) (*recordOutput[T], error) {
		v := in.Body
		if id := k.id(&v); *id == "" {
			*id = gt.NewID(k.singular)
		}
		got, err := writeRecord(s, ctx, k, gt.EventRecordsCreate, v)
		if err != nil {
			return nil, err
		}
		return &recordOutput[T]{Status: http.StatusCreated, Location: base + "/" + *k.id(got), Body: *got}, nil
	})

	huma.Register(s.api, op("list-"+k.plural, http.MethodGet, base, "list "+k.plural, k.plural, readers...),
		func(ctx context.Context, in *ListInput) (*pageOutput[T], error) {
			after, err := decodeCursor(in.Cursor)
			if err != nil {
				return nil, err
			}
			p := caller(ctx)
			items, err := k.list(s.o.Store, ctx, p.tenant, gt.ListOptions{After: after, Limit: in.Limit + 1})
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &pageOutput[T]{Body: paginate(items, in.Limit, func(v *T) string { return *k.id(v) })}, nil
		})

	huma.Register(s.api, op("get-"+k.singular, http.MethodGet, base+"/{id}", "get a "+k.singular, k.plural, readers...),
		func(ctx context.Context, in *idInput) (*recordOutput[T], error) {
			got, err := k.get(s.o.Store, ctx, caller(ctx).tenant, in.ID)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &recordOutput[T]{Status: http.StatusOK, Body: *got}, nil
		})

	huma.Register(s.api, op("update-"+k.singular, http.MethodPut, base+"/{id}", "replace a "+k.singular, k.plural, writers...),
		func(ctx context.Context, in *putInput[T]) (*recordOutput[T], error) {
			v := in.Body
			if id := k.id(&v); *id == "" {
				*id = in.ID
			} else if *id != in.ID {
				return nil, huma.NewError(http.StatusUnprocessableEntity, "id: must match the path", &huma.ErrorDetail{Location: "body.id", Message: "must match the path", Value: *id})
			}
			got, err := writeRecord(s, ctx, k, gt.EventRecordsUpdate, v)
			if err != nil {
				return nil, err
			}
			return &recordOutput[T]{Status: http.StatusOK, Body: *got}, nil
		})
}

// writeRecord validates one record, submits it as a records event and reads it back
// from the projection.
func writeRecord[T any](s *Server, ctx context.Context, k kind[T], typ gt.EventType, v T) (*T, error) {
	if n, ok := any(&v).(interface{ Normalize() }); ok {
		n.Normalize()
	}
	if err := any(&v).(interface{ Validate() error }).Validate(); err != nil {
		return nil, s.problem(ctx, err)
	}
	var r gt.Records
	k.into(&r, v)
	p := caller(ctx)
	if _, err := s.o.Node.Command(ctx, typ, p.tenant, p.keyID, r); err != nil {
		return nil, s.problem(ctx, unprefix(err, k.plural+"[0]"))
	}
	got, err := k.get(s.o.Store, ctx, p.tenant, *k.id(&v))
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return got, nil
}

// unprefix removes the batch position from an error's field: a single-record route
// reports "borrower_id", not "loans[0].borrower_id".
func unprefix(err error, prefix string) error {
	f := gt.ErrorField(err)
	if f == "" || !strings.HasPrefix(f, prefix) {
		return err
	}
	f = strings.TrimPrefix(strings.TrimPrefix(f, prefix), ".")
	return &gt.Error{Code: gt.ErrorCode(err), Message: gt.ErrorMessage(err), Field: f}
}

// paginate turns up to limit+1 items into a page: the extra item only says that another
// page exists, whose cursor is the key of the last item shown.
func paginate[T any](items []T, limit int, key func(*T) string) Page[T] {
	if items == nil {
		items = []T{}
	}
	if len(items) <= limit {
		return Page[T]{Items: items}
	}
	return Page[T]{Items: items[:limit], NextCursor: encodeCursor(key(&items[limit-1]))}
}

func encodeCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

func decodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || gt.ValidateID("cursor", string(b)) != nil {
		return "", huma.NewError(http.StatusBadRequest, "cursor: not a cursor returned by this API",
			&huma.ErrorDetail{Location: "query.cursor", Message: "not a cursor returned by this API", Value: c})
	}
	return string(b), nil
}
