package groundtruth

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Money is an amount in integer minor units of an ISO 4217 currency (cents for USD).
// It never holds a float.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// currencyMinor maps the ISO 4217 codes groundtruth accepts to their minor-unit exponent.
var currencyMinor = map[string]int{
	"AED": 2, "ARS": 2, "AUD": 2, "BDT": 2, "BRL": 2, "CAD": 2, "CHF": 2, "CLP": 0,
	"CNY": 2, "COP": 2, "CZK": 2, "DKK": 2, "EGP": 2, "EUR": 2, "GBP": 2, "GHS": 2,
	"HKD": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2, "JPY": 0, "KES": 2, "KRW": 0,
	"KWD": 3, "MAD": 2, "MXN": 2, "MYR": 2, "NGN": 2, "NOK": 2, "NZD": 2, "PEN": 2,
	"PHP": 2, "PKR": 2, "PLN": 2, "RON": 2, "RUB": 2, "SAR": 2, "SEK": 2, "SGD": 2,
	"THB": 2, "TRY": 2, "TWD": 2, "TZS": 2, "UAH": 2, "UGX": 0, "USD": 2, "VND": 0,
	"XAF": 0, "XOF": 0, "ZAR": 2, "ZMW": 2, "BHD": 3, "OMR": 3, "JOD": 3, "TND": 3,
}

// CurrencyExponent returns the number of minor-unit digits of an ISO 4217 code, and false
// when the code is not one groundtruth knows.
func CurrencyExponent(code string) (int, bool) {
	e, ok := currencyMinor[code]
	return e, ok
}

// ValidateCurrency returns an EINVALID error when code is not a known ISO 4217 code.
func ValidateCurrency(code string) error {
	if _, ok := currencyMinor[code]; !ok {
		return &Error{Code: EINVALID, Message: fmt.Sprintf("unknown ISO 4217 currency %q", code)}
	}
	return nil
}

// Validate checks the currency. Amounts may be negative (a credit) or zero.
func (m Money) Validate() error {
	return prefixField("currency", ValidateCurrency(m.Currency))
}

// String formats the amount in major units with its currency, e.g. "1234.50 USD".
func (m Money) String() string {
	exp := currencyMinor[m.Currency]
	if exp == 0 {
		return fmt.Sprintf("%d %s", m.Amount, m.Currency)
	}
	neg := m.Amount < 0
	a := uint64(m.Amount) // the magnitude: two's complement keeps MinInt64 exact
	if neg {
		a = -a
	}
	p := uint64(math.Pow10(exp))
	s := fmt.Sprintf("%d.%0*d %s", a/p, exp, a%p, m.Currency)
	if neg {
		s = "-" + s
	}
	return s
}

// ParseMoney parses a decimal amount in major units ("1234.5") into minor units of the
// currency, rejecting more decimals than the currency has and values beyond int64.
func ParseMoney(s, currency string) (Money, error) {
	exp, ok := currencyMinor[currency]
	if !ok {
		return Money{}, ValidateCurrency(currency)
	}
	s = strings.TrimSpace(s)
	sign := ""
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		sign, s = s[:1], s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" && (!hasDot || frac == "") {
		return Money{}, Errorf(EINVALID, "amount %q is not a decimal number", s)
	}
	if len(frac) > exp {
		return Money{}, Errorf(EINVALID, "amount %q has more than %d decimals for %s", s, exp, currency)
	}
	frac += strings.Repeat("0", exp-len(frac))
	digits := whole + frac
	if digits == "" {
		digits = "0"
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return Money{}, Errorf(EINVALID, "amount %q is not a decimal number", s)
		}
	}
	v, err := strconv.ParseInt(sign+digits, 10, 64)
	if err != nil {
		return Money{}, Errorf(EINVALID, "amount %q is out of range", s)
	}
	return Money{Amount: v, Currency: currency}, nil
}
