package groundtruth

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"math"
	"math/big"
	"slices"
	"strings"
	"time"
)

// DeviceKind is what a device measures.
type DeviceKind string

// Device kinds of SPEC §3.
const (
	DeviceLoadCell      DeviceKind = "load_cell"
	DeviceVolumeScanner DeviceKind = "volume_scanner"
	DeviceRFIDReader    DeviceKind = "rfid_reader"
	DeviceCameraCounter DeviceKind = "camera_counter"
	DeviceGPSTracker    DeviceKind = "gps_tracker"
	DeviceTag           DeviceKind = "tag" // ear tag or collar
	DeviceDoorSwitch    DeviceKind = "door_switch"
	DeviceEnvironment   DeviceKind = "environment"
)

// Calibration converts a device's raw readings: value = (raw - Tare) x Scale, in Unit.
type Calibration struct {
	Tare  float64 `json:"tare" required:"false"`
	Scale float64 `json:"scale" required:"false" doc:"Defaults to 1."`
	Unit  string  `json:"unit,omitempty"` // SenML unit of the calibrated value, e.g. "kg"
	// Noise is one standard deviation of a calibrated reading at rest, in Unit: the
	// sensor's noise floor for fusion and for sensor_stuck (0 = unknown).
	Noise float64 `json:"noise,omitempty"`
}

// Device is a sensor bound to a collateral or a site. Its token is stored only as a hash;
// its Ed25519 public key (raw 32 bytes, base64url) verifies signed payloads.
type Device struct {
	ID           string      `json:"id" required:"false" doc:"Identifier chosen by the client, or generated when empty."`
	Kind         DeviceKind  `json:"kind"`
	CollateralID string      `json:"collateral_id,omitempty"`
	SiteID       string      `json:"site_id,omitempty"`
	ZoneID       string      `json:"zone_id,omitempty"`
	Interval     Duration    `json:"interval"` // expected reporting interval
	Calibration  Calibration `json:"calibration" required:"false"`
	TokenHash    string      `json:"-"`
	HasToken     bool        `json:"has_token" readOnly:"true"`
	PublicKey    string      `json:"public_key,omitempty"`
	// CertSHA256 is the fingerprint of the device's TLS client certificate (CertFingerprint),
	// set only by EventDeviceKey; records keep it like the token.
	CertSHA256 string `json:"cert_sha256,omitempty" readOnly:"true" doc:"SHA-256 fingerprint (lower-case hex) of the device's TLS client certificate, registered with PUT /api/v1/devices/{id}/certificate; the embedded MQTT broker recognises the device by it."`
	Disabled   bool   `json:"disabled" required:"false"`
	Meta
}

// Validate checks the device's fields; it must be bound to a collateral or a site.
func (d *Device) Validate() error {
	if err := ValidateID("id", d.ID); err != nil {
		return err
	}
	switch d.Kind {
	case DeviceLoadCell, DeviceVolumeScanner, DeviceRFIDReader, DeviceCameraCounter,
		DeviceGPSTracker, DeviceTag, DeviceDoorSwitch, DeviceEnvironment:
	default:
		return FieldErrorf("kind", "unknown device kind %q", string(d.Kind))
	}
	if d.CollateralID == "" && d.SiteID == "" {
		return FieldErrorf("collateral_id", "a device must be bound to a collateral or a site")
	}
	if d.CollateralID != "" {
		if err := ValidateID("collateral_id", d.CollateralID); err != nil {
			return err
		}
	}
	if d.SiteID != "" {
		if err := ValidateID("site_id", d.SiteID); err != nil {
			return err
		}
	}
	if d.ZoneID != "" {
		if d.SiteID == "" {
			return FieldErrorf("zone_id", "needs site_id")
		}
		if err := ValidateID("zone_id", d.ZoneID); err != nil {
			return err
		}
	}
	if d.Interval.Std() < time.Second || d.Interval.Std() > 31*24*time.Hour {
		return FieldErrorf("interval", "must be between 1s and 744h")
	}
	c := d.Calibration
	if math.IsNaN(c.Tare) || math.IsInf(c.Tare, 0) {
		return FieldErrorf("calibration.tare", "must be a finite number")
	}
	if !finitePositive(c.Scale) {
		return FieldErrorf("calibration.scale", "must be a positive number")
	}
	if math.IsNaN(c.Noise) || math.IsInf(c.Noise, 0) || c.Noise < 0 {
		return FieldErrorf("calibration.noise", "must be a finite number, not negative")
	}
	if err := ValidateText("calibration.unit", c.Unit, 16, false); err != nil {
		return err
	}
	if d.PublicKey != "" {
		if _, err := ParsePublicKey(d.PublicKey); err != nil {
			return err
		}
	}
	if d.CertSHA256 != "" {
		if err := ValidateCertFingerprint("cert_sha256", d.CertSHA256); err != nil {
			return err
		}
	}
	return nil
}

// Normalize fills defaults: a scale of 1 when none is given.
func (d *Device) Normalize() {
	if d.Calibration.Scale == 0 {
		d.Calibration.Scale = 1
	}
}

// ParsePublicKey decodes a base64url (or standard base64) raw Ed25519 public key. It
// refuses keys of small order: crypto/ed25519 accepts, for such a key, signatures forged
// without the private key, so a device registering one could sign anything.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		b, err = base64.StdEncoding.DecodeString(s)
	}
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, FieldErrorf("public_key", "must be a raw 32-byte Ed25519 public key in base64url")
	}
	if smallOrder(b) {
		return nil, FieldErrorf("public_key", "is a point of small order, not a usable Ed25519 key")
	}
	return ed25519.PublicKey(b), nil
}

// CertFingerprint returns the SHA-256 fingerprint of a DER-encoded X.509 certificate in
// lower-case hex: the form in which a device's TLS client certificate is registered
// (Device.CertSHA256) and recognised by the MQTT broker.
func CertFingerprint(der []byte) string {
	h := sha256.Sum256(der)
	return hex.EncodeToString(h[:])
}

// ValidateCertFingerprint checks that s is a fingerprint as CertFingerprint returns it.
func ValidateCertFingerprint(field, s string) error {
	if len(s) != 2*sha256.Size || strings.Trim(s, "0123456789abcdef") != "" {
		return FieldErrorf(field, "is not a SHA-256 fingerprint in lower-case hex")
	}
	return nil
}

// ParseDeviceCertificate decodes a device's TLS client certificate from PEM and returns its
// fingerprint (CertFingerprint). It accepts exactly one CERTIFICATE block: the device's own
// leaf certificate, not a chain. It refuses, with an EINVALID error at the field
// "certificate": input with no or several PEM blocks, or with a private key; a certificate
// that does not parse; a CA certificate (basic constraints CA or the certificate-signing
// key usage); one whose extended key usages leave out TLS client authentication; an RSA
// key under 2048 bits; and one not valid at now (expired or not yet valid).
func ParseDeviceCertificate(pemData []byte, now time.Time) (string, error) {
	const field = "certificate"
	block, rest := pem.Decode(pemData)
	if block == nil {
		return "", FieldErrorf(field, "is not a PEM-encoded certificate (want one -----BEGIN CERTIFICATE----- block)")
	}
	if strings.Contains(block.Type, "PRIVATE KEY") || bytes.Contains(rest, []byte("PRIVATE KEY-----")) {
		return "", FieldErrorf(field, "holds a private key: send only the device's certificate, and keep the key on the device")
	}
	if block.Type != "CERTIFICATE" {
		return "", FieldErrorf(field, "is a PEM %q block, want CERTIFICATE", block.Type)
	}
	if next, _ := pem.Decode(rest); next != nil {
		return "", FieldErrorf(field, "holds more than one PEM block: send only the device's own certificate, not a chain")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return "", FieldErrorf(field, "cannot be parsed as an X.509 certificate: %v", err)
	}
	if cert.IsCA || cert.KeyUsage&x509.KeyUsageCertSign != 0 {
		return "", FieldErrorf(field, "is a CA certificate; register the device's own (leaf) certificate")
	}
	if len(cert.ExtKeyUsage) > 0 && !slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageClientAuth) &&
		!slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageAny) {
		return "", FieldErrorf(field, "has extended key usages without TLS client authentication (clientAuth)")
	}
	if k, ok := cert.PublicKey.(*rsa.PublicKey); ok && k.N.BitLen() < 2048 {
		return "", FieldErrorf(field, "has a %d-bit RSA key; at least 2048 bits are required", k.N.BitLen())
	}
	if now.Before(cert.NotBefore) {
		return "", FieldErrorf(field, "is not valid before %s", cert.NotBefore.UTC().Format(time.RFC3339))
	}
	if now.After(cert.NotAfter) {
		return "", FieldErrorf(field, "expired at %s", cert.NotAfter.UTC().Format(time.RFC3339))
	}
	return CertFingerprint(cert.Raw), nil
}

// p25519 is the field prime 2^255 - 19.
var p25519 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))

// x25519Probe is a fixed X25519 private key used only to test points.
var x25519Probe, _ = ecdh.X25519().NewPrivateKey(bytes.Repeat([]byte{0x5a}, 32))

// smallOrder reports whether an encoded Edwards25519 point has small order (1, 2, 4 or
// 8). It maps y to the Montgomery u = (1 + y) / (1 - y) of the birationally equivalent
// Curve25519 point and lets crypto/ecdh detect a low-order point: X25519 with any
// clamped scalar (a multiple of the cofactor) sends it to zero, which ECDH reports.
func smallOrder(pub []byte) bool {
	le := bytes.Clone(pub)
	le[31] &= 0x7f // the top bit is the sign of x
	slices.Reverse(le)
	y := new(big.Int).Mod(new(big.Int).SetBytes(le), p25519)
	one := big.NewInt(1)
	den := new(big.Int).Mod(new(big.Int).Sub(one, y), p25519)
	if den.Sign() == 0 {
		return true // y = 1: the identity
	}
	u := new(big.Int).Add(one, y)
	u.Mul(u, den.ModInverse(den, p25519)).Mod(u, p25519)
	ub := u.FillBytes(make([]byte, 32))
	slices.Reverse(ub)
	pk, err := ecdh.X25519().NewPublicKey(ub)
	if err != nil {
		return true
	}
	_, err = x25519Probe.ECDH(pk)
	return err != nil
}
