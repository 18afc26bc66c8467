package loadgen

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	gt "groundtruth"
)

// Device is a simulated device: its id, its tenant, its token (MQTT password and HTTP
// bearer token) and, for a signing device, its Ed25519 private key.
type Device struct {
	ID     string
	Tenant string
	Token  string
	Key    ed25519.PrivateKey // nil: the device sends unsigned packs
}

// BareDevices returns n devices for a bare-broker run: ids only ("dev-00001", ...).
func BareDevices(n int) []Device {
	ds := make([]Device, n)
	for i := range ds {
		ds[i].ID = fmt.Sprintf("dev-%05d", i+1)
	}
	return ds
}

// provisionChunk is the number of devices per bulk write, well under its 8 MiB limit.
const provisionChunk = 2000

// provisionWorkers is the number of credential requests in flight during Provision.
const provisionWorkers = 8

// Provision creates n load-cell devices through the HTTP API of server (a base URL such
// as http://127.0.0.1:8080) with apiKey, an admin or risk-officer key: one warehouse
// site "{prefix}-site" and devices "{prefix}-00001" and on, bound to it, written with
// bulk record writes; then it issues each device a token and, when signed, registers a
// fresh Ed25519 key for it. Devices that exist already are replaced and get new
// credentials. An empty prefix becomes "lg-" and the time in base 36, so each run gets
// new devices (a signing device's seq must keep increasing across runs).
func Provision(ctx context.Context, server, apiKey string, n int, signed bool, prefix string) ([]Device, error) {
	if n < 1 {
		return nil, fmt.Errorf("provision: want at least 1 device, got %d", n)
	}
	if prefix == "" {
		prefix = "lg-" + strconv.FormatInt(time.Now().UnixMilli(), 36)
	}
	if err := gt.ValidateID("prefix", fmt.Sprintf("%s-%05d", prefix, n)); err != nil {
		return nil, fmt.Errorf("provision: device ids %s-00001...: %s", prefix, gt.ErrorMessage(err))
	}
	api := &apiClient{base: strings.TrimSuffix(server, "/"), key: apiKey, http: &http.Client{Timeout: 2 * time.Minute}}
	var tenant gt.Tenant
	if err := api.call(ctx, http.MethodGet, "/api/v1/tenant", nil, &tenant); err != nil {
		return nil, fmt.Errorf("provision: read the API key's tenant: %w", err)
	}
	devs := make([]Device, n)
	site := gt.Site{ID: prefix + "-site", Name: "loadgen " + prefix, Kind: gt.SiteWarehouse,
		Boundary: gt.Polygon{Type: "Polygon", Coordinates: [][][2]float64{{
			{120.31, 36.08}, {120.312, 36.08}, {120.312, 36.082}, {120.31, 36.082}, {120.31, 36.08}}}}}
	for lo := 0; lo < n; lo += provisionChunk {
		var recs bulkRecords
		if lo == 0 {
			recs.Sites = []gt.Site{site}
		}
		for i := lo; i < min(n, lo+provisionChunk); i++ {
			devs[i] = Device{ID: fmt.Sprintf("%s-%05d", prefix, i+1), Tenant: tenant.ID}
			recs.Devices = append(recs.Devices, newDevice{ID: devs[i].ID, Kind: gt.DeviceLoadCell,
				SiteID: site.ID, Interval: gt.Duration(time.Minute)})
		}
		if err := api.call(ctx, http.MethodPost, "/api/v1/records", recs, nil); err != nil {
			return nil, fmt.Errorf("provision: create devices %s to %s: %w", devs[lo].ID, devs[lo+len(recs.Devices)-1].ID, err)
		}
	}
	err := parallel(ctx, n, func(i int) error {
		d := &devs[i]
		var tok struct {
			Token string `json:"token"`
		}
		if err := api.call(ctx, http.MethodPost, "/api/v1/devices/"+d.ID+"/token", nil, &tok); err != nil {
			return fmt.Errorf("issue the token of %s: %w", d.ID, err)
		}
		d.Token = tok.Token
		if !signed {
			return nil
		}
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		body := map[string]string{"public_key": base64.RawURLEncoding.EncodeToString(pub)}
		if err := api.call(ctx, http.MethodPut, "/api/v1/devices/"+d.ID+"/public-key", body, nil); err != nil {
			return fmt.Errorf("register the key of %s: %w", d.ID, err)
		}
		d.Key = priv
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("provision: %w", err)
	}
	return devs, nil
}

// bulkRecords is the body of POST /api/v1/records that Provision sends.
type bulkRecords struct {
	Sites   []gt.Site   `json:"sites,omitempty"`
	Devices []newDevice `json:"devices"`
}

// newDevice is a device as a client writes it (gt.Device also carries fields the
// server sets).
type newDevice struct {
	ID       string        `json:"id"`
	Kind     gt.DeviceKind `json:"kind"`
	SiteID   string        `json:"site_id"`
	Interval gt.Duration   `json:"interval"`
}

// parallel runs f(0) to f(n-1) on provisionWorkers goroutines and returns the first error.
func parallel(ctx context.Context, n int, f func(int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for range min(n, provisionWorkers) {
		wg.Go(func() {
			for i := range next {
				if err := f(i); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// apiClient calls groundtruth's HTTP API with a bearer key.
type apiClient struct {
	base, key string
	http      *http.Client
}

// call sends in as JSON (when not nil) and decodes a JSON answer into out (when not
// nil); an answer of 300 or above becomes an error with the problem's detail.
func (c *apiClient) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("read the answer to %s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s", method, path, problemText(resp.Status, b))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("decode the answer to %s %s: %w", method, path, err)
		}
	}
	return nil
}

// problemText returns the detail of an RFC 9457 problem, with its first field error,
// or the status when the body is not one.
func problemText(status string, body []byte) string {
	var p struct {
		Detail string `json:"detail"`
		Errors []struct {
			Location string `json:"location"`
			Message  string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &p) != nil || p.Detail == "" {
		return status
	}
	s := status + ": " + p.Detail
	if len(p.Errors) > 0 {
		s += " (" + p.Errors[0].Location + ": " + p.Errors[0].Message + ")"
	}
	return s
}
