package groundtruth

import (
	"strings"
	"time"
)

// Severities of a rule and of the alerts it raises, in increasing order.
const (
	SeverityInfo     = "info"
	SeverityWarning  = "warning"
	SeverityCritical = "critical"
)

// Actions a rule may take when its alert fires (SPEC §6.6). Every firing alert is
// listed; the other actions are also delivered to the bank by webhook.
const (
	ActionAlert             = "alert"
	ActionMarginCall        = "margin_call"
	ActionFreezeDrawdown    = "freeze_drawdown"
	ActionRequestInspection = "request_inspection"
	ActionNotify            = "notify"
	// ActionEscalation is raised by the engine, not by a rule: a margin call not cured
	// by its deadline.
	ActionEscalation = "escalation"
)

// Rule is one alerting rule of a tenant's policy, modelled on Prometheus alerting rules
// (SPEC §6.6). Expr is a boolean CEL expression over the typed variables loan,
// collateral, device, signal, price and portfolio; the alert fires once Expr has held for
// For. Summary is a text with {{ cel expression }} parts filled in when the alert fires.
//
// Versions are assigned by the engine: saving a rule of an existing name makes a new
// version, and every alert names the version that raised it.
type Rule struct {
	Name     string    `json:"name"`
	Expr     string    `json:"expr"`
	For      Duration  `json:"for" required:"false"`
	Severity string    `json:"severity" enum:"info,warning,critical"`
	Action   string    `json:"action" required:"false" enum:"alert,margin_call,freeze_drawdown,request_inspection,notify" doc:"Defaults to alert."`
	Summary  string    `json:"summary,omitempty"`
	Disabled bool      `json:"disabled" required:"false"`
	Version  int       `json:"version" readOnly:"true"`
	Builtin  bool      `json:"builtin" readOnly:"true" doc:"Part of the built-in rule pack; a tenant's rule of the same name overrides it."`
	TenantID string    `json:"-"`
	Seq      uint64    `json:"seq" readOnly:"true"`
	SavedAt  time.Time `json:"saved_at,omitzero" readOnly:"true"`
}

// MaxRuleFor bounds a rule's For.
const MaxRuleFor = 90 * 24 * time.Hour

// Validate checks the rule's fields apart from Expr and Summary, which only the rules
// package can check (it compiles them). An empty Action is normalised to ActionAlert.
func (r *Rule) Validate() error {
	if err := validateKey("name", r.Name); err != nil {
		return err
	}
	if strings.TrimSpace(r.Expr) == "" {
		return FieldErrorf("expr", "is required")
	}
	if len(r.Expr) > 4000 {
		return FieldErrorf("expr", "is longer than 4000 characters")
	}
	if err := ValidateText("summary", r.Summary, 1000, false); err != nil {
		return err
	}
	if r.For < 0 || r.For.Std() > MaxRuleFor {
		return FieldErrorf("for", "must be between 0 and 90 days")
	}
	switch r.Severity {
	case SeverityInfo, SeverityWarning, SeverityCritical:
	default:
		return FieldErrorf("severity", "must be info, warning or critical; got %q", r.Severity)
	}
	if r.Action == "" {
		r.Action = ActionAlert
	}
	switch r.Action {
	case ActionAlert, ActionMarginCall, ActionFreezeDrawdown, ActionRequestInspection, ActionNotify:
	default:
		return FieldErrorf("action", "must be alert, margin_call, freeze_drawdown, request_inspection or notify; got %q", r.Action)
	}
	return nil
}
