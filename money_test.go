package groundtruth_test

import (
	"math"
	"testing"

	gt "groundtruth"
)

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in, cur string
		want    int64
		ok      bool
	}{
		{"1234.5", "USD", 123450, true},
		{"-0.01", "USD", -1, true},
		{"+7", "JPY", 7, true},
		{"12.345", "KWD", 12345, true},
		{"12.345", "USD", 0, false},
		{"1.5", "JPY", 0, false},
		{"-+5", "USD", 0, false},
		{"+-5", "USD", 0, false},
		{"", "USD", 0, false},
		{".", "USD", 0, false},
		{"1e3", "USD", 0, false},
		{"92233720368547758.07", "USD", math.MaxInt64, true},
		{"92233720368547758.08", "USD", 0, false},
		{"-92233720368547758.08", "USD", math.MinInt64, true},
		{"5", "XYZ", 0, false},
	}
	for _, tc := range tests {
		m, err := gt.ParseMoney(tc.in, tc.cur)
		if (err == nil) != tc.ok || (tc.ok && m.Amount != tc.want) {
			t.Errorf("ParseMoney(%q, %s) = %v, %v; want %d ok=%v", tc.in, tc.cur, m.Amount, err, tc.want, tc.ok)
		}
	}
}

func TestMoneyStringRoundTrips(t *testing.T) {
	for _, cur := range []string{"USD", "JPY", "KWD"} {
		for _, a := range []int64{0, 1, -1, 99, -100, 123456789, math.MaxInt64, math.MinInt64} {
			m := gt.Money{Amount: a, Currency: cur}
			s := m.String()
			back, err := gt.ParseMoney(s[:len(s)-4], cur)
			if err != nil || back != m {
				t.Errorf("%d %s: String() = %q, parsed back as %v, %v", a, cur, s, back, err)
			}
		}
	}
	if got := (gt.Money{Amount: -150, Currency: "USD"}).String(); got != "-1.50 USD" {
		t.Errorf("String() = %q, want -1.50 USD", got)
	}
}

func TestDurationJSON(t *testing.T) {
	d := gt.Duration(5)
	if err := d.UnmarshalJSON([]byte("null")); err != nil || d != 5 {
		t.Errorf("null: %v, %v; want unchanged", d, err)
	}
	if err := d.UnmarshalJSON([]byte("3600")); err == nil {
		t.Error("a bare number was accepted")
	}
	if err := d.UnmarshalJSON([]byte(`"72h"`)); err != nil || d.Std().Hours() != 72 {
		t.Errorf("72h: %v, %v", d, err)
	}
}
