package groundtruth

import (
	"fmt"
)

// SiteKind is what a site is.
type SiteKind string

// Site kinds of SPEC §3.
const (
	SiteWarehouse SiteKind = "warehouse"
	SiteYard      SiteKind = "yard"
	SiteLot       SiteKind = "lot" // e.g. a car dealer's lot
	SiteFarm      SiteKind = "farm"
	SitePasture   SiteKind = "pasture"
)

// Site is a place where collateral is kept, with its boundary and named zones.
type Site struct {
	ID          string   `json:"id" required:"false" doc:"Identifier chosen by the client, or generated when empty."`
	Name        string   `json:"name"`
	Kind        SiteKind `json:"kind"`
	CustodianID string   `json:"custodian_id,omitempty"` // the party operating the site
	Region      string   `json:"region,omitempty"`
	Boundary    Polygon  `json:"boundary"`
	Zones       []Zone   `json:"zones,omitempty"`
	// ThroughputPerHour is the site's physical handling capacity in kg/h (0 = unknown),
	// used to judge implausible jumps.
	ThroughputPerHour float64 `json:"throughput_per_hour,omitempty"`
	Meta
}

// Zone is a named part of a site (a bay, a tank, a silo), optionally with its own polygon.
type Zone struct {
	ID       string   `json:"id"`
	Name     string   `json:"name,omitempty"`
	Boundary *Polygon `json:"boundary,omitempty"`
}

// Validate checks the site's fields, boundary and zones.
func (s *Site) Validate() error {
	if err := ValidateID("id", s.ID); err != nil {
		return err
	}
	if err := ValidateText("name", s.Name, 200, true); err != nil {
		return err
	}
	if err := ValidateText("region", s.Region, 100, false); err != nil {
		return err
	}
	switch s.Kind {
	case SiteWarehouse, SiteYard, SiteLot, SiteFarm, SitePasture:
	default:
		return FieldErrorf("kind", "must be one of warehouse, yard, lot, farm, pasture; got %q", string(s.Kind))
	}
	if s.CustodianID != "" {
		if err := ValidateID("custodian_id", s.CustodianID); err != nil {
			return err
		}
	}
	if err := s.Boundary.Validate(); err != nil {
		return prefixField("boundary", err)
	}
	if s.ThroughputPerHour < 0 || s.ThroughputPerHour != s.ThroughputPerHour {
		return FieldErrorf("throughput_per_hour", "must be a non-negative number")
	}
	seen := map[string]bool{}
	for i, z := range s.Zones {
		f := fmt.Sprintf("zones[%d]", i)
		if err := ValidateID(f+".id", z.ID); err != nil {
			return err
		}
		if seen[z.ID] {
			return FieldErrorf(f+".id", "duplicate zone %q", z.ID)
		}
		seen[z.ID] = true
		if err := ValidateText(f+".name", z.Name, 200, false); err != nil {
			return err
		}
		if z.Boundary != nil {
			if err := z.Boundary.Validate(); err != nil {
				return prefixField(f+".boundary", err)
			}
		}
	}
	return nil
}

// HasZone reports whether the site has a zone with the given id.
func (s *Site) HasZone(id string) bool {
	for _, z := range s.Zones {
		if z.ID == id {
			return true
		}
	}
	return false
}
