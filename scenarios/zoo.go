// Package scenarios is the fraud zoo (SPEC §1, §10): one scenario per real case the
// engine can detect, each modelled on the case with its numbers scaled, and clean
// control scenarios that must raise no alert. `groundtruth demo` plays them all; the
// format is in docs/scenarios.md.
package scenarios

import "embed"

// Zoo holds the scenario files (*.yaml), embedded so the binary can play them anywhere.
//
//go:embed *.yaml
var Zoo embed.FS
