package loadgen_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	gt "groundtruth"
	"groundtruth/ingest"
	"groundtruth/loadgen"
	"groundtruth/senml"
)

// fakeIngest is POST /api/v1/ingest: it answers every fifth request 429 and refuses pack
// 4 of the second device with 422, and keeps the packs it acknowledged per device.
type fakeIngest struct {
	mu      sync.Mutex
	n       int
	tokens  map[string]loadgen.Device
	got     map[string][][]byte
	tooMany int
}

func (f *fakeIngest) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	if r.URL.Path != "/api/v1/ingest" || r.Method != http.MethodPost || !ok {
		http.Error(w, "no", http.StatusUnauthorized)
		return
	}
	payload, ctype := body, "application/senml+json"
	if d.Key != nil {
		ctype = "application/jose"
		j, err := ingest.ParseJWS(body, 0)
		if err != nil || j.Verify(d.Key.Public().(ed25519.PublicKey)) != nil {
			http.Error(w, "bad signature", http.StatusUnprocessableEntity)
			return
		}
		payload = j.Payload
	}
	if r.Header.Get("Content-Type") != ctype {
		http.Error(w, "content type", http.StatusUnsupportedMediaType)
		return
	}
	pack, err := senml.Decode(payload, senml.Limits{})
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.n++
	if f.n%5 == 0 {
		f.tooMany++
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	if d.ID == "cell-2" && pack[0].Value == 4 {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprint(w, `{"status":422,"title":"Unprocessable Entity","detail":"unit mismatch"}`)
		return
	}
	f.got[d.ID] = append(f.got[d.ID], body)
	w.WriteHeader(http.StatusAccepted)
}

func TestHTTPRun(t *testing.T) {
	devs := []loadgen.Device{{ID: "cell-1", Token: "tok-1"}, {ID: "cell-2", Token: "tok-2"},
		{ID: "cell-3", Token: "tok-3", Key: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, 32))}}
	f := &fakeIngest{tokens: map[string]loadgen.Device{}, got: map[string][][]byte{}}
	for _, d := range devs {
		f.tokens[d.Token] = d
	}
	srv := httptest.NewServer(f)
	defer srv.Close()
	rep, err := loadgen.Run(t.Context(), loadgen.Config{Target: srv.URL, Devices: devs, Packs: 20, PackSize: 4, Start: start})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", rep)
	if rep.Acked != 59 || rep.Refused["422"] != 1 || rep.Refused["429"] != int64(f.tooMany) || rep.Resent != int64(f.tooMany) || rep.Unacked != 0 {
		t.Errorf("acked %d, refused %v, resent %d; want 59, 1 422 and %d 429, %d", rep.Acked, rep.Refused, rep.Resent, f.tooMany, f.tooMany)
	}
	if rep.Reasons["422"] != "422 Unprocessable Entity: unit mismatch" {
		t.Errorf("reason = %q", rep.Reasons["422"])
	}
	for _, d := range devs {
		if rep.LastAcked[d.ID] != 20 {
			t.Errorf("LastAcked[%s] = %d, want 20", d.ID, rep.LastAcked[d.ID])
		}
		var want [][]byte
		for k := uint64(1); k <= 20; k++ {
			if d.ID != "cell-2" || k != 4 {
				p, _ := loadgen.Pack(d, k, 4, start)
				want = append(want, p)
			}
		}
		if got := f.got[d.ID]; len(got) != len(want) || !bytes.Equal(bytes.Join(got, nil), bytes.Join(want, nil)) {
			t.Errorf("%s: the server got %d packs, want packs 1 to 20 in order, each once", d.ID, len(got))
		}
	}
}

func TestRunConfigErrors(t *testing.T) {
	devs := []loadgen.Device{{ID: "cell-1", Token: "t", Tenant: "acme"}}
	for _, c := range []struct {
		cfg  loadgen.Config
		want string
	}{
		{loadgen.Config{Target: "http://x"}, "devices: none"},
		{loadgen.Config{Target: "ftp://x", Devices: devs}, "unsupported scheme"},
		{loadgen.Config{Target: "http://x", Devices: devs, PackSize: 1001}, "pack size"},
		{loadgen.Config{Target: "http://x", Bare: true, Devices: devs}, "bare run needs an MQTT broker"},
		{loadgen.Config{Target: "tcp://x:1", Devices: []loadgen.Device{{ID: "a", Token: "t"}}}, "no tenant"},
		{loadgen.Config{Target: "tcp://x:1", Devices: append(devs, devs[0])}, "appears twice"},
	} {
		if _, err := loadgen.Run(t.Context(), c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Run(%+v) = %v, want an error with %q", c.cfg, err, c.want)
		}
	}
}

// fakeAPI answers the routes Provision calls, checking bodies with the domain's rules.
type fakeAPI struct {
	mu      sync.Mutex
	devices map[string]gt.Device
	tokens  map[string]string
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer admin-key" {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"status":401,"detail":"unknown API key"}`)
		return
	}
	fail := func(err error) { http.Error(w, err.Error(), http.StatusUnprocessableEntity) }
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/api/v1/"), "/")
	switch {
	case r.Method == "GET" && r.URL.Path == "/api/v1/tenant":
		fmt.Fprint(w, `{"id":"acme","name":"Acme Bank"}`)
	case r.Method == "POST" && r.URL.Path == "/api/v1/records":
		var recs gt.Records
		d := json.NewDecoder(r.Body)
		d.DisallowUnknownFields()
		if err := d.Decode(&recs); err != nil {
			fail(err)
			return
		}
		for _, s := range recs.Sites {
			if err := s.Validate(); err != nil {
				fail(err)
				return
			}
		}
		for _, dev := range recs.Devices {
			dev.Normalize()
			if err := dev.Validate(); err != nil {
				fail(err)
				return
			}
			f.devices[dev.ID] = dev
		}
		fmt.Fprintf(w, `{"records":%d,"seq":1}`, recs.Len())
	case len(parts) == 3 && parts[0] == "devices" && r.Method == "POST" && parts[2] == "token":
		if _, ok := f.devices[parts[1]]; !ok {
			http.NotFound(w, r)
			return
		}
		f.tokens[parts[1]] = "gtd_" + parts[1]
		fmt.Fprintf(w, `{"device_id":%q,"token":%q}`, parts[1], f.tokens[parts[1]])
	case len(parts) == 3 && parts[0] == "devices" && r.Method == "PUT" && parts[2] == "public-key":
		var body struct {
			PublicKey string `json:"public_key"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		if _, err := gt.ParsePublicKey(body.PublicKey); err != nil {
			fail(err)
			return
		}
		dev := f.devices[parts[1]]
		dev.PublicKey = body.PublicKey
		f.devices[parts[1]] = dev
		fmt.Fprint(w, `{}`)
	default:
		http.NotFound(w, r)
	}
}

func TestProvision(t *testing.T) {
	f := &fakeAPI{devices: map[string]gt.Device{}, tokens: map[string]string{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	devs, err := loadgen.Provision(t.Context(), srv.URL, "admin-key", 2500, true, "bench")
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 2500 || len(f.devices) != 2500 {
		t.Fatalf("%d devices returned, %d created", len(devs), len(f.devices))
	}
	for i, d := range devs {
		want := fmt.Sprintf("bench-%05d", i+1)
		stored := f.devices[d.ID]
		pub, _ := gt.ParsePublicKey(stored.PublicKey)
		if d.ID != want || d.Tenant != "acme" || d.Token != f.tokens[d.ID] || d.Key == nil ||
			!pub.Equal(d.Key.Public()) || stored.SiteID != "bench-site" || stored.Kind != gt.DeviceLoadCell {
			t.Fatalf("device %d = %+v, stored %+v", i, d, stored)
		}
	}
	if _, err := loadgen.Provision(t.Context(), srv.URL, "wrong", 1, false, ""); err == nil || !strings.Contains(err.Error(), "unknown API key") {
		t.Errorf("Provision with a wrong key = %v", err)
	}
}
