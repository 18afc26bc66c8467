package groundtruth

import (
	"time"
)

// EventIngest carries what devices sent (SPEC §5): accepted packs of readings, status
// reports and refused payloads worth recording, one event per tenant per group commit.
// Data: IngestBatch.
const EventIngest EventType = "ingest.batch"

// IngestBatch is the data of EventIngest: the packs of one tenant in the order they were
// made durable.
type IngestBatch struct {
	Items []DevicePack `json:"items"`
}

// Ways a pack reached groundtruth.
const (
	ViaMQTT   = "mqtt"   // the embedded broker
	ViaBridge = "bridge" // an external broker, through a shared subscription
	ViaHTTP   = "http"   // POST /api/v1/ingest
)

// DevicePack is one payload from one device, validated by ingest. Exactly one of
// Readings, Status and Rejected is set.
//
// Digest identifies the payload (the first 16 bytes of its SHA-256, hex): a device that
// resends a pack it got no acknowledgement for sends the same bytes, and the engine applies
// it only once. Seq is the protected seq of a signed pack (SPEC §5.3), 0 when unsigned.
type DevicePack struct {
	Device   string         `json:"device"`
	Via      string         `json:"via"`
	Received time.Time      `json:"received"`
	Digest   string         `json:"digest,omitempty"`
	Seq      uint64         `json:"seq,omitempty"`
	Signed   bool           `json:"signed,omitempty"`
	Readings []Reading      `json:"readings,omitempty"`
	Status   *StatusReport  `json:"status,omitempty"`
	Rejected *IngestFailure `json:"rejected,omitempty"`
}

// Reading is one measurement of SPEC §5.2 as the device sent it (raw, before the device's
// calibration, which the engine applies): a number (V), a boolean (B) or a text (S, the
// comma list of tags), at a time in microseconds since the Unix epoch (UTC), which keeps
// the journal compact.
type Reading struct {
	Name string   `json:"n"`
	Unit string   `json:"u,omitempty"`
	T    int64    `json:"t"`
	V    *float64 `json:"v,omitempty"`
	B    *bool    `json:"vb,omitempty"`
	S    *string  `json:"vs,omitempty"`
}

// Time returns the reading's time.
func (r *Reading) Time() time.Time { return time.UnixMicro(r.T).UTC() }

// Number returns the reading as a number for charts: V, or 1/0 for a boolean; false for
// a text.
func (r *Reading) Number() (float64, bool) {
	switch {
	case r.V != nil:
		return *r.V, true
	case r.B != nil:
		if *r.B {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// Device states reported on the status topic or by a last will (SPEC §5.1).
const (
	StateOnline   = "online"
	StateOffline  = "offline"
	StatePowerCut = "power_cut"
	StateTamper   = "tamper"
)

// StatusReport is a device's birth, death or last-will message. Will is true when the
// broker published the device's last will because the connection was lost.
type StatusReport struct {
	State  string `json:"state"`
	Will   bool   `json:"will,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// Reasons for refusing a payload, as counted per device (SPEC §5.5) and, for the ones
// that are fraud signals, recorded in the journal (SPEC §6.5).
const (
	ReasonMalformed   = "malformed"
	ReasonUnit        = "unit_mismatch"
	ReasonFuture      = "future_timestamp"
	ReasonNotFinite   = "not_finite"
	ReasonTooLarge    = "too_large"
	ReasonSignature   = "signature_invalid"
	ReasonReplay      = "replay"
	ReasonUnsigned    = "unsigned" // the tenant requires signatures
	ReasonUnknown     = "unknown_device"
	ReasonWrongTenant = "wrong_tenant"
	ReasonRateLimited = "rate_limited"
	ReasonAuth        = "auth_failed"
	ReasonACL         = "acl_denied"
	ReasonUnavailable = "unavailable"
)

// IngestFailure is a refused payload recorded for the risk engine: signature_invalid and
// replay are fraud signals, so they must survive in the journal like readings do.
type IngestFailure struct {
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// DevicePosition is a device as the map shows it (Store.DevicePositions): its binding
// and reporting interval, and from its health, when it has reported, its state, when it
// was last seen and its newest "lat" and "lon" readings.
type DevicePosition struct {
	DeviceID     string
	Kind         DeviceKind
	SiteID       string
	CollateralID string
	Interval     time.Duration
	Reported     bool // it has a health row
	State        string
	LastSeen     time.Time
	Lat, Lon     *float64
}

// DeviceHealth is what the engine knows of a device's telemetry: when it last reported,
// its latest reading per measurement, its last accepted signed seq, and counters. It is
// projected to the store and answered by GET /api/v1/devices/{id}.
type DeviceHealth struct {
	TenantID      string             `json:"-"`
	DeviceID      string             `json:"device_id"`
	State         string             `json:"state" doc:"online, offline, power_cut or tamper from the status topic; unknown before the first report."`
	StateAt       time.Time          `json:"state_at,omitzero"`
	LastSeen      time.Time          `json:"last_seen,omitzero" doc:"When the last accepted pack was received."`
	LastReadingAt time.Time          `json:"last_reading_at,omitzero" doc:"The newest reading time."`
	LastSeq       uint64             `json:"last_seq" doc:"The last accepted protected seq of a signed pack."`
	LastDigest    string             `json:"last_digest,omitempty" doc:"Digest of the last applied pack."`
	Packs         uint64             `json:"packs" doc:"Packs applied."`
	Readings      uint64             `json:"readings" doc:"Readings applied."`
	Duplicates    uint64             `json:"duplicates" doc:"Packs received again (same digest) and applied only once."`
	Late          uint64             `json:"late" doc:"Readings older than the series window, recorded in counters and last values but not in the series."`
	Rejected      map[string]uint64  `json:"rejected" doc:"Refused payloads recorded in the journal, by reason."`
	Last          map[string]Reading `json:"last" doc:"The newest reading of each measurement."`
	Seq           uint64             `json:"seq" doc:"Journal sequence of the last change."`
}

// SeriesStep is the width of the buckets the engine downsamples readings into.
const SeriesStep = time.Minute

// SeriesBucket aggregates one device's numeric readings of one measurement over one
// SeriesStep starting at Start.
type SeriesBucket struct {
	TenantID string    `json:"-"`
	DeviceID string    `json:"device_id"`
	Name     string    `json:"name"`
	Start    time.Time `json:"start"`
	Count    uint64    `json:"count"`
	Sum      float64   `json:"sum"`
	Min      float64   `json:"min"`
	Max      float64   `json:"max"`
	Last     float64   `json:"last"`
	LastAt   time.Time `json:"last_at"`
}

// SeriesQuery selects a device's series of one measurement: buckets with
// From <= Start < To, merged into points of Step (a multiple of SeriesStep).
type SeriesQuery struct {
	Device string
	Name   string
	From   time.Time
	To     time.Time
	Step   time.Duration
}

// MaxSeriesPoints bounds the points of one series query.
const MaxSeriesPoints = 10000

// SeriesPoint is one point of a series: the readings of [Start, Start+Step).
type SeriesPoint struct {
	Start time.Time `json:"start"`
	Count uint64    `json:"count"`
	Sum   float64   `json:"sum"`
	Mean  float64   `json:"mean"`
	Min   float64   `json:"min"`
	Max   float64   `json:"max"`
	Last  float64   `json:"last" doc:"The value of the newest reading in the point."`
}

// Check validates q and aligns q.From down to a multiple of q.Step counted from the zero
// time (time.Truncate), so steps that divide a day start at UTC midnight.
func (q *SeriesQuery) Check() error {
	if err := ValidateID("device", q.Device); err != nil {
		return err
	}
	if q.Name == "" || len(q.Name) > 64 {
		return FieldErrorf("name", "must be a measurement name")
	}
	if q.Step < SeriesStep || q.Step%SeriesStep != 0 {
		return FieldErrorf("step", "must be a whole number of minutes, at least 1m")
	}
	if q.From.IsZero() || q.To.IsZero() {
		return FieldErrorf("from", "from and to are required")
	}
	if err := ValidateTime("from", q.From); err != nil {
		return err
	}
	if err := ValidateTime("to", q.To); err != nil {
		return err
	}
	q.From = q.From.UTC().Truncate(q.Step)
	q.To = q.To.UTC()
	if !q.To.After(q.From) {
		return FieldErrorf("to", "must be after from")
	}
	if n := (q.To.Sub(q.From) + q.Step - 1) / q.Step; n > MaxSeriesPoints {
		return FieldErrorf("step", "gives %d points over the range; at most %d", int64(n), MaxSeriesPoints)
	}
	return nil
}

// MergeSeries merges buckets, ordered by Start and within [q.From, q.To), into points of
// q.Step. q must have passed Check.
func MergeSeries(q SeriesQuery, buckets []SeriesBucket) []SeriesPoint {
	var out []SeriesPoint
	var lastAt time.Time
	for _, b := range buckets {
		if b.Count == 0 {
			continue
		}
		start := q.From.Add(b.Start.Sub(q.From) / q.Step * q.Step)
		if n := len(out); n == 0 || !out[n-1].Start.Equal(start) {
			out = append(out, SeriesPoint{Start: start, Min: b.Min, Max: b.Max, Last: b.Last})
			lastAt = b.LastAt
		}
		p := &out[len(out)-1]
		p.Count += b.Count
		p.Sum += b.Sum
		p.Min = min(p.Min, b.Min)
		p.Max = max(p.Max, b.Max)
		if !b.LastAt.Before(lastAt) {
			p.Last, lastAt = b.Last, b.LastAt
		}
	}
	for i := range out {
		out[i].Mean = out[i].Sum / float64(out[i].Count)
	}
	return out
}
