package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	gt "groundtruth"
	"groundtruth/rules"
	"groundtruth/ruletest"
)

type rulesCmd struct {
	Check rulesCheckCmd `cmd:"" help:"Parse and compile rule files; print every error with its line, field and CEL position."`
	Test  rulesTestCmd  `cmd:"" help:"Run rule tests: fixture events in, expected alerts out, like promtool test rules (docs/rules.md)."`
}

type rulesCheckCmd struct {
	Files []string `arg:"" name:"file" help:"Rule files (YAML, format: docs/rules.md)."`
}

// Run checks every file, printing "FILE: N rules OK" or each problem as
// "FILE:LINE: field: message", and fails when any file has a problem.
func (c *rulesCheckCmd) Run(e *env) error {
	bad := 0
	for _, f := range c.Files {
		compiled, err := checkRuleFile(f)
		if err != nil {
			bad++
			fmt.Fprintln(e.stderr, err)
			continue
		}
		fmt.Fprintf(e.stdout, "%s: %d rules OK\n", f, len(compiled))
	}
	if bad > 0 {
		return fmt.Errorf("rules check: %d of %d files have errors", bad, len(c.Files))
	}
	return nil
}

// checkRuleFile reads and compiles a rule file. Its error holds one line per problem,
// each starting with "path:line:".
func checkRuleFile(path string) ([]*rules.Compiled, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	compiled, err := rules.Check(data)
	if err != nil {
		return nil, errors.New(strings.Join(ruletest.RuleFileErrors(path, err), "\n"))
	}
	return compiled, nil
}

// ruleFilePolicy returns the rules of a checked file.
func ruleFilePolicy(compiled []*rules.Compiled) []gt.Rule {
	rs := make([]gt.Rule, len(compiled))
	for i, c := range compiled {
		rs[i] = c.Rule
	}
	return rs
}

type rulesTestCmd struct {
	Files []string `arg:"" name:"file" help:"Test files (YAML, format: docs/rules.md)."`
}

// Run runs every test file, printing PASS or FAIL per test with the missing and
// unexpected alerts, and fails when a test fails or a file cannot run.
func (c *rulesTestCmd) Run(e *env) error {
	passed, failed, broken := 0, 0, 0
	for _, f := range c.Files {
		results, err := ruletest.RunFile(f)
		if err != nil {
			broken++
			fmt.Fprintf(e.stderr, "%s: %v\n", f, err)
			continue
		}
		fmt.Fprintln(e.stdout, f)
		for _, r := range results {
			if r.Passed() {
				passed++
				fmt.Fprintf(e.stdout, "  PASS %s\n", r.Name)
				continue
			}
			failed++
			fmt.Fprintf(e.stdout, "  FAIL %s\n", r.Name)
			for _, p := range r.Problems() {
				fmt.Fprintf(e.stdout, "       %s\n", p)
			}
		}
	}
	fmt.Fprintf(e.stdout, "%d passed, %d failed\n", passed, failed)
	switch {
	case broken > 0:
		return fmt.Errorf("rules test: %d of %d files could not run", broken, len(c.Files))
	case failed > 0:
		return fmt.Errorf("rules test: %d of %d tests failed", failed, passed+failed)
	}
	return nil
}
