package groundtruth_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"testing"

	gt "groundtruth"
)

// forgeable reports whether, for some of 64 messages, the signature R = identity, S = 0
// verifies under pub with crypto/ed25519: true exactly when pub has small order (for
// order 8 the hash must be a multiple of 8, one message in eight).
func forgeable(pub []byte) bool {
	sig := make([]byte, 64)
	sig[0] = 1 // R = (0, 1), the identity
	for i := 0; i < 64; i++ {
		if ed25519.Verify(pub, []byte(fmt.Sprint("forged reading ", i)), sig) {
			return true
		}
	}
	return false
}

func TestParsePublicKeyRejectsSmallOrderKeys(t *testing.T) {
	small := []string{
		"0100000000000000000000000000000000000000000000000000000000000000", // identity (order 1)
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // (0, -1), order 2
		"0000000000000000000000000000000000000000000000000000000000000000", // (sqrt(-1), 0), order 4
		"0000000000000000000000000000000000000000000000000000000000000080", // (-sqrt(-1), 0), order 4
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
	}
	for _, h := range small {
		b, _ := hex.DecodeString(h)
		if !forgeable(b) {
			t.Errorf("%s: no forgery found, so it is not a small-order key (fix the test data)", h)
		}
		if _, err := gt.ParsePublicKey(base64.RawURLEncoding.EncodeToString(b)); gt.ErrorField(err) != "public_key" {
			t.Errorf("ParsePublicKey(%s) = %v, want a refusal", h, err)
		}
	}
	// The RFC 8037 A.1 key and fresh keys are accepted and cannot be forged this way.
	good := []string{"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
	for i := 0; i < 20; i++ {
		pub, _, _ := ed25519.GenerateKey(nil)
		good = append(good, base64.RawURLEncoding.EncodeToString(pub))
	}
	for _, k := range good {
		pub, err := gt.ParsePublicKey(k)
		if err != nil {
			t.Errorf("ParsePublicKey(%s) = %v", k, err)
			continue
		}
		if forgeable(pub) {
			t.Errorf("%s: forged signature verified", k)
		}
	}
}
