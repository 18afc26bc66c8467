package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	gt "groundtruth"
	"groundtruth/csvimport"
	"groundtruth/httpapi"
	"groundtruth/journal"
)

type importCmd struct {
	Kind   string `arg:"" enum:"parties,sites,loans,collateral,devices,releases,prices" help:"What the file holds: parties, sites, loans, collateral, devices, releases or prices."`
	File   string `arg:"" type:"existingfile" help:"CSV file (format: docs/import.md)."`
	Tenant string `help:"Tenant to import into, when no server is running on the data directory." placeholder:"ID"`
	APIKey string `name:"api-key" help:"API key, when importing through a running server (env GT_API_KEY)." placeholder:"KEY"`
	Server string `help:"Base URL of a running server to import through (default: the one holding the data directory)." placeholder:"URL"`

	Commodity string `help:"For two-column price files (Date,Price): the commodity." placeholder:"NAME"`
	Unit      string `help:"For two-column price files: the unit of the price, e.g. bbl." placeholder:"UNIT"`
	Currency  string `help:"For two-column price files: the ISO 4217 currency." placeholder:"CODE"`

	recorded int // price ticks recorded so far
}

// priceChunk is the number of ticks per prices event: a large history is recorded in
// several events, each well under the journal's message limit.
const priceChunk = 5000

// Run parses and validates the whole file first, so that a bad row stops the import
// before anything is written. Master data then goes in as one atomic event. Prices go in
// chunks of priceChunk ticks (the engine accepts valid ticks, so only an outage can stop
// an import part way, and the message then says how far it got).
func (c *importCmd) Run(e *env) error {
	f, err := os.Open(c.File)
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := csvimport.Parse(c.Kind, f, csvimport.Options{Commodity: c.Commodity, Unit: c.Unit,
		Currency: c.Currency})
	if err != nil {
		return fmt.Errorf("%s: %s", c.File, describeAll(err))
	}
	n := b.Records.Len()
	if n == 0 {
		return fmt.Errorf("%s: no records", c.File)
	}
	if c.Kind != "prices" {
		// One atomic event must fit in the journal: refuse early, saying how to split.
		enc, err := json.Marshal(b.Records)
		if err != nil {
			return err
		}
		if len(enc) > journal.MaxEventSize {
			rows := n * journal.MaxEventSize / len(enc) * 9 / 10
			return fmt.Errorf("%s: %d %s are %d bytes as one event, above the journal's limit of %d: "+
				"split the file into files of at most about %d rows (nothing was imported)", c.File, n, c.Kind, len(enc), journal.MaxEventSize, rows)
		}
	}
	apiKey := c.APIKey
	if apiKey == "" {
		apiKey = e.getenv("GT_API_KEY")
	}
	if c.Server != "" {
		err = c.remote(e, c.Server, apiKey, b)
	} else {
		err = withDataDir(e, func(sys *system) error { return c.local(e, sys, b) },
			func(base string) error { return c.remote(e, base, apiKey, b) })
	}
	if err != nil && c.Kind == "prices" && c.recorded > 0 {
		return fmt.Errorf("import %s: %s (%d of %d ticks were recorded before the failure; importing the file again is safe: "+
			"a tick replaces the tick of the same commodity and time)", c.File, describeAll(err), c.recorded, n)
	}
	if err != nil {
		return fmt.Errorf("import %s: %s (nothing was imported)", c.File, describeAll(b.Locate(err)))
	}
	fmt.Fprintf(e.stdout, "imported %d %s from %s\n", n, c.Kind, c.File)
	for _, s := range b.Skipped {
		fmt.Fprintf(e.stdout, "  skipped column %q (not a price in money)\n", s)
	}
	return nil
}

func (c *importCmd) local(e *env, sys *system, b *csvimport.Batch) error {
	if c.Tenant == "" {
		return fmt.Errorf("--tenant is required when importing into the data directory")
	}
	if _, err := sys.store.Tenant(e.ctx, c.Tenant); err != nil {
		return fmt.Errorf("tenant %q: %s", c.Tenant, gt.ErrorMessage(err))
	}
	if c.Kind == "prices" {
		var events []gt.Event
		for _, chunk := range chunks(b.Records.Prices, priceChunk) {
			ev, err := gt.NewEvent(gt.EventPricesRecord, c.Tenant, time.Now(), "import", gt.Records{Prices: chunk})
			if err != nil {
				return err
			}
			events = append(events, ev)
		}
		for i, ev := range events {
			if _, err := sys.node.Submit(e.ctx, ev); err != nil {
				return err
			}
			c.recorded += min(priceChunk, len(b.Records.Prices)-i*priceChunk)
		}
		return nil
	}
	_, err := sys.node.Command(e.ctx, gt.EventRecordsPut, c.Tenant, "import", b.Records)
	return err
}

func (c *importCmd) remote(e *env, base, apiKey string, b *csvimport.Batch) error {
	if apiKey == "" {
		return fmt.Errorf("a server is running on the data directory: pass --api-key (or GT_API_KEY) to import through it")
	}
	if c.Kind == "prices" {
		for _, chunk := range chunks(b.Records.Prices, priceChunk) {
			if err := callAPI(e, http.MethodPost, base+"/api/v1/prices", apiKey, httpapi.PricesRequest{Ticks: chunk}, nil); err != nil {
				return err
			}
			c.recorded += len(chunk)
		}
		return nil
	}
	return callAPI(e, http.MethodPost, base+"/api/v1/records", apiKey, b.Records, nil)
}

func chunks[T any](s []T, n int) [][]T {
	var out [][]T
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

// describeAll formats every error joined in err, one per line.
func describeAll(err error) string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var lines []string
		for _, x := range j.Unwrap() {
			lines = append(lines, describe(x))
		}
		return strings.Join(lines, "\n  ")
	}
	return describe(err)
}
