package main_test

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runStatus runs the binary and returns its stdout, its stderr and its exit status.
func runStatus(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("groundtruth %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), code
}

func rulesFile(name string) string { return filepath.Join("testdata", "rules", name) }

func TestRulesCheck(t *testing.T) {
	out, errOut, code := runStatus(t, "rules", "check", rulesFile("ltv.yaml"), rulesFile("over_builtin.yaml"))
	want := rulesFile("ltv.yaml") + ": 2 rules OK\n" + rulesFile("over_builtin.yaml") + ": 2 rules OK\n"
	if code != 0 || out != want || errOut != "" {
		t.Errorf("rules check of valid files: exit %d, stdout %q, stderr %q; want 0 and %q", code, out, errOut, want)
	}

	bad, missing := rulesFile("bad.yaml"), rulesFile("missing.yaml")
	out, errOut, code = runStatus(t, "rules", "check", rulesFile("ltv.yaml"), bad, missing)
	if code != 1 || out != rulesFile("ltv.yaml")+": 2 rules OK\n" {
		t.Errorf("rules check with errors: exit %d, stdout %q; want 1 and the valid file OK", code, out)
	}
	wantErr := bad + ":3: rules[0].expr: 1:5: undefined field 'ltvv'\n" +
		bad + `:7: rules[1].severity: must be info, warning or critical; got "high"` + "\n" +
		missing + ": no such file or directory\n" +
		"groundtruth: rules check: 2 of 3 files have errors\n"
	if errOut != wantErr {
		t.Errorf("rules check stderr:\n%s\nwant:\n%s", errOut, wantErr)
	}
}

func TestRulesTest(t *testing.T) {
	out, errOut, code := runStatus(t, "rules", "test", rulesFile("ltv_test.yaml"))
	want := rulesFile("ltv_test.yaml") + "\n  PASS healthy loan raises nothing\n  PASS copper at 7200 is above 85%\n2 passed, 0 failed\n"
	if code != 0 || out != want {
		t.Errorf("rules test of a passing file: exit %d, stdout %q, stderr %q; want 0 and %q", code, out, errOut, want)
	}

	out, errOut, code = runStatus(t, "rules", "test", rulesFile("ltv_test.yaml"), rulesFile("failing_test.yaml"))
	for _, w := range []string{
		"  FAIL copper at 7200 is critical\n",
		`       missing alert: ltv_above_85 loan:loan-1 firing critical "Loan loan-1 LTV 85.1% is above 85%"` + "\n",
		`       unexpected alert: ltv_above_85 loan:loan-1 firing warning "Loan loan-1 LTV 85.1% is above 85%"` + "\n",
		"3 passed, 1 failed\n",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("rules test stdout:\n%s\nwant it to contain %q", out, w)
		}
	}
	if code != 1 || !strings.Contains(errOut, "1 of 4 tests failed") {
		t.Errorf("rules test with a failure: exit %d, stderr %q; want 1 and the count", code, errOut)
	}

	_, errOut, code = runStatus(t, "rules", "test", rulesFile("ltv_test.yaml"), rulesFile("ltv.yaml"))
	if code != 1 || !strings.Contains(errOut, rulesFile("ltv.yaml")+": test file: line 2: field rules not found") ||
		!strings.Contains(errOut, "1 of 2 files could not run") {
		t.Errorf("rules test of a rule file: exit %d, stderr %q; want 1 naming the unknown key", code, errOut)
	}
}
