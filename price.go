package groundtruth

import (
	"strings"
	"time"
)

// PriceTick is one observation of a commodity's price per unit.
type PriceTick struct {
	TenantID  string    `json:"tenant_id,omitempty" readOnly:"true"` // the owning tenant, set by the engine
	Commodity string    `json:"commodity"`
	At        time.Time `json:"at"`
	Price     Money     `json:"price"` // per Unit, in minor units
	Unit      string    `json:"unit"`  // e.g. "t", "bbl", "kg", "head"
	Source    string    `json:"source,omitempty"`
	Seq       uint64    `json:"seq,omitempty" readOnly:"true"` // journal sequence that recorded it
}

// Validate checks the tick's fields. A price must be positive.
func (p *PriceTick) Validate() error {
	if err := validateKey("commodity", p.Commodity); err != nil {
		return err
	}
	if err := ValidateTime("at", p.At); err != nil {
		return err
	}
	if err := p.Price.Validate(); err != nil {
		return prefixField("price", err)
	}
	if p.Price.Amount <= 0 {
		return FieldErrorf("price.amount", "must be positive")
	}
	if p.Unit == "" || len(p.Unit) > 16 || strings.ContainsAny(p.Unit, " \t\n") {
		return FieldErrorf("unit", "is required: a short unit such as t, kg, bbl, head")
	}
	if err := ValidateText("source", p.Source, 200, false); err != nil {
		return err
	}
	if strings.HasPrefix(p.Commodity, FXPrefix) {
		return p.validateFX()
	}
	return nil
}
