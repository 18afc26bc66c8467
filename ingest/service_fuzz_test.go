package ingest_test

import (
	"context"
	"testing"

	gt "groundtruth"
	"groundtruth/ingest"
)

// FuzzAccept feeds arbitrary payloads to the ingest service: it must never panic, and
// each payload is either accepted (a pack appended) or refused with a reason, never
// half-applied.
func FuzzAccept(f *testing.F) {
	for _, s := range []string{senmlPack, `{"t":1777896005,"temp":21.5}`, `[{"n":"mass","u":"lb","v":1}]`,
		`["eyJhbGciOiJFZERTQSJ9.e30.AAAA"]`, `eyJhbGciOiJFZERTQSIsImtpZCI6ImNlbGwtMiIsInNlcSI6MX0.e30.AA`, `[]`, `{}`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		fx := newFixture(t, ingest.Options{})
		for _, dev := range []*gt.Device{fx.dev, fx.sdev} {
			before := len(fx.packs(t))
			res, err := fx.svc.Accept(context.Background(), dev, gt.ViaHTTP, payload)
			after := fx.packs(t)
			switch {
			case err == nil:
				if res.Packs+res.Duplicates == 0 || (res.Packs > 0 && len(after) != before+res.Packs) {
					t.Fatalf("accepted %+v but the journal grew by %d", res, len(after)-before)
				}
			case ingest.ReasonOf(err) == "":
				t.Fatalf("refusal without a reason: %v", err)
			default:
				for _, p := range after[before:] {
					if p.Rejected == nil {
						t.Fatalf("a refused payload left readings in the journal: %+v", p)
					}
				}
			}
		}
	})
}
