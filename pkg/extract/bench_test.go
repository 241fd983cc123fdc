package extract

import (
	"testing"

	"github.com/newsflow/newsflow/pkg/evaluate"
	"golang.org/x/net/html"
)

type benchPage struct {
	url  string
	html []byte
}

// loadBenchPages decompresses the whole benchmark corpus, so the timed loop
// measures extraction only.
func loadBenchPages(b *testing.B) ([]benchPage, int64) {
	b.Helper()
	c, err := evaluate.LoadCorpus(benchmarkDir(b))
	if err != nil {
		b.Fatal(err)
	}
	var pages []benchPage
	var total int64
	for _, p := range c.Pages {
		h, err := c.HTML(p.ID)
		if err != nil {
			b.Fatal(err)
		}
		pages = append(pages, benchPage{url: p.URL, html: h})
		total += int64(len(h))
	}
	return pages, total
}

// BenchmarkExtract runs the whole extractor over the corpus; one op is one
// pass over all pages. Run with GOMAXPROCS=1 for per-core figures.
func BenchmarkExtract(b *testing.B) {
	pages, total := loadBenchPages(b)
	b.SetBytes(total)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, p := range pages {
			if _, err := Extract(Input{HTML: p.html, URL: p.url, ContentType: corpusContentType}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N)/float64(len(pages)), "ms/page")
}

// BenchmarkParseOnly is the floor: decoding and parsing the same pages.
func BenchmarkParseOnly(b *testing.B) {
	pages, total := loadBenchPages(b)
	b.SetBytes(total)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, p := range pages {
			if _, err := Parse(p.html, corpusContentType); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N)/float64(len(pages)), "ms/page")
}

// BenchmarkSwallowedCheck is the cost, per page, of looking for a page
// swallowed by an unclosed title or comment, which every Parse pays; compare
// with BenchmarkParseOnly.
func BenchmarkSwallowedCheck(b *testing.B) {
	pages, _ := loadBenchPages(b)
	docs := make([]*html.Node, len(pages))
	for i, p := range pages {
		doc, err := Parse(p.html, corpusContentType)
		if err != nil {
			b.Fatal(err)
		}
		docs[i] = doc.Nodes[0]
	}
	b.ResetTimer()
	for b.Loop() {
		for i, d := range docs {
			if swallowed(d, pages[i].html) != nil {
				b.Fatal("a benchmark page reads as swallowed")
			}
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N)/float64(len(pages)), "ms/page")
}
