package ingest_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"groundtruth"
	"groundtruth/ingest"
)

var enc = base64.RawURLEncoding

// RFC 8037 Appendix A.1 (key) and A.4 (Ed25519 signing of "Example of Ed25519 signing"
// with protected header {"alg":"EdDSA"}).
const (
	rfcD       = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
	rfcX       = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
	rfcPayload = "Example of Ed25519 signing"
	rfcJWS     = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc." +
		"hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)

// testKey returns a deterministic key pair named by name.
func testKey(name string) (ed25519.PublicKey, ed25519.PrivateKey) {
	seed := sha256.Sum256([]byte(name))
	priv := ed25519.NewKeyFromSeed(seed[:])
	return priv.Public().(ed25519.PublicKey), priv
}

// rawJWS returns a compact JWS with the given header JSON and payload, correctly signed
// with priv, so that only the header rules decide whether it parses.
func rawJWS(priv ed25519.PrivateKey, header, payload string) []byte {
	in := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	return []byte(in + "." + enc.EncodeToString(ed25519.Sign(priv, []byte(in))))
}

const pack = `[{"bn":"dev-1:","bt":1767225600,"n":"mass","u":"kg","v":1250.5}]`

func TestRFC8037Vector(t *testing.T) {
	d, err := enc.DecodeString(rfcD)
	if err != nil {
		t.Fatal(err)
	}
	priv := ed25519.NewKeyFromSeed(d)
	pub, err := groundtruth.ParsePublicKey(rfcX)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(priv.Public().(ed25519.PublicKey), pub) {
		t.Fatalf("public key of d = %s, want x %s", enc.EncodeToString(priv.Public().(ed25519.PublicKey)), rfcX)
	}
	// Ed25519 is deterministic: signing the RFC's signing input reproduces its signature.
	in := rfcJWS[:strings.LastIndexByte(rfcJWS, '.')]
	if got := in + "." + enc.EncodeToString(ed25519.Sign(priv, []byte(in))); got != rfcJWS {
		t.Fatalf("signing the RFC input = %s, want %s", got, rfcJWS)
	}
	payload, err := ingest.VerifyCompact([]byte(rfcJWS), pub)
	if err != nil || string(payload) != rfcPayload {
		t.Fatalf("VerifyCompact(RFC 8037 A.4) = %q, %v; want %q, nil", payload, err, rfcPayload)
	}
	other, _ := testKey("other")
	if _, err := ingest.VerifyCompact([]byte(rfcJWS), other); !errors.Is(err, ingest.ErrSignature) {
		t.Fatalf("VerifyCompact(RFC 8037 A.4, other key) = %v, want ErrSignature", err)
	}
	// The device rules need kid and seq, which the RFC header lacks.
	_, err = ingest.ParseJWS([]byte(rfcJWS), 0)
	checkErr(t, "ParseJWS(RFC 8037 A.4)", err, groundtruth.EINVALID, "protected.kid", "is missing")
}

func TestSignRoundTrip(t *testing.T) {
	pub, priv := testKey("dev-1")
	for _, seq := range []uint64{1, 42, ingest.MaxSeq} {
		jws, err := ingest.Sign(priv, "dev-1", seq, []byte(pack))
		if err != nil {
			t.Fatalf("Sign(seq %d) = %v", seq, err)
		}
		p, err := ingest.ParseJWS(jws, 0)
		if err != nil {
			t.Fatalf("ParseJWS(Sign(seq %d)) = %v", seq, err)
		}
		want := ingest.Header{Alg: "EdDSA", Kid: "dev-1", Seq: seq}
		if p.DeviceID != "dev-1" || p.Seq != seq || string(p.Payload) != pack || p.Protected != want {
			t.Fatalf("ParseJWS(Sign(seq %d)) = %+v, want dev-1, %d, %s", seq, p.Signed, seq, pack)
		}
		clear(jws) // the result must not alias the input
		if err := p.Verify(pub); err != nil {
			t.Fatalf("Verify(own key) = %v, want nil", err)
		}
	}
}

func TestSignRejects(t *testing.T) {
	_, priv := testKey("dev-1")
	f := func(priv ed25519.PrivateKey, id string, seq uint64, payload, field string) {
		t.Helper()
		_, err := ingest.Sign(priv, id, seq, []byte(payload))
		checkErr(t, "Sign", err, groundtruth.EINVALID, field, "")
	}
	f(priv[:32], "dev-1", 1, pack, "private_key")
	f(priv, "", 1, pack, "protected.kid")
	f(priv, "dev/1", 1, pack, "protected.kid")
	f(priv, "dev-1", 0, pack, "protected.seq")
	f(priv, "dev-1", ingest.MaxSeq+1, pack, "protected.seq")
	f(priv, "dev-1", 1, "", "payload")
}

func TestVerify(t *testing.T) {
	pub, priv := testKey("dev-1")
	otherPub, _ := testKey("dev-2")
	jws, _ := ingest.Sign(priv, "dev-1", 7, []byte(pack))
	p, err := ingest.ParseJWS(jws, 0)
	if err != nil {
		t.Fatal(err)
	}
	err = p.Verify(otherPub)
	if !errors.Is(err, ingest.ErrSignature) || errors.Is(err, ingest.ErrReplay) {
		t.Fatalf("Verify(another device's key) = %v, want ErrSignature", err)
	}
	checkErr(t, "Verify(another device's key)", err, groundtruth.EINVALID, "signature", `device "dev-1"`)
	for _, n := range []int{0, 31, 33, 64} {
		err := p.Verify(make([]byte, n))
		if errors.Is(err, ingest.ErrSignature) {
			t.Errorf("Verify(%d-byte key) = %v, must not count as signature_invalid", n, err)
		}
		checkErr(t, "Verify(short key)", err, groundtruth.EINVALID, "public_key", "want a raw 32-byte")
	}
	if err := p.Verify(pub); err != nil {
		t.Fatalf("Verify(own key) = %v", err)
	}
}

// TestBitFlips flips every bit of each decoded part of a signed JWS, re-encodes it, and
// checks that nothing both parses and verifies.
func TestBitFlips(t *testing.T) {
	pub, priv := testKey("dev-1")
	jws, _ := ingest.Sign(priv, "dev-1", 7, []byte(pack))
	parts := strings.Split(string(jws), ".")
	for i, name := range []string{"protected", "payload", "signature"} {
		raw, _ := enc.DecodeString(parts[i])
		parsed := 0
		for bit := range len(raw) * 8 {
			mut := bytes.Clone(raw)
			mut[bit/8] ^= 1 << (bit % 8)
			q := append([]string(nil), parts...)
			q[i] = enc.EncodeToString(mut)
			p, err := ingest.ParseJWS([]byte(strings.Join(q, ".")), 0)
			if err != nil {
				continue
			}
			parsed++
			if err := p.Verify(pub); !errors.Is(err, ingest.ErrSignature) {
				t.Fatalf("%s bit %d flipped: Verify = %v, want ErrSignature", name, bit, err)
			}
		}
		if parsed == 0 {
			t.Errorf("%s: no flipped JWS parsed, so Verify was never reached", name)
		}
	}
}

func TestCheckSeq(t *testing.T) {
	for _, c := range []struct {
		last, seq uint64
		replay    bool
	}{{0, 1, false}, {5, 6, false}, {5, 900, false}, {5, 5, true}, {5, 4, true}, {5, 0, true}} {
		err := ingest.CheckSeq(c.last, c.seq)
		if got := errors.Is(err, ingest.ErrReplay); got != c.replay {
			t.Errorf("CheckSeq(%d, %d) = %v, want replay %v", c.last, c.seq, err, c.replay)
		}
		if c.replay {
			checkErr(t, "CheckSeq", err, groundtruth.ECONFLICT, "protected.seq", "replay")
		}
	}
}

// checkErr fails unless err is a *groundtruth.Error with the given code and field whose
// message holds msg.
func checkErr(t *testing.T, what string, err error, code, field, msg string) {
	t.Helper()
	var e *groundtruth.Error
	if !errors.As(err, &e) {
		t.Errorf("%s = %v (%T), want a *groundtruth.Error", what, err, err)
		return
	}
	if e.Code != code || e.Field != field || !strings.Contains(e.Message, msg) {
		t.Errorf("%s = %q (code %s, field %s), want code %s, field %s, message with %q",
			what, err, e.Code, e.Field, code, field, msg)
	}
}
