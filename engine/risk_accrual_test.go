package engine_test

import (
	"testing"
	"time"

	gt "groundtruth"
)

// TestExposureIncludesAccruedInterest: 4,000,000.00 USD at 6.5% paid to t0 accrues
// 400,000,000 x 0.065 x 30 / 360 = 2,166,666.67 cents in 30 days (ACT/360), 2,136,986.30
// by ACT/365; the exposure, LTV and EAD include it, the loan is measured again each day
// with no other event, and a payment (interest_paid_to moved) clears it.
func TestExposureIncludesAccruedInterest(t *testing.T) {
	for _, c := range []struct {
		dayCount string
		want     int64
	}{{"", 2_166_667}, {gt.DayCount365, 2_136_986}} {
		t.Run("daycount "+c.dayCount, func(t *testing.T) {
			r := newRig(t, "bank-a")
			recs := copperRecords()
			paid := t0
			recs.Loans[0].InterestPaidTo, recs.Loans[0].DayCount = &paid, c.dayCount
			pd := 0.01
			recs.Loans[0].PD = &pd
			r.records(recs)
			r.price("copper", copperUSD)
			r.cells(1_000_000)
			if lr := r.loanRisk("loan-1"); lr.AccruedInterest != nil || lr.Exposure.Amount != 400_000_000 {
				t.Fatalf("day 0: exposure %v accrued %v", lr.Exposure, lr.AccruedInterest)
			}
			r.wait(24 * time.Hour)
			if lr := r.loanRisk("loan-1"); lr.AccruedInterest == nil || lr.Exposure.Amount != 400_000_000+lr.AccruedInterest.Amount ||
				lr.At != t0.Add(24*time.Hour) {
				t.Fatalf("day 1: exposure %v accrued %v at %v", lr.Exposure, lr.AccruedInterest, lr.At)
			}
			r.wait(29*24*time.Hour + 12*time.Hour)
			r.cells(1_000_000) // the lot went blind in the month; fresh readings value it again
			lr := r.loanRisk("loan-1")
			if lr.AccruedInterest == nil || lr.AccruedInterest.Amount != c.want || lr.Exposure.Amount != 400_000_000+c.want {
				t.Fatalf("day 30: exposure %v accrued %v, want %d accrued", lr.Exposure, lr.AccruedInterest, c.want)
			}
			if lr.LTV == nil || *lr.LTV != float64(400_000_000+c.want)/float64(lr.CollateralValue.Amount) || lr.Credit == nil || lr.Credit.EAD != lr.Exposure {
				t.Errorf("LTV %v, EAD %v: want both on the exposure with interest", lr.LTV, lr.Credit)
			}
			l := recs.Loans[0]
			paidNow := t0.AddDate(0, 0, 30)
			l.InterestPaidTo = &paidNow
			r.update(gt.Records{Loans: []gt.Loan{l}})
			if lr := r.loanRisk("loan-1"); lr.AccruedInterest != nil || lr.Exposure.Amount != 400_000_000 {
				t.Errorf("after the payment: exposure %v accrued %v", lr.Exposure, lr.AccruedInterest)
			}
		})
	}
}
