package csvimport

import (
	"strings"

	gt "groundtruth"
)

// kinds maps each kind to its layout. Prices have three layouts chosen from the header;
// their entry is the long layout.
var kinds = map[string]layout{
	"parties": {
		columns:  []string{"id", "name", "roles", "registration_id", "country", "region", "related_parties"},
		required: []string{"id", "name", "roles"},
		build:    buildParty,
	},
	"sites": {
		columns:  []string{"id", "name", "kind", "custodian_id", "region", "boundary", "zones", "throughput_per_hour"},
		required: []string{"id", "name", "kind", "boundary"},
		build:    buildSite,
	},
	"loans": {
		columns: []string{"id", "borrower_id", "core_enterprise_id", "product", "principal", "currency",
			"outstanding", "interest_rate", "start_date", "maturity_date", "status", "days_past_due",
			"warn_ltv", "margin_call_ltv", "liquidation_ltv", "cure_period"},
		required: []string{"id", "borrower_id", "product", "principal", "currency", "start_date", "maturity_date"},
		build:    buildLoan,
	},
	"collateral": {
		columns:  append([]string{"id", "kind", "description", "loan_ids", "shares"}, detailColumns...),
		required: []string{"id", "kind", "loan_ids"},
		build:    buildCollateral,
	},
	"devices": {
		columns:  []string{"id", "kind", "collateral_id", "site_id", "zone_id", "interval", "tare", "scale", "unit", "public_key"},
		required: []string{"id", "kind", "interval"},
		build:    buildDevice,
	},
	"releases": {
		columns:  []string{"id", "collateral_id", "direction", "quantity", "unit", "at", "reference"},
		required: []string{"id", "collateral_id", "direction", "quantity", "unit", "at"},
		build:    buildRelease,
	},
	"prices": {
		columns:  []string{"commodity", "at", "price", "currency", "unit", "source"},
		required: []string{"commodity", "at", "price", "currency", "unit"},
		build:    buildPrice,
	},
}

func buildParty(r *row) {
	p := gt.Party{
		ID:             r.s("id"),
		Name:           r.s("name"),
		RegistrationID: r.s("registration_id"),
		Country:        r.s("country"),
		Region:         r.s("region"),
		RelatedParties: r.list("related_parties"),
	}
	for _, role := range r.list("roles") {
		p.Roles = append(p.Roles, gt.PartyRole(role))
	}
	finish(r, &p, p.ID, func(v gt.Party) { r.p.b.Records.Parties = append(r.p.b.Records.Parties, v) })
}

func buildSite(r *row) {
	s := gt.Site{
		ID:                r.s("id"),
		Name:              r.s("name"),
		Kind:              gt.SiteKind(r.s("kind")),
		CustodianID:       r.s("custodian_id"),
		Region:            r.s("region"),
		ThroughputPerHour: r.num("throughput_per_hour"),
	}
	if pg := r.polygon("boundary"); pg != nil {
		s.Boundary = *pg
	} else if r.s("boundary") == "" {
		r.fail("boundary", "is required: a GeoJSON Polygon such as {\"type\":\"Polygon\",\"coordinates\":[[[lon,lat],...]]}")
	}
	for _, z := range r.list("zones") {
		s.Zones = append(s.Zones, gt.Zone{ID: z})
	}
	finish(r, &s, s.ID, func(v gt.Site) { r.p.b.Records.Sites = append(r.p.b.Records.Sites, v) })
}

func buildLoan(r *row) {
	cur, curOK := r.currency()
	l := gt.Loan{
		ID:               r.s("id"),
		BorrowerID:       r.s("borrower_id"),
		CoreEnterpriseID: r.s("core_enterprise_id"),
		Product:          gt.Product(r.s("product")),
		Principal:        r.money("principal", cur, curOK),
		InterestRate:     r.num("interest_rate"),
		StartDate:        r.date("start_date"),
		MaturityDate:     r.date("maturity_date"),
		Status:           gt.LoanStatus(r.s("status")),
		DaysPastDue:      r.integer("days_past_due"),
	}
	if r.s("outstanding") != "" {
		l.Outstanding = r.money("outstanding", cur, curOK)
	}
	// The three LTV bands are set together or not at all; the cure period on its own.
	bands := []string{"warn_ltv", "margin_call_ltv", "liquidation_ltv"}
	set := 0
	for _, b := range bands {
		if r.s(b) != "" {
			set++
		}
	}
	switch set {
	case 0:
		if r.s("cure_period") != "" {
			l.Terms = gt.DefaultTerms
		}
	case len(bands):
		l.Terms = gt.Terms{WarnLTV: r.num("warn_ltv"), MarginCallLTV: r.num("margin_call_ltv"),
			LiquidationLTV: r.num("liquidation_ltv"), CurePeriod: gt.DefaultTerms.CurePeriod}
	default:
		for _, b := range bands {
			if r.s(b) == "" {
				r.fail(b, "is empty while other LTV bands are set: fill all of warn_ltv, margin_call_ltv, liquidation_ltv or none (defaults %g, %g, %g)",
					gt.DefaultTerms.WarnLTV, gt.DefaultTerms.MarginCallLTV, gt.DefaultTerms.LiquidationLTV)
				break
			}
		}
	}
	if r.s("cure_period") != "" {
		l.Terms.CurePeriod = r.duration("cure_period")
	}
	finish(r, &l, l.ID, func(v gt.Loan) { r.p.b.Records.Loans = append(r.p.b.Records.Loans, v) })
}

func buildDevice(r *row) {
	d := gt.Device{
		ID:           r.s("id"),
		Kind:         gt.DeviceKind(r.s("kind")),
		CollateralID: r.s("collateral_id"),
		SiteID:       r.s("site_id"),
		ZoneID:       r.s("zone_id"),
		Interval:     r.duration("interval"),
		Calibration:  gt.Calibration{Tare: r.num("tare"), Scale: r.num("scale"), Unit: r.s("unit")},
		PublicKey:    r.s("public_key"),
	}
	finish(r, &d, d.ID, func(v gt.Device) { r.p.b.Records.Devices = append(r.p.b.Records.Devices, v) })
}

func buildRelease(r *row) {
	x := gt.Release{
		ID:           r.s("id"),
		CollateralID: r.s("collateral_id"),
		Direction:    gt.ReleaseDirection(r.s("direction")),
		Quantity:     r.num("quantity"),
		Unit:         r.s("unit"),
		At:           r.date("at"),
		Reference:    r.s("reference"),
	}
	finish(r, &x, x.ID, func(v gt.Release) { r.p.b.Records.Releases = append(r.p.b.Records.Releases, v) })
}

// buildPrice builds a tick of the long price layout.
func buildPrice(r *row) {
	cur, curOK := r.currency()
	t := gt.PriceTick{
		Commodity: r.s("commodity"),
		At:        r.date("at"),
		Price:     r.money("price", cur, curOK),
		Unit:      r.s("unit"),
		Source:    r.s("source"),
	}
	if t.Source == "" {
		t.Source = r.p.o.Source
	}
	if r.bad() {
		return
	}
	if err := t.Validate(); err != nil {
		f := gt.ErrorField(err)
		r.fail(column("prices", f), "%s", message(f, err))
		return
	}
	if !r.p.unique(r.line, "at", "price of "+t.Commodity+" at "+t.At.Format("2006-01-02T15:04:05Z07:00"), tickKey(t)) {
		return
	}
	r.p.b.Records.Prices = append(r.p.b.Records.Prices, t)
	r.p.record(r.line, "")
}

func tickKey(t gt.PriceTick) string {
	return "price\x00" + t.Commodity + "\x00" + t.At.Format("2006-01-02T15:04:05.999999999")
}

// message is an error's message, prefixed by its field when that names an item of a list
// ("zones[1].id", "boundary.coordinates[0]"), which the column alone does not.
func message(field string, err error) string {
	m := gt.ErrorMessage(err)
	if strings.Contains(field, "[") {
		return field + ": " + m
	}
	return m
}
