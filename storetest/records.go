package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	gt "groundtruth"
)

// checkAll reads back every record of c, which all belong to tenant, by id and through
// the lists (walked two records a page), and compares them with c.
func checkAll(t *testing.T, s gt.Store, tenant string, c *gt.Changes) {
	t.Helper()
	ctx := context.Background()
	for i := range c.Tenants {
		r := &c.Tenants[i]
		get(t, "Tenant("+r.ID+")", func() (*gt.Tenant, error) { return s.Tenant(ctx, r.ID) }, r)
	}
	for i := range c.APIKeys {
		r := &c.APIKeys[i]
		get(t, "APIKeyByHash("+r.ID+")", func() (*gt.APIKey, error) { return s.APIKeyByHash(ctx, r.Hash) }, r)
		get(t, describe("APIKey", r.TenantID, r.ID), func() (*gt.APIKey, error) { return s.APIKey(ctx, r.TenantID, r.ID) }, r)
		other := tenantA
		if r.TenantID == tenantA {
			other = tenantB
		}
		// Tenants may use the same key ids; the other tenant's lookup never yields this key.
		if k, err := s.APIKey(ctx, other, r.ID); err == nil && (k.TenantID != other || k.Hash == r.Hash) {
			t.Errorf("%s returned %s's key %+v", describe("APIKey", other, r.ID), r.TenantID, k)
		} else if err != nil && gt.ErrorCode(err) != gt.ENOTFOUND {
			t.Errorf("%s: %v", describe("APIKey", other, r.ID), err)
		}
	}
	for i := range c.Parties {
		r := &c.Parties[i]
		get(t, describe("Party", tenant, r.ID), func() (*gt.Party, error) { return s.Party(ctx, tenant, r.ID) }, r)
	}
	for i := range c.Sites {
		r := &c.Sites[i]
		get(t, describe("Site", tenant, r.ID), func() (*gt.Site, error) { return s.Site(ctx, tenant, r.ID) }, r)
	}
	for i := range c.Loans {
		r := &c.Loans[i]
		get(t, describe("Loan", tenant, r.ID), func() (*gt.Loan, error) { return s.Loan(ctx, tenant, r.ID) }, r)
	}
	for i := range c.Collateral {
		r := &c.Collateral[i]
		get(t, describe("Collateral", tenant, r.ID), func() (*gt.Collateral, error) { return s.Collateral(ctx, tenant, r.ID) }, r)
	}
	for i := range c.Devices {
		r := &c.Devices[i]
		get(t, describe("Device", tenant, r.ID), func() (*gt.Device, error) { return s.Device(ctx, tenant, r.ID) }, r)
	}
	for i := range c.Releases {
		r := &c.Releases[i]
		get(t, describe("Release", tenant, r.ID), func() (*gt.Release, error) { return s.Release(ctx, tenant, r.ID) }, r)
	}
	equal(t, "APIKeys("+tenant+")", walk(t, "APIKeys", 2, keyID, func(o gt.ListOptions) ([]gt.APIKey, error) {
		return s.APIKeys(ctx, tenant, o)
	}), byID(c.APIKeys, keyID))
	equal(t, "Parties("+tenant+")", walk(t, "Parties", 2, partyID, func(o gt.ListOptions) ([]gt.Party, error) {
		return s.Parties(ctx, tenant, o)
	}), byID(c.Parties, partyID))
	equal(t, "Sites("+tenant+")", walk(t, "Sites", 2, siteID, func(o gt.ListOptions) ([]gt.Site, error) {
		return s.Sites(ctx, tenant, o)
	}), byID(c.Sites, siteID))
	equal(t, "Loans("+tenant+")", walk(t, "Loans", 2, loanID, func(o gt.ListOptions) ([]gt.Loan, error) {
		return s.Loans(ctx, tenant, o)
	}), byID(c.Loans, loanID))
	equal(t, "Collaterals("+tenant+")", walk(t, "Collaterals", 2, collateralID, func(o gt.ListOptions) ([]gt.Collateral, error) {
		return s.Collaterals(ctx, tenant, o)
	}), byID(c.Collateral, collateralID))
	equal(t, "Devices("+tenant+")", walk(t, "Devices", 2, deviceID, func(o gt.ListOptions) ([]gt.Device, error) {
		return s.Devices(ctx, tenant, o)
	}), byID(c.Devices, deviceID))
	equal(t, "Releases("+tenant+")", walk(t, "Releases", 2, releaseID, func(o gt.ListOptions) ([]gt.Release, error) {
		return s.Releases(ctx, tenant, o)
	}), byID(c.Releases, releaseID))
}

// testRoundTrip writes a record of every kind and reads each back equal, hashes included.
func testRoundTrip(t *testing.T, s gt.Store) {
	c := seed(t, s, tenantA, 7)
	checkAll(t, s, tenantA, c)
}

// testReplace checks that a second ApplyChanges replaces records whole: fields left
// empty in the new version are empty when read back, and the hash columns follow.
func testReplace(t *testing.T, s gt.Store) {
	ctx := context.Background()
	old := seed(t, s, tenantA, 5)
	c := fixtures(tenantA, 5, epoch)
	later := epoch.Add(36 * time.Hour)
	c.Seq = 6
	c.Tenants[0].Name = "Northwind Bank AG (Niederlassung Hamburg)"
	c.APIKeys[1].Revoked = true
	c.Parties[0].Name = "青岛铜业贸易集团有限公司"
	c.Parties[0].RelatedParties = nil
	c.Sites[0].Zones = nil
	c.Loans[0].Status, c.Loans[0].DaysPastDue = gt.LoanOverdue, 3
	c.Loans[0].Outstanding.Amount = 3_950_000_000
	c.Collateral[0].Description = ""
	c.Collateral[0].Inventory.Quantity = 243.65
	c.Devices[0].TokenHash = hashOf(tenantA, "lc-qd3-bay-a-01-rotated")
	c.Devices[2].TokenHash, c.Devices[2].HasToken = "", false
	c.Releases[1].Quantity = 18.4
	for _, m := range []*gt.Meta{&c.Tenants[0].Meta, &c.APIKeys[1].Meta, &c.Parties[0].Meta, &c.Sites[0].Meta,
		&c.Loans[0].Meta, &c.Collateral[0].Meta, &c.Devices[0].Meta, &c.Devices[2].Meta, &c.Releases[1].Meta} {
		m.Stamp(tenantA, 6, later, false)
	}
	if err := validate(c); err != nil {
		t.Fatalf("fixtures: %v", err)
	}
	apply(t, s, c)
	checkAll(t, s, tenantA, c)
	if got, want := c.Loans[0].CreatedAt, old.Loans[0].CreatedAt; !got.Equal(want) {
		t.Fatalf("fixture CreatedAt changed on update: %v, want %v", got, want)
	}
	for _, h := range []string{old.Devices[0].TokenHash, old.Devices[2].TokenHash} {
		notFound(t, "DeviceByTokenHash(replaced hash)", func() (*gt.Device, error) { return s.DeviceByTokenHash(ctx, h) })
	}
}

// testTimesInUTC writes records whose times are in another zone and expects the same
// instants back, in UTC.
func testTimesInUTC(t *testing.T, s gt.Store) {
	ctx := context.Background()
	shanghai := time.FixedZone("CST", 8*3600)
	at := epoch.In(shanghai)
	c := fixtures(tenantA, 3, at)
	c.Loans[0].StartDate = c.Loans[0].StartDate.In(shanghai)
	c.Releases[0].At = c.Releases[0].At.In(shanghai)
	apply(t, s, c)
	l, err := s.Loan(ctx, tenantA, c.Loans[0].ID)
	if err != nil {
		t.Fatalf("Loan: %v", err)
	}
	r, err := s.Release(ctx, tenantA, c.Releases[0].ID)
	if err != nil {
		t.Fatalf("Release: %v", err)
	}
	tn, err := s.Tenant(ctx, tenantA)
	if err != nil {
		t.Fatalf("Tenant: %v", err)
	}
	for _, tc := range []struct {
		what      string
		got, want time.Time
	}{
		{"Loan.CreatedAt", l.CreatedAt, at},
		{"Loan.UpdatedAt", l.UpdatedAt, at},
		{"Loan.StartDate", l.StartDate, c.Loans[0].StartDate},
		{"Release.At", r.At, c.Releases[0].At},
		{"Tenant.CreatedAt", tn.CreatedAt, at},
	} {
		if !tc.got.Equal(tc.want) || tc.got.Location() != time.UTC {
			t.Errorf("%s = %v, want %v in UTC", tc.what, tc.got, tc.want.UTC())
		}
	}
}

// testNotFound checks that every read of a missing record is an ENOTFOUND *Error.
func testNotFound(t *testing.T, s gt.Store) {
	ctx := context.Background()
	check := func() {
		t.Helper()
		notFound(t, "Tenant", func() (*gt.Tenant, error) { return s.Tenant(ctx, "no-such-bank") })
		notFound(t, "APIKeyByHash", func() (*gt.APIKey, error) { return s.APIKeyByHash(ctx, hashOf(tenantA, "nope")) })
		notFound(t, "APIKeyByHash(\"\")", func() (*gt.APIKey, error) { return s.APIKeyByHash(ctx, "") })
		notFound(t, "APIKey", func() (*gt.APIKey, error) { return s.APIKey(ctx, tenantA, "no-such-key") })
		notFound(t, "DeviceByTokenHash", func() (*gt.Device, error) { return s.DeviceByTokenHash(ctx, hashOf(tenantA, "nope")) })
		notFound(t, "DeviceByTokenHash(\"\")", func() (*gt.Device, error) { return s.DeviceByTokenHash(ctx, "") })
		notFound(t, "Party", func() (*gt.Party, error) { return s.Party(ctx, tenantA, "no-such-party") })
		notFound(t, "Site", func() (*gt.Site, error) { return s.Site(ctx, tenantA, "no-such-site") })
		notFound(t, "Loan", func() (*gt.Loan, error) { return s.Loan(ctx, tenantA, "ln-9999-0001") })
		notFound(t, "Collateral", func() (*gt.Collateral, error) { return s.Collateral(ctx, tenantA, "col-none") })
		notFound(t, "Device", func() (*gt.Device, error) { return s.Device(ctx, tenantA, "lc-none") })
		notFound(t, "Release", func() (*gt.Release, error) { return s.Release(ctx, tenantA, "rel-none") })
	}
	check() // empty store
	seed(t, s, tenantA, 1)
	check()
	// A device without a token is not found by the empty hash.
	notFound(t, "DeviceByTokenHash(\"\") with tokenless devices", func() (*gt.Device, error) {
		return s.DeviceByTokenHash(ctx, "")
	})
}

// testTenantIsolation stores two tenants with the same record ids and checks that each
// only ever sees its own.
func testTenantIsolation(t *testing.T, s gt.Store) {
	ctx := context.Background()
	a := fixtures(tenantA, 1, epoch)
	extra := a.Loans[0]
	extra.ID = "ln-northwind-only"
	a.Loans = append(a.Loans, extra)
	apply(t, s, a)
	b := seed(t, s, tenantB, 2)
	for i := range b.Parties {
		b.Parties[i].Name += " (sunrise)"
	}
	b.Seq = 3
	apply(t, s, b)

	checkAll(t, s, tenantA, a)
	checkAll(t, s, tenantB, b)
	notFound(t, "Loan(B, A's loan)", func() (*gt.Loan, error) { return s.Loan(ctx, tenantB, extra.ID) })
	got, err := s.Loans(ctx, tenantB, gt.ListOptions{After: "ln-2026-0005"})
	if err != nil || len(got) != 0 {
		t.Errorf("Loans(B, after the last of B) = %d loans, %v; want none", len(got), err)
	}
	for _, tenant := range []string{"", "no-such-bank", "NORTHWIND-BANK"} {
		if ps, err := s.Parties(ctx, tenant, gt.ListOptions{}); err != nil || len(ps) != 0 {
			t.Errorf("Parties(%q) = %d parties, %v; want none", tenant, len(ps), err)
		}
		notFound(t, describe("Party", tenant, a.Parties[0].ID), func() (*gt.Party, error) {
			return s.Party(ctx, tenant, a.Parties[0].ID)
		})
	}
	all := walk(t, "Tenants", 1, tenantID, func(o gt.ListOptions) ([]gt.Tenant, error) { return s.Tenants(ctx, o) })
	equal(t, "Tenants", all, []gt.Tenant{a.Tenants[0], b.Tenants[0]})
}

// testHashLookups finds keys and devices by hash across tenants.
func testHashLookups(t *testing.T, s gt.Store) {
	ctx := context.Background()
	a := seed(t, s, tenantA, 1)
	b := seed(t, s, tenantB, 2)
	for _, c := range []*gt.Changes{a, b} {
		for i := range c.APIKeys {
			k := &c.APIKeys[i]
			get(t, "APIKeyByHash", func() (*gt.APIKey, error) { return s.APIKeyByHash(ctx, k.Hash) }, k)
		}
		d := &c.Devices[0]
		get(t, "DeviceByTokenHash", func() (*gt.Device, error) { return s.DeviceByTokenHash(ctx, d.TokenHash) }, d)
	}
	k, err := s.APIKeyByHash(ctx, b.APIKeys[2].Hash)
	if err != nil || !k.Revoked || k.TenantID != tenantB {
		t.Errorf("APIKeyByHash(revoked key of B) = %+v, %v; want the revoked key of %s", k, err, tenantB)
	}
	d, err := s.Device(ctx, tenantB, b.Devices[2].ID)
	if err != nil || d.TokenHash == "" || d.TokenHash != b.Devices[2].TokenHash {
		t.Errorf("Device(B).TokenHash = %v, %v; want %q", d, err, b.Devices[2].TokenHash)
	}
	d, err = s.Device(ctx, tenantA, a.Devices[1].ID)
	if err != nil || d.TokenHash != "" {
		t.Errorf("Device(A, tokenless).TokenHash = %v, %v; want empty", d, err)
	}
}

// testPagination walks lists of more than a page with several limits and checks the
// default and maximum page sizes.
func testPagination(t *testing.T, s gt.Store) {
	ctx := context.Background()
	base := fixtures(tenantA, 1, epoch)
	apply(t, s, &gt.Changes{Seq: 1, Tenants: base.Tenants})
	other := fixtures(tenantB, 2, epoch)
	apply(t, s, other)
	n := gt.MaxPageSize + 1
	parties := make([]gt.Party, n)
	for i := range parties {
		p := base.Parties[i%len(base.Parties)]
		p.ID = fmt.Sprintf("party-%04d", i)
		p.RelatedParties = nil
		p.Name = fmt.Sprintf("%s #%d", p.Name, i)
		parties[i] = p
	}
	shuffled := slices.Clone(parties)
	rand.New(rand.NewPCG(1, 2)).Shuffle(n, func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	// Two changes, so that pages span records written by separate transactions.
	apply(t, s, &gt.Changes{Seq: 3, Records: gt.Records{Parties: shuffled[:n/2]}})
	apply(t, s, &gt.Changes{Seq: 4, Records: gt.Records{Parties: shuffled[n/2:]}})

	list := func(o gt.ListOptions) ([]gt.Party, error) { return s.Parties(ctx, tenantA, o) }
	for _, limit := range []int{1, 7, 97, 500, gt.MaxPageSize} {
		got := walk(t, fmt.Sprintf("Parties(limit %d)", limit), limit, partyID, list)
		if !slices.Equal(ids(got, partyID), ids(parties, partyID)) {
			t.Errorf("Parties walked with limit %d: %d records, want each of %d exactly once in id order", limit, len(got), n)
		} else {
			equal(t, fmt.Sprintf("Parties walked with limit %d", limit), got, parties)
		}
	}
	for _, tc := range []struct{ limit, want int }{
		{0, gt.DefaultPageSize}, {-5, gt.DefaultPageSize}, {gt.MaxPageSize + 4000, gt.MaxPageSize}, {3, 3},
	} {
		got, err := list(gt.ListOptions{Limit: tc.limit})
		if err != nil || len(got) != tc.want {
			t.Errorf("Parties(Limit %d) = %d records, %v; want %d", tc.limit, len(got), err, tc.want)
		}
	}
	got, err := list(gt.ListOptions{After: "party-0997", Limit: 10})
	equal(t, "Parties(after party-0997)", ids(got, partyID), []string{"party-0998", "party-0999", "party-1000"})
	if err != nil {
		t.Error(err)
	}
	// A cursor need not be an existing id.
	got, err = list(gt.ListOptions{After: "party-0499x", Limit: 1})
	if err != nil || len(got) != 1 || got[0].ID != "party-0500" {
		t.Errorf("Parties(after party-0499x) = %v, %v; want party-0500", ids(got, partyID), err)
	}
}

// testPageOrderIsByteOrder uses ids mixing cases and punctuation: lists are ordered by
// the bytes of the id, as Go compares strings, whatever the database's collation.
func testPageOrderIsByteOrder(t *testing.T, s gt.Store) {
	ctx := context.Background()
	c := fixtures(tenantA, 1, epoch)
	proto := c.Loans[0]
	var loans []gt.Loan
	for _, id := range []string{"b-2", "B-2", "a.1", "a-1", "a_1", "A:1", "Z9", "z9", "0-first", "_x", "a1", "A1", "b-10"} {
		l := proto
		l.ID = id
		loans = append(loans, l)
	}
	c.Loans = loans
	apply(t, s, c)
	for _, limit := range []int{1, 4, 50} {
		got := walk(t, "Loans", limit, loanID, func(o gt.ListOptions) ([]gt.Loan, error) { return s.Loans(ctx, tenantA, o) })
		want := ids(loans, loanID)
		slices.Sort(want)
		equal(t, fmt.Sprintf("Loans ids (limit %d)", limit), ids(got, loanID), want)
	}
}
