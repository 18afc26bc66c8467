package groundtruth

import (
	"time"
)

// ReleaseDirection says whether goods leave the pledge or join it.
type ReleaseDirection string

// Release directions.
const (
	ReleaseOut ReleaseDirection = "out" // authorised release, e.g. after a repayment
	ReleaseIn  ReleaseDirection = "in"  // top-up of pledged goods
)

// Release is an authorised movement of pledged goods, which changes the book quantity.
type Release struct {
	ID           string           `json:"id" required:"false" doc:"Identifier chosen by the client, or generated when empty."`
	CollateralID string           `json:"collateral_id"`
	Direction    ReleaseDirection `json:"direction"`
	Quantity     float64          `json:"quantity"`
	Unit         string           `json:"unit"`
	At           time.Time        `json:"at"` // when the movement is authorised to happen
	Reference    string           `json:"reference,omitempty"`
	Meta
}

// Validate checks the release's fields.
func (r *Release) Validate() error {
	if err := ValidateID("id", r.ID); err != nil {
		return err
	}
	if err := ValidateID("collateral_id", r.CollateralID); err != nil {
		return err
	}
	if r.Direction != ReleaseOut && r.Direction != ReleaseIn {
		return FieldErrorf("direction", "must be \"out\" or \"in\"")
	}
	if !finitePositive(r.Quantity) {
		return FieldErrorf("quantity", "must be a positive number")
	}
	if !quantityUnits[r.Unit] {
		return FieldErrorf("unit", "must be one of kg, t, m3, l, bbl, count; got %q", r.Unit)
	}
	if err := ValidateTime("at", r.At); err != nil {
		return err
	}
	if err := ValidateText("reference", r.Reference, 200, false); err != nil {
		return err
	}
	return nil
}
