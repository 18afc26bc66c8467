package groundtruth

import (
	"fmt"
	"math"
	"time"
)

// LoanStatus is the servicing state of a loan.
type LoanStatus string

// Loan statuses of SPEC §3.
const (
	LoanActive  LoanStatus = "active"
	LoanOverdue LoanStatus = "overdue" // with DaysPastDue > 0
	LoanFrozen  LoanStatus = "frozen"  // drawdowns frozen by a risk action
	LoanClosed  LoanStatus = "closed"
)

// Product is the kind of secured lending a loan belongs to.
type Product string

// Products of SPEC §3.
const (
	ProductInventory   Product = "inventory"
	ProductReceivables Product = "receivables"
	ProductEquipment   Product = "equipment"
	ProductFloorplan   Product = "vehicle_floorplan"
	ProductLivestock   Product = "livestock"
	ProductCrop        Product = "crop"
)

// Terms are a loan's risk covenants: loan-to-value bands and the cure period of a margin
// call. LTVs are ratios (0.70 = 70%) and must increase from warn to liquidation.
type Terms struct {
	WarnLTV        float64  `json:"warn_ltv"`
	MarginCallLTV  float64  `json:"margin_call_ltv"`
	LiquidationLTV float64  `json:"liquidation_ltv"`
	CurePeriod     Duration `json:"cure_period"`
}

// DefaultTerms are applied when a loan is created without terms.
var DefaultTerms = Terms{WarnLTV: 0.70, MarginCallLTV: 0.80, LiquidationLTV: 0.90, CurePeriod: Duration(72 * time.Hour)}

// Validate checks that the bands are ratios in (0, 10] in strictly increasing order and
// the cure period is positive.
func (t *Terms) Validate() error {
	bands := []struct {
		name string
		v    float64
	}{{"warn_ltv", t.WarnLTV}, {"margin_call_ltv", t.MarginCallLTV}, {"liquidation_ltv", t.LiquidationLTV}}
	prev := 0.0
	for _, b := range bands {
		if math.IsNaN(b.v) || b.v <= 0 || b.v > 10 {
			return FieldErrorf(b.name, "must be a ratio above 0 and at most 10 (0.8 = 80%%)")
		}
		if b.v <= prev {
			return FieldErrorf(b.name, "must be above the band before it (warn < margin_call < liquidation)")
		}
		prev = b.v
	}
	if t.CurePeriod <= 0 {
		return FieldErrorf("cure_period", "must be positive")
	}
	return nil
}

// Loan is a facility or drawdown secured by collateral.
type Loan struct {
	ID               string     `json:"id" required:"false" doc:"Identifier chosen by the client, or generated when empty."`
	BorrowerID       string     `json:"borrower_id"`
	CoreEnterpriseID string     `json:"core_enterprise_id,omitempty"`
	Product          Product    `json:"product"`
	Principal        Money      `json:"principal"`
	Outstanding      Money      `json:"outstanding" required:"false" doc:"Defaults to the principal."`
	InterestRate     float64    `json:"interest_rate" required:"false"` // annual, as a ratio (0.085 = 8.5%)
	StartDate        time.Time  `json:"start_date"`
	MaturityDate     time.Time  `json:"maturity_date"`
	Status           LoanStatus `json:"status" required:"false" enum:"active,overdue,frozen,closed" doc:"Defaults to active."`
	DaysPastDue      int        `json:"days_past_due" required:"false"`
	Terms            Terms      `json:"terms" required:"false" doc:"LTV bands; defaults to 0.70 / 0.80 / 0.90 and a 72h cure period."`
	// Credit inputs (SPEC §11): the borrower's one-year probability of default now and at
	// origination (set by the analyst or a scorecard), and its annual sales for the SME
	// adjustment of the IRB correlation.
	PD              *float64 `json:"pd,omitempty" doc:"One-year probability of default, 0 to 1."`
	PDAtOrigination *float64 `json:"pd_at_origination,omitempty" doc:"The PD when the loan was granted, for the IFRS 9 significant increase in credit risk."`
	SalesEURm       float64  `json:"sales_eur_m,omitempty" doc:"The borrower's annual sales in EUR millions (SME adjustment below 50)."`
	// Accrued interest (SPEC §6.4): from the date to which interest has been paid, on the
	// outstanding at the interest rate, by the day count.
	InterestPaidTo *time.Time `json:"interest_paid_to,omitempty" doc:"Interest is paid up to this date; from it the exposure includes the interest accrued since. Absent: no accrual is counted."`
	DayCount       string     `json:"day_count,omitempty" enum:"act/360,act/365" doc:"Day count of the accrual; default act/360."`
	Meta
}

// Validate checks the loan's fields: money in one currency, dates in order, a known
// product and status, consistent days past due and valid terms.
func (l *Loan) Validate() error {
	if err := ValidateID("id", l.ID); err != nil {
		return err
	}
	if err := ValidateID("borrower_id", l.BorrowerID); err != nil {
		return err
	}
	if l.CoreEnterpriseID != "" {
		if err := ValidateID("core_enterprise_id", l.CoreEnterpriseID); err != nil {
			return err
		}
	}
	switch l.Product {
	case ProductInventory, ProductReceivables, ProductEquipment, ProductFloorplan, ProductLivestock, ProductCrop:
	default:
		return FieldErrorf("product", "must be one of inventory, receivables, equipment, vehicle_floorplan, livestock, crop; got %q", string(l.Product))
	}
	if err := l.Principal.Validate(); err != nil {
		return prefixField("principal", err)
	}
	if l.Principal.Amount <= 0 || l.Principal.Amount > MaxLoanAmount {
		return FieldErrorf("principal.amount", "must be positive and at most %d minor units", int64(MaxLoanAmount))
	}
	if err := l.Outstanding.Validate(); err != nil {
		return prefixField("outstanding", err)
	}
	if l.Outstanding.Currency != l.Principal.Currency {
		return FieldErrorf("outstanding.currency", "must equal the principal's currency %s", l.Principal.Currency)
	}
	if l.Outstanding.Amount < 0 || l.Outstanding.Amount > MaxLoanAmount {
		return FieldErrorf("outstanding.amount", "must be from 0 to %d minor units", int64(MaxLoanAmount))
	}
	if math.IsNaN(l.InterestRate) || l.InterestRate < 0 || l.InterestRate > 5 {
		return FieldErrorf("interest_rate", "must be an annual ratio between 0 and 5 (0.085 = 8.5%%)")
	}
	if err := ValidateTime("start_date", l.StartDate); err != nil {
		return err
	}
	if err := ValidateTime("maturity_date", l.MaturityDate); err != nil {
		return err
	}
	if !l.MaturityDate.After(l.StartDate) {
		return FieldErrorf("maturity_date", "must be after start_date")
	}
	switch l.Status {
	case LoanActive, LoanFrozen, LoanClosed:
		if l.DaysPastDue != 0 && l.Status != LoanFrozen {
			return FieldErrorf("days_past_due", "must be 0 unless the loan is overdue or frozen")
		}
	case LoanOverdue:
		if l.DaysPastDue <= 0 {
			return FieldErrorf("days_past_due", "must be positive for an overdue loan")
		}
	default:
		return FieldErrorf("status", "must be one of active, overdue, frozen, closed; got %q", string(l.Status))
	}
	if l.DaysPastDue < 0 {
		return FieldErrorf("days_past_due", "must not be negative")
	}
	for _, p := range []struct {
		name string
		v    *float64
	}{{"pd", l.PD}, {"pd_at_origination", l.PDAtOrigination}} {
		if p.v != nil && !(*p.v > 0 && *p.v <= 1) {
			return FieldErrorf(p.name, "must be a probability above 0 and at most 1")
		}
	}
	if l.InterestPaidTo != nil {
		if err := ValidateTime("interest_paid_to", *l.InterestPaidTo); err != nil {
			return err
		}
		if l.InterestPaidTo.Before(l.StartDate) || l.InterestPaidTo.After(l.MaturityDate) {
			return FieldErrorf("interest_paid_to", "must be from start_date to maturity_date")
		}
	}
	switch l.DayCount {
	case "", DayCount360, DayCount365:
	default:
		return FieldErrorf("day_count", "must be act/360 or act/365; got %q", l.DayCount)
	}
	if math.IsNaN(l.SalesEURm) || l.SalesEURm < 0 || l.SalesEURm > 1e7 {
		return FieldErrorf("sales_eur_m", "must be a number of EUR millions, not negative")
	}
	return prefixField("terms", l.Terms.Validate())
}

// Normalize fills defaults (status active, default terms, outstanding = principal) and
// converts times to UTC. It is called before Validate on create.
func (l *Loan) Normalize() {
	if l.Status == "" {
		l.Status = LoanActive
	}
	if l.Terms == (Terms{}) {
		l.Terms = DefaultTerms
	}
	if l.Outstanding == (Money{}) {
		l.Outstanding = l.Principal
	}
	l.StartDate = l.StartDate.UTC()
	l.MaturityDate = l.MaturityDate.UTC()
	if l.InterestPaidTo != nil {
		t := l.InterestPaidTo.UTC()
		l.InterestPaidTo = &t
	}
}

// Day counts of the interest accrual.
const (
	DayCount360 = "act/360"
	DayCount365 = "act/365"
)

// AccruedInterest returns the interest accrued on the outstanding from InterestPaidTo to
// at, in whole days (ACT/360 unless DayCount says act/365), rounded to the minor unit; 0
// without InterestPaidTo, a rate or an outstanding, and before the paid-to date.
func (l *Loan) AccruedInterest(at time.Time) int64 {
	if l.InterestPaidTo == nil || l.InterestRate <= 0 || l.Outstanding.Amount <= 0 || at.Before(*l.InterestPaidTo) {
		return 0
	}
	days := AccrualDays(*l.InterestPaidTo, at)
	basis := 360.0
	if l.DayCount == DayCount365 {
		basis = 365
	}
	// At most MaxLoanAmount, so that outstanding + accrued stays far inside an int64.
	return int64(math.Min(math.Round(float64(l.Outstanding.Amount)*l.InterestRate*float64(days)/basis), MaxLoanAmount))
}

// AccrualDays returns the whole days from paid to at, counted on Unix seconds (a
// time.Duration would saturate at about 292 years).
func AccrualDays(paid, at time.Time) int64 {
	d := at.Unix() - paid.Unix()
	if d < 0 {
		return 0
	}
	return d / 86400
}

// MaxLoanAmount bounds a loan's principal and outstanding in minor units (10 trillion in
// a currency of two decimals), so that sums over a portfolio and accrued interest cannot
// overflow.
const MaxLoanAmount = 1e15

// EventLoanPDs sets the PDs of existing loans and nothing else (a scorecard's run), so
// that it cannot undo a change made to a loan in the meantime. Data: LoanPDs.
const EventLoanPDs EventType = "loans.pd"

// LoanPD is one loan's new PD, and optionally its PD at origination.
type LoanPD struct {
	LoanID          string   `json:"loan_id"`
	PD              float64  `json:"pd" doc:"One-year probability of default, above 0 and at most 1."`
	PDAtOrigination *float64 `json:"pd_at_origination,omitempty" doc:"Also set the PD at origination (a loan being granted)."`
}

// LoanPDs is the body of POST /api/v1/loans/pd.
type LoanPDs struct {
	Items []LoanPD `json:"items" minItems:"1" maxItems:"10000"`
}

// Validate checks every item: a loan id given once and probabilities in (0, 1].
func (p *LoanPDs) Validate() error {
	if len(p.Items) == 0 || len(p.Items) > 10000 {
		return FieldErrorf("items", "must hold 1 to 10000 loans")
	}
	seen := make(map[string]bool, len(p.Items))
	for i, it := range p.Items {
		f := fmt.Sprintf("items[%d]", i)
		if err := ValidateID(f+".loan_id", it.LoanID); err != nil {
			return err
		}
		if seen[it.LoanID] {
			return FieldErrorf(f+".loan_id", "loan %q appears twice", it.LoanID)
		}
		seen[it.LoanID] = true
		if !(it.PD > 0 && it.PD <= 1) {
			return FieldErrorf(f+".pd", "must be a probability above 0 and at most 1")
		}
		if o := it.PDAtOrigination; o != nil && !(*o > 0 && *o <= 1) {
			return FieldErrorf(f+".pd_at_origination", "must be a probability above 0 and at most 1")
		}
	}
	return nil
}
