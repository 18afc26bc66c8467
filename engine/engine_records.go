package engine

import (
	"fmt"
	"unique"

	gt "groundtruth"
)

type mode int

const (
	modeCreate mode = iota // every record must be new
	modeUpdate             // every record must exist
	modePut                // create or replace
	modePrices             // price ticks only
)

// staged is a batch of records validated but not yet applied. Lookups see the batch
// first, then the tenant's state, so records may refer to others in the same batch.
type staged struct {
	ts         *tenantState
	parties    map[string]*gt.Party
	sites      map[string]*gt.Site
	loans      map[string]*gt.Loan
	collateral map[string]*gt.Collateral
	devices    map[string]*gt.Device
}

func (s *staged) party(id string) *gt.Party {
	if p, ok := s.parties[id]; ok {
		return p
	}
	return s.ts.Parties[id]
}

func (s *staged) site(id string) *gt.Site {
	if p, ok := s.sites[id]; ok {
		return p
	}
	return s.ts.Sites[id]
}

func (s *staged) loan(id string) *gt.Loan {
	if p, ok := s.loans[id]; ok {
		return p
	}
	return s.ts.Loans[id]
}

func (s *staged) coll(id string) *gt.Collateral {
	if p, ok := s.collateral[id]; ok {
		return p
	}
	return s.ts.Collateral[id]
}

// applyRecords applies a Records event atomically: every record is validated, checked
// for existence according to m and for its references, and only then applied.
func (e *Engine) applyRecords(ts *tenantState, ev *gt.Event, ch *gt.Changes, m mode) error {
	var r gt.Records
	if err := decode(ev, &r); err != nil {
		return err
	}
	if m == modePrices {
		if r.Len() != len(r.Prices) {
			return gt.FieldErrorf("prices", "a prices event holds only price ticks")
		}
		return e.applyPrices(ts, ev, ch, r.Prices)
	}
	if len(r.Prices) > 0 {
		return gt.FieldErrorf("prices", "price ticks are recorded by a prices event")
	}
	internRecords(&r)
	s := &staged{ts: ts,
		parties: map[string]*gt.Party{}, sites: map[string]*gt.Site{}, loans: map[string]*gt.Loan{},
		collateral: map[string]*gt.Collateral{}, devices: map[string]*gt.Device{}}
	releases := map[string]*gt.Release{}

	// 1. Validate each record and check existence against the mode.
	for i := range r.Parties {
		p := &r.Parties[i]
		if err := stage(fmt.Sprintf("parties[%d]", i), "party", p.ID, p.Validate, ts.Parties[p.ID] != nil, s.parties, p, m); err != nil {
			return err
		}
	}
	for i := range r.Sites {
		p := &r.Sites[i]
		if err := stage(fmt.Sprintf("sites[%d]", i), "site", p.ID, p.Validate, ts.Sites[p.ID] != nil, s.sites, p, m); err != nil {
			return err
		}
	}
	for i := range r.Loans {
		p := &r.Loans[i]
		p.Normalize()
		if err := stage(fmt.Sprintf("loans[%d]", i), "loan", p.ID, p.Validate, ts.Loans[p.ID] != nil, s.loans, p, m); err != nil {
			return err
		}
	}
	for i := range r.Collateral {
		p := &r.Collateral[i]
		if err := stage(fmt.Sprintf("collateral[%d]", i), "collateral", p.ID, p.Validate, ts.Collateral[p.ID] != nil, s.collateral, p, m); err != nil {
			return err
		}
	}
	for i := range r.Devices {
		p := &r.Devices[i]
		p.Normalize()
		if err := stage(fmt.Sprintf("devices[%d]", i), "device", p.ID, p.Validate, ts.Devices[p.ID] != nil, s.devices, p, m); err != nil {
			return err
		}
	}
	for i := range r.Releases {
		p := &r.Releases[i]
		if err := stage(fmt.Sprintf("releases[%d]", i), "release", p.ID, p.Validate, ts.Releases[p.ID] != nil, releases, p, m); err != nil {
			return err
		}
	}

	// 2. Check references, now that the whole batch is known.
	if err := s.checkRefs(&r); err != nil {
		return err
	}
	if err := s.checkReferrers(&r); err != nil {
		return err
	}
	for i := range r.Releases {
		if err := s.checkRelease(fmt.Sprintf("releases[%d]", i), &r.Releases[i]); err != nil {
			return err
		}
	}

	// 3. Apply: nothing below can fail.
	for i := range r.Devices {
		// Credentials change only through their own events; a record keeps them.
		d := &r.Devices[i]
		d.TokenHash, d.HasToken, d.CertSHA256 = "", false, ""
		if old := ts.Devices[d.ID]; old != nil {
			d.TokenHash, d.HasToken, d.CertSHA256 = old.TokenHash, old.HasToken, old.CertSHA256
			if d.PublicKey == "" {
				d.PublicKey = old.PublicKey
			}
		}
	}
	tenant := ts.Tenant.ID
	oldColl := make([]*gt.Collateral, len(r.Collateral))
	for i := range r.Collateral {
		oldColl[i] = ts.Collateral[r.Collateral[i].ID]
	}
	oldDev := make([]*gt.Device, len(r.Devices))
	for i := range r.Devices {
		oldDev[i] = ts.Devices[r.Devices[i].ID]
	}
	oldRel := make([]*gt.Release, len(r.Releases))
	for i := range r.Releases {
		oldRel[i] = ts.Releases[r.Releases[i].ID]
	}
	ch.Parties = commit(ch.Parties, r.Parties, ts.Parties, func(p *gt.Party) (string, *gt.Meta) { return p.ID, &p.Meta }, tenant, ev)
	ch.Sites = commit(ch.Sites, r.Sites, ts.Sites, func(p *gt.Site) (string, *gt.Meta) { return p.ID, &p.Meta }, tenant, ev)
	ch.Loans = commit(ch.Loans, r.Loans, ts.Loans, func(p *gt.Loan) (string, *gt.Meta) { return p.ID, &p.Meta }, tenant, ev)
	ch.Collateral = commit(ch.Collateral, r.Collateral, ts.Collateral, func(p *gt.Collateral) (string, *gt.Meta) { return p.ID, &p.Meta }, tenant, ev)
	ch.Devices = commit(ch.Devices, r.Devices, ts.Devices, func(p *gt.Device) (string, *gt.Meta) { return p.ID, &p.Meta }, tenant, ev)
	ch.Releases = commit(ch.Releases, r.Releases, ts.Releases, func(p *gt.Release) (string, *gt.Meta) { return p.ID, &p.Meta }, tenant, ev)
	ts.recordsChanged(&r, oldColl, oldDev, oldRel)
	return nil
}

// commit stores new versions of records in state, stamping their Meta (keeping the
// creation time of a replaced version), and appends them to out.
func commit[T any](out, recs []T, state map[string]*T, key func(*T) (string, *gt.Meta), tenant string, ev *gt.Event) []T {
	for i := range recs {
		rec := recs[i]
		id, m := key(&rec)
		created := m.CreatedAt
		old, existed := state[id]
		if existed {
			_, om := key(old)
			created = om.CreatedAt
		}
		*m = gt.Meta{CreatedAt: created}
		m.Stamp(tenant, ev.Seq, ev.Time, !existed)
		state[id] = &rec
		out = append(out, rec)
	}
	return out
}

// stage validates one record and checks its existence against the mode.
func stage[T any](field, kind, id string, validate func() error, exists bool, batch map[string]*T, rec *T, m mode) error {
	if err := validate(); err != nil {
		return prefix(field, err)
	}
	if _, dup := batch[id]; dup {
		return gt.FieldErrorf(field+".id", "%s %q appears twice in one request", kind, id)
	}
	switch {
	case m == modeCreate && exists:
		return &gt.Error{Code: gt.ECONFLICT, Field: field + ".id", Message: fmt.Sprintf("%s %q already exists", kind, id)}
	case m == modeUpdate && !exists:
		return &gt.Error{Code: gt.ENOTFOUND, Field: field + ".id", Message: fmt.Sprintf("%s %q not found", kind, id)}
	}
	batch[id] = rec
	return nil
}

// prefix puts parent in front of the field of a *groundtruth.Error.
func prefix(parent string, err error) error {
	f := gt.ErrorField(err)
	if f == "" {
		f = parent
	} else {
		f = parent + "." + f
	}
	return &gt.Error{Code: gt.ErrorCode(err), Field: f, Message: gt.ErrorMessage(err)}
}

// internRecords makes the strings that many records repeat share one copy each: the
// engine keeps its records for as long as they exist, and a million lots name a handful
// of kinds, commodities, units, sites and currencies, and each loan its borrower and, in
// every allocation of its collateral, its id.
func internRecords(r *gt.Records) {
	for i := range r.Loans {
		l := &r.Loans[i]
		l.BorrowerID, l.CoreEnterpriseID = intern(l.BorrowerID), intern(l.CoreEnterpriseID)
		l.Product, l.Status, l.DayCount = intern(l.Product), intern(l.Status), intern(l.DayCount)
		l.Principal.Currency, l.Outstanding.Currency = intern(l.Principal.Currency), intern(l.Outstanding.Currency)
	}
	for i := range r.Collateral {
		c := &r.Collateral[i]
		c.Kind = intern(c.Kind)
		for j := range c.Allocations {
			c.Allocations[j].LoanID = intern(c.Allocations[j].LoanID)
		}
		if v := c.Inventory; v != nil {
			v.Commodity, v.Unit, v.SiteID = intern(v.Commodity), intern(v.Unit), intern(v.SiteID)
			v.ZoneID, v.CustodianID = intern(v.ZoneID), intern(v.CustodianID)
		}
		if v := c.Vehicle; v != nil {
			v.Make, v.Model, v.SiteID, v.Value.Currency = intern(v.Make), intern(v.Model), intern(v.SiteID), intern(v.Value.Currency)
		}
		if v := c.Livestock; v != nil {
			v.Species, v.SiteID, v.PricePerHead.Currency = intern(v.Species), intern(v.SiteID), intern(v.PricePerHead.Currency)
		}
		if v := c.Crop; v != nil {
			v.Crop, v.Season, v.SiteID = intern(v.Crop), intern(v.Season), intern(v.SiteID)
		}
		if v := c.Receivable; v != nil {
			v.SellerID, v.BuyerID, v.Amount.Currency = intern(v.SellerID), intern(v.BuyerID), intern(v.Amount.Currency)
		}
	}
}

// intern returns the canonical copy of s (unique.Make: the table holds it weakly).
func intern[T ~string](s T) T {
	if s == "" {
		return s
	}
	return unique.Make(s).Value()
}
