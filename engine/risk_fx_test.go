package engine_test

import (
	"testing"
	"time"

	gt "groundtruth"
)

// fxTick is the rate of one euro in US cents, quoted per 10000 EUR so that it keeps four
// decimals: 1.0834 USD is 1083400 cents per 10000 EUR.
func (r *rig) fxTick(usdPer10kEUR int64) *gt.Changes {
	r.t.Helper()
	return r.do(gt.EventPricesRecord, "bank-a", gt.Records{Prices: []gt.PriceTick{{Commodity: "fx.eur", At: r.now,
		Price: gt.Money{Amount: usdPer10kEUR, Currency: "USD"}, Unit: "10000EUR", Source: "ECB reference rate"}}})
}

// TestCollateralInAnotherCurrency: a euro loan secured by copper priced in dollars counts
// the lot for nothing until a EUR/USD rate is recorded, then at 680,000,000 US cents /
// 1.0834 = 627,653,683 euro cents, and follows the next rate at once.
func TestCollateralInAnotherCurrency(t *testing.T) {
	r := newRig(t, "bank-a")
	recs := copperRecords()
	recs.Loans[0].Principal = gt.Money{Amount: 500_000_000, Currency: "EUR"}
	r.records(recs)
	r.price("copper", copperUSD)
	r.now = r.now.Add(time.Minute)
	r.cells(1_000_000)
	if lr := r.loanRisk("loan-1"); lr.CollateralValue.Amount != 0 || lr.LTV != nil || lr.Allocations[0].FX != nil {
		t.Fatalf("without a rate: value %v LTV %v, want 0 and none", lr.CollateralValue, lr.LTV)
	}
	r.now = r.now.Add(time.Minute)
	fxSeq := r.seq + 1
	r.fxTick(1_083_400)
	lr := r.loanRisk("loan-1")
	a := lr.Allocations[0]
	if lr.CollateralValue != (gt.Money{Amount: 627_653_683, Currency: "EUR"}) || a.Value != lr.CollateralValue {
		t.Fatalf("at 1.0834: value %v allocation %+v, want 627653683 EUR", lr.CollateralValue, a)
	}
	if a.FX == nil || a.FX.From != "USD" || a.FX.Seq != fxSeq || a.FX.Commodity != "fx.eur" || a.FX.Rate != 1/1.0834 {
		t.Errorf("FX used = %+v, want the inverse of the fx.eur tick of event %d", a.FX, fxSeq)
	}
	if lr.LTV == nil || *lr.LTV != 500_000_000.0/627_653_683 {
		t.Errorf("LTV %v", lr.LTV)
	}
	// The euro strengthens to 1.2500 USD: the lot's dollars buy fewer euros,
	// 680,000,000 / 1.25 = 544,000,000 euro cents.
	r.now = r.now.Add(time.Minute)
	r.fxTick(1_250_000)
	if lr := r.loanRisk("loan-1"); lr.CollateralValue.Amount != 544_000_000 {
		t.Errorf("at 1.25: value %v, want 544000000 EUR", lr.CollateralValue)
	}
}

// TestCollateralConvertedAtTheDirectRate: a dollar loan secured by copper priced in euros
// uses fx.eur directly: 680,000,000 euro cents x 1.0834 = 736,712,000 US cents.
func TestCollateralConvertedAtTheDirectRate(t *testing.T) {
	r := newRig(t, "bank-a")
	r.records(copperRecords())
	r.do(gt.EventPricesRecord, "bank-a", gt.Records{Prices: []gt.PriceTick{{Commodity: "copper", At: r.now,
		Price: gt.Money{Amount: copperUSD, Currency: "EUR"}, Unit: "t", Source: "test"}}})
	r.fxTick(1_083_400)
	r.now = r.now.Add(time.Minute)
	r.cells(1_000_000)
	if lr := r.loanRisk("loan-1"); lr.CollateralValue != (gt.Money{Amount: 736_712_000, Currency: "USD"}) || lr.Allocations[0].FX.Rate != 1.0834 {
		t.Errorf("value %v (FX %+v), want 736712000 USD at 1.0834", lr.CollateralValue, lr.Allocations[0].FX)
	}
}

// TestFXTicksAreValidated: the rate's currency, its unit and the price's currency are
// checked, naming the field.
func TestFXTicksAreValidated(t *testing.T) {
	r := newRig(t, "bank-a")
	for _, c := range []struct {
		tick  gt.PriceTick
		field string
	}{
		{gt.PriceTick{Commodity: "fx.xyz", Unit: "XYZ", Price: gt.Money{Amount: 1, Currency: "USD"}}, "prices[0].commodity"},
		{gt.PriceTick{Commodity: "fx.eur", Unit: "EUR", Price: gt.Money{Amount: 1, Currency: "EUR"}}, "prices[0].price.currency"},
		{gt.PriceTick{Commodity: "fx.eur", Unit: "12EUR", Price: gt.Money{Amount: 1, Currency: "USD"}}, "prices[0].unit"},
		{gt.PriceTick{Commodity: "fx.eur", Unit: "t", Price: gt.Money{Amount: 1, Currency: "USD"}}, "prices[0].unit"},
	} {
		c.tick.At = r.now
		_, err := r.apply(gt.EventPricesRecord, "bank-a", gt.Records{Prices: []gt.PriceTick{c.tick}})
		if gt.ErrorCode(err) != gt.EINVALID || gt.ErrorField(err) != c.field {
			t.Errorf("%+v: %v (field %q), want %s", c.tick, err, gt.ErrorField(err), c.field)
		}
	}
}
