package groundtruth

import "time"

// QuantitySource is one source of a lot's observed quantity (SPEC §6.1): the sum of the
// load cells of its zone, a volume scan, a tag or camera count, converted to the lot's
// unit, with its noise (one standard deviation, same unit).
type QuantitySource struct {
	Kind     string    `json:"kind"`
	Devices  []string  `json:"devices"`
	Quantity float64   `json:"quantity"`
	Sigma    float64   `json:"sigma"`
	At       time.Time `json:"at"`
}

// PriceRef names the price tick a valuation used.
type PriceRef struct {
	Commodity string    `json:"commodity"`
	At        time.Time `json:"at"`
	Seq       uint64    `json:"seq" doc:"Journal sequence of the event that recorded the tick."`
	Price     Money     `json:"price"`
	Unit      string    `json:"unit"`
}

// Valuation is a collateral's value with the inputs it was derived from (SPEC §6.3):
// Value = verified quantity x price x (1 - haircut) x trust for goods, the depreciated
// appraisal for vehicles, head count x price per head for herds, the face value for
// confirmed receivables. It explains itself: GET /api/v1/loans/{id}/risk shows it.
type Valuation struct {
	TenantID     string         `json:"-"`
	CollateralID string         `json:"collateral_id"`
	Kind         CollateralKind `json:"kind"`
	// Dimensions for concentration (SPEC §6.4).
	Commodity   string    `json:"commodity,omitempty"`
	CustodianID string    `json:"custodian_id,omitempty"`
	SiteID      string    `json:"site_id,omitempty"`
	At          time.Time `json:"at" doc:"Engine time of the valuation."`
	Seq         uint64    `json:"seq" doc:"Journal sequence of the event that caused it."`

	Unit             string           `json:"unit,omitempty"`
	BookQuantity     float64          `json:"book_quantity" doc:"Pledged minus authorised releases plus top-ups."`
	ObservedQuantity *float64         `json:"observed_quantity,omitempty" doc:"Fused from the sources; absent when no source has reported."`
	VerifiedQuantity float64          `json:"verified_quantity" doc:"min(observed, book) while data is fresh."`
	QuantitySource   string           `json:"quantity_source" doc:"fused, a single source kind, book (no sensor) or none."`
	Sources          []QuantitySource `json:"sources,omitempty"`

	Price             *PriceRef `json:"price,omitempty"`
	SigmaDaily        float64   `json:"sigma_daily" doc:"EWMA (lambda 0.94) daily volatility of log returns."`
	LiquidationDays   float64   `json:"liquidation_days"`
	HaircutFloor      float64   `json:"haircut_floor"`
	HaircutVolatility float64   `json:"haircut_volatility" doc:"z_0.99 x sigma_daily x sqrt(liquidation days)."`
	Haircut           float64   `json:"haircut"`
	Trust             float64   `json:"trust"`
	TrustReason       string    `json:"trust_reason" doc:"signed, unsigned, stale, blind, no_data or not_monitored."`

	Gross Money `json:"gross" doc:"Before haircut and trust."`
	Value Money `json:"value"`
}

// Bands of SPEC §6.4, in increasing order of risk.
const (
	BandHealthy     = "healthy"
	BandWarn        = "warn"
	BandMarginCall  = "margin_call"
	BandLiquidation = "liquidation"
)

// LoanRisk is a loan's current metrics (SPEC §6.4). LTV is absent when the loan has no
// collateral value and a positive exposure (an infinite ratio).
type LoanRisk struct {
	TenantID        string    `json:"-"`
	LoanID          string    `json:"loan_id"`
	At              time.Time `json:"at"`
	Seq             uint64    `json:"seq"`
	Exposure        Money     `json:"exposure" doc:"Outstanding principal."`
	CollateralValue Money     `json:"collateral_value" doc:"Sum of allocated collateral values."`
	LTV             *float64  `json:"ltv,omitempty"`
	Coverage        float64   `json:"coverage" doc:"Collateral value / exposure."`
	Band            string    `json:"band" enum:"healthy,warn,margin_call,liquidation"`
	BandSince       time.Time `json:"band_since"`
	DaysPastDue     int       `json:"days_past_due"`
	// MarginCall is set from entering margin_call until the call is cured or escalated.
	MarginCall *MarginCall `json:"margin_call,omitempty"`
	// Allocations are the collateral securing the loan with the allocated value.
	Allocations []AllocatedValue `json:"allocations"`
	// Dimensions for concentration (SPEC §6.4).
	BorrowerID       string `json:"borrower_id"`
	CoreEnterpriseID string `json:"core_enterprise_id,omitempty"`
}

// AllocatedValue is the share of one collateral's value that secures a loan.
type AllocatedValue struct {
	CollateralID string  `json:"collateral_id"`
	Share        float64 `json:"share"`
	Value        Money   `json:"value"`
}

// MarginCall is an open margin call: raised on entering the margin_call band, cured when
// the loan leaves it before CureBy, escalated when not.
type MarginCall struct {
	ActionID  string    `json:"action_id"`
	Opened    time.Time `json:"opened"`
	CureBy    time.Time `json:"cure_by"`
	Escalated bool      `json:"escalated"`
}

// Portfolio is a tenant's aggregate risk with concentrations (GET /api/v1/portfolio).
// Amounts are per currency.
type Portfolio struct {
	Loans          int                        `json:"loans"`
	ByBand         map[string]int             `json:"by_band"`
	Exposure       []Money                    `json:"exposure"`
	Value          []Money                    `json:"collateral_value"`
	OpenAlerts     map[string]int             `json:"open_alerts" doc:"Firing, unacknowledged or acknowledged alerts by severity."`
	Concentrations map[string][]Concentration `json:"concentrations" doc:"By custodian, core_enterprise, commodity and region (site)."`
}

// Concentration is the collateral value held under one key of a dimension, with its
// share of the total of the same currency.
type Concentration struct {
	Key   string  `json:"key"`
	Value Money   `json:"value"`
	Share float64 `json:"share"`
	Loans int     `json:"loans"`
}
