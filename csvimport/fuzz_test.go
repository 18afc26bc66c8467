package csvimport_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	gt "groundtruth"
	"groundtruth/csvimport"
)

// FuzzParse feeds arbitrary bytes to Parse for every kind: it must return records or an
// error made of *groundtruth.Error values, never panic; records returned must validate
// and be locatable. Seeds are in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add([]byte(partiesHeader + "p1,A,borrower\n"))
	f.Add([]byte(loansHeader + "l1,p1,inventory,100,USD,2026-01-01,2027-01-01,0.6,0.7,0.8,1h\n"))
	f.Add([]byte(sitesHeader + "s1,W,warehouse," + squareCell + ",a;b\n"))
	f.Add([]byte("month,Copper ($/mt),Cocoa ($/kg)\n2022-09,7749,2.2915\n"))
	f.Add([]byte("Date,Price\r\n1987-05-15,18.58\r\n"))
	o := csvimport.Options{Commodity: "brent", Unit: "bbl", Currency: "USD"}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, kind := range csvimport.Kinds {
			b, err := csvimport.Parse(kind, bytes.NewReader(data), o)
			if err != nil {
				checkErrors(t, kind, err)
				continue
			}
			if b.Len() != b.Records.Len() || b.Len() == 0 {
				t.Fatalf("Parse(%s): Len %d, records %d", kind, b.Len(), b.Records.Len())
			}
			for i, v := range validators(&b.Records) {
				if err := v.Validate(); err != nil {
					t.Fatalf("Parse(%s) record %d does not validate: %v", kind, i, err)
				}
				in := gt.FieldErrorf(fmt.Sprintf("%s[%d].id", kind, i), "x")
				if f := gt.ErrorField(b.Locate(in)); !strings.HasPrefix(f, "line ") {
					t.Fatalf("Parse(%s) record %d: Locate gave field %q", kind, i, f)
				}
			}
		}
	})
}

// checkErrors checks that err is a *groundtruth.Error or a join of them.
func checkErrors(t *testing.T, kind string, err error) {
	t.Helper()
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	if len(errs) > csvimport.MaxErrors+1 {
		t.Fatalf("Parse(%s) gave %d errors", kind, len(errs))
	}
	for _, e := range errs {
		var ge *gt.Error
		if !errors.As(e, &ge) || ge.Field == "" {
			t.Fatalf("Parse(%s) error %v (%T) is not a *groundtruth.Error with a field", kind, e, e)
		}
	}
}

func validators(r *gt.Records) []interface{ Validate() error } {
	var out []interface{ Validate() error }
	for i := range r.Parties {
		out = append(out, &r.Parties[i])
	}
	for i := range r.Sites {
		out = append(out, &r.Sites[i])
	}
	for i := range r.Loans {
		out = append(out, &r.Loans[i])
	}
	for i := range r.Collateral {
		out = append(out, &r.Collateral[i])
	}
	for i := range r.Devices {
		out = append(out, &r.Devices[i])
	}
	for i := range r.Releases {
		out = append(out, &r.Releases[i])
	}
	for i := range r.Prices {
		out = append(out, &r.Prices[i])
	}
	return out
}
