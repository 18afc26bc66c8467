package rules

import (
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/interpreter"
)

// Loan is the CEL variable `loan`: one loan's risk metrics. Money is in major units.
type Loan struct {
	ID               string    `cel:"id"`
	Product          string    `cel:"product"`
	Status           string    `cel:"status"`
	Band             string    `cel:"band"`      // healthy, warn, margin_call or liquidation
	PrevBand         string    `cel:"prev_band"` // the band before the latest change
	Currency         string    `cel:"currency"`
	BorrowerID       string    `cel:"borrower_id"`
	CoreEnterpriseID string    `cel:"core_enterprise_id"`
	LTV              float64   `cel:"ltv"` // exposure / value; 1e9 when value is 0 and exposure > 0
	Exposure         float64   `cel:"exposure"`
	Value            float64   `cel:"value"`    // sum of allocated collateral value
	Coverage         float64   `cel:"coverage"` // value / exposure
	DaysPastDue      int64     `cel:"days_past_due"`
	WarnLTV          float64   `cel:"warn_ltv"`
	MarginCallLTV    float64   `cel:"margin_call_ltv"`
	LiquidationLTV   float64   `cel:"liquidation_ltv"`
	MaturityDate     time.Time `cel:"maturity_date"`
}

// Collateral is the CEL variable `collateral`: one collateral item and its valuation.
type Collateral struct {
	ID          string  `cel:"id"`
	Kind        string  `cel:"kind"`
	Commodity   string  `cel:"commodity"`
	SiteID      string  `cel:"site_id"`
	CustodianID string  `cel:"custodian_id"`
	Unit        string  `cel:"unit"`
	Book        float64 `cel:"book"`     // book quantity, in Unit
	Observed    float64 `cel:"observed"` // fused observed quantity, in Unit
	Verified    float64 `cel:"verified"` // min(observed, book) while data is fresh
	Trust       float64 `cel:"trust"`    // in [0, 1]
	Haircut     float64 `cel:"haircut"`  // in [0, 1]
	Value       float64 `cel:"value"`    // major units
}

// Device is the CEL variable `device`: one sensor or tracker.
type Device struct {
	ID           string           `cel:"id"`
	Kind         string           `cel:"kind"`
	CollateralID string           `cel:"collateral_id"`
	SiteID       string           `cel:"site_id"`
	State        string           `cel:"state"`
	Signed       bool             `cel:"signed"`
	Rejected     map[string]int64 `cel:"rejected"` // rejected readings by reason
}

// Signal is the CEL variable `signal`: one detector output (SPEC §6.5).
type Signal struct {
	Name    string    `cel:"name"`
	Subject string    `cel:"subject"` // the id of the collateral, device or loan concerned
	Detail  string    `cel:"detail"`
	Active  bool      `cel:"active"`
	Value   float64   `cel:"value"`
	Since   time.Time `cel:"since"` // when the signal last changed state
}

// Price is the CEL variable `price`: the latest price of a commodity.
type Price struct {
	Commodity string  `cel:"commodity"`
	Price     float64 `cel:"price"`  // latest price, major units
	Return    float64 `cel:"return"` // last daily log return
	Sigma     float64 `cel:"sigma"`  // EWMA daily sigma
}

// Portfolio is the CEL variable `portfolio`: totals over a tenant's loans.
type Portfolio struct {
	Exposure          float64 `cel:"exposure"`
	Value             float64 `cel:"value"`
	Loans             int64   `cel:"loans"`
	LoansInMarginCall int64   `cel:"loans_in_margin_call"`
}

// Vars is one evaluation context. Nil pointers are presented to CEL as zero values of
// their type, so a rule over `loan` evaluated without a loan sees an empty loan. Now is the
// CEL variable `now`, a timestamp; the caller passes it in (the package reads no clock).
// A zero time.Time, in Now or in Signal.Since, is presented as CEL's zero timestamp, the
// Unix epoch 1970-01-01T00:00:00Z.
type Vars struct {
	Loan       *Loan
	Collateral *Collateral
	Device     *Device
	Signal     *Signal
	Price      *Price
	Portfolio  *Portfolio
	Now        time.Time
}

// Zero values stand in for nil pointers. CEL only reads them.
var (
	epoch          = types.Timestamp{Time: time.Unix(0, 0).UTC()}
	zeroLoan       Loan
	zeroCollateral Collateral
	zeroDevice     Device
	zeroSignal     Signal
	zeroPrice      Price
	zeroPortfolio  Portfolio
)

// activation resolves the CEL variables from a Vars without building a map. Being a
// single pointer, it converts to interpreter.Activation without allocating.
type activation struct{ v *Vars }

// ResolveName implements interpreter.Activation.
func (a activation) ResolveName(name string) (any, bool) {
	v := a.v
	switch name {
	case "loan":
		return orZero(v.Loan, &zeroLoan), true
	case "collateral":
		return orZero(v.Collateral, &zeroCollateral), true
	case "device":
		return orZero(v.Device, &zeroDevice), true
	case "signal":
		return orZero(v.Signal, &zeroSignal), true
	case "price":
		return orZero(v.Price, &zeroPrice), true
	case "portfolio":
		return orZero(v.Portfolio, &zeroPortfolio), true
	case "now":
		if v.Now.IsZero() {
			return epoch, true
		}
		return types.Timestamp{Time: v.Now}, true
	}
	return nil, false
}

// Parent implements interpreter.Activation.
func (a activation) Parent() interpreter.Activation { return nil }

func orZero[T any](p, zero *T) *T {
	if p == nil {
		return zero
	}
	return p
}
