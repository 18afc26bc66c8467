// Command groundtruth is the risk engine's single binary: the server, its operator tools
// and its batch jobs. All wiring of the packages happens here.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	gt "groundtruth"

	"github.com/alecthomas/kong"
)

// cli is the command line. Global flags override the environment, which overrides the
// config file, which overrides the defaults (see config.go).
type cli struct {
	Config   string `help:"JSON config file (env GT_CONFIG)." placeholder:"FILE"`
	Data     string `help:"Data directory (env GT_DATA; default ./groundtruth-data)." placeholder:"DIR"`
	Store    string `help:"Store: a SQLite file path or a postgres:// URL (env GT_STORE; default DIR/groundtruth.db)." placeholder:"DSN"`
	Journal  string `help:"Journal: 'embedded' or a nats:// URL (env GT_JOURNAL)." placeholder:"URL"`
	LogLevel string `help:"Log level: debug, info, warn, error (env GT_LOG_LEVEL)." placeholder:"LEVEL"`

	Serve   serveCmd   `cmd:"" help:"Run the server: API, engine, journal and store."`
	Tenant  tenantCmd  `cmd:"" help:"Manage tenants."`
	Import  importCmd  `cmd:"" help:"Import master data or prices from CSV, all or nothing."`
	Loadgen loadgenCmd `cmd:"" help:"Simulate devices sending telemetry, or run the bare-broker baseline, and report records/s and ack latency."`
	Version versionCmd `cmd:"" help:"Print the version."`

	Demo      demoCmd      `cmd:"" help:"Play the fraud zoo on an accelerated clock against an embedded server, print the detection table, and keep serving the API."`
	Scenario  scenarioCmd  `cmd:"" help:"Check and run scenario files (docs/scenarios.md)."`
	Raster    rasterCmd    `cmd:"" help:"Read satellite GeoTIFFs: describe them, compute NDVI, zonal statistics of fields (docs/satellite.md)."`
	Stress    stressCmd    `cmd:"" help:"Apply price shocks by commodity to the portfolio and list the loans that change band."`
	Scorecard scorecardCmd `cmd:"" help:"Train, apply and report credit scorecards (WOE binning, logistic regression, points; docs/credit.md)."`
	Credit    creditCmd    `cmd:"" help:"Credit calculators: IRB risk weight, F-IRB LGD*, haircut scaling, IFRS 9 ECL, Vasicek credit VaR (docs/credit.md)."`
	Rules     rulesCmd     `cmd:"" help:"Check rule files and run rule tests (docs/rules.md)."`
	Backtest  backtestCmd  `cmd:"" help:"Replay the journal under another rule set and print the alerts added and removed."`
}

// env is how commands reach the outside world, so tests can run them in-process.
type env struct {
	ctx    context.Context
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	cfg    Config
	// now is the clock of the events the server creates and of its ingest checks;
	// time.Now when nil. Scenario runs give it a simulated clock.
	now func() time.Time
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// Main runs the command line args and returns the exit status: 0 on success, 1 when the
// command failed, 2 for a usage error.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	var c cli
	exit := -1
	parser, err := kong.New(&c,
		kong.Name("groundtruth"),
		kong.Description("Risk engine for asset-backed and supply-chain lending."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { exit = code }),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
	)
	if err != nil {
		fmt.Fprintln(stderr, "groundtruth:", err)
		return 1
	}
	kctx, err := parser.Parse(args)
	if exit >= 0 {
		return exit // --help
	}
	if err != nil {
		fmt.Fprintln(stderr, "groundtruth:", err)
		return 2
	}
	cfg, err := loadConfig(c.Config, getenv, flagOverrides(kctx))
	if err != nil {
		fmt.Fprintln(stderr, "groundtruth:", err)
		return 2
	}
	e := &env{ctx: ctx, stdout: stdout, stderr: stderr, getenv: getenv, cfg: cfg}
	if err := kctx.Run(e); err != nil {
		fmt.Fprintln(stderr, "groundtruth:", describe(err))
		return 1
	}
	return 0
}

// flagOverrides returns the global flags given on the command line.
func flagOverrides(kctx *kong.Context) map[string]string {
	out := map[string]string{}
	for _, f := range kctx.Flags() {
		if f.Set && f.Name != "help" {
			if s, ok := f.Target.Interface().(string); ok {
				out[f.Name] = s
			}
		}
	}
	return out
}

// describe formats an error for a person: the field first when the error names one.
func describe(err error) string {
	var e *gt.Error
	if errors.As(err, &e) && e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return err.Error()
}
