package groundtruth

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// FXPrefix starts the commodity of an exchange rate: the rate of the euro is the price
// series "fx.eur", each tick the price of one euro (or of the unit's multiple, "1000EUR")
// in the tick's currency.
const FXPrefix = "fx."

// FXCommodity returns the price series of currency ccy's exchange rate ("EUR" -> "fx.eur").
func FXCommodity(ccy string) string { return FXPrefix + strings.ToLower(ccy) }

// MinorUnits returns the number of decimals of a currency's minor unit (2 for EUR, 0 for
// JPY), and false for an unknown currency.
func MinorUnits(ccy string) (int, bool) {
	n, ok := currencyMinor[ccy]
	return n, ok
}

// fxUnits are the multiples an FX tick may quote: the price of 1, 100, 1000, ... units of
// the base currency, so that rates keep their decimals in minor units.
var fxUnits = []float64{1, 10, 100, 1000, 10000, 100000, 1000000}

// FXRate returns, for an exchange-rate tick (commodity fx.<ccy>), the base currency and
// the rate in units of the tick's currency per unit of the base; ok is false for any other
// tick or one whose unit is not the base currency or a multiple of it.
func (p *PriceTick) FXRate() (base string, rate float64, ok bool) {
	code, found := strings.CutPrefix(p.Commodity, FXPrefix)
	if !found {
		return "", 0, false
	}
	base = strings.ToUpper(code)
	qm, ok1 := currencyMinor[p.Price.Currency]
	if _, ok2 := currencyMinor[base]; !ok1 || !ok2 || base == p.Price.Currency {
		return "", 0, false
	}
	mult, ok := fxMultiple(p.Unit, base)
	if !ok || p.Price.Amount <= 0 {
		return "", 0, false
	}
	return base, float64(p.Price.Amount) / math.Pow10(qm) / mult, true
}

// fxMultiple reads a unit such as "EUR" or "1000EUR" for base EUR.
func fxMultiple(unit, base string) (float64, bool) {
	n, found := strings.CutSuffix(unit, base)
	if !found {
		return 0, false
	}
	if n == "" {
		return 1, true
	}
	m, err := strconv.ParseFloat(n, 64)
	if err != nil {
		return 0, false
	}
	for _, u := range fxUnits {
		if m == u {
			return m, true
		}
	}
	return 0, false
}

// validateFX checks an exchange-rate tick: a known base currency other than the price's,
// and a unit that is the base or a power-of-ten multiple of it up to a million.
func (p *PriceTick) validateFX() error {
	code := strings.TrimPrefix(p.Commodity, FXPrefix)
	base := strings.ToUpper(code)
	if _, ok := currencyMinor[base]; !ok {
		return FieldErrorf("commodity", "%q is not fx. followed by a known currency code", p.Commodity)
	}
	if base == p.Price.Currency {
		return FieldErrorf("price.currency", "must differ from the rate's own currency %s", base)
	}
	if _, ok := fxMultiple(p.Unit, base); !ok {
		return FieldErrorf("unit", "must be %s, or a multiple such as 1000%s, for the rate of %s", base, base, p.Commodity)
	}
	return nil
}

// FXConversion is the exchange rate that turned a collateral's value into its loan's
// currency.
type FXConversion struct {
	From      string    `json:"from" doc:"The collateral's currency."`
	Rate      float64   `json:"rate" doc:"Units of the loan's currency per unit of the collateral's."`
	Commodity string    `json:"commodity" doc:"The rate's price series (fx.eur)."`
	At        time.Time `json:"at"`
	Seq       uint64    `json:"seq" doc:"Journal sequence of the tick."`
}

// Convert turns an amount in minor units of f.From into minor units of currency to.
func (f *FXConversion) Convert(minor float64, to string) float64 {
	fm, tm := currencyMinor[f.From], currencyMinor[to]
	return minor * f.Rate * math.Pow10(tm-fm)
}
