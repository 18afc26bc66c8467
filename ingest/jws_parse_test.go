package ingest_test

import (
	"fmt"
	"strings"
	"testing"

	"groundtruth"
	"groundtruth/ingest"
)

func TestParseJWSHeaderRules(t *testing.T) {
	_, priv := testKey("dev-1")
	ok := func(header string) {
		t.Helper()
		if _, err := ingest.ParseJWS(rawJWS(priv, header, pack), 0); err != nil {
			t.Errorf("ParseJWS(header %s) = %v, want nil", header, err)
		}
	}
	bad := func(header, field, msg string) {
		t.Helper()
		_, err := ingest.ParseJWS(rawJWS(priv, header, pack), 0)
		checkErr(t, "ParseJWS(header "+header+")", err, groundtruth.EINVALID, field, msg)
	}
	ok(`{"alg":"EdDSA","kid":"dev-1","seq":1}`)
	ok(` { "seq" : 9007199254740991 , "kid" : "dev-1" , "alg" : "EdDSA" } `)
	ok(`{"alg":"EdDSA","kid":"` + strings.Repeat("a", 64) + `","seq":1}`)
	ok(`{"alg":"EdDSA","kid":"Site_2.bin-3:cell-4","seq":1,"crv":"Ed25519","typ":"JOSE","crit":[],"b64":true}`)
	ok(`{"\u0061lg":"EdDSA","kid":"dev-1","seq":1}`) // JSON escapes name the same member

	bad(`{"alg":"none","kid":"dev-1","seq":1}`, "protected.alg", `"none" is not accepted`)
	bad(`{"alg":"HS256","kid":"dev-1","seq":1}`, "protected.alg", `"HS256" is not accepted; want "EdDSA"`)
	bad(`{"alg":"eddsa","kid":"dev-1","seq":1}`, "protected.alg", `"eddsa" is not accepted`)
	bad(`{"kid":"dev-1","seq":1}`, "protected.alg", "is missing")
	bad(`{"ALG":"EdDSA","kid":"dev-1","seq":1}`, "protected.alg", "is missing")
	bad(`{"alg":null,"kid":"dev-1","seq":1}`, "protected.alg", "must be a JSON string, got null")
	bad(`{"alg":["EdDSA"],"kid":"dev-1","seq":1}`, "protected.alg", "must be a JSON string")

	bad(`{"alg":"EdDSA","seq":1}`, "protected.kid", "is missing")
	bad(`{"alg":"EdDSA","kid":"","seq":1}`, "protected.kid", "is required")
	bad(`{"alg":"EdDSA","kid":"`+strings.Repeat("a", 65)+`","seq":1}`, "protected.kid", "is longer than 64")
	bad(`{"alg":"EdDSA","kid":"dev/1","seq":1}`, "protected.kid", "has character '/'")
	bad(`{"alg":"EdDSA","kid":"dév","seq":1}`, "protected.kid", "has character")
	bad(`{"alg":"EdDSA","kid":7,"seq":1}`, "protected.kid", "must be a JSON string, got 7")

	bad(`{"alg":"EdDSA","kid":"dev-1"}`, "protected.seq", "is missing")
	bad(`{"alg":"EdDSA","kid":"dev-1","seq":0}`, "protected.seq", "must be positive, got 0")
	bad(`{"alg":"EdDSA","kid":"dev-1","seq":-1}`, "protected.seq", "must be positive, got -1")
	bad(`{"alg":"EdDSA","kid":"dev-1","seq":-0}`, "protected.seq", "must be positive")
	bad(`{"alg":"EdDSA","kid":"dev-1","seq":"5"}`, "protected.seq", `must be a JSON number, got the string "5"`)
	bad(`{"alg":"EdDSA","kid":"dev-1","seq":1.5}`, "protected.seq", "without fraction or exponent, got 1.5")
	bad(`{"alg":"EdDSA","kid":"dev-1","seq":2.0}`, "protected.seq", "without fraction or exponent")
	bad(`{"alg":"EdDSA","kid":"dev-1","seq":1e3}`, "protected.seq", "without fraction or exponent, got 1e3")
	bad(`{"alg":"EdDSA","kid":"dev-1","seq":null}`, "protected.seq", "must be a JSON number, got null")
	bad(`{"alg":"EdDSA","kid":"dev-1","seq":true}`, "protected.seq", "must be a JSON number, got true")
	bad(`{"alg":"EdDSA","kid":"dev-1","seq":9007199254740992}`, "protected.seq", "at most 9007199254740991")
	bad(`{"alg":"EdDSA","kid":"dev-1","seq":18446744073709551616}`, "protected.seq", "at most")

	bad(`{"alg":"EdDSA","kid":"dev-1","seq":1,"crv":"X25519"}`, "protected.crv", `"X25519" is not accepted`)
	bad(`{"alg":"EdDSA","kid":"dev-1","seq":1,"crv":1}`, "protected.crv", "must be a JSON string")
	bad(`{"alg":"EdDSA","kid":"dev-1","seq":1,"crit":["exp"]}`, "protected.crit", "must be absent or empty")
	bad(`{"alg":"EdDSA","kid":"dev-1","seq":1,"crit":"b64"}`, "protected.crit", "must be absent or empty")
	bad(`{"alg":"EdDSA","kid":"dev-1","seq":1,"b64":false}`, "protected.b64", "RFC 7797")
	bad(`{"alg":"EdDSA","kid":"dev-1","seq":1,"b64":"true"}`, "protected.b64", "must be true or absent")
	for _, k := range []string{"jku", "jwk", "x5u", "x5c"} {
		bad(`{"alg":"EdDSA","kid":"dev-1","seq":1,"`+k+`":{}}`, "protected."+k, "device registry")
	}

	bad(`{"alg":"EdDSA","alg":"EdDSA","kid":"dev-1","seq":1}`, "protected", `has member "alg" twice`)
	bad(`{"alg":"EdDSA","kid":"dev-1","seq":1,"\u006bid":"dev-2"}`, "protected", `has member "kid" twice`)
	bad(`{"alg":"EdDSA","kid":"dev-1","seq":1}{}`, "protected", "data after the JSON object")
	bad(`{"alg":"EdDSA","kid":"dev-1","seq":1} x`, "protected", "data after the JSON object")
	bad(`{"alg":"EdDSA","kid":"dev-1","seq":1,}`, "protected", "is not JSON")
	bad(`{"alg":"EdDSA","kid":"dev-1","seq":1`, "protected", "is not JSON")
	bad(`["alg","EdDSA"]`, "protected", "is not a JSON object")
	bad(`"EdDSA"`, "protected", "is not a JSON object")
	bad("{\"alg\":\"EdDSA\",\"kid\":\"dev-1\",\"seq\":1,\"x\":\"\xff\"}", "protected", "not valid UTF-8")
}

func TestParseJWSStructure(t *testing.T) {
	_, priv := testKey("dev-1")
	good, _ := ingest.Sign(priv, "dev-1", 1, []byte(pack))
	s := string(good)
	p := strings.Split(s, ".")
	h, pl, sig := p[0], p[1], p[2]
	// The header encodes 37 bytes and the signature 64, so standard base64 pads both.
	if len(h)%4 == 0 || len(sig)%4 == 0 {
		t.Fatalf("test header or signature needs no padding: %d, %d characters", len(h), len(sig))
	}
	// Flip the last signature character's unused low bits: same bytes, non-canonical text.
	last := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", sig[len(sig)-1])
	sigLoose := sig[:len(sig)-1] + string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[last|1])

	bad := func(in, field, msg string) {
		t.Helper()
		_, err := ingest.ParseJWS([]byte(in), 0)
		checkErr(t, "ParseJWS("+clipIn(in)+")", err, groundtruth.EINVALID, field, msg)
	}
	bad("", "jws", "is empty")
	bad(h+"."+pl, "jws", "has 2 parts separated by '.', want 3")
	bad(h, "jws", "has 1 parts")
	bad(s+"."+sig, "jws", "has 4 parts")
	bad(h+"."+pl+"."+sig+".", "jws", "has 4 parts")
	bad(h+"."+pl+"."+pl+"."+sig+"."+sig, "jws", "has 5 parts") // compact JWE shape
	bad("..", "protected", "is empty")
	bad("."+pl+"."+sig, "protected", "is empty")
	bad(h+".."+sig, "payload", "is empty")
	bad(h+"."+pl+".", "signature", "is empty")
	bad(h+"=."+pl+"."+sig, "protected", fmt.Sprintf("has '=' padding at byte %d of the input", len(h)))
	bad(h+"."+pl+"."+sig+"==", "signature", "has '=' padding")
	bad(h+"."+pl+"\n."+sig, "payload", `has whitespace '\n'`)
	bad(s+"\n", "signature", `has whitespace '\n'`)
	bad(" "+s, "protected", "has whitespace ' ' at byte 0")
	bad(h+"."+pl[:3]+"+"+pl[4:]+"."+sig, "payload", "standard base64")
	bad(h+"."+pl[:3]+"/"+pl[4:]+"."+sig, "payload", "standard base64")
	bad(h+"."+pl[:3]+"\x00"+pl[4:]+"."+sig, "payload", `character '\x00' at byte`)
	bad(h+"."+pl[:3]+"é"+pl[4:]+"."+sig, "payload", "not base64url")
	bad(h+"."+pl+strings.Repeat("A", 5-len(pl)%4)+"."+sig, "payload", "a length no base64url value has")
	bad(h+"."+pl+"."+sigLoose, "signature", "non-zero unused bits")
	bad(h+"."+pl+"."+sig[:84], "signature", "is 63 bytes, want 64")
	bad(h+"."+pl+"."+sig+"AAAA", "signature", "is 67 bytes, want 64")
	bad("eyJhbGciOiJub25lIn0."+pl+".", "signature", "is empty") // the classic alg none token

	_, err := ingest.ParseJWS(good, len(good)-1)
	checkErr(t, "ParseJWS(over maxBytes)", err, groundtruth.ETOOLARGE, "jws", "over the limit")
	if _, err := ingest.ParseJWS(good, len(good)); err != nil {
		t.Errorf("ParseJWS(at maxBytes) = %v, want nil", err)
	}
	big := []byte(strings.Repeat("a", ingest.DefaultMaxJWSBytes+1))
	_, err = ingest.ParseJWS(big, 0)
	checkErr(t, "ParseJWS(over the default limit)", err, groundtruth.ETOOLARGE, "jws", "65536")
	longHeader := rawJWS(priv, `{"alg":"EdDSA","kid":"dev-1","seq":1,"x":"`+strings.Repeat("x", 800)+`"}`, pack)
	_, err = ingest.ParseJWS(longHeader, 0)
	checkErr(t, "ParseJWS(long header)", err, groundtruth.ETOOLARGE, "protected", "over the limit of 1024")
}

func clipIn(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
