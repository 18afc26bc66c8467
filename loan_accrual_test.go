package groundtruth_test

import (
	"testing"
	"time"

	gt "groundtruth"
)

// TestLoanAmountsAreBounded: a principal beyond MaxLoanAmount is refused at its field, so
// that outstanding plus accrued interest cannot overflow; the largest loan accrues at most
// MaxLoanAmount, a positive amount.
func TestLoanAmountsAreBounded(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	l := gt.Loan{ID: "loan-1", BorrowerID: "b-1", Product: gt.ProductInventory,
		Principal: gt.Money{Amount: 9_000_000_000_000_000_000, Currency: "USD"}, InterestRate: 5,
		StartDate: start, MaturityDate: start.AddDate(2, 0, 0), InterestPaidTo: &start}
	l.Normalize()
	if err := l.Validate(); gt.ErrorField(err) != "principal.amount" {
		t.Errorf("a principal of 9e18 minor units: %v, want refused at principal.amount", err)
	}
	l.Principal.Amount, l.Outstanding.Amount = gt.MaxLoanAmount, gt.MaxLoanAmount
	if err := l.Validate(); err != nil {
		t.Fatalf("the largest loan: %v", err)
	}
	if got := l.AccruedInterest(start.AddDate(1, 0, 0)); got != gt.MaxLoanAmount {
		t.Errorf("AccruedInterest of the largest loan at 500%% for a year = %d, want it capped at %d", got, int64(gt.MaxLoanAmount))
	}
}

// TestAccruedInterestCountsEveryDay: ACT/360 counts the actual days, also beyond the 292
// years a time.Duration holds: a loan paid to 1700-01-01 accrues 119,069 days at 2026.
func TestAccruedInterestCountsEveryDay(t *testing.T) {
	paid := time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := gt.Loan{ID: "loan-1", BorrowerID: "b-1", Product: gt.ProductInventory,
		Principal: gt.Money{Amount: 360_000, Currency: "USD"}, InterestRate: 0.01,
		StartDate: paid, MaturityDate: at.AddDate(1, 0, 0), InterestPaidTo: &paid}
	l.Normalize()
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	days := (at.Unix() - paid.Unix()) / 86400 // 119,069
	want := 360_000 * days / 100 / 360        // 360,000 x 1% x days / 360 = 10 x days
	if got := l.AccruedInterest(at); got != want {
		t.Errorf("AccruedInterest over %d days = %d, want %d", days, got, want)
	}
}
