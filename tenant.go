package groundtruth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
)

// Tenant is a lender. Every other record belongs to exactly one tenant.
type Tenant struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Policy holds the tenant's own risk parameters (PUT /api/v1/policy); nil keeps the
	// defaults.
	Policy *Policy `json:"policy,omitempty" readOnly:"true"`
	Meta
}

// Validate checks the tenant's identifier and name.
func (t *Tenant) Validate() error {
	if err := ValidateID("id", t.ID); err != nil {
		return err
	}
	if t.Policy != nil {
		if err := prefixField("policy", t.Policy.Validate()); err != nil {
			return err
		}
	}
	return ValidateText("name", t.Name, 200, true)
}

// Role is what an API key may do.
type Role string

// The roles of SPEC §13.
const (
	RoleAdmin       Role = "admin"        // everything within the tenant, including keys
	RoleRiskOfficer Role = "risk_officer" // master data, alerts, rules
	RoleAnalyst     Role = "analyst"      // read everything, write prices and scorecards
	RoleInspector   Role = "inspector"    // read, record inspections
	RoleAuditor     Role = "auditor"      // read only
	RoleDevice      Role = "device"       // ingest only
)

// Roles lists every role, in order of decreasing power.
var Roles = []Role{RoleAdmin, RoleRiskOfficer, RoleAnalyst, RoleInspector, RoleAuditor, RoleDevice}

// Validate returns an EINVALID error for an unknown role.
func (r Role) Validate() error {
	for _, x := range Roles {
		if r == x {
			return nil
		}
	}
	return FieldErrorf("role", "unknown role %q", string(r))
}

// APIKey is a tenant's credential for the HTTP API. The secret itself is never stored:
// only its SHA-256 hash. Prefix is the first characters of the secret, shown to help
// people tell keys apart.
type APIKey struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Role    Role   `json:"role"`
	Prefix  string `json:"prefix" readOnly:"true"`
	Hash    string `json:"-"`
	Revoked bool   `json:"revoked" readOnly:"true"`
	Meta
}

// Validate checks the key's fields.
func (k *APIKey) Validate() error {
	if err := ValidateID("id", k.ID); err != nil {
		return err
	}
	if err := k.Role.Validate(); err != nil {
		return err
	}
	if err := ValidateText("name", k.Name, 200, false); err != nil {
		return err
	}
	if len(k.Hash) != 64 {
		return FieldErrorf("hash", "is not a SHA-256 hex digest")
	}
	return nil
}

// NewSecret returns a fresh random secret with a readable prefix, e.g. "gtk_..." for
// API keys and "gtd_..." for device tokens, and the hex SHA-256 hash to store.
func NewSecret(prefix string) (secret, hash string) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	secret = prefix + "_" + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, HashSecret(secret)
}

// HashSecret returns the hex SHA-256 of a secret. Secrets are 256-bit random values, so a
// plain hash (no salt or stretching) is enough to make a stolen table useless.
func HashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// SecretMatches reports in constant time whether secret hashes to hash.
func SecretMatches(secret, hash string) bool {
	return subtle.ConstantTimeCompare([]byte(HashSecret(secret)), []byte(hash)) == 1
}
