package scorecard

import (
	"fmt"
	"html/template"
	"io"
	"math"
)

// chartBar is one bar of a WOE chart, in SVG user units.
type chartBar struct {
	Y, X, W, TextY float64
	Label, Value   string
	Negative       bool
}

// chart is a horizontal bar chart of the WOE of a variable's bins.
type chart struct {
	Width, Height, ZeroX float64
	Bars                 []chartBar
}

// htmlVariable is a model variable with its chart.
type htmlVariable struct {
	Variable
	Chart chart
}

// htmlView is the data of the HTML template.
type htmlView struct {
	R      Report
	Factor float64
	Offset float64
	Model  []htmlVariable
	// ValueX is where the WOE values are written, right of the bars.
	ValueX float64
}

// Layout of the WOE charts.
const (
	chartLabelWidth = 190.0
	chartHalfWidth  = 170.0
	chartRow        = 20.0
)

// woeChart lays out the WOE bars of v around a zero axis.
func woeChart(v Variable) chart {
	c := chart{Width: chartLabelWidth + 2*chartHalfWidth + 60, Height: chartRow*float64(len(v.Bins)) + 10}
	c.ZeroX = chartLabelWidth + chartHalfWidth
	scale := 0.0
	for _, b := range v.Bins {
		scale = max(scale, math.Abs(b.WOE))
	}
	if scale == 0 {
		scale = 1
	}
	for i, b := range v.Bins {
		w := math.Abs(b.WOE) / scale * chartHalfWidth
		x := c.ZeroX
		if b.WOE < 0 {
			x -= w
		}
		label := b.Label
		if r := []rune(label); len(r) > 30 {
			label = string(r[:27]) + "..."
		}
		y := 5 + chartRow*float64(i)
		c.Bars = append(c.Bars, chartBar{Y: y + 2, X: x, W: math.Max(w, 0.5), TextY: y + 14, Label: label, Value: fmt.Sprintf("%+.3f", b.WOE), Negative: b.WOE < 0})
	}
	return c
}

// htmlTemplate renders a self-contained report page: no scripts, fonts or images fetched.
var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct": func(x float64) float64 { return 100 * x },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Scorecard for {{.R.Target}}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:72em;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ddd}h3{font-size:1.05em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0 1em;font-variant-numeric:tabular-nums}
th,td{border:1px solid #ccc;padding:.2em .6em;text-align:right}
th{background:#f3f3f3}.l{text-align:left}
p.note{color:#555;font-size:.9em}
svg text{font-size:11px;fill:#333;font-family:inherit}
.pos{fill:#2e8b57}.neg{fill:#c0392b}.axis{stroke:#555;stroke-width:1}
</style>
</head>
<body>
<h1>Scorecard for {{.R.Target}} (bad = {{printf "%q" .R.Bad}})</h1>
<p class="note">WOE = ln(%good / %bad): a positive WOE marks a safer bin. IV = Σ (%good − %bad)·WOE.
A higher score means a lower risk; odds are good:bad and double every {{printf "%g" .R.Scaling.PDO}} points.
Bins with no goods or no bads get 0.5 added to both counts.</p>

<h2>Validation</h2>
<table>
<tr><th class="l">set</th><th>rows</th><th>goods</th><th>bads</th><th>AUC</th><th>Gini</th><th>KS</th><th>KS at score</th></tr>
<tr><td class="l">train</td><td>{{.R.Train.Rows}}</td><td>{{.R.Train.Goods}}</td><td>{{.R.Train.Bads}}</td><td>{{printf "%.4f" .R.Train.AUC}}</td><td>{{printf "%.4f" .R.Train.Gini}}</td><td>{{printf "%.4f" .R.Train.KS}}</td><td>{{printf "%.1f" .R.Train.KSScore}}</td></tr>
{{- with .R.Holdout}}
<tr><td class="l">holdout</td><td>{{.Rows}}</td><td>{{.Goods}}</td><td>{{.Bads}}</td><td>{{printf "%.4f" .AUC}}</td><td>{{printf "%.4f" .Gini}}</td><td>{{printf "%.4f" .KS}}</td><td>{{printf "%.1f" .KSScore}}</td></tr>
{{- end}}
</table>
{{if .R.Holdout}}<p>Score PSI, holdout against training over the training score deciles: <b>{{printf "%.4f" .R.ScorePSI}}</b>.</p>{{else}}<p class="note">No holdout set.</p>{{end}}
<p class="note">Rows: {{.R.TrainRows}} training, {{.R.HoldoutRows}} holdout, {{.R.SkippedRows}} skipped for a missing target.</p>

<h2>Scaling and model</h2>
<table>
<tr><th class="l">PDO</th><td>{{printf "%g" .R.Scaling.PDO}}</td></tr>
<tr><th class="l">base score</th><td>{{printf "%g" .R.Scaling.BaseScore}}</td></tr>
<tr><th class="l">base odds (good:bad)</th><td>{{printf "%g" .R.Scaling.BaseOdds}}</td></tr>
<tr><th class="l">factor = PDO / ln 2</th><td>{{printf "%.4f" .Factor}}</td></tr>
<tr><th class="l">offset = base − factor·ln(base odds)</th><td>{{printf "%.4f" .Offset}}</td></tr>
<tr><th class="l">intercept α</th><td>{{printf "%.6f" .R.Model.Intercept}}</td></tr>
<tr><th class="l">log-likelihood</th><td>{{printf "%.3f" .R.Model.LogLikelihood}}</td></tr>
<tr><th class="l">null log-likelihood</th><td>{{printf "%.3f" .R.Model.NullLogLikelihood}}</td></tr>
<tr><th class="l">McFadden pseudo-R²</th><td>{{printf "%.4f" .R.Model.PseudoR2}}</td></tr>
<tr><th class="l">iterations</th><td>{{.R.Model.Iterations}}{{if not .R.Model.Converged}} (not converged){{end}}</td></tr>
</table>

<h2>Variables</h2>
<table>
<tr><th class="l">variable</th><th class="l">kind</th><th>bins</th><th>IV</th><th>PSI</th><th class="l">in model</th><th>coefficient β</th></tr>
{{- range .R.Variables}}
<tr><td class="l">{{if .Selected}}<a href="#var-{{.Name}}">{{.Name}}</a>{{else}}{{.Name}}{{end}}</td><td class="l">{{.Kind}}</td><td>{{len .Bins}}</td><td>{{printf "%.4f" .IV}}</td><td>{{printf "%.4f" .PSI}}</td><td class="l">{{if .Selected}}yes{{else}}no: {{.Rejected}}{{end}}</td><td>{{if .Selected}}{{printf "%.4f" .Coefficient}}{{end}}</td></tr>
{{- end}}
</table>

{{range .Model}}
<h3 id="var-{{.Name}}">{{.Name}}</h3>
<p>{{.Kind}}{{if .Trend}}, WOE {{.Trend}}{{end}}; IV {{printf "%.4f" .IV}}; β {{printf "%.4f" .Coefficient}}; PSI {{printf "%.4f" .PSI}}; default points {{printf "%.2f" .DefaultPoints}}.</p>
<table>
<tr><th class="l">bin</th><th>count</th><th>goods</th><th>bads</th><th>bad rate</th><th>WOE</th><th>IV</th><th>points</th><th>holdout</th></tr>
{{- range .Bins}}
<tr><td class="l">{{.Label}}</td><td>{{.Count}}</td><td>{{.Goods}}</td><td>{{.Bads}}</td><td>{{printf "%.2f%%" (pct .BadRate)}}</td><td>{{printf "%+.4f" .WOE}}</td><td>{{printf "%.4f" .IV}}</td><td>{{printf "%.2f" .Points}}</td><td>{{.HoldoutCount}}</td></tr>
{{- end}}
</table>
<svg xmlns="http://www.w3.org/2000/svg" width="{{.Chart.Width}}" height="{{.Chart.Height}}" viewBox="0 0 {{.Chart.Width}} {{.Chart.Height}}" role="img" aria-label="WOE per bin of {{.Name}}">
{{- range .Chart.Bars}}
<text x="4" y="{{.TextY}}">{{.Label}}</text>
<rect class="{{if .Negative}}neg{{else}}pos{{end}}" x="{{printf "%.1f" .X}}" y="{{.Y}}" width="{{printf "%.1f" .W}}" height="16"><title>{{.Label}}: WOE {{.Value}}</title></rect>
<text x="{{$.ValueX}}" y="{{.TextY}}">{{.Value}}</text>
{{- end}}
<line class="axis" x1="{{.Chart.ZeroX}}" y1="0" x2="{{.Chart.ZeroX}}" y2="{{.Chart.Height}}"/>
</svg>
{{end}}
</body>
</html>
`))

// htmlView prepares the template data.
func (s *Scorecard) htmlView() htmlView {
	r := s.Report()
	v := htmlView{R: r, Factor: r.Scaling.Factor(), Offset: r.Scaling.Offset(), ValueX: chartLabelWidth + 2*chartHalfWidth + 6}
	for _, mv := range r.ModelVariables() {
		v.Model = append(v.Model, htmlVariable{Variable: mv, Chart: woeChart(mv)})
	}
	return v
}

// WriteHTML writes the report as a self-contained HTML page (inline CSS and SVG charts,
// no external assets): validation metrics, scaling and model, every candidate variable
// with its IV, and for each model variable its bins table and a WOE bar chart.
func (s *Scorecard) WriteHTML(w io.Writer) error {
	if err := htmlTemplate.Execute(w, s.htmlView()); err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	return nil
}
