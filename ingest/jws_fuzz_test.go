package ingest_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"testing"

	"groundtruth"
	"groundtruth/ingest"
)

// FuzzParseJWS checks that ParseJWS never panics, that its errors are
// *groundtruth.Error values with code EINVALID or ETOOLARGE, and that whatever it accepts
// has a valid kid, seq and payload which survive re-signing and parsing again.
func FuzzParseJWS(f *testing.F) {
	_, priv := testKey("dev-1")
	good, _ := ingest.Sign(priv, "dev-1", 7, []byte(pack))
	f.Add(good)
	f.Add([]byte(rfcJWS))
	f.Add(rawJWS(priv, `{"alg":"EdDSA","kid":"dev-1","seq":1.5}`, pack))
	f.Add(rawJWS(priv, `{"alg":"none","kid":"dev-1","seq":1}`, pack))
	f.Add([]byte("a.b.c"))
	fuzzPub, fuzzPriv := testKey("fuzz")
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := ingest.ParseJWS(in, 4096)
		if err != nil {
			var e *groundtruth.Error
			if !errors.As(err, &e) {
				t.Fatalf("ParseJWS error %v is %T, want *groundtruth.Error", err, err)
			}
			if e.Code != groundtruth.EINVALID && e.Code != groundtruth.ETOOLARGE || e.Message == "" {
				t.Fatalf("ParseJWS error code %q message %q", e.Code, e.Message)
			}
			return
		}
		if err := groundtruth.ValidateID("kid", p.DeviceID); err != nil || p.Seq == 0 || p.Seq > ingest.MaxSeq || len(p.Payload) == 0 {
			t.Fatalf("ParseJWS accepted kid %q seq %d payload %d bytes", p.DeviceID, p.Seq, len(p.Payload))
		}
		// Strict base64url: the payload part is the only encoding of the payload.
		if part := bytes.Split(in, []byte{'.'})[1]; !bytes.Equal(part, enc.AppendEncode(nil, p.Payload)) {
			t.Fatalf("payload part %q is not the canonical encoding of its bytes", part)
		}
		if err := p.Verify(fuzzPub); err != nil && !errors.Is(err, ingest.ErrSignature) {
			t.Fatalf("Verify = %v, want nil or ErrSignature", err)
		}
		again, err := ingest.Sign(fuzzPriv, p.DeviceID, p.Seq, p.Payload)
		if err != nil {
			t.Fatalf("Sign(parsed) = %v", err)
		}
		q, err := ingest.ParseJWS(again, 1<<20)
		if err != nil {
			t.Fatalf("ParseJWS(Sign(parsed)) = %v", err)
		}
		if q.DeviceID != p.DeviceID || q.Seq != p.Seq || !bytes.Equal(q.Payload, p.Payload) {
			t.Fatalf("re-signed = %q %d, want %q %d", q.DeviceID, q.Seq, p.DeviceID, p.Seq)
		}
		if err := q.Verify(fuzzPub); err != nil {
			t.Fatalf("Verify(re-signed) = %v", err)
		}
	})
}

// FuzzVerify checks that Verify never panics for arbitrary keys and signatures, and
// that it agrees with ed25519.Verify over the signing input.
func FuzzVerify(f *testing.F) {
	pub, priv := testKey("dev-1")
	good, _ := ingest.Sign(priv, "dev-1", 7, []byte(pack))
	goodSig, _ := enc.DecodeString(string(good[bytes.LastIndexByte(good, '.')+1:]))
	rfcPub, _ := enc.DecodeString(rfcX)
	f.Add([]byte(pub), goodSig, []byte(pack))
	f.Add([]byte(pub), goodSig, []byte(pack+" "))
	f.Add(rfcPub, goodSig, []byte(pack))
	f.Add([]byte{}, []byte{}, []byte{})
	f.Add(make([]byte, 32), make([]byte, 64), []byte("x"))
	f.Add(make([]byte, 31), make([]byte, 64), []byte("x"))
	f.Fuzz(func(t *testing.T, key, sig, payload []byte) {
		in := string(good[:bytes.IndexByte(good, '.')]) + "." + enc.EncodeToString(payload)
		p, err := ingest.ParseJWS([]byte(in+"."+enc.EncodeToString(sig)), 1<<20)
		if err != nil {
			if len(sig) == ed25519.SignatureSize && len(payload) > 0 {
				t.Fatalf("ParseJWS(valid header, %d-byte sig) = %v", len(sig), err)
			}
			return
		}
		err = p.Verify(key)
		if len(key) != ed25519.PublicKeySize {
			if err == nil || errors.Is(err, ingest.ErrSignature) || groundtruth.ErrorField(err) != "public_key" {
				t.Fatalf("Verify(%d-byte key) = %v, want a public_key error", len(key), err)
			}
			return
		}
		want := ed25519.Verify(key, []byte(in), sig)
		if (err == nil) != want || err != nil && !errors.Is(err, ingest.ErrSignature) {
			t.Fatalf("Verify = %v, ed25519.Verify = %v", err, want)
		}
	})
}
