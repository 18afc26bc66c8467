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
	TrustReason       string    `json:"trust_reason" doc:"signed, unsigned, stale, blind, awaiting_data (devices installed, none reported yet; valued on the book at the unsigned cap for at most the blind period), not_monitored, buyer_confirmed, buyer_unconfirmed or awaiting_satellite."`

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
	Exposure        Money     `json:"exposure" doc:"Outstanding principal plus accrued interest."`
	AccruedInterest *Money    `json:"accrued_interest,omitempty" doc:"Interest accrued since the loan's interest_paid_to, part of the exposure."`
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
	// Credit holds the loan's credit figures when it has a PD (SPEC §11).
	Credit *CreditRisk `json:"credit,omitempty"`
}

// CreditRisk are a loan's regulatory (Basel IRB, foundation approach) and accounting
// (IFRS 9) figures, from its PD and its live collateral values.
type CreditRisk struct {
	PD          float64 `json:"pd" doc:"One-year PD used, after the 0.05% floor."`
	LGD         float64 `json:"lgd" doc:"F-IRB LGD* from the collateral's verified market values (CRE32)."`
	EAD         Money   `json:"ead"`
	Maturity    float64 `json:"maturity" doc:"Effective maturity in years, within [1, 5]."`
	Correlation float64 `json:"correlation"`
	K           float64 `json:"k" doc:"Capital requirement per unit of EAD."`
	RiskWeight  float64 `json:"risk_weight" doc:"K x 12.5 (0.92 = 92%)."`
	RWA         Money   `json:"rwa"`
	EL          Money   `json:"el" doc:"Expected loss PD x LGD x EAD."`
	Stage       int     `json:"stage" doc:"IFRS 9 stage: 1, 2 (30 days past due or a significant increase in PD) or 3 (90 days past due)."`
	ECL12m      Money   `json:"ecl_12m"`
	ECLLifetime Money   `json:"ecl_lifetime"`
	Allowance   Money   `json:"allowance" doc:"The 12-month ECL in stage 1, the lifetime ECL in stages 2 and 3."`
}

// AllocatedValue is the share of one collateral's value that secures a loan.
type AllocatedValue struct {
	CollateralID string  `json:"collateral_id"`
	Share        float64 `json:"share"`
	Value        Money   `json:"value" doc:"In the loan's currency; in the collateral's, at 0, when no exchange rate is known."`
	// FX is the exchange rate used when the collateral is valued in another currency.
	FX *FXConversion `json:"fx,omitempty"`
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
	EL             []Money                    `json:"expected_loss" doc:"Sum of the loans' expected loss (PD x LGD x EAD), per currency; loans without a PD count nothing."`
	RWA            []Money                    `json:"rwa" doc:"Sum of the loans' IRB risk-weighted assets, per currency."`
	LTVs           map[string]int             `json:"ltv_distribution" doc:"Loans by LTV bucket: <50%, 50-60%, 60-70%, 70-80%, 80-90%, 90-100%, >=100%, and none (no collateral value)."`
	Concentrations map[string][]Concentration `json:"concentrations" doc:"By custodian, core_enterprise, commodity and region (site)."`
}

// LoanPoint is a loan's metrics over one hour, for charts of the LTV over time: the
// range of its LTV in the hour and its state at the end of it. Hours in which the loan's
// metrics did not change have no point; the previous point still holds.
type LoanPoint struct {
	TenantID string    `json:"-"`
	LoanID   string    `json:"loan_id"`
	Start    time.Time `json:"start" doc:"The hour's start (UTC)."`
	Count    uint64    `json:"count" doc:"Changes of the loan's metrics in the hour."`
	MinLTV   *float64  `json:"min_ltv,omitempty" doc:"Absent when the LTV had no finite value in the hour."`
	MaxLTV   *float64  `json:"max_ltv,omitempty"`
	LastLTV  *float64  `json:"last_ltv,omitempty" doc:"The LTV at the hour's last change; absent when infinite (no collateral value)."`
	Exposure Money     `json:"exposure"`
	Value    Money     `json:"collateral_value"`
	Band     string    `json:"band"`
	At       time.Time `json:"at" doc:"The last change."`
	Seq      uint64    `json:"seq"`
}

// Concentration is the collateral value held under one key of a dimension, with its
// share of the total of the same currency.
type Concentration struct {
	Key   string  `json:"key"`
	Value Money   `json:"value"`
	Share float64 `json:"share"`
	Loans int     `json:"loans"`
}
