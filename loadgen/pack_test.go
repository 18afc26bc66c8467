package loadgen_test

import (
	"bytes"
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"groundtruth/ingest"
	"groundtruth/loadgen"
	"groundtruth/senml"
)

var start = time.Date(2026, 11, 22, 10, 30, 15, 123456789, time.UTC)

func mustPack(t *testing.T, d loadgen.Device, k uint64, size int) []byte {
	t.Helper()
	p, err := loadgen.Pack(d, k, size, start)
	if err != nil {
		t.Fatalf("Pack(%s, %d, %d) = %v", d.ID, k, size, err)
	}
	return p
}

func TestPackDeterministic(t *testing.T) {
	a, b := loadgen.Device{ID: "dev-00001"}, loadgen.Device{ID: "dev-00002"}
	p := mustPack(t, a, 7, 10)
	if q := mustPack(t, a, 7, 10); !bytes.Equal(p, q) {
		t.Errorf("Pack twice:\n%s\n%s", p, q)
	}
	if q := mustPack(t, a, 8, 10); bytes.Equal(p, q) {
		t.Errorf("packs 7 and 8 are equal: %s", p)
	}
	if q := mustPack(t, b, 7, 10); bytes.Equal(p, q) {
		t.Errorf("pack 7 of two devices is equal: %s", p)
	}
	want := `[{"bt":1795343355.130,"n":"count","u":"count","v":7},{"n":"mass","u":"kg","v":`
	if !strings.HasPrefix(string(p), want) {
		t.Errorf("Pack = %s, want it to start with %s", p, want)
	}
}

func TestPackIsValidSenML(t *testing.T) {
	d := loadgen.Device{ID: "cell-1"}
	for _, size := range []int{1, 2, 10, 25, loadgen.MaxPackSize} {
		for _, k := range []uint64{1, 2, 999, 1_000_000} {
			p := mustPack(t, d, k, size)
			pack, err := senml.Decode(p, senml.Limits{})
			if err != nil {
				t.Fatalf("Decode(pack %d of %d) = %v\n%s", k, size, err, p)
			}
			recs, err := senml.Resolve(pack, start)
			if err != nil {
				t.Fatalf("Resolve(pack %d of %d) = %v", k, size, err)
			}
			if len(recs) != size {
				t.Fatalf("pack %d of %d has %d records", k, size, len(recs))
			}
			r0 := recs[0]
			bt := start.Truncate(time.Millisecond).Add(-time.Minute + time.Duration(k)*time.Millisecond)
			if r0.Name != "count" || r0.Unit != "count" || r0.Kind != senml.KindValue || r0.Value != float64(k) || !r0.Time.Equal(bt) {
				t.Errorf("record 0 of pack %d = %+v, want count %d at %v", k, r0, k, bt)
			}
			seen := map[string]bool{}
			for i, r := range recs {
				if err := senml.CheckUnit(r.Name, r.Unit); err != nil || r.Unit == "" || r.Kind != senml.KindValue {
					t.Errorf("record %d = %+v: %v", i, r, err)
				}
				if want := bt.Add(-time.Duration(i) * time.Microsecond); !r.Time.Equal(want) {
					t.Errorf("record %d time = %v, want %v", i, r.Time, want)
				}
				key := r.Name + r.Time.String()
				if seen[key] {
					t.Errorf("record %d repeats %s", i, key)
				}
				seen[key] = true
			}
		}
	}
}

func TestPackSigned(t *testing.T) {
	seed := bytes.Repeat([]byte{7}, ed25519.SeedSize)
	key := ed25519.NewKeyFromSeed(seed)
	d := loadgen.Device{ID: "cell-1", Key: key}
	p := mustPack(t, d, 42, 5)
	if q := mustPack(t, d, 42, 5); !bytes.Equal(p, q) {
		t.Errorf("signed Pack twice differs")
	}
	j, err := ingest.ParseJWS(p, 0)
	if err != nil {
		t.Fatalf("ParseJWS = %v", err)
	}
	if err := j.Verify(key.Public().(ed25519.PublicKey)); err != nil {
		t.Errorf("Verify = %v", err)
	}
	if j.Seq != 42 || j.DeviceID != "cell-1" {
		t.Errorf("seq, kid = %d, %q; want 42, cell-1", j.Seq, j.DeviceID)
	}
	if plain := mustPack(t, loadgen.Device{ID: "cell-1"}, 42, 5); !bytes.Equal(j.Payload, plain) {
		t.Errorf("payload = %s, want %s", j.Payload, plain)
	}
}

func TestPackLimits(t *testing.T) {
	d := loadgen.Device{ID: "cell-1"}
	for _, c := range []struct {
		k    uint64
		size int
	}{{0, 10}, {1, loadgen.MaxPackSize + 1}, {ingest.MaxSeq + 1, 10}} {
		if _, err := loadgen.Pack(d, c.k, c.size, start); err == nil {
			t.Errorf("Pack(k=%d, size=%d) = nil error", c.k, c.size)
		}
	}
	if p := mustPack(t, d, 1, 0); bytes.Count(p, []byte(`"n":`)) != loadgen.DefaultPackSize {
		t.Errorf("Pack(size 0) = %s, want %d records", p, loadgen.DefaultPackSize)
	}
}

func BenchmarkPack(b *testing.B) {
	d := loadgen.Device{ID: "cell-1"}
	var n int
	for b.Loop() {
		p, _ := loadgen.Pack(d, 1234, 10, start)
		n = len(p)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
}
