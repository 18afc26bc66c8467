package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	gt "groundtruth"
	"groundtruth/credit/scorecard"
)

type scorecardCmd struct {
	Train  scorecardTrainCmd  `cmd:"" help:"Train a scorecard on a CSV file (a header row, one column the target) and save it as JSON."`
	Apply  scorecardApplyCmd  `cmd:"" help:"Score the rows of a CSV file with a saved scorecard: the rows with points and PD added."`
	Report scorecardReportCmd `cmd:"" help:"Print a saved scorecard's report as text, or write it as an HTML page with charts."`
}

type scorecardTrainCmd struct {
	File     string   `arg:"" help:"Training data (CSV with a header)." placeholder:"FILE.csv"`
	Target   string   `required:"" help:"Target column."`
	Bad      string   `default:"1" help:"Target value that marks a bad (a default)."`
	Exclude  []string `help:"Columns that are not candidates (identifiers, leaks)."`
	Holdout  float64  `default:"0.3" help:"Fraction of rows held out for validation."`
	Seed     uint64   `default:"42" help:"Seed of the train/holdout split."`
	MinIV    float64  `name:"min-iv" default:"0.02" help:"Smallest information value for a variable to enter the model."`
	PDO      float64  `name:"pdo" default:"20" help:"Points to double the odds."`
	Base     float64  `default:"600" help:"Base score."`
	BaseOdds float64  `default:"50" help:"Good:bad odds at the base score."`
	Out      string   `required:"" help:"Where to save the scorecard (JSON)." placeholder:"FILE.json"`
	HTML     string   `name:"html" help:"Also write the report as an HTML page." placeholder:"FILE.html"`
}

func readCSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = false
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("%s: a header and at least one row are needed", path)
	}
	return rows, nil
}

func (c *scorecardTrainCmd) Run(e *env) error {
	rows, err := readCSV(c.File)
	if err != nil {
		return err
	}
	bars := map[string]func(int){}
	sc, err := scorecard.Train(rows, c.Target, scorecard.Options{Bad: c.Bad, Exclude: c.Exclude, Holdout: c.Holdout, Seed: c.Seed,
		MinIV: c.MinIV, Scaling: scorecard.Scaling{PDO: c.PDO, BaseScore: c.Base, BaseOdds: c.BaseOdds},
		Progress: func(stage string, done, total int) {
			if bars[stage] == nil {
				bars[stage] = progress(e.stderr, stage, total)
			}
			bars[stage](done)
		}})
	if err != nil {
		return fmt.Errorf("%s: %w", c.File, err)
	}
	if err := writeFile(c.Out, sc.Save); err != nil {
		return err
	}
	if c.HTML != "" {
		if err := writeFile(c.HTML, sc.WriteHTML); err != nil {
			return err
		}
	}
	r := sc.Report()
	fmt.Fprintf(e.stdout, "scorecard saved to %s: %d variables in the model\n", c.Out, len(r.ModelVariables()))
	fmt.Fprintf(e.stdout, "train:   AUC %.4f, Gini %.4f, KS %.4f (%d rows)\n", r.Train.AUC, r.Train.Gini, r.Train.KS, r.Train.Rows)
	if r.Holdout != nil {
		fmt.Fprintf(e.stdout, "holdout: AUC %.4f, Gini %.4f, KS %.4f (%d rows); score PSI train vs holdout %.4f\n",
			r.Holdout.AUC, r.Holdout.Gini, r.Holdout.KS, r.Holdout.Rows, r.ScorePSI)
	}
	return nil
}

// writeFile writes a file with f, all or nothing.
func writeFile(path string, f func(io.Writer) error) error {
	tmp := path + ".tmp"
	out, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := f(out); err != nil {
		out.Close()
		os.Remove(tmp)
		return err
	}
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

func loadScorecard(path string) (*scorecard.Scorecard, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc, err := scorecard.Load(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return sc, nil
}

type scorecardApplyCmd struct {
	Scorecard   string `required:"" help:"Saved scorecard (JSON)." placeholder:"FILE.json"`
	File        string `arg:"" help:"Rows to score (CSV with a header)." placeholder:"FILE.csv"`
	SetPD       bool   `name:"set-pd" help:"Also set each row's loan's PD to its score's PD through the API (the loan id is in --loan-column)."`
	LoanColumn  string `name:"loan-column" default:"loan_id" help:"With --set-pd: the column holding the loan id."`
	Origination bool   `help:"With --set-pd: also set the PD at origination (for loans being granted; IFRS 9 compares later PDs with it)."`
	APIKey      string `name:"api-key" help:"With --set-pd: API key of a writer (env GT_API_KEY)." placeholder:"KEY"`
	Server      string `help:"With --set-pd: base URL of the server (default: the one running on the data directory)." placeholder:"URL"`
}

func (c *scorecardApplyCmd) Run(e *env) error {
	sc, err := loadScorecard(c.Scorecard)
	if err != nil {
		return err
	}
	rows, err := readCSV(c.File)
	if err != nil {
		return err
	}
	cp := sc.Compiled()
	idx, err := cp.Index(rows[0])
	if err != nil {
		return fmt.Errorf("%s: %w", c.File, err)
	}
	loanCol := -1
	if c.SetPD {
		if loanCol = slices.Index(rows[0], c.LoanColumn); loanCol < 0 {
			return fmt.Errorf("%s: no column %q holds the loan ids (--loan-column)", c.File, c.LoanColumn)
		}
	}
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	w.Write(append(append([]string(nil), rows[0]...), "points", "pd"))
	x := make([]float64, len(cp.Columns()))
	pds := map[string]float64{}
	line := map[string]int{}
	bar := progress(e.stderr, "score", len(rows)-1)
	for i, r := range rows[1:] {
		if len(r) != len(rows[0]) {
			return fmt.Errorf("%s line %d: %d fields, the header has %d", c.File, i+2, len(r), len(rows[0]))
		}
		x = cp.Parse(x, r, idx)
		points, pd := cp.Score(x)
		w.Write(append(r, strconv.FormatFloat(points, 'f', 1, 64), strconv.FormatFloat(pd, 'f', 6, 64)))
		if loanCol >= 0 {
			id := r[loanCol]
			if n, dup := line[id]; dup {
				return fmt.Errorf("%s line %d: loan %q is also on line %d", c.File, i+2, id, n)
			}
			pds[id], line[id] = pd, i+2
		}
		bar(i + 1)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if c.SetPD {
		if err := c.setPDs(e, pds, line); err != nil {
			return err
		}
	}
	_, err = e.stdout.Write(out.Bytes())
	return err
}

// setPDs sets the loans' PDs through the server's API (POST /api/v1/loans/pd, which
// changes nothing else on a loan): it checks that every scored loan exists before setting
// any, then sends them in batches.
func (c *scorecardApplyCmd) setPDs(e *env, pds map[string]float64, line map[string]int) error {
	key := c.APIKey
	if key == "" {
		key = e.getenv("GT_API_KEY")
	}
	if key == "" {
		return fmt.Errorf("--set-pd: pass --api-key (or GT_API_KEY)")
	}
	base := strings.TrimRight(c.Server, "/")
	if base == "" {
		si, err := readServerInfo(e.cfg.Data)
		if err != nil {
			return fmt.Errorf("--set-pd needs a running server (--server URL): %w", err)
		}
		base = si.HTTP
	}
	exists := map[string]bool{}
	for cursor := ""; ; {
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		if err := callAPI(e, http.MethodGet, base+"/api/v1/loans?limit=500&cursor="+url.QueryEscape(cursor), key, nil, &page); err != nil {
			return fmt.Errorf("read the loans: %w", err)
		}
		for _, l := range page.Items {
			exists[l.ID] = true
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	ids := make([]string, 0, len(pds))
	for id := range pds {
		if !exists[id] {
			return fmt.Errorf("%s line %d: no loan %q; no PD was set", c.File, line[id], id)
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	const batch = 5000
	for i := 0; i < len(ids); i += batch {
		var body gt.LoanPDs
		for _, id := range ids[i:min(i+batch, len(ids))] {
			it := gt.LoanPD{LoanID: id, PD: pds[id]}
			if c.Origination {
				pd := pds[id]
				it.PDAtOrigination = &pd
			}
			body.Items = append(body.Items, it)
		}
		if err := callAPI(e, http.MethodPost, base+"/api/v1/loans/pd", key, body, nil); err != nil {
			return fmt.Errorf("set the PDs of loans %d to %d of %d (the earlier ones are set): %w", i+1, i+len(body.Items), len(ids), err)
		}
	}
	fmt.Fprintf(e.stderr, "set the PD of %d loans\n", len(ids))
	return nil
}

type scorecardReportCmd struct {
	Scorecard string `arg:"" help:"Saved scorecard (JSON)." placeholder:"FILE.json"`
	HTML      string `name:"html" help:"Write the report as an HTML page instead of text." placeholder:"FILE.html"`
}

func (c *scorecardReportCmd) Run(e *env) error {
	sc, err := loadScorecard(c.Scorecard)
	if err != nil {
		return err
	}
	if c.HTML != "" {
		return writeFile(c.HTML, sc.WriteHTML)
	}
	return sc.WriteText(e.stdout)
}
