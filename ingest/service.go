package ingest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	gt "groundtruth"
	"groundtruth/senml"
)

// Store is what the ingest service reads: devices and their credentials, and the last
// accepted seq of signed devices (DeviceHealth), which makes replay protection survive a
// restart.
type Store interface {
	Device(ctx context.Context, tenant, id string) (*gt.Device, error)
	DeviceHealth(ctx context.Context, tenant, id string) (*gt.DeviceHealth, error)
	DeviceByTokenHash(ctx context.Context, hash string) (*gt.Device, error)
	// Tenant gives the tenant's policy (whether it requires signatures).
	Tenant(ctx context.Context, id string) (*gt.Tenant, error)
}

// Options configure a Service. Zero fields take the defaults below.
type Options struct {
	Committer *Committer // required, running
	Store     Store      // required
	// MaxSkew is how far in the future a reading may be (device clocks drift); default 2m.
	MaxSkew time.Duration
	// Rate and Burst bound the packs per second of one device (token bucket); defaults
	// 1000 and 2000. Readings within a pack are not limited separately.
	Rate  float64
	Burst int
	// MaxPayload bounds one pack (SenML, plain JSON or one JWS); default 64 KiB.
	MaxPayload int
	// MaxBatch bounds the HTTP array of JWS (store-and-forward back-fill); default 1 MiB.
	MaxBatch int
	// CacheTTL is how long a device looked up by token or id is reused; default 2s. A new
	// public key, a revoked token or a disabled device takes effect within it.
	CacheTTL time.Duration
	Now      func() time.Time
	Logger   *slog.Logger
}

// Service validates device payloads (SPEC §5.5) and makes them durable through a
// Committer. It answers a device only after the durable append, with a precise reason on
// refusal, and records refusals that are fraud signals (and other refusals of known
// devices) in the journal too. It is safe for concurrent use.
type Service struct {
	o       Options
	log     *slog.Logger
	devices sync.Map // tenant "/" device -> *deviceState
	tokens  sync.Map // token hash -> tokenEntry
	signing sync.Map // tenant -> signingEntry

	cmu      sync.Mutex
	counters map[string]map[string]uint64
}

type tokenEntry struct {
	dev *gt.Device
	at  time.Time
}

type signingEntry struct {
	required bool
	at       time.Time
}

// signaturesRequired reports whether the tenant's policy refuses unsigned packs; the
// answer is reused for CacheTTL, like device lookups.
func (s *Service) signaturesRequired(ctx context.Context, tenant string) (bool, error) {
	now := s.o.Now()
	if e, ok := s.signing.Load(tenant); ok {
		if se := e.(signingEntry); now.Sub(se.at) < s.o.CacheTTL {
			return se.required, nil
		}
	}
	t, err := s.o.Store.Tenant(ctx, tenant)
	if err != nil {
		if gt.ErrorCode(err) == gt.ENOTFOUND {
			return false, reject(gt.ReasonUnknown, gt.EFORBIDDEN, err)
		}
		return false, gt.Errorf(gt.EUNAVAILABLE, "read the tenant's policy: %v", err)
	}
	req := t.Policy != nil && t.Policy.RequireSignatures
	s.signing.Store(tenant, signingEntry{required: req, at: now})
	return req, nil
}

// deviceState is the service's view of one device. mu serialises the packs of a device
// from check to commit, so that seq checks and digests see every earlier pack.
type deviceState struct {
	mu       sync.Mutex
	loaded   bool
	lastSeq  uint64
	recent   []string       // digests of the last packs accepted, newest last
	inRecent map[string]int // how often each digest is in recent
	dev      *gt.Device
	devAt    time.Time

	rl     sync.Mutex // the rate limiter's, and the key's
	tokens float64
	rlAt   time.Time
	keySrc string            // the public key pub was parsed from
	pub    ed25519.PublicKey // nil until a signed pack came
}

// publicKey returns the device's public key parsed (gt.ParsePublicKey checks the point,
// which costs as much as verifying a signature), reusing the last one while the device
// keeps its key.
func (st *deviceState) publicKey(src string) (ed25519.PublicKey, error) {
	st.rl.Lock()
	if st.pub != nil && st.keySrc == src {
		pub := st.pub
		st.rl.Unlock()
		return pub, nil
	}
	st.rl.Unlock()
	pub, err := gt.ParsePublicKey(src)
	if err != nil {
		return nil, err
	}
	st.rl.Lock()
	st.keySrc, st.pub = src, pub
	st.rl.Unlock()
	return pub, nil
}

const recentDigests = 64

// NewService returns a service; the committer must be running.
func NewService(o Options) (*Service, error) {
	if o.Committer == nil || o.Store == nil {
		return nil, errors.New("ingest: Options.Committer and Options.Store are required")
	}
	if o.MaxSkew <= 0 {
		o.MaxSkew = 2 * time.Minute
	}
	if o.Rate <= 0 {
		o.Rate = 1000
	}
	if o.Burst <= 0 {
		o.Burst = int(2 * o.Rate)
	}
	if o.MaxPayload <= 0 {
		o.MaxPayload = senml.DefaultMaxBytes
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 1 << 20
	}
	if o.CacheTTL <= 0 {
		o.CacheTTL = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Service{o: o, log: log, counters: map[string]map[string]uint64{}}, nil
}

// DeviceByToken finds the enabled or disabled device whose token this is (the caller
// checks Disabled). It is the MQTT broker's DeviceLookup and the HTTP ingest sign-in.
func (s *Service) DeviceByToken(ctx context.Context, token string) (*gt.Device, error) {
	h := gt.HashSecret(token)
	now := s.o.Now()
	if e, ok := s.tokens.Load(h); ok {
		if te := e.(tokenEntry); now.Sub(te.at) < s.o.CacheTTL {
			return te.dev, nil
		}
	}
	d, err := s.o.Store.DeviceByTokenHash(ctx, h)
	if err != nil {
		return nil, err
	}
	s.tokens.Store(h, tokenEntry{dev: d, at: now})
	return d, nil
}

// Result is what Accept made durable.
type Result struct {
	Seq        uint64 `json:"seq" doc:"Journal sequence of the event holding the packs; 0 when every pack was a duplicate."`
	Packs      int    `json:"packs" doc:"Packs appended."`
	Readings   int    `json:"readings" doc:"Readings appended."`
	Duplicates int    `json:"duplicates" doc:"Packs already accepted earlier (resent), acknowledged without a second append."`
}

// Rejection is the error Accept returns for a refused payload. It is also the
// *groundtruth.Error that callers map to a status (ErrorCode) and whose message starts
// with the reason.
type Rejection struct {
	Reason string
	Err    *gt.Error
}

func (r *Rejection) Error() string { return r.Err.Error() }
func (r *Rejection) Unwrap() error { return r.Err }

// ReasonOf returns the reason of a refusal by Accept, or "" when err is not one.
func ReasonOf(err error) string {
	var r *Rejection
	if errors.As(err, &r) {
		return r.Reason
	}
	return ""
}

func reject(reason, code string, err error) *Rejection {
	ge := &gt.Error{Code: code, Message: err.Error()}
	var e *gt.Error
	if errors.As(err, &e) {
		ge = &gt.Error{Code: code, Message: e.Message, Field: e.Field}
	}
	ge.Message = reason + ": " + ge.Message
	return &Rejection{Reason: reason, Err: ge}
}

// Accept validates a payload of an authenticated device and appends it. payload is a
// SenML pack, a plain JSON object, a compact JWS, or (batch true, HTTP only) a JSON array
// of compact JWS strings, which are accepted all together or not at all. It returns after
// the durable append. A refusal is a *Rejection; EUNAVAILABLE means retry later.
func (s *Service) Accept(ctx context.Context, dev *gt.Device, via string, payload []byte) (Result, error) {
	st := s.state(dev)
	received := s.o.Now().UTC()
	packs, err := s.parse(ctx, st, dev, via, payload, received)
	if err == nil {
		err = s.allow(st, len(packs), received)
	}
	if err != nil {
		return Result{}, s.refuse(ctx, dev, via, received, err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := s.load(ctx, st, dev); err != nil {
		return Result{}, err
	}
	var res Result
	var fresh []gt.DevicePack
	last := st.lastSeq
	for i := range packs {
		p := &packs[i]
		if st.seen(p.Digest) {
			res.Duplicates++
			continue
		}
		if p.Signed {
			if err := CheckSeq(last, p.Seq); err != nil {
				if len(packs) > 1 {
					err = prefixErr(fmt.Sprintf("[%d]", i), err)
				}
				return Result{}, s.refuse(ctx, dev, via, received, reject(gt.ReasonReplay, gt.ECONFLICT, err))
			}
			last = p.Seq
		}
		fresh = append(fresh, *p)
	}
	if len(fresh) == 0 {
		s.count(dev.ID, "duplicate")
		return res, nil
	}
	data := make([]json.RawMessage, len(fresh))
	var buf []byte
	for i := range fresh {
		start := len(buf)
		if buf, err = AppendPack(buf, &fresh[i]); err != nil {
			return Result{}, err
		}
		data[i] = buf[start:len(buf):len(buf)]
		res.Readings += len(fresh[i].Readings)
	}
	seq, err := s.o.Committer.commit(ctx, dev.TenantID, data, false)
	if err != nil {
		s.count(dev.ID, gt.ReasonUnavailable)
		return Result{}, err
	}
	for _, p := range fresh {
		st.remember(p.Digest)
	}
	st.lastSeq = last
	res.Seq, res.Packs = seq, len(fresh)
	s.count(dev.ID, "accepted")
	return res, nil
}

// HandleStatus records a birth, death or last-will message (SPEC §5.1). The payload is
// a state word (online, offline, power_cut, tamper) or a JSON object {"state": ...}; an
// empty last will means offline.
func (s *Service) HandleStatus(ctx context.Context, dev *gt.Device, via string, payload []byte, will bool) error {
	rep, err := parseStatus(payload, will)
	received := s.o.Now().UTC()
	if err != nil {
		return s.refuse(ctx, dev, via, received, reject(gt.ReasonMalformed, gt.EINVALID, err))
	}
	p := gt.DevicePack{Device: dev.ID, Via: via, Received: received, Status: rep}
	b, err := json.Marshal(&p)
	if err != nil {
		return err
	}
	if _, err := s.o.Committer.CommitAll(ctx, dev.TenantID, []json.RawMessage{b}); err != nil {
		return err
	}
	s.count(dev.ID, "status")
	return nil
}

func parseStatus(payload []byte, will bool) (*gt.StatusReport, error) {
	text := strings.TrimSpace(string(payload))
	if len(text) > 1024 {
		return nil, gt.FieldErrorf("status", "is %d bytes; at most 1024", len(text))
	}
	rep := &gt.StatusReport{Will: will}
	if strings.HasPrefix(text, "{") {
		var v struct {
			State  string `json:"state"`
			Detail string `json:"detail"`
		}
		if err := json.Unmarshal([]byte(text), &v); err != nil {
			return nil, gt.FieldErrorf("status", "is not a JSON object with a state: %v", err)
		}
		text, rep.Detail = v.State, v.Detail
		if err := gt.ValidateText("detail", rep.Detail, 200, false); err != nil {
			return nil, err
		}
	}
	if text == "" && will {
		text = gt.StateOffline
	}
	switch text {
	case gt.StateOnline, gt.StateOffline, gt.StatePowerCut, gt.StateTamper:
		rep.State = text
		return rep, nil
	}
	return nil, gt.FieldErrorf("state", "must be online, offline, power_cut or tamper, not %.40q", text)
}

// refuse counts a refusal and, for a known device, records it in the journal so that the
// engine sees it (a forged signature is a fraud signal). Rate limiting and overload are
// only counted: recording them would defeat their purpose.
func (s *Service) refuse(ctx context.Context, dev *gt.Device, via string, received time.Time, err error) error {
	var r *Rejection
	if !errors.As(err, &r) {
		return err
	}
	s.count(dev.ID, r.Reason)
	if r.Reason == gt.ReasonRateLimited || r.Reason == gt.ReasonUnavailable {
		return err
	}
	msg := r.Err.Error()
	if len(msg) > 300 {
		msg = strings.ToValidUTF8(msg[:300], "")
	}
	p := gt.DevicePack{Device: dev.ID, Via: via, Received: received,
		Rejected: &gt.IngestFailure{Reason: r.Reason, Message: msg}}
	b, merr := json.Marshal(&p)
	if merr == nil {
		_, merr = s.o.Committer.CommitAll(ctx, dev.TenantID, []json.RawMessage{b})
	}
	if merr != nil {
		s.log.Warn("ingest: could not record a refusal", "device", dev.ID, "tenant", dev.TenantID, "reason", r.Reason, "err", merr)
	}
	return err
}

// state returns the service's state of dev, creating it.
func (s *Service) state(dev *gt.Device) *deviceState {
	k := dev.TenantID + "/" + dev.ID
	if v, ok := s.devices.Load(k); ok {
		return v.(*deviceState)
	}
	v, _ := s.devices.LoadOrStore(k, &deviceState{})
	return v.(*deviceState)
}

// load reads the device's last accepted seq and digest from the store, once.
func (s *Service) load(ctx context.Context, st *deviceState, dev *gt.Device) error {
	if st.loaded {
		return nil
	}
	h, err := s.o.Store.DeviceHealth(ctx, dev.TenantID, dev.ID)
	switch {
	case gt.ErrorCode(err) == gt.ENOTFOUND:
	case err != nil:
		return gt.Errorf(gt.EUNAVAILABLE, "read device state: %v", err)
	default:
		st.lastSeq = h.LastSeq
		if h.LastDigest != "" {
			st.remember(h.LastDigest)
		}
	}
	st.loaded = true
	return nil
}

func (st *deviceState) seen(digest string) bool {
	_, ok := st.inRecent[digest]
	return ok
}

func (st *deviceState) remember(digest string) {
	if st.inRecent == nil {
		st.inRecent = make(map[string]int, recentDigests)
	}
	if len(st.recent) == recentDigests {
		old := st.recent[0]
		st.recent = append(st.recent[:0], st.recent[1:]...)
		if st.inRecent[old]--; st.inRecent[old] <= 0 {
			delete(st.inRecent, old)
		}
	}
	st.recent = append(st.recent, digest)
	st.inRecent[digest]++
}

// current returns the device as the store has it now (public key, calibration, disabled),
// cached for CacheTTL.
func (s *Service) current(ctx context.Context, st *deviceState, dev *gt.Device) (*gt.Device, error) {
	now := s.o.Now()
	st.rl.Lock()
	d, at := st.dev, st.devAt
	st.rl.Unlock()
	if d != nil && now.Sub(at) < s.o.CacheTTL {
		return d, nil
	}
	d, err := s.o.Store.Device(ctx, dev.TenantID, dev.ID)
	if gt.ErrorCode(err) == gt.ENOTFOUND {
		return nil, reject(gt.ReasonUnknown, gt.EUNAUTHORIZED, err)
	}
	if err != nil {
		return nil, gt.Errorf(gt.EUNAVAILABLE, "read device: %v", err)
	}
	st.rl.Lock()
	st.dev, st.devAt = d, now
	st.rl.Unlock()
	return d, nil
}

// allow takes n packs from the device's token bucket.
func (s *Service) allow(st *deviceState, n int, now time.Time) error {
	st.rl.Lock()
	defer st.rl.Unlock()
	if st.rlAt.IsZero() {
		st.tokens = float64(s.o.Burst)
	} else {
		st.tokens = math.Min(float64(s.o.Burst), st.tokens+now.Sub(st.rlAt).Seconds()*s.o.Rate)
	}
	st.rlAt = now
	if st.tokens < float64(n) {
		return reject(gt.ReasonRateLimited, gt.ERATELIMIT,
			fmt.Errorf("device sends above its limit of %g packs/s; retry later", s.o.Rate))
	}
	st.tokens -= float64(n)
	return nil
}

// parse turns a payload into packs, verifying signatures and checking every reading.
func (s *Service) parse(ctx context.Context, st *deviceState, dev *gt.Device, via string, payload []byte, received time.Time) ([]gt.DevicePack, error) {
	body := bytes.TrimSpace(payload)
	limit := s.o.MaxPayload
	batch := isJWSArray(body)
	if batch {
		limit = s.o.MaxBatch
	}
	if len(payload) > limit {
		return nil, reject(gt.ReasonTooLarge, gt.ETOOLARGE, fmt.Errorf("payload of %d bytes is above the limit of %d", len(payload), limit))
	}
	cur, err := s.current(ctx, st, dev)
	if err != nil {
		return nil, err
	}
	if cur.Disabled {
		return nil, reject(gt.ReasonAuth, gt.EFORBIDDEN, errors.New("device is disabled"))
	}
	if !batch {
		p, err := s.parseOne(st, cur, via, body, received)
		if err != nil {
			return nil, err
		}
		if !p.Signed {
			req, err := s.signaturesRequired(ctx, cur.TenantID)
			if err != nil {
				return nil, err
			}
			if req {
				return nil, reject(gt.ReasonUnsigned, gt.EFORBIDDEN, gt.FieldErrorf("signature",
					"the tenant's policy requires signed packs: send a compact JWS (EdDSA) with the device's key"))
			}
		}
		return []gt.DevicePack{p}, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, reject(gt.ReasonMalformed, gt.EINVALID, gt.FieldErrorf("", "an array of compact JWS strings: %v", err))
	}
	if len(list) == 0 {
		return nil, reject(gt.ReasonMalformed, gt.EINVALID, gt.FieldErrorf("", "the array of JWS is empty"))
	}
	if len(list) > 1000 {
		return nil, reject(gt.ReasonTooLarge, gt.ETOOLARGE, fmt.Errorf("%d JWS in one request; at most 1000", len(list)))
	}
	packs := make([]gt.DevicePack, 0, len(list))
	for i, raw := range list {
		var compact string
		if err := json.Unmarshal(raw, &compact); err != nil || !strings.HasPrefix(compact, "ey") {
			return nil, reject(gt.ReasonMalformed, gt.EINVALID, gt.FieldErrorf(fmt.Sprintf("[%d]", i), "must be a compact JWS string"))
		}
		p, err := s.parseOne(st, cur, via, []byte(compact), received)
		if err != nil {
			var r *Rejection
			if errors.As(err, &r) {
				r.Err = prefixGT(fmt.Sprintf("[%d]", i), r.Err)
			}
			return nil, err
		}
		if n := len(packs); n > 0 && p.Seq <= packs[n-1].Seq {
			return nil, reject(gt.ReasonReplay, gt.ECONFLICT, gt.FieldErrorf(fmt.Sprintf("[%d]", i),
				"seq %d does not increase over the element before (%d)", p.Seq, packs[n-1].Seq))
		}
		packs = append(packs, p)
	}
	return packs, nil
}

// isJWSArray reports whether a trimmed payload is a JSON array of strings (of compact
// JWS), not a SenML pack, which is an array of objects.
func isJWSArray(b []byte) bool {
	return len(b) > 0 && b[0] == '[' && bytes.HasPrefix(bytes.TrimLeft(b[1:], " \t\r\n"), []byte(`"`))
}

// parseOne parses one pack: a compact JWS or an unsigned SenML pack or plain object.
func (s *Service) parseOne(st *deviceState, dev *gt.Device, via string, body []byte, received time.Time) (gt.DevicePack, error) {
	sum := sha256.Sum256(body)
	p := gt.DevicePack{Device: dev.ID, Via: via, Received: received, Digest: hex.EncodeToString(sum[:16])}
	payload := body
	if len(body) > 0 && body[0] != '[' && body[0] != '{' {
		j, err := ParseJWS(body, s.o.MaxPayload)
		if err != nil {
			code := gt.ErrorCode(err)
			reason := gt.ReasonMalformed
			if code == gt.ETOOLARGE {
				reason = gt.ReasonTooLarge
			}
			return p, reject(reason, code, err)
		}
		if j.DeviceID != dev.ID {
			return p, reject(gt.ReasonSignature, gt.EFORBIDDEN, gt.FieldErrorf("protected.kid",
				"names device %.64q, but the sender is %q", j.DeviceID, dev.ID))
		}
		if dev.PublicKey == "" {
			return p, reject(gt.ReasonSignature, gt.EFORBIDDEN, gt.FieldErrorf("signature", "device has no public key registered"))
		}
		pub, err := st.publicKey(dev.PublicKey)
		if err != nil {
			return p, reject(gt.ReasonSignature, gt.EFORBIDDEN, err)
		}
		if err := j.Verify(pub); err != nil {
			return p, reject(gt.ReasonSignature, gt.EFORBIDDEN, err)
		}
		p.Signed, p.Seq, payload = true, j.Seq, j.Payload
	}
	res, err := senml.Normalize(payload, senml.Limits{MaxBytes: s.o.MaxPayload}, received)
	if err != nil {
		return p, classify(err)
	}
	p.Readings = make([]gt.Reading, 0, len(res))
	limit := received.Add(s.o.MaxSkew)
	for i := range res {
		r, err := reading(&res[i], limit)
		if err != nil {
			var rj *Rejection
			if errors.As(err, &rj) {
				rj.Err = prefixGT(fmt.Sprintf("[%d]", i), rj.Err)
			}
			return p, err
		}
		p.Readings = append(p.Readings, r)
	}
	return p, nil
}

// classify turns a senml error into a refusal with its reason.
func classify(err error) error {
	code := gt.ErrorCode(err)
	switch {
	case code == gt.ETOOLARGE:
		return reject(gt.ReasonTooLarge, code, err)
	case strings.Contains(gt.ErrorMessage(err), "not a finite number"),
		strings.Contains(gt.ErrorMessage(err), "out of range"): // 1e999 would be Inf
		return reject(gt.ReasonNotFinite, gt.EINVALID, err)
	}
	return reject(gt.ReasonMalformed, gt.EINVALID, err)
}

// reading checks one resolved record against SPEC §5.2 and converts it. The measurement is
// the last segment of the name, after any base-name prefix ending in ':' or '/'
// ("urn:dev:mac:0024befffe804ff1:mass" is mass).
func reading(r *senml.Resolved, limit time.Time) (gt.Reading, error) {
	name := r.Name
	if i := strings.LastIndexAny(name, ":/"); i >= 0 {
		name = name[i+1:]
	}
	if err := senml.CheckUnit(name, r.Unit); err != nil {
		reason := gt.ReasonUnit
		if gt.ErrorField(err) == "n" {
			reason = gt.ReasonMalformed
		}
		return gt.Reading{}, reject(reason, gt.EINVALID, err)
	}
	want := senml.Kinds[name]
	if r.Kind != want {
		return gt.Reading{}, reject(gt.ReasonMalformed, gt.EINVALID, gt.FieldErrorf(want.String(), "%s takes a %s value", name, want))
	}
	if r.Time.After(limit) {
		return gt.Reading{}, reject(gt.ReasonFuture, gt.EINVALID, gt.FieldErrorf("t",
			"time %s is more than the allowed skew ahead of the server's clock", r.Time.Format(time.RFC3339Nano)))
	}
	out := gt.Reading{Name: name, Unit: senml.Units[name], T: r.Time.UnixMicro()}
	switch r.Kind {
	case senml.KindValue:
		v := r.Value
		out.V = &v
	case senml.KindBool:
		b := r.BoolValue
		out.B = &b
	case senml.KindString:
		if err := gt.ValidateText("vs", r.StringValue, 4096, false); err != nil {
			return gt.Reading{}, reject(gt.ReasonMalformed, gt.EINVALID, err)
		}
		v := r.StringValue
		out.S = &v
	}
	return out, nil
}

func prefixGT(prefix string, e *gt.Error) *gt.Error {
	c := *e
	if c.Field == "" {
		c.Field = prefix
	} else if strings.HasPrefix(c.Field, "[") {
		c.Field = prefix + c.Field
	} else {
		c.Field = prefix + "." + c.Field
	}
	return &c
}

func prefixErr(prefix string, err error) error {
	var e *gt.Error
	if errors.As(err, &e) {
		return prefixGT(prefix, e)
	}
	return err
}

func (s *Service) count(device, reason string) {
	s.cmu.Lock()
	m := s.counters[device]
	if m == nil {
		m = map[string]uint64{}
		s.counters[device] = m
	}
	m[reason]++
	s.cmu.Unlock()
}

// Counters returns a copy of the counts of accepted, duplicate and refused payloads per
// device and reason since the service started.
func (s *Service) Counters() map[string]map[string]uint64 {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	out := make(map[string]map[string]uint64, len(s.counters))
	for d, m := range s.counters {
		c := make(map[string]uint64, len(m))
		for k, v := range m {
			c[k] = v
		}
		out[d] = c
	}
	return out
}

// Handler adapts the service to the MQTT broker's PublishHandler and StatusHandler for
// packs that arrive by via (ViaMQTT or ViaBridge).
func (s *Service) Handler(via string) *Handler { return &Handler{s: s, via: via} }

// Handler is a Service seen by one transport.
type Handler struct {
	s   *Service
	via string
}

// HandlePublish accepts a pack published to a device's up topic.
func (h *Handler) HandlePublish(ctx context.Context, dev *gt.Device, topic string, payload []byte) error {
	if isJWSArray(bytes.TrimSpace(payload)) {
		return h.s.refuse(ctx, dev, h.via, h.s.o.Now().UTC(), reject(gt.ReasonMalformed, gt.EINVALID,
			gt.FieldErrorf("", "an array of JWS is accepted over HTTP only; publish one pack per message")))
	}
	_, err := h.s.Accept(ctx, dev, h.via, payload)
	return err
}

// HandleStatus records a status message or last will; a malformed one is counted and
// recorded as a refusal.
func (h *Handler) HandleStatus(ctx context.Context, dev *gt.Device, payload []byte, will bool) {
	if err := h.s.HandleStatus(ctx, dev, h.via, payload, will); err != nil && ReasonOf(err) == "" {
		h.s.log.Warn("ingest: device status", "device", dev.ID, "tenant", dev.TenantID, "err", err)
	}
}
