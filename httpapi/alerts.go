package httpapi

import (
	"context"
	"net/http"

	gt "groundtruth"

	"github.com/danielgtaylor/huma/v2"
)

type alertsInput struct {
	State    string `query:"state" enum:"pending,firing,resolved" doc:"Only alerts in this state"`
	Status   string `query:"status" enum:"open,acknowledged,closed" doc:"Only alerts with this status"`
	Severity string `query:"severity" enum:"info,warning,critical" doc:"Only alerts of this severity"`
	Rule     string `query:"rule" maxLength:"64" doc:"Only alerts raised by this rule"`
	Subject  string `query:"subject" maxLength:"200" doc:"Only alerts about this subject, e.g. collateral:lot-1"`
	Loan     string `query:"loan" maxLength:"64" doc:"Only alerts concerning this loan"`
	ListInput
}

// AckRequest is the body of POST /api/v1/alerts/{id}/ack.
type AckRequest struct {
	Comment string `json:"comment,omitempty" maxLength:"2000"`
}

// CloseRequest is the body of POST /api/v1/alerts/{id}/close.
type CloseRequest struct {
	Reason  string `json:"reason" enum:"confirmed,false_positive,cured"`
	Comment string `json:"comment,omitempty" maxLength:"2000"`
}

// CompleteRequest is the body of POST /api/v1/inspections/{id}/complete.
type CompleteRequest struct {
	Findings string `json:"findings" minLength:"1" maxLength:"10000" doc:"What the inspector found on site"`
}

type ackInput struct {
	ID   string      `path:"id" maxLength:"64" doc:"Alert identifier"`
	Body *AckRequest // optional
}

type closeInput struct {
	ID   string `path:"id" maxLength:"64" doc:"Alert identifier"`
	Body CloseRequest
}

type completeInput struct {
	ID   string `path:"id" maxLength:"64" doc:"Inspection identifier"`
	Body CompleteRequest
}

type alertOutput struct{ Body gt.Alert }

type actionOutput struct{ Body gt.Action }

type inspectionOutput struct{ Body gt.Inspection }

// Roles that handle alerts and complete inspections.
var (
	alertHandlers = []gt.Role{gt.RoleAdmin, gt.RoleRiskOfficer}
	inspectors    = []gt.Role{gt.RoleAdmin, gt.RoleRiskOfficer, gt.RoleInspector}
)

func (s *Server) registerAlerts() {
	huma.Register(s.api, op("list-alerts", http.MethodGet, "/api/v1/alerts", "list alerts", "alerts", readers...),
		func(ctx context.Context, in *alertsInput) (*pageOutput[gt.Alert], error) {
			after, err := decodeCursor(in.Cursor)
			if err != nil {
				return nil, err
			}
			q := gt.AlertQuery{State: in.State, Status: in.Status, Severity: in.Severity, Rule: in.Rule,
				Subject: in.Subject, Loan: in.Loan, After: after, Limit: in.Limit + 1}
			items, err := s.o.Store.Alerts(ctx, caller(ctx).tenant, q)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &pageOutput[gt.Alert]{Body: paginate(items, in.Limit, func(a *gt.Alert) string { return a.ID })}, nil
		})

	huma.Register(s.api, op("get-alert", http.MethodGet, "/api/v1/alerts/{id}", "get an alert", "alerts", readers...),
		func(ctx context.Context, in *idInput) (*alertOutput, error) {
			a, err := s.o.Store.Alert(ctx, caller(ctx).tenant, in.ID)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &alertOutput{Body: *a}, nil
		})

	o := op("ack-alert", http.MethodPost, "/api/v1/alerts/{id}/ack", "acknowledge an alert", "alerts", alertHandlers...)
	o.Description = "Marks the alert acknowledged by the caller's key; it stays in its state (firing, " +
		"resolved) and can still be closed. 409 when the alert is closed."
	huma.Register(s.api, o, func(ctx context.Context, in *ackInput) (*alertOutput, error) {
		u := gt.AlertUpdate{ID: in.ID}
		if in.Body != nil {
			u.Comment = in.Body.Comment
		}
		return s.updateAlert(ctx, gt.EventAlertAck, u)
	})

	o = op("close-alert", http.MethodPost, "/api/v1/alerts/{id}/close", "close an alert", "alerts", alertHandlers...)
	o.Description = "Closes the alert with a reason (confirmed, false_positive, cured). Alerts are never " +
		"deleted; 409 when the alert is already closed."
	huma.Register(s.api, o, func(ctx context.Context, in *closeInput) (*alertOutput, error) {
		return s.updateAlert(ctx, gt.EventAlertClose, gt.AlertUpdate{ID: in.ID, Reason: in.Body.Reason, Comment: in.Body.Comment})
	})

	huma.Register(s.api, op("list-actions", http.MethodGet, "/api/v1/actions", "list actions", "alerts", readers...),
		func(ctx context.Context, in *ListInput) (*pageOutput[gt.Action], error) {
			after, err := decodeCursor(in.Cursor)
			if err != nil {
				return nil, err
			}
			items, err := s.o.Store.Actions(ctx, caller(ctx).tenant, gt.ListOptions{After: after, Limit: in.Limit + 1})
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &pageOutput[gt.Action]{Body: paginate(items, in.Limit, func(a *gt.Action) string { return a.ID })}, nil
		})

	huma.Register(s.api, op("get-action", http.MethodGet, "/api/v1/actions/{id}", "get an action", "alerts", readers...),
		func(ctx context.Context, in *idInput) (*actionOutput, error) {
			a, err := s.o.Store.Action(ctx, caller(ctx).tenant, in.ID)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &actionOutput{Body: *a}, nil
		})

	huma.Register(s.api, op("list-inspections", http.MethodGet, "/api/v1/inspections", "list inspections", "inspections", readers...),
		func(ctx context.Context, in *ListInput) (*pageOutput[gt.Inspection], error) {
			after, err := decodeCursor(in.Cursor)
			if err != nil {
				return nil, err
			}
			items, err := s.o.Store.Inspections(ctx, caller(ctx).tenant, gt.ListOptions{After: after, Limit: in.Limit + 1})
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &pageOutput[gt.Inspection]{Body: paginate(items, in.Limit, func(i *gt.Inspection) string { return i.ID })}, nil
		})

	huma.Register(s.api, op("get-inspection", http.MethodGet, "/api/v1/inspections/{id}", "get an inspection", "inspections", readers...),
		func(ctx context.Context, in *idInput) (*inspectionOutput, error) {
			i, err := s.o.Store.Inspection(ctx, caller(ctx).tenant, in.ID)
			if err != nil {
				return nil, s.problem(ctx, err)
			}
			return &inspectionOutput{Body: *i}, nil
		})

	o = op("complete-inspection", http.MethodPost, "/api/v1/inspections/{id}/complete", "complete an inspection", "inspections", inspectors...)
	o.Description = "Records the inspector's findings and marks the inspection done; 409 when it is already done."
	huma.Register(s.api, o, func(ctx context.Context, in *completeInput) (*inspectionOutput, error) {
		p := caller(ctx)
		if _, err := s.o.Store.Inspection(ctx, p.tenant, in.ID); err != nil {
			return nil, s.problem(ctx, err)
		}
		u := gt.InspectionUpdate{ID: in.ID, Findings: in.Body.Findings}
		if err := u.Validate(); err != nil {
			return nil, s.problem(ctx, err)
		}
		if _, err := s.o.Node.Command(ctx, gt.EventInspectionComplete, p.tenant, p.keyID, u); err != nil {
			return nil, s.problem(ctx, err)
		}
		i, err := s.o.Store.Inspection(ctx, p.tenant, in.ID)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return &inspectionOutput{Body: *i}, nil
	})
}

// updateAlert submits an acknowledgement or a closure and reads the alert back. An alert
// of another tenant, or none, is 404 before anything reaches the journal.
func (s *Server) updateAlert(ctx context.Context, typ gt.EventType, u gt.AlertUpdate) (*alertOutput, error) {
	p := caller(ctx)
	cur, err := s.o.Store.Alert(ctx, p.tenant, u.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	for retried := false; ; retried = true {
		// The engine keeps only the status of a resolved alert; the evidence stays in
		// the store (a row without it keeps the stored one), and out of the journal event.
		cp := *cur
		cp.Evidence = gt.Evidence{}
		u.Alert = &cp
		if err := u.Validate(typ == gt.EventAlertClose); err != nil {
			return nil, s.problem(ctx, err)
		}
		_, err := s.o.Node.Command(ctx, typ, p.tenant, p.keyID, u)
		if err == nil {
			break
		}
		if !retried && gt.ErrorCode(err) == gt.ECONFLICT {
			// The store may have lagged the engine (an alert resolved a moment ago): the
			// command returns once the store holds what came before it, so a copy that
			// changed meanwhile is tried once more.
			if again, rerr := s.o.Store.Alert(ctx, p.tenant, u.ID); rerr == nil && again.Seq != cur.Seq {
				cur = again
				continue
			}
		}
		return nil, s.problem(ctx, err)
	}
	a, err := s.o.Store.Alert(ctx, p.tenant, u.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &alertOutput{Body: *a}, nil
}
