package content

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/newsflow/newsflow/pkg/evaluate"
)

// contentFloor guards this package's share of the benchmark score on its
// own, without the metadata extractor: a little under what it reaches.
const contentFloor = 0.975

// extractPage parses a benchmark page (stored as UTF-8) and extracts its
// body with the page's og:title or <title> as the title.
func extractPage(page []byte, _ string) (string, error) {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(page))
	if err != nil {
		return "", err
	}
	title, _ := doc.Find(`meta[property="og:title"]`).Attr("content")
	if title == "" {
		title = doc.Find("title").First().Text()
	}
	return Extract(doc, Options{Title: strings.TrimSpace(title)}).Text, nil
}

func TestBenchmarkContentOnly(t *testing.T) {
	shared, err := evaluate.SharedDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(shared, evaluate.BenchmarkDir)
	r, err := evaluate.Run(dir, extractPage)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := r.Print(&b, 25); err != nil {
		t.Fatal(err)
	}
	t.Logf("F1 %.4f P %.4f R %.4f accuracy %.4f\n%s", r.F1, r.Precision, r.Recall, r.Accuracy, b.String())
	if r.F1 < contentFloor {
		t.Errorf("F1 %.4f is below the floor %.3f", r.F1, contentFloor)
	}
	if out := os.Getenv("NEWSFLOW_EVAL_DUMP"); out != "" {
		c, err := evaluate.LoadCorpus(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, s := range r.Pages {
			page, err := c.HTML(s.ID)
			if err != nil {
				t.Fatal(err)
			}
			pred, _ := extractPage(page, s.URL)
			var truth string
			for _, p := range c.Pages {
				if p.ID == s.ID {
					truth = p.Truth
				}
			}
			txt := "URL " + s.URL + "\n==== PRED\n" + pred + "\n==== TRUTH\n" + truth + "\n"
			if err := os.WriteFile(filepath.Join(out, s.ID[:12]+".txt"), []byte(txt), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
