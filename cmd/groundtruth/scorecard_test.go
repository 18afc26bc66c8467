package main_test

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestScorecardCommands trains a scorecard on the German credit data, applies it and
// writes its reports: the holdout AUC is well above chance, every row gets points and a
// PD, and the HTML report is a page of its own.
func TestScorecardCommands(t *testing.T) {
	data := filepath.Join("..", "..", "..", "shared", "data", "credit", "caret_GermanCredit.csv")
	if _, err := os.Stat(data); err != nil {
		if os.Getenv("GT_REQUIRE_DATA") == "1" {
			t.Fatalf("GT_REQUIRE_DATA=1 but %s: %v", data, err)
		}
		t.Skipf("shared data missing: %v", err)
	}
	dir := t.TempDir()
	model, page := filepath.Join(dir, "german.json"), filepath.Join(dir, "german.html")
	out, errOut, code := runStatus(t, "scorecard", "train", data, "--target", "Class", "--bad", "Bad", "--out", model, "--html", page)
	m := regexp.MustCompile(`holdout: AUC ([0-9.]+)`).FindStringSubmatch(out)
	if code != 0 || m == nil || !strings.Contains(errOut, "100%") {
		t.Fatalf("scorecard train: exit %d\n%s%s", code, out, errOut)
	}
	if auc, _ := strconv.ParseFloat(m[1], 64); auc < 0.7 {
		t.Errorf("holdout AUC %v", auc)
	}
	out, _, code = runStatus(t, "scorecard", "apply", "--scorecard", model, data)
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(rows) != 1001 || rows[0][len(rows[0])-2] != "points" {
		t.Fatalf("scorecard apply: exit %d, %d rows, %v", code, len(rows), err)
	}
	if pd, err := strconv.ParseFloat(rows[1][len(rows[1])-1], 64); err != nil || pd <= 0 || pd >= 1 {
		t.Errorf("first row's PD %q", rows[1][len(rows[1])-1])
	}
	if out, _, code := runStatus(t, "scorecard", "report", model); code != 0 || !strings.Contains(out, "WOE = ln(%good/%bad)") {
		t.Errorf("scorecard report: exit %d\n%s", code, out)
	}
	if b, err := os.ReadFile(page); err != nil || !strings.Contains(string(b), "<svg") || !strings.Contains(string(b), "</html>") {
		t.Errorf("HTML report: %v", err)
	}

	// --set-pd: three applicants' scores become their loans' PDs through the API.
	sdata := t.TempDir()
	srv := startServer(t, sdata)
	tout := run(t, "tenant", "create", "--data", sdata, "--id", "scorebank", "Score Bank")
	key := strings.TrimSpace(tout[strings.LastIndex(strings.TrimSpace(tout), "\n")+1:])
	raw, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(string(raw), "\n", 5)
	var loans []string
	apps := "loan_id," + lines[0] + "\n"
	for i := 1; i <= 3; i++ {
		id := "app-" + strconv.Itoa(i)
		apps += id + "," + strings.TrimRight(lines[i], "\r") + "\n"
		loans = append(loans, `{"id":"`+id+`","borrower_id":"b","product":"inventory","principal":{"amount":1000000,"currency":"EUR"},"start_date":"2026-01-01T00:00:00Z","maturity_date":"2028-01-01T00:00:00Z"}`)
	}
	if c, m := call(t, "POST", srv.base+"/api/v1/records", key, `{"parties":[{"id":"b","name":"B","roles":["borrower"]}],"loans":[`+strings.Join(loans, ",")+`]}`); c != 200 {
		t.Fatalf("records: %d %v", c, m)
	}
	appsFile := filepath.Join(dir, "apps.csv")
	if err := os.WriteFile(appsFile, []byte(apps), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = runStatus(t, "scorecard", "apply", "--scorecard", model, "--set-pd", "--origination", "--server", srv.base, "--api-key", key, appsFile)
	scored, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(scored) != 4 || !strings.Contains(errOut, "set the PD of 3 loans") {
		t.Fatalf("scorecard apply --set-pd: exit %d %v\n%s%s", code, err, out, errOut)
	}
	for _, r := range scored[1:] {
		want, _ := strconv.ParseFloat(r[len(r)-1], 64)
		c, m := call(t, "GET", srv.base+"/api/v1/loans/"+r[0], key, "")
		pd, _ := m["pd"].(float64)
		po, _ := m["pd_at_origination"].(float64)
		if c != 200 || math.Abs(pd-want) > 5e-7 || po != pd {
			t.Errorf("loan %s: %d, pd %v and at origination %v, the score's PD %v", r[0], c, m["pd"], m["pd_at_origination"], want)
		}
	}
	// An applicant whose loan does not exist: nothing is set, the line is named.
	bad := strings.Replace(apps, "app-2,", "app-9,", 1)
	if err := os.WriteFile(appsFile, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	c0, before := call(t, "GET", srv.base+"/api/v1/loans/app-1", key, "")
	_, errOut, code = runStatus(t, "scorecard", "apply", "--scorecard", model, "--set-pd", "--server", srv.base, "--api-key", key, appsFile)
	c1, after := call(t, "GET", srv.base+"/api/v1/loans/app-1", key, "")
	if code == 0 || !strings.Contains(errOut, "line 3: no loan \"app-9\"") || c0 != 200 || c1 != 200 || before["version"] != after["version"] {
		t.Errorf("an unknown loan: exit %d %s; app-1 version %v -> %v", code, errOut, before["version"], after["version"])
	}
}
