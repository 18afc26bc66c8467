package groundtruth

import (
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
	if l.Principal.Amount <= 0 {
		return FieldErrorf("principal.amount", "must be positive")
	}
	if err := l.Outstanding.Validate(); err != nil {
		return prefixField("outstanding", err)
	}
	if l.Outstanding.Currency != l.Principal.Currency {
		return FieldErrorf("outstanding.currency", "must equal the principal's currency %s", l.Principal.Currency)
	}
	if l.Outstanding.Amount < 0 {
		return FieldErrorf("outstanding.amount", "must not be negative")
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
}
