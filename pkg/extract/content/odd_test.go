package content

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/internal/fixtures"
)

// TestOddInputs feeds pages that are not articles — empty, plain text,
// frames, giant nodes, broken JSON-LD, and the feed fixtures (XML,
// HTML served as a feed) — and checks the result stays well-formed.
func TestOddInputs(t *testing.T) {
	testdata := fixtures.Path(t)
	files, err := filepath.Glob(filepath.Join(testdata, "feeds", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no feed fixtures: %v", err)
	}
	inputs := []string{"", "plain text", "<frameset><frame src=a></frameset>", "<svg><text>x</text></svg>", "<p>" + strings.Repeat("a", 1<<20) + "</p>",
		"<table>" + strings.Repeat("<tr><td>x, y, z and some words here to be long enough</td></tr>", 5000) + "</table>",
		strings.Repeat("<b>", 400) + "text, text, text, more text, to be long enough" + strings.Repeat("</b>", 400),
		"<body><pre>" + strings.Repeat("line\n", 1000) + "</pre></body>", "<html><head><script type=\"application/ld+json\">{bad json</script></head></html>",
		"<html><head><script type=\"application/ld+json\">[{\"articleBody\": 5}, {\"articleBody\": \"<p>x</p><p\"}]</script></head><body><p>short</p></body></html>",
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, string(b))
	}
	for i, in := range inputs {
		doc := parse(t, in)
		r := Extract(doc, Options{BodySelector: "p"})
		r2 := Extract(parse(t, in), Options{Title: "x"})
		if r.Confidence < 0 || r.Confidence > 1 || r2.Confidence < 0 || r2.Confidence > 1 {
			t.Errorf("input %d: confidence", i)
		}
		if msg := checkHTML(r2.HTML); msg != "" {
			t.Errorf("input %d: %s", i, msg)
		}
	}
}
