package groundtruth

import (
	"encoding/json"
	"time"
)

// EventType names what an event does. The engine applies each type deterministically.
type EventType string

// Event types. Master data arrives as Records in one event so that a command or an import
// of many rows is applied atomically: all of it or none.
const (
	EventTenantCreate  EventType = "tenant.create"  // Data: TenantCreate
	EventAPIKeyCreate  EventType = "apikey.create"  // Data: APIKey (hash only)
	EventAPIKeyRevoke  EventType = "apikey.revoke"  // Data: IDRef
	EventRecordsCreate EventType = "records.create" // Data: Records; each must be new
	EventRecordsUpdate EventType = "records.update" // Data: Records; each must exist
	EventRecordsPut    EventType = "records.put"    // Data: Records; create or replace
	EventDeviceToken   EventType = "device.token"   // Data: DeviceCredential
	EventDeviceKey     EventType = "device.key"     // Data: DeviceCredential (key or certificate)
	EventPricesRecord  EventType = "prices.record"  // Data: Records (Prices only)
	EventTick          EventType = "tick"           // no data: advances engine time
	// EventIngest (telemetry.go) carries device packs.
)

// Event is the envelope of every input, as appended to the journal. ID is chosen by the
// producer and makes appends idempotent; Seq is assigned by the journal; Time is event
// time, the only clock the engine knows.
type Event struct {
	Seq    uint64          `json:"seq,omitempty"`
	ID     string          `json:"id"`
	Type   EventType       `json:"type"`
	Tenant string          `json:"tenant"`
	Time   time.Time       `json:"time"`
	Actor  string          `json:"actor,omitempty"` // API key or device that caused it
	Data   json.RawMessage `json:"data,omitempty"`
}

// NewEvent returns an event with a fresh ID whose Data is v encoded as JSON.
func NewEvent(typ EventType, tenant string, at time.Time, actor string, v any) (Event, error) {
	ev := Event{ID: NewID("ev"), Type: typ, Tenant: tenant, Time: at.UTC(), Actor: actor}
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			return Event{}, err
		}
		ev.Data = b
	}
	return ev, nil
}

// TenantCreate is the data of EventTenantCreate: the tenant and its first admin key.
type TenantCreate struct {
	Tenant Tenant       `json:"tenant"`
	Key    APIKeyCreate `json:"key"`
}

// APIKeyCreate is the data of EventAPIKeyCreate. The hash of the secret travels beside
// the key because the key's JSON form leaves it out; the secret itself never is in an event.
type APIKeyCreate struct {
	Key  APIKey `json:"key"`
	Hash string `json:"hash"`
}

// IDRef names one record.
type IDRef struct {
	ID string `json:"id"`
}

// DeviceCredential is the data of EventDeviceToken (TokenHash set) and EventDeviceKey
// (either PublicKey, the Ed25519 key of signed payloads, or CertSHA256, the fingerprint of
// the device's TLS client certificate).
type DeviceCredential struct {
	DeviceID   string `json:"device_id"`
	TokenHash  string `json:"token_hash,omitempty"`
	PublicKey  string `json:"public_key,omitempty"`
	CertSHA256 string `json:"cert_sha256,omitempty"`
}

// Records is a set of master-data records of one tenant, applied together. Within one
// event records are applied kind by kind in the order of the fields, so a loan may refer
// to a party created by the same event.
type Records struct {
	Parties    []Party      `json:"parties,omitempty"`
	Sites      []Site       `json:"sites,omitempty"`
	Loans      []Loan       `json:"loans,omitempty"`
	Collateral []Collateral `json:"collateral,omitempty"`
	Devices    []Device     `json:"devices,omitempty"`
	Releases   []Release    `json:"releases,omitempty"`
	Prices     []PriceTick  `json:"prices,omitempty"`
}

// Len returns the number of records held.
func (r *Records) Len() int {
	return len(r.Parties) + len(r.Sites) + len(r.Loans) + len(r.Collateral) +
		len(r.Devices) + len(r.Releases) + len(r.Prices)
}

// Changes is what the engine changed while applying events up to and including Seq: the
// new versions of every record touched, for the store to project. Records are whole.
type Changes struct {
	Seq     uint64
	Tenants []Tenant
	APIKeys []APIKey
	Records
	// Telemetry: device health rows and series buckets touched, each at most once.
	Health []DeviceHealth
	Series []SeriesBucket
	// Risk: each row at most once, in its final state of the batch.
	Valuations  []Valuation
	LoanRisks   []LoanRisk
	Signals     []Signal
	Alerts      []Alert
	Actions     []Action
	Inspections []Inspection
	LoanPoints  []LoanPoint
	// FieldObservations are the crop fields' statistics of the scenes applied.
	FieldObservations []FieldObservation
	Rules             []Rule // new versions
	// Webhooks: tenants' webhook configurations set (webhook.go).
	Webhooks []WebhookConfig
}

// Reset empties c for reuse, keeping the room its slices have: a writer of changes that
// recycles them spares the allocation of large ones (a price tick over a million lots).
// Nothing may still hold c or its rows. The rows of alerts and actions, which carry
// evidence and summaries, are zeroed: kept in the room after the length, they would
// keep their evidence alive (the collector marks the whole of a slice's array) until
// rows of as many alerts overwrote them.
func (c *Changes) Reset() {
	clear(c.Alerts)
	clear(c.Actions)
	*c = Changes{Tenants: c.Tenants[:0], APIKeys: c.APIKeys[:0],
		Records: Records{Parties: c.Parties[:0], Sites: c.Sites[:0], Loans: c.Loans[:0], Collateral: c.Collateral[:0],
			Devices: c.Devices[:0], Releases: c.Releases[:0], Prices: c.Prices[:0]},
		Health: c.Health[:0], Series: c.Series[:0], Valuations: c.Valuations[:0], LoanRisks: c.LoanRisks[:0],
		Signals: c.Signals[:0], Alerts: c.Alerts[:0], Actions: c.Actions[:0], Inspections: c.Inspections[:0],
		LoanPoints: c.LoanPoints[:0], FieldObservations: c.FieldObservations[:0], Rules: c.Rules[:0], Webhooks: c.Webhooks[:0]}
}

// Empty reports whether nothing changed.
func (c *Changes) Empty() bool {
	return len(c.Tenants) == 0 && len(c.APIKeys) == 0 && c.Records.Len() == 0 &&
		len(c.Health) == 0 && len(c.Series) == 0 && len(c.Valuations) == 0 &&
		len(c.LoanRisks) == 0 && len(c.Signals) == 0 && len(c.Alerts) == 0 &&
		len(c.Actions) == 0 && len(c.Inspections) == 0 && len(c.Rules) == 0 && len(c.LoanPoints) == 0 && len(c.FieldObservations) == 0 &&
		len(c.Webhooks) == 0
}
