package extract

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/internal/fixtures"

	"github.com/newsflow/newsflow/pkg/evaluate"
)

// evalFloor is a little under the F1 the extractor reaches on the benchmark;
// a change that drops below it is a regression.
const evalFloor = 0.982

// corpusContentType is what the benchmark pages are: its README says they
// are stored as UTF-8, whatever their markup declares. The benchmarks pass
// it as a fetcher would; the quality guard does not, as `newsflow eval`
// does not, so it covers charset detection too.
const corpusContentType = "text/html; charset=utf-8"

func benchmarkDir(t testing.TB) string {
	t.Helper()
	return fixtures.Path(t, fixtures.Benchmark)
}

func extractBody(page []byte, url string) (string, error) {
	a, err := Extract(Input{HTML: page, URL: url})
	if err != nil {
		return "", err
	}
	return a.BodyText, nil
}

func extractArticle(page []byte, url string) (evaluate.Article, error) {
	a, err := Extract(Input{HTML: page, URL: url})
	if err != nil {
		return evaluate.Article{}, err
	}
	return evaluate.ArticleOf(a), nil
}

// TestReadabilitySuite guards the second public corpus, Mozilla
// Readability's test pages (a different mix: blogs, docs, old news markup),
// body and metadata. The floors sit a little under what the extractor
// reaches today (F1 0.965; title 0.880, byline 0.770, published 1.000,
// language 1.000); go-trafilatura scores F1 0.956 here.
func TestReadabilitySuite(t *testing.T) {
	c, err := evaluate.LoadCorpus(fixtures.Path(t, "readability-suite"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.RunArticles(extractArticle)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := r.Print(&b, 10); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + b.String())
	if r.Errors > 0 || r.Empty > 0 {
		t.Errorf("%d pages failed to extract, %d came out empty", r.Errors, r.Empty)
	}
	if r.F1 < 0.965 {
		t.Errorf("F1 %.4f is below the floor 0.965 (the issue's bar; go-trafilatura scores 0.956)", r.F1)
	}
	floors := map[string]float64{"title": 0.87, "byline": 0.76, "published": 0.99, "language": 0.98}
	if len(r.Meta) != len(floors) {
		t.Errorf("scored %d metadata fields, want %d", len(r.Meta), len(floors))
	}
	for _, m := range r.Meta {
		if m.Correct() < floors[m.Field] {
			t.Errorf("%s: %.3f correct, below the floor %.2f", m.Field, m.Correct(), floors[m.Field])
		}
	}
}

func TestExtractionBenchmark(t *testing.T) {
	r, err := evaluate.Run(benchmarkDir(t), extractBody)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := r.Print(&b, 15); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + b.String())
	if r.Errors > 0 || r.Empty > 0 {
		t.Errorf("%d pages failed to extract, %d came out empty", r.Errors, r.Empty)
	}
	if r.F1 < evalFloor {
		t.Errorf("F1 %.4f is below the floor %.3f", r.F1, evalFloor)
	}
	if os.Getenv("NEWSFLOW_EVAL_DUMP") != "" {
		dumpPredictions(t, os.Getenv("NEWSFLOW_EVAL_DUMP"))
	}
}

// dumpPredictions writes each page's prediction next to its truth, for
// reading the worst pages by eye (NEWSFLOW_EVAL_DUMP=dir).
func dumpPredictions(t *testing.T, dir string) {
	c, err := evaluate.LoadCorpus(benchmarkDir(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Pages {
		page, err := c.HTML(p.ID)
		if err != nil {
			t.Fatal(err)
		}
		pred, _ := extractBody(page, p.URL)
		out := "URL " + p.URL + "\n==== PRED\n" + pred + "\n==== TRUTH\n" + p.Truth + "\n"
		if err := os.WriteFile(filepath.Join(dir, p.ID[:12]+".txt"), []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
