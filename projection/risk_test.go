package projection_test

import (
	"math"
	"strings"
	"testing"

	gt "groundtruth"
	"groundtruth/projection"
)

// checkDoc checks that d's columns are named once, tenant_id first, that its key is in
// range, and that the values of a record of tenant fit the columns and are keyed by it.
func checkDoc[T any](t *testing.T, d projection.Doc[T]) {
	t.Helper()
	var r T
	*d.Tenant(&r) = "t1"
	vals, data, err := d.Encode(&r)
	if err != nil {
		t.Errorf("%s: Encode(zero record) = %v", d.Table, err)
	}
	if len(vals) != len(d.Cols) || len(data) == 0 {
		t.Errorf("%s: Encode(zero record) = %d values, %d bytes; want %d values and a document", d.Table, len(vals), len(data), len(d.Cols))
	}
	if d.Key < 2 || d.Key > len(d.Cols) || d.Cols[0].Name != "tenant_id" || len(vals) == 0 || vals[0] != "t1" {
		t.Errorf("%s: key of %d columns from %q, want tenant_id first and more", d.Table, d.Key, d.Cols[0].Name)
	}
	seen := map[string]bool{"data": true}
	for _, c := range d.Cols {
		if seen[c.Name] {
			t.Errorf("%s: column %s twice or named data", d.Table, c.Name)
		}
		seen[c.Name] = true
	}
	got, err := d.Decode("t2", data)
	if err != nil || *d.Tenant(&got) != "t2" {
		t.Errorf("%s: Decode(t2) = tenant %q, %v; want t2", d.Table, *d.Tenant(&got), err)
	}
	*d.Tenant(&r) = ""
	if _, _, err := d.Encode(&r); gt.ErrorCode(err) != gt.EINVALID {
		t.Errorf("%s: Encode(record without tenant) = %v, want EINVALID", d.Table, err)
	}
}

// TestDocs checks the descriptions of the risk tables.
func TestDocs(t *testing.T) {
	checkDoc(t, projection.Rules)
	checkDoc(t, projection.Valuations)
	checkDoc(t, projection.LoanRisks)
	checkDoc(t, projection.Signals)
	checkDoc(t, projection.Alerts)
	checkDoc(t, projection.Actions)
	checkDoc(t, projection.Inspections)
}

// TestEncodeRefusesWhatJSONCannotHold checks that a NaN is EINVALID: retrying cannot
// write it.
func TestEncodeRefusesWhatJSONCannotHold(t *testing.T) {
	r := gt.LoanRisk{TenantID: "t1", LoanID: "l1", Coverage: math.Inf(1)}
	if _, _, err := projection.LoanRisks.Encode(&r); gt.ErrorCode(err) != gt.EINVALID {
		t.Errorf("Encode(coverage +Inf) = %v, want EINVALID", err)
	}
}

// TestSetMembers checks that a set leaves out empty and repeated members.
func TestSetMembers(t *testing.T) {
	a := gt.Alert{Loans: []string{"l2", "", "l1", "l2"}}
	if got := strings.Join(projection.Alerts.Set.Members(&a), ","); got != "l2,l1" {
		t.Errorf("Members(%q) = %s, want l2,l1", a.Loans, got)
	}
}

// TestSignalsQueryCursor checks that the cursor splits at the last slash and that one
// without a slash is EINVALID.
func TestSignalsQueryCursor(t *testing.T) {
	q, err := projection.SignalsQuery("t1", true, gt.ListOptions{After: "collateral:c1/outflow", Limit: 5})
	if err != nil || len(q.Args) != 5 || q.Args[2] != "collateral:c1" || q.Args[3] != "outflow" {
		t.Errorf("SignalsQuery(after collateral:c1/outflow) = %v, %v", q.Args, err)
	}
	if n := strings.Count(q.SQL, "?"); n != len(q.Args) {
		t.Errorf("SignalsQuery: %d placeholders for %d arguments", n, len(q.Args))
	}
	if _, err := projection.SignalsQuery("t1", false, gt.ListOptions{After: "c1"}); gt.ErrorCode(err) != gt.EINVALID {
		t.Errorf("SignalsQuery(after c1) = %v, want EINVALID", err)
	}
}
