package content

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/newsflow/newsflow/internal/fixtures"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"github.com/newsflow/newsflow/pkg/evaluate"
)

// contentFloor guards this package's share of the benchmark score on its
// own, without the metadata extractor: a little under what it reaches.
const contentFloor = 0.982

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
	testdata := fixtures.Path(t)
	dir := filepath.Join(testdata, fixtures.Benchmark)
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

// allowedTags are the only elements Result.HTML may contain; allowedAttrs
// the only attributes.
var (
	allowedTags = map[string]bool{
		"p": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "ul": true, "ol": true,
		"li": true, "blockquote": true, "table": true, "tr": true, "td": true, "th": true, "pre": true,
		"code": true, "em": true, "strong": true, "a": true, "br": true, "dl": true, "dt": true, "dd": true,
	}
	allowedAttrs = map[string]bool{"href": true}
)

// TestBenchmarkHTMLSanitized checks the HTML of every benchmark page: only
// structural tags, only href attributes, every tag closed in order.
func TestBenchmarkHTMLSanitized(t *testing.T) {
	testdata := fixtures.Path(t)
	c, err := evaluate.LoadCorpus(filepath.Join(testdata, fixtures.Benchmark))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Pages {
		page, err := c.HTML(p.ID)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := goquery.NewDocumentFromReader(bytes.NewReader(page))
		if err != nil {
			t.Fatal(err)
		}
		res := Extract(doc, Options{})
		if msg := checkHTML(res.HTML); msg != "" {
			t.Errorf("page %s: %s", p.ID[:12], msg)
		}
	}
}

func checkHTML(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var open []string
	for {
		switch z.Next() {
		case html.ErrorToken:
			if len(open) > 0 {
				return "unclosed " + strings.Join(open, ",")
			}
			return ""
		case html.StartTagToken:
			tok := z.Token()
			if !allowedTags[tok.Data] {
				return "tag " + tok.Data
			}
			for _, a := range tok.Attr {
				if !allowedAttrs[a.Key] {
					return "attribute " + a.Key
				}
			}
			if tok.Data != "br" {
				open = append(open, tok.Data)
			}
		case html.EndTagToken:
			tok := z.Token()
			if len(open) == 0 || open[len(open)-1] != tok.Data {
				return "misnested </" + tok.Data + "> in " + strings.Join(open, ",")
			}
			open = open[:len(open)-1]
		case html.SelfClosingTagToken:
			return "self-closing tag"
		}
	}
}

// TestConcurrentExtract runs extractions side by side, as the parser service
// does, and checks each gives what it gives alone: the pooled tables must
// not leak between pages.
func TestConcurrentExtract(t *testing.T) {
	c, err := evaluate.LoadCorpus(fixtures.Path(t, fixtures.Benchmark))
	if err != nil {
		t.Fatal(err)
	}
	pages := c.Pages[:24]
	want := make([]string, len(pages))
	htmls := make([][]byte, len(pages))
	for i, p := range pages {
		if htmls[i], err = c.HTML(p.ID); err != nil {
			t.Fatal(err)
		}
		if want[i], err = extractPage(htmls[i], p.URL); err != nil {
			t.Fatal(err)
		}
	}
	errs := make(chan string, len(pages)*4)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for k := range pages {
				i := (k + w*5) % len(pages)
				got, err := extractPage(htmls[i], pages[i].URL)
				if err != nil || got != want[i] {
					errs <- pages[i].ID[:12]
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for id := range errs {
		t.Errorf("page %s: concurrent extraction differs", id)
	}
}
