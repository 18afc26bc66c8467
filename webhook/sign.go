package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	gt "groundtruth"
)

// Headers of a delivery.
const (
	// SignatureHeader carries "t=<unix seconds>,v1=<hex HMAC-SHA256>" (see Sign).
	SignatureHeader = "Groundtruth-Signature"
	// IdempotencyHeader carries "<action id>:<state>", the same on every attempt.
	IdempotencyHeader = "Idempotency-Key"
)

// Payload is the JSON body of a delivery: the action in the state announced, with the
// delivery's id and idempotency key (both the same on every attempt) and the tenant.
type Payload struct {
	ID             string    `json:"id"`
	IdempotencyKey string    `json:"idempotency_key"`
	Tenant         string    `json:"tenant"`
	Action         gt.Action `json:"action"`
}

// Sign returns the value of the Groundtruth-Signature header of body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<unix seconds>.<body>">", keyed by the
// tenant's secret as text (groundtruth.WebhookSecret). The time is signed with the body
// so that a captured delivery cannot be replayed later.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Errors of Verify.
var (
	ErrNoSignature  = errors.New("webhook: no t= and v1= in the signature header")
	ErrBadSignature = errors.New("webhook: no v1 signature matches the body")
	ErrTooOld       = errors.New("webhook: the signature time is outside the tolerance")
)

// Verify checks a Groundtruth-Signature header value against the body received, as a
// receiver in Go would: one of its v1 signatures must be the HMAC of its time and the
// body under secret, and its time within tolerance of now (0: any time). Signatures are
// compared in constant time.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrNoSignature
	}
	want := mac(secret, ts, body)
	ok := false
	for _, s := range sigs {
		ok = hmac.Equal(s, want) || ok
	}
	if !ok {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); tolerance > 0 && (d > tolerance || d < -tolerance) {
		return ErrTooOld
	}
	return nil
}
