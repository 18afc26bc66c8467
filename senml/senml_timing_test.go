package senml_test

import (
	"testing"

	"groundtruth/senml"
)

// Benchmarks of the ingest path's decoder. The figure to watch is records/s of
// BenchmarkDecodeResolve; SPEC §14 asks 200k records/s end to end, so the decoder should
// stay well above 1M records/s per core. Run with
//
//	go test ./senml -run '^$' -bench . -benchmem -count 10 | tee new.txt; benchstat old.txt new.txt

// benchPack is a typical message of a warehouse device: ten records under a base name and
// base time, with numbers, a boolean and a tag list.
const benchPack = `[{"bn":"urn:dev:gt:lc-0042:","bt":1714000000.125,"n":"mass","u":"kg","v":1234.5},` +
	`{"n":"mass","u":"kg","t":1,"v":1234.75},` +
	`{"n":"mass","u":"kg","t":2,"v":1235.25},` +
	`{"n":"volume","u":"m3","t":2,"v":88.2},` +
	`{"n":"temp","u":"Cel","t":2,"v":-3.5},` +
	`{"n":"rh","u":"%RH","t":2,"v":61},` +
	`{"n":"battery","u":"%EL","t":2,"v":87},` +
	`{"n":"door","t":2,"vb":false},` +
	`{"n":"lat","u":"lat","t":2,"v":36.0812},` +
	`{"n":"tags","t":2,"vs":"E200341201,E200341202"}]`

// benchPlain is the plain JSON form of SPEC §5.2.
const benchPlain = `{"t":1714000000,"mass":1234.5,"volume":88.2,"temp":-3.5,"door":false,"tags":"E1,E2"}`

// records reports the rate of n loops of per records each.
func records(b *testing.B, n, per int) {
	b.ReportMetric(float64(n*per)/b.Elapsed().Seconds(), "records/s")
}

func BenchmarkDecodeResolve(b *testing.B) {
	data := []byte(benchPack)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		p, err := senml.Decode(data, senml.Limits{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := senml.Resolve(p, testNow); err != nil {
			b.Fatal(err)
		}
		n++
	}
	records(b, n, 10)
}

func BenchmarkDecode(b *testing.B) {
	data := []byte(benchPack)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := senml.Decode(data, senml.Limits{}); err != nil {
			b.Fatal(err)
		}
		n++
	}
	records(b, n, 10)
}

func BenchmarkResolve(b *testing.B) {
	p, err := senml.Decode([]byte(benchPack), senml.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := senml.Resolve(p, testNow); err != nil {
			b.Fatal(err)
		}
		n++
	}
	records(b, n, 10)
}

func BenchmarkEncode(b *testing.B) {
	recs, err := senml.Normalize([]byte(benchPack), senml.Limits{}, testNow)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		out, err := senml.Encode(recs)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(out)))
		n++
	}
	records(b, n, 10)
}

func BenchmarkNormalizePlain(b *testing.B) {
	data := []byte(benchPlain)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := senml.Normalize(data, senml.Limits{}, testNow); err != nil {
			b.Fatal(err)
		}
		n++
	}
	records(b, n, 5)
}
