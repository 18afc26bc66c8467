package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"groundtruth/credit"
)

// creditCmd are the calculators of SPEC §11, for analysts and for checking: each prints
// the figures of one formula from flags for all of its inputs.
type creditCmd struct {
	IRB     creditIRBCmd     `cmd:"" name:"irb" help:"Basel IRB corporate risk weight: correlation, maturity adjustment, K, RWA, EL (Basel II §272-273, CRE31)."`
	LGD     creditLGDCmd     `cmd:"" name:"lgd" help:"F-IRB LGD* of a secured exposure (CRE32.9-32.24)."`
	Haircut creditHaircutCmd `cmd:"" help:"Scale a 10-day supervisory haircut to a holding period and revaluation frequency (CRE22.57-22.59)."`
	ECL     creditECLCmd     `cmd:"" name:"ecl" help:"IFRS 9 12-month and lifetime expected credit loss from marginal PDs, discounted at the effective rate."`
	Vasicek creditVasicekCmd `cmd:"" help:"Vasicek one-factor loss distribution: credit VaR and the probability of a loss above a level."`
}

type creditIRBCmd struct {
	PD       float64 `required:"" help:"One-year PD (0.01 = 1%)."`
	LGD      float64 `name:"lgd" default:"0.45" help:"Loss given default."`
	EAD      float64 `name:"ead" default:"1" help:"Exposure at default."`
	M        float64 `name:"m" default:"2.5" help:"Effective maturity in years (clamped to 1-5)."`
	Sales    float64 `help:"Annual sales in EUR millions, for the SME adjustment (below 50; 0: none)."`
	FloorPD  float64 `name:"pd-floor" default:"0.0005" help:"PD floor (Basel III 0.05%; Basel II 0.03%)."`
	Scale106 bool    `name:"scale-106" help:"Apply the Basel II 1.06 scaling factor."`
	JSON     bool    `name:"json" help:"Print JSON."`
}

func (c *creditIRBCmd) Run(e *env) error {
	k, err := credit.IRB(credit.Corporate{PD: c.PD, LGD: c.LGD, EAD: c.EAD, M: c.M, SalesEURm: c.Sales},
		credit.IRBOptions{PDFloor: c.FloorPD, Scaling106: c.Scale106})
	if err != nil {
		return err
	}
	return printFigures(e, c.JSON, k, [][2]string{{"PD used", pct(k.PD)}, {"maturity", num(k.M)}, {"correlation R", num(k.R)},
		{"maturity slope b", num(k.B)}, {"K", num(k.K)}, {"risk weight", pct(k.RiskWeight)}, {"RWA", num(k.RWA)}, {"EL", num(k.EL)}})
}

type creditLGDCmd struct {
	EAD        float64  `name:"ead" required:"" help:"Exposure E."`
	HE         float64  `name:"he" help:"Haircut on the exposure H_E (0 for a loan)."`
	Unsecured  float64  `default:"0.40" help:"LGD_U of the unsecured part (0.40 senior corporate, 0.45 financial, 0.75 subordinated)."`
	Collateral []string `help:"Collateral as type=value[:haircut] (financial, receivables, real_estate, other_physical); repeat." placeholder:"TYPE=VALUE"`
	JSON       bool     `name:"json" help:"Print JSON."`
}

func (c *creditLGDCmd) Run(e *env) error {
	s := credit.Secured{E: c.EAD, HE: c.HE, LGDU: c.Unsecured}
	for _, v := range c.Collateral {
		typ, rest, ok := strings.Cut(v, "=")
		val, hc, _ := strings.Cut(rest, ":")
		x, err := strconv.ParseFloat(val, 64)
		if !ok || err != nil {
			return fmt.Errorf("--collateral %q: want type=value[:haircut]", v)
		}
		col := credit.Collateral{Type: credit.CollateralType(typ), Value: x, Haircut: credit.PhysicalHaircut}
		if hc != "" {
			if col.Haircut, err = strconv.ParseFloat(hc, 64); err != nil {
				return fmt.Errorf("--collateral %q: haircut %q is not a number", v, hc)
			}
		} else if col.Type == credit.Financial {
			col.Haircut = 0
		}
		s.Collateral = append(s.Collateral, col)
	}
	r, err := credit.EffectiveLGD(s)
	if err != nil {
		return err
	}
	rows := [][2]string{{"LGD*", pct(r.LGD)}, {"E_U", num(r.EU)}}
	for i, es := range r.ES {
		rows = append(rows, [2]string{"E_S of collateral " + strconv.Itoa(i+1), num(es)})
	}
	return printFigures(e, c.JSON, r, rows)
}

type creditHaircutCmd struct {
	H10         float64 `name:"h10" required:"" help:"Haircut for a 10-business-day holding period, revalued daily."`
	Holding     int     `default:"20" help:"Minimum holding period T_M in business days (5 repo, 10 capital market, 20 secured lending)."`
	Revaluation int     `default:"1" help:"Revaluation every N_R business days."`
}

func (c *creditHaircutCmd) Run(e *env) error {
	fmt.Fprintf(e.stdout, "haircut %s\n", pct(credit.ScaleHaircut(c.H10, c.Holding, c.Revaluation)))
	return nil
}

type creditECLCmd struct {
	PD      []float64 `name:"pd" required:"" help:"Marginal PD of each period, in order; repeat or comma-separate." sep:","`
	LGD     float64   `name:"lgd" default:"0.45" help:"Loss given default in every period."`
	EAD     []float64 `name:"ead" required:"" help:"Exposure at default of each period (one value: every period)." sep:","`
	EIR     float64   `name:"eir" help:"Annual effective interest rate (discount rate)."`
	PerYear int       `name:"per-year" default:"1" help:"Periods per year."`
	JSON    bool      `name:"json" help:"Print JSON."`
}

func (c *creditECLCmd) Run(e *env) error {
	s := credit.Schedule{PerYear: c.PerYear, EIR: c.EIR}
	for i, pd := range c.PD {
		ead := c.EAD[min(i, len(c.EAD)-1)]
		s.Periods = append(s.Periods, credit.Period{PD: pd, LGD: c.LGD, EAD: ead})
	}
	m12, err := s.TwelveMonth()
	if err != nil {
		return err
	}
	life, err := s.Lifetime()
	if err != nil {
		return err
	}
	out := struct {
		TwelveMonth float64 `json:"ecl_12m"`
		Lifetime    float64 `json:"ecl_lifetime"`
	}{m12, life}
	return printFigures(e, c.JSON, out, [][2]string{{"12-month ECL", num(m12)}, {"lifetime ECL", num(life)}})
}

type creditVasicekCmd struct {
	PD    float64 `required:"" help:"Probability of default of each loan."`
	Rho   float64 `required:"" help:"Asset correlation."`
	Q     float64 `default:"0.999" help:"Confidence of the credit VaR."`
	LGD   float64 `name:"lgd" default:"1" help:"Loss given default (losses are fractions of the exposure times LGD)."`
	Above float64 `help:"Also print the probability of a loss fraction above this (before LGD)."`
	JSON  bool    `name:"json" help:"Print JSON."`
}

func (c *creditVasicekCmd) Run(e *env) error {
	v := credit.Vasicek{PD: c.PD, Rho: c.Rho}
	q := v.Quantile(c.Q)
	out := struct {
		Quantile  float64 `json:"loss_quantile"`
		EL        float64 `json:"expected_loss"`
		CreditVaR float64 `json:"credit_var"`
		Above     float64 `json:"probability_above,omitempty"`
	}{q * c.LGD, v.Mean() * c.LGD, (q - v.Mean()) * c.LGD, 0}
	rows := [][2]string{{fmt.Sprintf("loss at %v", c.Q), pct(out.Quantile)}, {"expected loss", pct(out.EL)}, {"credit VaR", pct(out.CreditVaR)}}
	if c.Above > 0 {
		out.Above = 1 - v.CDF(c.Above)
		rows = append(rows, [2]string{fmt.Sprintf("P(loss fraction > %v)", c.Above), num(out.Above)})
	}
	return printFigures(e, c.JSON, out, rows)
}

func pct(x float64) string { return strconv.FormatFloat(100*x, 'f', 4, 64) + "%" }
func num(x float64) string { return strconv.FormatFloat(x, 'g', 10, 64) }

// printFigures prints v as JSON, or the rows as "name  value" lines.
func printFigures(e *env, asJSON bool, v any, rows [][2]string) error {
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	w := 0
	for _, r := range rows {
		w = max(w, len(r[0]))
	}
	for _, r := range rows {
		fmt.Fprintf(e.stdout, "%-*s  %s\n", w, r[0], r[1])
	}
	return nil
}
