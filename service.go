package groundtruth

import (
	"context"
	"time"
)

// Journal is the durable, ordered log of events: the system of record for inputs.
// Implementations are safe for concurrent use.
type Journal interface {
	// Append durably appends events in order and returns their sequence numbers, which
	// strictly increase. When it returns nil the events survive a crash of the process.
	// Appending an event whose ID was appended recently returns the earlier sequence.
	// It returns EUNAVAILABLE when the journal cannot be reached and ETOOLARGE for an
	// event above the journal's size limit.
	Append(ctx context.Context, events []Event) ([]uint64, error)
	// Consume calls fn with batches of events in sequence order, starting at sequence
	// from (inclusive; 1 is the first event), and waits for new events at the end. It
	// returns when ctx is done (with ctx.Err()) or when fn returns an error (that error).
	// Consume never skips or repeats an event within one call.
	Consume(ctx context.Context, from uint64, fn func([]Event) error) error
	// LastSeq returns the sequence of the last appended event, 0 when empty.
	LastSeq(ctx context.Context) (uint64, error)
	// Close releases the journal; an embedded server is shut down.
	Close() error
}

// ListOptions selects one page of a list ordered by id. After is the cursor: the last id
// of the previous page ("" for the first page). Limit is at most MaxPageSize; 0 means
// DefaultPageSize.
type ListOptions struct {
	After string
	Limit int
}

// Page sizes for ListOptions.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// PageLimit returns the effective limit of o.
func (o ListOptions) PageLimit() int {
	switch {
	case o.Limit <= 0:
		return DefaultPageSize
	case o.Limit > MaxPageSize:
		return MaxPageSize
	}
	return o.Limit
}

// PriceQuery selects a commodity's price ticks with From <= At < To (zero = unbounded),
// ordered by time, paged by a cursor that the store defines.
type PriceQuery struct {
	Commodity string
	From, To  time.Time
	After     string
	Limit     int
}

// Store is the SQL projection of the engine's state. Every read takes the tenant and
// never returns another tenant's records; a missing record is an ENOTFOUND *Error.
// Implementations are safe for concurrent use.
type Store interface {
	// ApplyChanges writes every record of c and sets the projected sequence to c.Seq, in
	// one transaction. Records are replaced whole (upsert by tenant and id).
	ApplyChanges(ctx context.Context, c *Changes) error
	// ProjectedSeq returns the sequence of the last applied Changes, 0 when none.
	ProjectedSeq(ctx context.Context) (uint64, error)
	// SaveSnapshot stores an engine snapshot taken after applying event seq.
	SaveSnapshot(ctx context.Context, seq uint64, data []byte) error
	// LatestSnapshot returns the newest snapshot; seq 0 and nil data when there is none.
	LatestSnapshot(ctx context.Context) (seq uint64, data []byte, err error)

	Tenant(ctx context.Context, id string) (*Tenant, error)
	Tenants(ctx context.Context, o ListOptions) ([]Tenant, error)
	// APIKeyByHash finds a key by the hash of its secret, across tenants (for sign-in).
	APIKeyByHash(ctx context.Context, hash string) (*APIKey, error)
	APIKey(ctx context.Context, tenant, id string) (*APIKey, error)
	APIKeys(ctx context.Context, tenant string, o ListOptions) ([]APIKey, error)
	// DeviceByTokenHash finds a device by the hash of its token, across tenants.
	DeviceByTokenHash(ctx context.Context, hash string) (*Device, error)

	Party(ctx context.Context, tenant, id string) (*Party, error)
	Parties(ctx context.Context, tenant string, o ListOptions) ([]Party, error)
	Site(ctx context.Context, tenant, id string) (*Site, error)
	Sites(ctx context.Context, tenant string, o ListOptions) ([]Site, error)
	Loan(ctx context.Context, tenant, id string) (*Loan, error)
	Loans(ctx context.Context, tenant string, o ListOptions) ([]Loan, error)
	Collateral(ctx context.Context, tenant, id string) (*Collateral, error)
	Collaterals(ctx context.Context, tenant string, o ListOptions) ([]Collateral, error)
	Device(ctx context.Context, tenant, id string) (*Device, error)
	Devices(ctx context.Context, tenant string, o ListOptions) ([]Device, error)
	Release(ctx context.Context, tenant, id string) (*Release, error)
	Releases(ctx context.Context, tenant string, o ListOptions) ([]Release, error)
	// Prices returns ticks of one commodity; the cursor is the At of the last tick
	// returned, in RFC 3339 with nanoseconds.
	Prices(ctx context.Context, tenant string, q PriceQuery) ([]PriceTick, error)
	// Commodities lists the commodities with at least one tick, sorted.
	Commodities(ctx context.Context, tenant string) ([]string, error)

	// DeviceHealth returns a device's telemetry health; ENOTFOUND before its first pack.
	DeviceHealth(ctx context.Context, tenant, id string) (*DeviceHealth, error)
	// DeviceHealths lists the health of a tenant's devices that have reported, by id.
	DeviceHealths(ctx context.Context, tenant string, o ListOptions) ([]DeviceHealth, error)
	// DevicePositions lists every device of a tenant, by id, with what a map shows of it:
	// its binding, its state and its newest lat/lon readings (one query, no documents).
	DevicePositions(ctx context.Context, tenant string) ([]DevicePosition, error)
	// Series returns a device's readings of one measurement downsampled to q.Step (a
	// multiple of SeriesStep, at most MaxSeriesPoints points), oldest first, leaving out
	// steps without readings. q.From is aligned down to a multiple of q.Step.
	Series(ctx context.Context, tenant string, q SeriesQuery) ([]SeriesPoint, error)
	// PruneSeries deletes the one-minute buckets that start before before (the
	// retention of downsampled readings; the journal keeps every reading) and returns
	// how many it deleted.
	PruneSeries(ctx context.Context, before time.Time) (int64, error)

	// Valuation returns a collateral's latest valuation; ENOTFOUND before the first.
	Valuation(ctx context.Context, tenant, collateral string) (*Valuation, error)
	// LoanRisk returns a loan's latest metrics; ENOTFOUND before the first.
	LoanRisk(ctx context.Context, tenant, loan string) (*LoanRisk, error)
	// LoanRisks lists loans' metrics by loan id; band, when not empty, filters.
	LoanRisks(ctx context.Context, tenant, band string, o ListOptions) ([]LoanRisk, error)
	// LoanPoints returns the hourly points of a loan starting in [from, to), oldest
	// first, at most limit (the newest ones when there are more).
	LoanPoints(ctx context.Context, tenant, loan string, from, to time.Time, limit int) ([]LoanPoint, error)
	// FieldObservations returns a crop field's observations acquired in [from, to),
	// oldest first, at most limit (the newest ones when there are more).
	FieldObservations(ctx context.Context, tenant, collateral string, from, to time.Time, limit int) ([]FieldObservation, error)
	// Portfolio aggregates the tenant's loan metrics, valuations and open alerts.
	Portfolio(ctx context.Context, tenant string) (*Portfolio, error)
	// Signals lists the tenant's signals by subject then name; activeOnly leaves out
	// cleared ones. The cursor is "subject/name" of the last row.
	Signals(ctx context.Context, tenant string, activeOnly bool, o ListOptions) ([]Signal, error)
	Alert(ctx context.Context, tenant, id string) (*Alert, error)
	// Alerts lists alerts matching q, newest first (descending id); the cursor is the id.
	Alerts(ctx context.Context, tenant string, q AlertQuery) ([]Alert, error)
	Action(ctx context.Context, tenant, id string) (*Action, error)
	// Actions lists actions newest first (descending id); the cursor is the id.
	Actions(ctx context.Context, tenant string, o ListOptions) ([]Action, error)
	Inspection(ctx context.Context, tenant, id string) (*Inspection, error)
	// Inspections lists inspections newest first (descending id); the cursor is the id.
	Inspections(ctx context.Context, tenant string, o ListOptions) ([]Inspection, error)
	// Rules lists the latest version of each of the tenant's saved rules by name (the
	// built-in pack is not stored); RuleVersions lists every version of one, oldest first.
	Rules(ctx context.Context, tenant string) ([]Rule, error)
	RuleVersions(ctx context.Context, tenant, name string) ([]Rule, error)

	Close() error
}
