package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	gt "groundtruth"
)

// attempt sends del once and records the outcome. When ctx ends during the request the
// attempt is not counted: the delivery stays due and is sent again after a restart.
func (d *Dispatcher) attempt(ctx context.Context, del gt.WebhookDelivery) {
	log := d.log.With("tenant", del.TenantID, "action", del.ActionID, "state", del.State, "delivery", del.ID)
	w, err := d.o.Store.Webhook(ctx, del.TenantID)
	if err != nil || w.Disabled {
		if err != nil && ctx.Err() == nil {
			log.Error("webhook: read configuration", "err", err, "retry_in", storeRetry)
			sleep(ctx, storeRetry) // not due again at once: the store is failing
		}
		return
	}
	body, err := json.Marshal(Payload{ID: del.ID, IdempotencyKey: del.IdempotencyKey, Tenant: del.TenantID, Action: del.Action})
	if err != nil {
		d.finish(ctx, log, &del, 0, fmt.Sprintf("encode payload: %v", err), false, 0)
		return
	}
	now := d.now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		d.finish(ctx, log, &del, 0, "bad webhook URL", false, 0)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "groundtruth-webhook/1")
	req.Header.Set(IdempotencyHeader, del.IdempotencyKey)
	req.Header.Set(SignatureHeader, Sign(gt.WebhookSecretGen(d.o.Key, del.TenantID, w.Generation), now, body))
	log = log.With("host", req.URL.Host)
	resp, err := d.o.Client.Do(req)
	if ctx.Err() != nil {
		if err == nil {
			resp.Body.Close()
		}
		return
	}
	del.Attempts++
	del.LastAttemptAt = now
	if errors.Is(err, ErrPrivateAddress) {
		d.finish(ctx, log, &del, 0, describe(err)+" (not retried)", false, 0)
		return
	}
	if err != nil {
		d.finish(ctx, log, &del, 0, describe(err), true, 0)
		return
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	resp.Body.Close()
	code := resp.StatusCode
	switch {
	case code >= 200 && code < 300:
		d.finish(ctx, log, &del, code, "", false, 0)
	case code == http.StatusTooManyRequests || code >= 500:
		d.finish(ctx, log, &del, code, "HTTP "+resp.Status, true, retryAfter(resp.Header.Get("Retry-After"), now))
	default:
		d.finish(ctx, log, &del, code, "HTTP "+resp.Status+" (not retried)", false, 0)
	}
}

// finish records the outcome of an attempt of del that got the HTTP status code (0 for
// none) or failed with msg: delivered (a 2xx code), retried after a backoff of at least
// wait, or failed.
func (d *Dispatcher) finish(ctx context.Context, log *slog.Logger, del *gt.WebhookDelivery, code int, msg string,
	retry bool, wait time.Duration) {
	del.LastStatusCode, del.LastError = code, truncate(msg, maxErrorLen)
	del.NextAttemptAt = time.Time{}
	switch {
	case code >= 200 && code < 300:
		del.Status, del.DeliveredAt = gt.DeliveryDelivered, del.LastAttemptAt
		log.Info("webhook: delivered", "attempt", del.Attempts, "status", code)
	case retry && del.Attempts < d.o.MaxAttempts:
		delay := max(d.backoff(del.Attempts), wait)
		del.NextAttemptAt = del.LastAttemptAt.Add(delay)
		log.Warn("webhook: attempt failed, will retry", "attempt", del.Attempts, "status", code, "err", del.LastError, "retry_in", delay)
	default:
		if retry {
			del.LastError = truncate(fmt.Sprintf("%s; gave up after %d attempts", msg, del.Attempts), maxErrorLen)
		}
		del.Status = gt.DeliveryFailed
		log.Warn("webhook: delivery failed", "attempt", del.Attempts, "status", code, "err", del.LastError)
	}
	// Record the outcome even when stopping: the receiver has answered.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for i := 0; ; i++ {
		err := d.o.Store.UpdateDelivery(sctx, del)
		if err == nil {
			return
		}
		if i == 2 || sctx.Err() != nil {
			log.Error("webhook: record attempt", "err", err)
			sleep(ctx, storeRetry) // not due again at once: the store is failing
			return
		}
		sleep(sctx, time.Second)
	}
}

// backoff returns the wait after the given number of failed attempts: Backoff doubled
// for each attempt after the first, at most MaxBackoff, of which a random half is left
// out (jitter), so that receivers coming back are not hit by every sender at once.
func (d *Dispatcher) backoff(attempts int) time.Duration {
	b := d.o.Backoff
	for i := 1; i < attempts && b < d.o.MaxBackoff; i++ {
		b *= 2
	}
	b = min(b, d.o.MaxBackoff)
	return b - rand.N(b/2+1)
}

// retryAfter parses a Retry-After header (seconds or an HTTP date) into a wait from now,
// at most MaxRetryAfter; 0 when absent or invalid.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		d = time.Duration(min(s, int64(MaxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), MaxRetryAfter)
}

// describe returns the text of a failed request, leaving out the URL (whose query may
// hold a receiver's token).
func describe(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var te interface{ Timeout() bool }
	if errors.As(err, &te) && te.Timeout() {
		return "timeout: " + err.Error()
	}
	return err.Error()
}

// truncate shortens s to at most n bytes, on a character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
