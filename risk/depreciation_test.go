package risk_test

import (
	"math"
	"testing"
	"time"

	gt "groundtruth"
	"groundtruth/risk"
)

func TestDepreciate(t *testing.T) {
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	usd := func(minor int64) gt.Money { return gt.Money{Amount: minor, Currency: "USD"} }
	tests := []struct {
		value gt.Money
		rate  float64
		after time.Duration
		want  gt.Money
		why   string
	}{
		{usd(1000000), 0.15, 730*day + 12*time.Hour, usd(722500), "10000.00 * 0.85² = 7225.00"},
		{usd(1000000), 0.15, 365*day + 6*time.Hour, usd(850000), "one year: * 0.85"},
		{usd(1000000), 0.15, 182*day + 15*time.Hour, usd(921954), "half a year: * sqrt(0.85) = 9219.544457"},
		{usd(1000000), 0.15, 0, usd(1000000), "no time"},
		{usd(1000000), 0.15, -30 * day, usd(1000000), "before from"},
		{usd(1000000), 0, 3650 * day, usd(1000000), "rate 0"},
		{usd(1000000), -0.1, 365*day + 6*time.Hour, usd(1000000), "negative rate does not appreciate"},
		{usd(1000000), 1, day, usd(0), "rate 1"},
		{usd(1000000), math.NaN(), day, usd(0), "NaN rate counts as 1"},
		{usd(1), 0.5, 365*day + 6*time.Hour, usd(1), "0.5 rounds half away from zero"},
		{usd(-1), 0.5, 365*day + 6*time.Hour, usd(-1), "-0.5 rounds half away from zero"},
		{usd(3), 0.5, 365*day + 6*time.Hour, usd(2), "1.5 rounds to 2"},
		{gt.Money{Amount: 5000000, Currency: "JPY"}, 0.2, 730*day + 12*time.Hour, gt.Money{Amount: 3200000, Currency: "JPY"}, "5,000,000 * 0.8² = 3,200,000"},
	}
	for _, tt := range tests {
		if got := risk.Depreciate(tt.value, tt.rate, from, from.Add(tt.after)); got != tt.want {
			t.Errorf("Depreciate(%v, %v, +%v) = %v, want %v (%s)", tt.value, tt.rate, tt.after, got, tt.want, tt.why)
		}
	}
	// At the int64 edge: MaxInt64 * (1-1e-12)^(1/365.25) = MaxInt64 - 25252 (to float64
	// precision, 1024 minor units there); it must not wrap negative.
	got := risk.Depreciate(usd(math.MaxInt64), 1e-12, from, from.Add(day)).Amount
	if d := math.MaxInt64 - got; got < 0 || d < 25252-2048 || d > 25252+2048 {
		t.Errorf("Depreciate(MaxInt64 minor units, 1e-12, +24h) = %d, want MaxInt64 - 25252 ± 2048", got)
	}
}
