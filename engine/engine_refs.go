package engine

import (
	"fmt"
	"math"

	gt "groundtruth"
)

// checkRefs checks that every reference of the staged records names an existing record
// of the right kind (in the batch or in state).
func (s *staged) checkRefs(r *gt.Records) error {
	for i, p := range r.Parties {
		for _, rp := range p.RelatedParties {
			if s.party(rp) == nil {
				return missing(fmt.Sprintf("parties[%d].related_parties", i), "party", rp)
			}
		}
	}
	for i, st := range r.Sites {
		if err := s.partyWithRole(fmt.Sprintf("sites[%d].custodian_id", i), st.CustodianID, gt.PartyCustodian); err != nil {
			return err
		}
	}
	for i, l := range r.Loans {
		f := fmt.Sprintf("loans[%d]", i)
		if err := s.partyWithRole(f+".borrower_id", l.BorrowerID, gt.PartyBorrower); err != nil {
			return err
		}
		if err := s.partyWithRole(f+".core_enterprise_id", l.CoreEnterpriseID, gt.PartyCoreEnterprise); err != nil {
			return err
		}
	}
	for i := range r.Collateral {
		if err := s.checkCollateral(fmt.Sprintf("collateral[%d]", i), &r.Collateral[i]); err != nil {
			return err
		}
	}
	for i, d := range r.Devices {
		f := fmt.Sprintf("devices[%d]", i)
		if d.CollateralID != "" && s.coll(d.CollateralID) == nil {
			return missing(f+".collateral_id", "collateral", d.CollateralID)
		}
		if err := s.siteZone(f, d.SiteID, d.ZoneID); err != nil {
			return err
		}
	}
	return nil
}

func (s *staged) checkCollateral(f string, c *gt.Collateral) error {
	for j, a := range c.Allocations {
		if s.loan(a.LoanID) == nil {
			return missing(fmt.Sprintf("%s.allocations[%d].loan_id", f, j), "loan", a.LoanID)
		}
	}
	switch {
	case c.Inventory != nil:
		l := c.Inventory
		if err := s.siteZone(f+".inventory", l.SiteID, l.ZoneID); err != nil {
			return err
		}
		return s.partyWithRole(f+".inventory.custodian_id", l.CustodianID, gt.PartyCustodian)
	case c.Vehicle != nil:
		return s.siteZone(f+".vehicle", c.Vehicle.SiteID, "")
	case c.Livestock != nil:
		return s.siteZone(f+".livestock", c.Livestock.SiteID, "")
	case c.Crop != nil:
		return s.siteZone(f+".crop", c.Crop.SiteID, "")
	case c.Receivable != nil:
		if s.party(c.Receivable.SellerID) == nil {
			return missing(f+".receivable.seller_id", "party", c.Receivable.SellerID)
		}
		return s.partyWithRole(f+".receivable.buyer_id", c.Receivable.BuyerID, gt.PartyDebtor)
	}
	return nil
}

// checkRelease checks that a release moves an inventory lot in a unit compatible with it.
func (s *staged) checkRelease(f string, r *gt.Release) error {
	c := s.coll(r.CollateralID)
	if c == nil {
		return missing(f+".collateral_id", "collateral", r.CollateralID)
	}
	if c.Inventory == nil {
		return gt.FieldErrorf(f+".collateral_id", "collateral %q is a %s; releases move inventory lots", r.CollateralID, c.Kind)
	}
	if _, ok := ConvertQuantity(r.Quantity, r.Unit, c.Inventory.Unit); !ok {
		return gt.FieldErrorf(f+".unit", "unit %q cannot be converted to the lot's unit %q", r.Unit, c.Inventory.Unit)
	}
	return nil
}

func (s *staged) partyWithRole(field, id string, role gt.PartyRole) error {
	if id == "" {
		return nil
	}
	p := s.party(id)
	if p == nil {
		return missing(field, "party", id)
	}
	if !p.HasRole(role) {
		return gt.FieldErrorf(field, "party %q is not a %s", id, role)
	}
	return nil
}

func (s *staged) siteZone(f, siteID, zoneID string) error {
	if siteID == "" {
		return nil
	}
	st := s.site(siteID)
	if st == nil {
		return missing(f+".site_id", "site", siteID)
	}
	if zoneID != "" && !st.HasZone(zoneID) {
		return gt.FieldErrorf(f+".zone_id", "site %q has no zone %q", siteID, zoneID)
	}
	return nil
}

func missing(field, kind, id string) error {
	return gt.FieldErrorf(field, "%s %q does not exist", kind, id)
}

// ConvertQuantity converts v from one unit to another among kg and t, or between equal
// units; it returns false when the units are not convertible without more facts (such as
// a bulk density).
func ConvertQuantity(v float64, from, to string) (float64, bool) {
	if from == to {
		return v, true
	}
	factor := map[string]float64{"kg": 1, "t": 1000}
	f, ok1 := factor[from]
	t, ok2 := factor[to]
	if !ok1 || !ok2 {
		return math.NaN(), false
	}
	return v * f / t, true
}
