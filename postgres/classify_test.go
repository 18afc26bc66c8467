package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	gt "groundtruth"
)

// TestOversizedIndexedValueIsInvalid: a value PostgreSQL cannot index (an index row over
// its limit) is reported as EINVALID, which stops the node instead of a retry loop. The
// domain rules keep such values out; this checks the store's own answer if one slips by.
func TestOversizedIndexedValueIsInvalid(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	meta := gt.Meta{TenantID: "bank-a", Version: 1, CreatedAt: at, UpdatedAt: at}
	if err := s.ApplyChanges(ctx, &gt.Changes{Seq: 1, Tenants: []gt.Tenant{{ID: "bank-a", Name: "A", Meta: meta}}}); err != nil {
		t.Fatal(err)
	}
	// Random-looking text compresses badly, so the index row stays over 2.7 kB.
	var b strings.Builder
	x := uint32(1)
	for b.Len() < 20000 {
		x = x*1664525 + 1013904223
		b.WriteByte(byte('a' + x>>27%26))
	}
	p := gt.Party{ID: "p", Name: b.String(), Roles: []gt.PartyRole{gt.PartyBorrower}, Meta: meta}
	err := s.ApplyChanges(ctx, &gt.Changes{Seq: 2, Records: gt.Records{Parties: []gt.Party{p}}})
	if gt.ErrorCode(err) != gt.EINVALID {
		t.Errorf("ApplyChanges with a 20 kB indexed name = %v (code %q), want invalid", err, gt.ErrorCode(err))
	}
}
