package ingest_test

import (
	"fmt"
	"strings"
	"testing"

	"groundtruth/ingest"
)

// pack10 returns a SenML pack of 10 records (8 load cells, temperature, battery) of 567
// bytes, a load cell bank's periodic report; signed, it is a 908-byte compact JWS.
func pack10() []byte {
	var b strings.Builder
	b.WriteString(`[{"bn":"urn:dev:gt:tenant-acme:site-3:warehouse-2:bin-7:","bt":1767225600,"bu":"kg","n":"cell0:mass","v":1250.52}`)
	for i := 1; i < 8; i++ {
		fmt.Fprintf(&b, `,{"n":"cell%d:mass","u":"kg","t":%d.125,"v":%d.%02d}`, i, i*30, 1200+i*7, i*11)
	}
	b.WriteString(`,{"n":"temp","u":"Cel","t":210.125,"v":21.4},{"n":"battery","u":"%EL","t":210.125,"v":87.25}]`)
	return []byte(b.String())
}

// BenchmarkParseVerify measures the ingest path's cost per signed payload: ParseJWS
// (split, base64url, header JSON) and Verify (one Ed25519 verification) of a 10-record
// pack, on one goroutine. verifies/s is per core.
func BenchmarkParseVerify(b *testing.B) {
	pub, priv := testKey("dev-1")
	jws, err := ingest.Sign(priv, "bin-7.cell-1", 12345, pack10())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(jws)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		p, err := ingest.ParseJWS(jws, 0)
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Verify(pub); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "verifies/s")
}

// BenchmarkParseJWS measures ParseJWS alone, without the signature check.
func BenchmarkParseJWS(b *testing.B) {
	_, priv := testKey("dev-1")
	jws, _ := ingest.Sign(priv, "bin-7.cell-1", 12345, pack10())
	b.SetBytes(int64(len(jws)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ingest.ParseJWS(jws, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseVerifyParallel runs ParseJWS and Verify on GOMAXPROCS goroutines;
// verifies/s is for the whole process.
func BenchmarkParseVerifyParallel(b *testing.B) {
	pub, priv := testKey("dev-1")
	jws, _ := ingest.Sign(priv, "bin-7.cell-1", 12345, pack10())
	b.SetBytes(int64(len(jws)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p, err := ingest.ParseJWS(jws, 0)
			if err != nil {
				b.Error(err)
				return
			}
			if err := p.Verify(pub); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
}

// BenchmarkSign measures what a device or the simulator spends per payload.
func BenchmarkSign(b *testing.B) {
	_, priv := testKey("dev-1")
	payload := pack10()
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ingest.Sign(priv, "bin-7.cell-1", 12345, payload); err != nil {
			b.Fatal(err)
		}
	}
}
