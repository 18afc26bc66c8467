package scorecard

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteText writes the report as plain text: validation metrics, scaling and model, every
// candidate variable with its IV, and the bins of each model variable.
func (s *Scorecard) WriteText(w io.Writer) error {
	r := s.Report()
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	p := func(format string, a ...any) { fmt.Fprintf(tw, format, a...) }
	p("Scorecard for %s (bad = %q). WOE = ln(%%good/%%bad); higher score = lower risk; odds good:bad.\n\n", r.Target, r.Bad)
	p("set\trows\tgoods\tbads\tAUC\tGini\tKS\t\n")
	m := func(name string, x Metrics) {
		p("%s\t%d\t%d\t%d\t%.4f\t%.4f\t%.4f\t\n", name, x.Rows, x.Goods, x.Bads, x.AUC, x.Gini, x.KS)
	}
	m("train", r.Train)
	if r.Holdout != nil {
		m("holdout", *r.Holdout)
		p("score PSI (holdout vs train deciles) %.4f\n", r.ScorePSI)
	}
	p("\nPDO %g, base score %g at odds %g: factor %.4f, offset %.4f\n", r.Scaling.PDO, r.Scaling.BaseScore, r.Scaling.BaseOdds, r.Scaling.Factor(), r.Scaling.Offset())
	p("intercept %.6f, log-likelihood %.3f (null %.3f), %d iterations, converged %t\n\n",
		r.Model.Intercept, r.Model.LogLikelihood, r.Model.NullLogLikelihood, r.Model.Iterations, r.Model.Converged)
	p("variable\tkind\tbins\tIV\tPSI\tcoefficient\tin model\t\n")
	for _, v := range r.Variables {
		in := "yes"
		if !v.Selected {
			in = "no: " + v.Rejected
		}
		p("%s\t%s\t%d\t%.4f\t%.4f\t%.4f\t%s\t\n", v.Name, v.Kind, len(v.Bins), v.IV, v.PSI, v.Coefficient, in)
	}
	for _, v := range r.ModelVariables() {
		p("\n%s (%s", v.Name, v.Kind)
		if v.Trend != "" {
			p(", WOE %s", v.Trend)
		}
		p("), IV %.4f, coefficient %.4f\n", v.IV, v.Coefficient)
		p("bin\tcount\tgoods\tbads\tbad rate\tWOE\tIV\tpoints\tholdout\t\n")
		for _, b := range v.Bins {
			p("%s\t%d\t%d\t%d\t%.2f%%\t%+.4f\t%.4f\t%.2f\t%d\t\n", b.Label, b.Count, b.Goods, b.Bads, 100*b.BadRate(), b.WOE, b.IV, b.Points, b.HoldoutCount)
		}
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write text report: %w", err)
	}
	return nil
}
