package loadgen

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Content types of POST /api/v1/ingest.
const (
	contentSenML = "application/senml+json"
	contentJOSE  = "application/jose"
)

// maxRetryAfter caps the wait a server's Retry-After asks for.
const maxRetryAfter = 30 * time.Second

// newHTTPTransport returns a transport that keeps a connection per sender alive.
func newHTTPTransport(conns int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = conns
	t.MaxIdleConnsPerHost = conns
	t.DisableCompression = true
	return t
}

// httpLink sends one device's packs to POST /api/v1/ingest.
type httpLink struct {
	client      *http.Client
	url         string
	auth, ctype string
}

func newHTTPLink(t *http.Transport, u *url.URL, d Device) *httpLink {
	l := &httpLink{client: &http.Client{Transport: t, Timeout: 2 * ackTimeout},
		url: u.JoinPath("/api/v1/ingest").String(), auth: "Bearer " + d.Token, ctype: contentSenML}
	if d.Key != nil {
		l.ctype = contentJOSE
	}
	return l
}

// send posts a pack and waits for the answer: 2xx acknowledges it, 429 and 503 ask for
// it again after Retry-After, any other status refuses it.
func (l *httpLink) send(ctx context.Context, payload []byte) outcome {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.url, bytes.NewReader(payload))
	if err != nil {
		return outcome{kind: outcomeRefused, code: "request", reason: err.Error()}
	}
	req.Header.Set("Authorization", l.auth)
	req.Header.Set("Content-Type", l.ctype)
	sent := time.Now()
	resp, err := l.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return outcome{kind: outcomeAborted}
		}
		return outcome{kind: outcomeLost, reason: err.Error(), sent: sent}
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // so the connection is reused
	resp.Body.Close()
	switch s := resp.StatusCode; {
	case s >= 200 && s < 300:
		return outcome{kind: outcomeAcked, sent: sent}
	case s == http.StatusTooManyRequests || s == http.StatusServiceUnavailable:
		return outcome{kind: outcomeRetry, code: strconv.Itoa(s), reason: problemText(resp.Status, body),
			wait: retryAfter(resp.Header.Get("Retry-After")), sent: sent}
	default:
		return outcome{kind: outcomeRefused, code: strconv.Itoa(s), reason: problemText(resp.Status, body), sent: sent}
	}
}

func (l *httpLink) close() { l.client.CloseIdleConnections() }

// retryAfter reads a Retry-After header (seconds or an HTTP date); 0 when absent.
func retryAfter(h string) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil {
		return min(time.Duration(max(s, 0))*time.Second, maxRetryAfter)
	}
	if t, err := http.ParseTime(h); err == nil {
		return min(max(time.Until(t), 0), maxRetryAfter)
	}
	return 0
}
