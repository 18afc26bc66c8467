package groundtruth

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxIDLen is the longest identifier accepted for any record.
const MaxIDLen = 64

// ValidateID returns an EINVALID error naming field when id is empty, longer than
// MaxIDLen, or holds characters other than ASCII letters, digits, '.', '_', ':' and '-'.
func ValidateID(field, id string) error {
	if id == "" {
		return FieldErrorf(field, "is required")
	}
	if len(id) > MaxIDLen {
		return FieldErrorf(field, "is longer than %d characters", MaxIDLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '_' || c == '-' || c == ':') {
			return FieldErrorf(field, "has character %q; use letters, digits, '.', '_', ':' or '-'", c)
		}
	}
	return nil
}

// NewID returns a random identifier with the given prefix, e.g. "loan_3f9c0a7be1d24c55".
// It is used where a client does not supply its own identifier.
func NewID(prefix string) string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return prefix + "_" + hex.EncodeToString(b[:])
}

// Meta is carried by every stored record: who owns it and when and by which journal
// sequence it last changed.
type Meta struct {
	TenantID  string    `json:"tenant_id,omitzero" readOnly:"true" doc:"Owning tenant; set by the server."`
	Version   uint64    `json:"version,omitzero" readOnly:"true" doc:"Journal sequence of the last change."` // journal sequence of the last change
	CreatedAt time.Time `json:"created_at,omitzero" readOnly:"true"`
	UpdatedAt time.Time `json:"updated_at,omitzero" readOnly:"true"`
}

// stamp sets the meta of a record being created or updated by the event at seq.
func (m *Meta) stamp(tenant string, seq uint64, at time.Time, created bool) {
	m.TenantID = tenant
	m.Version = seq
	m.UpdatedAt = at
	if created {
		m.CreatedAt = at
	}
}

// Stamp records that the event with sequence seq at event time at changed the record;
// created says whether it is the first version.
func (m *Meta) Stamp(tenant string, seq uint64, at time.Time, created bool) {
	m.stamp(tenant, seq, at, created)
}

// ValidateTime returns an EINVALID error naming field when t is zero or, in UTC, falls
// outside the years 1 to 9999 (which every store and JSON encoder can represent).
func ValidateTime(field string, t time.Time) error {
	if t.IsZero() {
		return FieldErrorf(field, "is required")
	}
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return FieldErrorf(field, "year %d is outside 1 to 9999", y)
	}
	return nil
}

// ValidateText checks a free-text field: valid UTF-8, no control characters, at most max
// bytes, and not blank when required.
func ValidateText(field, s string, max int, required bool) error {
	if required && strings.TrimSpace(s) == "" {
		return FieldErrorf(field, "is required")
	}
	if len(s) > max {
		return FieldErrorf(field, "is longer than %d bytes", max)
	}
	if !utf8.ValidString(s) {
		return FieldErrorf(field, "is not valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return FieldErrorf(field, "must not contain control characters (found %U)", r)
		}
	}
	return nil
}
