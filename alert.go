package groundtruth

import "time"

// Events of the risk engine's human side (SPEC §6.6, §6.7).
const (
	EventRulePut            EventType = "rule.put"            // Data: Rule; a new version
	EventAlertAck           EventType = "alert.ack"           // Data: AlertUpdate
	EventAlertClose         EventType = "alert.close"         // Data: AlertUpdate with Reason
	EventInspectionComplete EventType = "inspection.complete" // Data: InspectionUpdate
)

// Signal is a detector's finding about one subject (SPEC §6.5), such as
// unauthorized_outflow on collateral:c1. Rules turn active signals into alerts.
type Signal struct {
	TenantID string    `json:"-"`
	Name     string    `json:"name"`
	Subject  string    `json:"subject" doc:"kind:id of what the signal is about, e.g. collateral:c1, device:d1, loan:l1, price:copper."`
	Active   bool      `json:"active"`
	Since    time.Time `json:"since" doc:"When it became active (or inactive)."`
	Value    float64   `json:"value" doc:"Its magnitude, e.g. the shortfall as a fraction of book."`
	Detail   string    `json:"detail"`
	Evidence Evidence  `json:"evidence"`
	Seq      uint64    `json:"seq"`
}

// Evidence is what a decision was derived from: the journal events, the device readings,
// the valuations and the price ticks (SPEC §6.7, §9).
type Evidence struct {
	Events      []uint64          `json:"events" doc:"Journal sequences of the events that caused it."`
	Readings    []EvidenceReading `json:"readings,omitempty"`
	Valuations  []Valuation       `json:"valuations,omitempty"`
	Prices      []PriceRef        `json:"prices,omitempty"`
	RuleVersion int               `json:"rule_version,omitempty"`
}

// EvidenceReading is one device reading named as evidence, calibrated, with the journal
// sequence of the event that carried it.
type EvidenceReading struct {
	Device string    `json:"device"`
	Name   string    `json:"name"`
	At     time.Time `json:"at"`
	Value  float64   `json:"value"`
	Seq    uint64    `json:"seq"`
	Signed bool      `json:"signed"`
}

// Alert states. State follows the rule (pending, firing, resolved); Status is what people
// did with it (open, acknowledged, closed).
const (
	AlertPending  = "pending"
	AlertFiring   = "firing"
	AlertResolved = "resolved"

	AlertOpen         = "open"
	AlertAcknowledged = "acknowledged"
	AlertClosed       = "closed"
)

// Reasons for closing an alert.
const (
	CloseConfirmed     = "confirmed"
	CloseFalsePositive = "false_positive"
	CloseCured         = "cured"
)

// Alert is one occurrence of a rule holding for a subject (SPEC §6.7). There is at most
// one alert per rule and subject that is not resolved; alerts are never deleted.
type Alert struct {
	ID          string    `json:"id"`
	TenantID    string    `json:"-"`
	Rule        string    `json:"rule"`
	RuleVersion int       `json:"rule_version"`
	Subject     string    `json:"subject"`
	Loans       []string  `json:"loans" doc:"Loans the subject secures or is."`
	Severity    string    `json:"severity"`
	Action      string    `json:"action"`
	State       string    `json:"state" enum:"pending,firing,resolved"`
	Status      string    `json:"status" enum:"open,acknowledged,closed"`
	Summary     string    `json:"summary"`
	ActiveAt    time.Time `json:"active_at" doc:"When the expression started to hold."`
	FiredAt     time.Time `json:"fired_at,omitzero"`
	ResolvedAt  time.Time `json:"resolved_at,omitzero"`
	AckedBy     string    `json:"acked_by,omitempty"`
	AckedAt     time.Time `json:"acked_at,omitzero"`
	ClosedBy    string    `json:"closed_by,omitempty"`
	ClosedAt    time.Time `json:"closed_at,omitzero"`
	CloseReason string    `json:"close_reason,omitempty"`
	Comment     string    `json:"comment,omitempty"`
	// Evidence is recorded when the alert opens. A later row of the same alert from the
	// engine leaves it out (the engine does not keep it), and the store keeps the
	// recorded evidence.
	Evidence Evidence `json:"evidence,omitzero"`
	Seq      uint64   `json:"seq" doc:"Journal sequence of the last change."`
}

// AlertUpdate is the data of EventAlertAck and EventAlertClose.
type AlertUpdate struct {
	ID      string `json:"id"`
	Reason  string `json:"reason,omitempty" enum:"confirmed,false_positive,cured"`
	Comment string `json:"comment,omitempty"`
	// Alert is the alert as the store holds it. The engine keeps only the status of a
	// resolved alert, and updates this copy when its sequence is the one it last emitted.
	Alert *Alert `json:"alert,omitempty"`
}

// Validate checks the update; reason is required to close.
func (u *AlertUpdate) Validate(closing bool) error {
	if err := ValidateID("id", u.ID); err != nil {
		return err
	}
	if err := ValidateText("comment", u.Comment, 2000, false); err != nil {
		return err
	}
	if u.Alert != nil && u.Alert.ID != u.ID {
		return FieldErrorf("alert.id", "is %q, not the alert updated (%q)", u.Alert.ID, u.ID)
	}
	if !closing {
		if u.Reason != "" {
			return FieldErrorf("reason", "is only for closing")
		}
		return nil
	}
	switch u.Reason {
	case CloseConfirmed, CloseFalsePositive, CloseCured:
		return nil
	}
	return FieldErrorf("reason", "must be confirmed, false_positive or cured; got %q", u.Reason)
}

// Action states. Delivery to the bank (webhooks) is tracked beside the action, not in it.
const (
	ActionOpen      = "open"
	ActionCured     = "cured"     // a margin call whose loan left the band in time
	ActionEscalated = "escalated" // a margin call not cured by its deadline
	ActionDone      = "done"
)

// Action is what the engine asks the bank to do because an alert fired (SPEC §6.7).
type Action struct {
	ID       string    `json:"id"`
	TenantID string    `json:"-"`
	Kind     string    `json:"kind" enum:"margin_call,freeze_drawdown,request_inspection,notify,escalation"`
	AlertID  string    `json:"alert_id"`
	Rule     string    `json:"rule"`
	Subject  string    `json:"subject"`
	Loans    []string  `json:"loans"`
	Severity string    `json:"severity"`
	Summary  string    `json:"summary"`
	Created  time.Time `json:"created"`
	CureBy   time.Time `json:"cure_by,omitzero" doc:"For a margin call: the deadline to restore the LTV."`
	State    string    `json:"state" enum:"open,cured,escalated,done"`
	// InspectionID is set for request_inspection.
	InspectionID string `json:"inspection_id,omitempty"`
	Seq          uint64 `json:"seq"`
}

// Inspection is a task for a field inspector, created by request_inspection.
type Inspection struct {
	ID           string    `json:"id"`
	TenantID     string    `json:"-"`
	ActionID     string    `json:"action_id"`
	AlertID      string    `json:"alert_id"`
	Subject      string    `json:"subject"`
	CollateralID string    `json:"collateral_id,omitempty"`
	SiteID       string    `json:"site_id,omitempty"`
	Reason       string    `json:"reason"`
	State        string    `json:"state" enum:"open,done"`
	Created      time.Time `json:"created"`
	CompletedAt  time.Time `json:"completed_at,omitzero"`
	CompletedBy  string    `json:"completed_by,omitempty"`
	Findings     string    `json:"findings,omitempty"`
	Seq          uint64    `json:"seq"`
}

// InspectionUpdate is the data of EventInspectionComplete.
type InspectionUpdate struct {
	ID       string `json:"id"`
	Findings string `json:"findings"`
}

// Validate checks the update.
func (u *InspectionUpdate) Validate() error {
	if err := ValidateID("id", u.ID); err != nil {
		return err
	}
	return ValidateText("findings", u.Findings, 10000, true)
}

// AlertQuery filters a tenant's alerts; empty fields match everything. Alerts are listed
// newest first by ID cursor.
type AlertQuery struct {
	State    string
	Status   string
	Severity string
	Rule     string
	Subject  string
	Loan     string
	After    string
	Limit    int
}
