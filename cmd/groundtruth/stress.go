package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	gt "groundtruth"
	"groundtruth/httpapi"
)

type stressCmd struct {
	Shock  []string `required:"" help:"A price shock, commodity=relative change (copper=-0.3 is a 30% fall); repeat for several." placeholder:"COMMODITY=CHANGE"`
	Tenant string   `help:"Tenant, when no server runs on the data directory."`
	APIKey string   `name:"api-key" help:"API key, through a running server (env GT_API_KEY)." placeholder:"KEY"`
	Server string   `help:"Base URL of a running server (default: the one on the data directory, if any)." placeholder:"URL"`
	JSON   bool     `name:"json" help:"Print the result as JSON."`
}

func (c *stressCmd) Run(e *env) error {
	shocks := map[string]float64{}
	for _, s := range c.Shock {
		k, v, ok := strings.Cut(s, "=")
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if !ok || err != nil || k == "" || f < -1 || f > 10 {
			return fmt.Errorf("--shock %q: want commodity=change with a change from -1 to 10, such as copper=-0.3", s)
		}
		shocks[strings.TrimSpace(k)] = f
	}
	key := c.APIKey
	if key == "" {
		key = e.getenv("GT_API_KEY")
	}
	var res httpapi.StressResult
	remote := func(base string) error {
		if key == "" {
			return fmt.Errorf("pass --api-key (or GT_API_KEY) to stress through the server at %s", base)
		}
		return callAPI(e, http.MethodPost, base+"/api/v1/portfolio/stress", key, httpapi.StressRequest{Shocks: shocks}, &res)
	}
	var err error
	if c.Server != "" {
		err = remote(strings.TrimRight(c.Server, "/"))
	} else {
		err = withDataDir(e, func(sys *system) error {
			if c.Tenant == "" {
				return fmt.Errorf("--tenant is required when no server runs on the data directory")
			}
			r, err := httpapi.Stress(e.ctx, sys.store, c.Tenant, shocks)
			if r != nil {
				res = *r
			}
			return err
		}, remote)
	}
	if err != nil {
		return err
	}
	if c.JSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(e.stdout, "%d loans stressed, %d with collateral in a shocked commodity, %d change band\n", res.Loans, res.Affected, len(res.Changed))
	for _, l := range res.Changed {
		ltv := "inf"
		if l.LTVAfter != nil {
			ltv = strconv.FormatFloat(100**l.LTVAfter, 'f', 1, 64) + "%"
		}
		fmt.Fprintf(e.stdout, "  %-24s %-11s -> %-11s LTV %s\n", l.LoanID, l.BandBefore, l.BandAfter, ltv)
	}
	for _, d := range []struct {
		name          string
		before, after []gt.Money
	}{{"expected loss change", nil, res.ELChange}, {"IRB RWA change", nil, res.RWAChange}, {"99.9% credit VaR", res.VaRBefore, res.VaRAfter}} {
		for i, m := range d.after {
			if d.before != nil && i < len(d.before) {
				fmt.Fprintf(e.stdout, "%s: %s -> %s\n", d.name, d.before[i], m)
			} else {
				fmt.Fprintf(e.stdout, "%s: %s\n", d.name, m)
			}
		}
	}
	fmt.Fprintf(e.stdout, "after: %d healthy, %d warn, %d margin call, %d liquidation\n",
		res.ByBand["healthy"], res.ByBand["warn"], res.ByBand["margin_call"], res.ByBand["liquidation"])
	return nil
}
