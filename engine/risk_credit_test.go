package engine_test

import (
	"math"
	"testing"
	"time"

	gt "groundtruth"
)

// TestCreditFiguresOfALoan: a loan with a PD gets its Basel IRB and IFRS 9 figures. The
// risk weights are anchored on the Basel II Annex 5 table (PD 1%, LGD 45%, M 2.5 years:
// 92.32%), which scales linearly with LGD: unsecured (F-IRB LGD_U 40%) 82.06%; fully
// secured by physical collateral (LGD_S 25%) 51.29%.
func TestCreditFiguresOfALoan(t *testing.T) {
	r := newRig(t, "bank-a")
	r.price("copper", copperUSD) // 8000.00 USD/t
	recs := copperRecords()
	recs.Devices = nil // not monitored: trust 0.8
	pd, orig := 0.01, 0.01
	l := &recs.Loans[0]
	l.PD, l.PDAtOrigination = &pd, &orig
	l.MaturityDate = r.now.Add(time.Duration(2.5*365.25*24) * time.Hour)
	l.InterestRate = 0.06
	recs.Collateral[0].Inventory.Quantity = 1 // almost unsecured: 8000 x 0.8 against 4,000,000
	r.records(recs)
	cr := r.loanRisk("loan-1").Credit
	if cr == nil {
		t.Fatal("no credit figures for a loan with a PD")
	}
	// E_S = 6400 x (1 - 0.4) = 3840 of E = 4,000,000: LGD* = 0.4 x 3,996,160/4e6 + 0.25 x 3840/4e6.
	wantLGD := (0.4*(4_000_000-3840) + 0.25*3840) / 4_000_000
	if math.Abs(cr.LGD-wantLGD) > 1e-9 || math.Abs(cr.Maturity-2.5) > 0.01 || cr.Stage != 1 {
		t.Fatalf("credit = %+v; want LGD %v, maturity 2.5, stage 1", cr, wantLGD)
	}
	if rw := 0.9232 * cr.LGD / 0.45; math.Abs(cr.RiskWeight-rw) > 0.0005 {
		t.Errorf("risk weight %.4f, want %.4f (Annex 5's 92.32%% at LGD %.4f)", cr.RiskWeight, rw, cr.LGD)
	}
	if el := 0.01 * cr.LGD * 400_000_000; math.Abs(float64(cr.EL.Amount)-el) > 1 || cr.EAD.Amount != 400_000_000 {
		t.Errorf("EL %v, want %v", cr.EL, el)
	}
	// 12-month ECL = PD x LGD x EAD / 1.06; lifetime over 2.5 years is larger.
	if e := 0.01 * cr.LGD * 400_000_000 / 1.06; math.Abs(float64(cr.ECL12m.Amount)-e) > 1 || cr.ECLLifetime.Amount <= cr.ECL12m.Amount ||
		cr.Allowance != cr.ECL12m {
		t.Errorf("ECL 12m %v (want %.0f), lifetime %v, allowance %v", cr.ECL12m, e, cr.ECLLifetime, cr.Allowance)
	}

	// Fully secured: 1,000 t of copper verified at 8,000,000.00 x 0.8 = 6,400,000.00, of
	// which 60% (after the 40% supervisory haircut), 3,840,000.00, covers 96%: LGD* =
	// 0.25 x 0.96 + 0.4 x 0.04 = 0.256. With 2,000 t it covers the whole 4,000,000.00.
	recs.Collateral[0].Inventory.Quantity = 1000
	r.update(gt.Records{Collateral: recs.Collateral})
	if cr = r.loanRisk("loan-1").Credit; math.Abs(cr.LGD-0.256) > 1e-9 {
		t.Errorf("96%% secured: LGD %v, want 0.256", cr.LGD)
	}
	recs.Collateral[0].Inventory.Quantity = 2000
	r.update(gt.Records{Collateral: recs.Collateral})
	cr = r.loanRisk("loan-1").Credit
	if math.Abs(cr.LGD-0.25) > 1e-9 || math.Abs(cr.RiskWeight-0.9232*0.25/0.45) > 0.0005 {
		t.Errorf("fully secured: LGD %v, risk weight %v; want 0.25 and %.4f", cr.LGD, cr.RiskWeight, 0.9232*0.25/0.45)
	}
	// A PD that doubled since origination (and by more than 0.5 points): stage 2, lifetime allowance.
	pd2 := 0.03
	l.PD = &pd2
	r.update(gt.Records{Loans: []gt.Loan{*l}})
	cr = r.loanRisk("loan-1").Credit
	if cr.Stage != 2 || cr.Allowance != cr.ECLLifetime {
		t.Errorf("PD 1%% -> 3%%: stage %d, allowance %v (lifetime %v)", cr.Stage, cr.Allowance, cr.ECLLifetime)
	}
}
