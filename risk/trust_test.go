package risk_test

import (
	"testing"
	"time"

	"groundtruth/risk"
)

func TestTrust(t *testing.T) {
	p := risk.DefaultPolicy() // unsigned cap 0.8, stale after 3 intervals, blind after 24h
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const h = time.Hour
	tests := []struct {
		name     string
		signed   bool
		age      time.Duration // now - lastSeen
		interval time.Duration
		want     float64
	}{
		// Interval 1h: stale from 3h, linear to 0 at 24h, so trust = (24h - age) / 21h.
		{"fresh", true, 0, h, 1},
		{"last fresh instant", true, 3 * h, h, 1},
		{"one second stale", true, 3*h + time.Second, h, float64(21*h-time.Second) / float64(21*h)},
		{"midway", true, 13*h + 30*time.Minute, h, 0.5},
		{"quarter left", true, 18*h + 45*time.Minute, h, 0.25},
		{"one second before blind", true, 24*h - time.Second, h, 1.0 / (21 * 3600)},
		{"blind", true, 24 * h, h, 0},
		{"long blind", true, 72 * h, h, 0},
		{"unsigned fresh", false, 0, h, 0.8},
		{"unsigned last fresh", false, 3 * h, h, 0.8},
		{"unsigned midway", false, 13*h + 30*time.Minute, h, 0.4},
		{"unsigned blind", false, 24 * h, h, 0},
		// Interval 8h: stale_after = 24h = blind_after, no decay window.
		{"step, fresh", true, 24*h - time.Nanosecond, 8 * h, 1},
		{"step, blind", true, 24 * h, 8 * h, 0},
		// Interval 10h: stale_after 30h > blind_after, also a step at 24h.
		{"late stale, fresh", true, 23 * h, 10 * h, 1},
		{"late stale, blind", true, 24 * h, 10 * h, 0},
		// No interval: decay starts at once, (24h - 6h) / 24h = 0.75.
		{"no interval", true, 6 * h, 0, 0.75},
		// Data from the future (clock skew) counts as fresh.
		{"future", true, -time.Hour, h, 1},
	}
	for _, tt := range tests {
		got := risk.Trust(p, tt.signed, t0.Add(-tt.age), t0, tt.interval)
		if !near(got, tt.want, 1e-12) {
			t.Errorf("Trust(%s: signed %v, age %v, interval %v) = %.15g, want %.15g", tt.name, tt.signed, tt.age, tt.interval, got, tt.want)
		}
		if blind := risk.Blind(p, t0.Add(-tt.age), t0); blind != (tt.age >= 24*h) {
			t.Errorf("Blind(%s: age %v) = %v, want %v", tt.name, tt.age, blind, tt.age >= 24*h)
		}
	}
	if got := risk.Trust(p, true, time.Time{}, t0, h); got != 0 {
		t.Errorf("Trust with no data (zero lastSeen) = %v, want 0", got)
	}
	if !risk.Blind(p, time.Time{}, t0) {
		t.Errorf("Blind with no data (zero lastSeen) = false, want true")
	}
	q := p
	q.UnsignedTrustCap = 1.7
	if got := risk.Trust(q, false, t0, t0, h); got != 1 {
		t.Errorf("Trust(unsigned, cap 1.7) = %v, want 1", got)
	}
	q.UnsignedTrustCap = -1
	if got := risk.Trust(q, false, t0, t0, h); got != 0 {
		t.Errorf("Trust(unsigned, cap -1) = %v, want 0", got)
	}
}
