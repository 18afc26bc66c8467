package csvimport_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"groundtruth/csvimport"
)

// TestDocsExamples parses every example of docs/import.md, each a ```csv block after a
// comment "<!-- example: KIND [commodity=.. unit=.. currency=..] -->", so that the
// documented files stay valid.
func TestDocsExamples(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "import.md"))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(string(doc), "<!-- example: ")
	seen := map[string]bool{}
	for _, part := range parts[1:] {
		head, rest, _ := strings.Cut(part, " -->")
		words := strings.Fields(head)
		kind := words[0]
		var o csvimport.Options
		for _, w := range words[1:] {
			k, v, _ := strings.Cut(w, "=")
			switch k {
			case "commodity":
				o.Commodity = v
			case "unit":
				o.Unit = v
			case "currency":
				o.Currency = v
			}
		}
		_, body, ok := strings.Cut(rest, "```csv\n")
		body, _, ok2 := strings.Cut(body, "```")
		if !ok || !ok2 {
			t.Fatalf("example %q has no ```csv block", head)
		}
		b, err := csvimport.Parse(kind, strings.NewReader(body), o)
		if err != nil {
			t.Errorf("example %q: %v", head, err)
			continue
		}
		if want := strings.Count(strings.TrimSpace(body), "\n"); b.Len() == 0 || kind != "prices" && b.Len() != want {
			t.Errorf("example %q: %d records, want %d", head, b.Len(), want)
		}
		seen[kind] = true
	}
	for _, k := range csvimport.Kinds {
		if !seen[k] {
			t.Errorf("docs/import.md has no example of %s", k)
		}
	}
}
