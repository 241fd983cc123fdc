package evaluate

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// Page is one benchmark page: its HTML and the human-written body, and the
// metadata the ground truth gives, where it gives any.
type Page struct {
	ID    string
	URL   string
	Truth string
	Meta  Meta
}

// Corpus is a benchmark directory: html/<id>.html.gz plus ground-truth.json
// mapping each id to {url, articleBody} and optionally title, byline,
// published and language.
type Corpus struct {
	Dir   string
	Pages []Page // sorted by id, so runs are reproducible
}

// maxPageBytes bounds one decompressed page, so a corrupt or hostile archive
// cannot exhaust memory.
const maxPageBytes = 64 << 20

// LoadCorpus reads the ground truth of the benchmark in dir.
func LoadCorpus(dir string) (*Corpus, error) {
	data, err := os.ReadFile(filepath.Join(dir, "ground-truth.json"))
	if err != nil {
		return nil, fmt.Errorf("load corpus: %w", err)
	}
	var truth map[string]struct {
		URL         string `json:"url"`
		ArticleBody string `json:"articleBody"`
		Meta
	}
	if err := json.Unmarshal(data, &truth); err != nil {
		return nil, fmt.Errorf("load corpus %s: ground truth: %w", dir, err)
	}
	if len(truth) == 0 {
		return nil, fmt.Errorf("load corpus %s: ground truth has no pages", dir)
	}
	c := &Corpus{Dir: dir}
	for id, t := range truth {
		c.Pages = append(c.Pages, Page{ID: id, URL: t.URL, Truth: t.ArticleBody, Meta: t.Meta})
	}
	sort.Slice(c.Pages, func(i, j int) bool { return c.Pages[i].ID < c.Pages[j].ID })
	return c, nil
}

// HTML returns the decompressed page bytes of id.
func (c *Corpus) HTML(id string) ([]byte, error) {
	f, err := os.Open(filepath.Join(c.Dir, "html", id+".html.gz"))
	if err != nil {
		return nil, fmt.Errorf("page %s: %w", id, err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("page %s: %w", id, err)
	}
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(zr, maxPageBytes+1))
	if err != nil {
		return nil, fmt.Errorf("page %s: %w", id, err)
	}
	if n > maxPageBytes {
		return nil, fmt.Errorf("page %s: larger than %d bytes", id, maxPageBytes)
	}
	return buf.Bytes(), nil
}

// ExtractFunc returns the body text an extractor finds in one page.
type ExtractFunc func(html []byte, url string) (string, error)

// Report is the result of one corpus run.
type Report struct {
	// Name is the corpus's directory name.
	Name                            string
	F1, Precision, Recall, Accuracy float64
	// Empty counts pages with a true body where nothing was extracted.
	Empty int
	// Meta scores the metadata fields the ground truth has (RunArticles only).
	Meta []MetaScore
	// Pages holds every page's score, worst (lowest page F1) first.
	Pages []PageScore
	// Errors counts pages the extractor failed on; they score as empty.
	Errors int
}

// Run extracts every page of the benchmark in dir with fn and scores it.
// An extractor error on one page scores that page as empty and is kept in
// its PageScore; only a corpus that cannot be read fails the run.
func Run(dir string, fn ExtractFunc) (Report, error) {
	c, err := LoadCorpus(dir)
	if err != nil {
		return Report{}, err
	}
	return c.Run(fn)
}

// Run extracts and scores the body of every page of c.
func (c *Corpus) Run(fn ExtractFunc) (Report, error) {
	return c.run(func(page []byte, url string) (Article, error) {
		body, err := fn(page, url)
		return Article{Body: body}, err
	}, false)
}

// RunArticles extracts every page of c and scores its body and the
// metadata fields the ground truth gives.
func (c *Corpus) RunArticles(fn ArticleFunc) (Report, error) { return c.run(fn, true) }

func (c *Corpus) run(fn ArticleFunc, meta bool) (Report, error) {
	scores := make([]PageScore, 0, len(c.Pages))
	var tally metaTally
	for _, p := range c.Pages {
		page, err := c.HTML(p.ID)
		if err != nil {
			return Report{}, fmt.Errorf("run %s: %w", c.Dir, err)
		}
		pred, xerr := fn(page, p.URL)
		if xerr != nil {
			pred = Article{}
		}
		s := Score(p.Truth, pred.Body)
		s.ID, s.URL, s.Err = p.ID, p.URL, xerr
		scores = append(scores, s)
		if meta {
			tally.add(p.Meta, pred)
		}
	}
	r := Summarize(scores)
	r.Name = filepath.Base(c.Dir)
	if meta {
		r.Meta = tally.scores()
	}
	return r, nil
}

// Summarize computes the corpus metric from page scores: precision and recall
// are means over the pages that count for each, F1 is their harmonic mean,
// accuracy the share of exact pages.
func Summarize(scores []PageScore) Report {
	var r Report
	var np, nr, exact int
	for _, s := range scores {
		if s.HasPrecision {
			r.Precision += s.Precision
			np++
		}
		if s.HasRecall {
			r.Recall += s.Recall
			nr++
		}
		if s.Exact {
			exact++
		}
		if s.Err != nil {
			r.Errors++
		}
		if s.Empty {
			r.Empty++
		}
	}
	if np > 0 {
		r.Precision /= float64(np)
	}
	if nr > 0 {
		r.Recall /= float64(nr)
	}
	if r.Precision+r.Recall > 0 {
		r.F1 = 2 * r.Precision * r.Recall / (r.Precision + r.Recall)
	}
	if len(scores) > 0 {
		r.Accuracy = float64(exact) / float64(len(scores))
	}
	r.Pages = append([]PageScore(nil), scores...)
	sort.SliceStable(r.Pages, func(i, j int) bool {
		fi, fj := r.Pages[i].F1(), r.Pages[j].F1()
		if fi != fj {
			return fi < fj
		}
		return r.Pages[i].ID < r.Pages[j].ID
	})
	return r
}

// Print writes the corpus figures and the worstN worst pages.
func (r Report) Print(w io.Writer, worstN int) error {
	_, err := fmt.Fprintf(w, "F1 %.3f  precision %.3f  recall %.3f  accuracy %.3f  (%d pages, %d empty, %d errors)\n",
		r.F1, r.Precision, r.Recall, r.Accuracy, len(r.Pages), r.Empty, r.Errors)
	if err != nil {
		return fmt.Errorf("print report: %w", err)
	}
	for _, m := range r.Meta {
		if _, err := fmt.Fprintf(w, "  %-9s correct %.3f  found %.3f  (%d pages)\n", m.Field, m.Correct(), m.Coverage(), m.Pages); err != nil {
			return fmt.Errorf("print report: %w", err)
		}
	}
	for i, s := range r.Pages {
		if i >= worstN {
			break
		}
		line := fmt.Sprintf("  F1 %.3f  P %.3f  R %.3f  %.12s  %s", s.F1(), s.Precision, s.Recall, s.ID, s.URL)
		if s.Err != nil {
			line += "  error: " + s.Err.Error()
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return fmt.Errorf("print report: %w", err)
		}
	}
	return nil
}
