package engine

import (
	"fmt"

	gt "groundtruth"
)

// checkReferrers checks that replacing existing parties, sites and collateral keeps
// valid every reference that other records of the tenant hold to them: a party keeps the
// role its sites and loans rely on, a site keeps the zones its lots and devices name, a
// lot stays an inventory lot in a compatible unit while releases point at it. Records in
// the batch itself were checked by checkRefs. The cost is one pass over the tenant's
// records, paid only by events that replace parties, sites or collateral.
func (s *staged) checkReferrers(r *gt.Records) error {
	parties := replaced(r.Parties, s.ts.Parties, func(p *gt.Party) string { return p.ID })
	sites := replaced(r.Sites, s.ts.Sites, func(p *gt.Site) string { return p.ID })
	colls := replaced(r.Collateral, s.ts.Collateral, func(p *gt.Collateral) string { return p.ID })
	if len(parties)+len(sites)+len(colls) == 0 {
		return nil
	}
	// Maps are walked in random order: keep the smallest error so that the answer to a
	// rejected event is the same on every run.
	var worst error
	keep := func(err error) {
		if err != nil && (worst == nil || err.Error() < worst.Error()) {
			worst = err
		}
	}
	role := func(kind, holderID, id string, want gt.PartyRole) error {
		i, ok := parties[id]
		if !ok || s.party(id).HasRole(want) {
			return nil
		}
		return gt.FieldErrorf(fmt.Sprintf("parties[%d].roles", i), "%s %q names party %q as %s; it must keep that role", kind, holderID, id, want)
	}
	zone := func(kind, holderID, siteID, zoneID string) error {
		i, ok := sites[siteID]
		if !ok || zoneID == "" || s.site(siteID).HasZone(zoneID) {
			return nil
		}
		return gt.FieldErrorf(fmt.Sprintf("sites[%d].zones", i), "%s %q is in zone %q of site %q; the zone must stay", kind, holderID, zoneID, siteID)
	}
	for id, st := range s.ts.Sites {
		if _, inBatch := s.sites[id]; !inBatch {
			keep(role("site", id, st.CustodianID, gt.PartyCustodian))
		}
	}
	for id, l := range s.ts.Loans {
		if _, inBatch := s.loans[id]; inBatch {
			continue
		}
		keep(role("loan", id, l.BorrowerID, gt.PartyBorrower))
		keep(role("loan", id, l.CoreEnterpriseID, gt.PartyCoreEnterprise))
	}
	for id, c := range s.ts.Collateral {
		if _, inBatch := s.collateral[id]; inBatch {
			continue
		}
		if l := c.Inventory; l != nil {
			keep(role("collateral", id, l.CustodianID, gt.PartyCustodian))
			keep(zone("collateral", id, l.SiteID, l.ZoneID))
		}
		if rc := c.Receivable; rc != nil {
			keep(role("collateral", id, rc.BuyerID, gt.PartyDebtor))
		}
	}
	for id, d := range s.ts.Devices {
		if _, inBatch := s.devices[id]; !inBatch {
			keep(zone("device", id, d.SiteID, d.ZoneID))
		}
	}
	for id, rel := range s.ts.Releases {
		i, ok := colls[rel.CollateralID]
		if !ok {
			continue
		}
		c := s.coll(rel.CollateralID)
		if c.Inventory == nil {
			keep(gt.FieldErrorf(fmt.Sprintf("collateral[%d].kind", i), "release %q moves this collateral; it must stay an inventory lot", id))
		} else if _, ok := ConvertQuantity(rel.Quantity, rel.Unit, c.Inventory.Unit); !ok {
			keep(gt.FieldErrorf(fmt.Sprintf("collateral[%d].inventory.unit", i), "release %q is in %s; the lot's unit must stay convertible", id, rel.Unit))
		}
	}
	return worst
}

// replaced returns the batch positions of records that replace existing ones, by id.
func replaced[T any](recs []T, state map[string]*T, id func(*T) string) map[string]int {
	out := map[string]int{}
	for i := range recs {
		if k := id(&recs[i]); state[k] != nil {
			out[k] = i
		}
	}
	return out
}
