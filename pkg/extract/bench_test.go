package extract

import (
	"testing"

	"github.com/newsflow/newsflow/pkg/evaluate"
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
