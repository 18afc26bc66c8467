package rules

import (
	_ "embed"
	"fmt"
	"slices"

	gt "groundtruth"
)

//go:embed builtin.yaml
var builtinYAML []byte

// builtinRules is the parsed built-in pack; a broken builtin.yaml stops the program at
// start (and fails the package's tests).
var builtinRules = func() []gt.Rule {
	rs, err := ParseFile(builtinYAML)
	if err != nil {
		panic(fmt.Sprintf("rules: builtin.yaml: %v", err))
	}
	for i := range rs {
		rs[i].Builtin = true
		rs[i].Version = 1
	}
	return rs
}()

// Builtin returns the built-in rule pack (SPEC §6.5 defaults): one rule per detector
// signal and the loan LTV-band and days-past-due rules, each with Builtin true and
// Version 1. The slice is the caller's to keep.
func Builtin() []gt.Rule {
	return slices.Clone(builtinRules)
}
