package content

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/newsflow/newsflow/internal/fixtures"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"github.com/newsflow/newsflow/pkg/evaluate"
)

// BenchmarkContent times Extract alone over the benchmark corpus; parsing
// happens outside the timer (Extract modifies the tree, so each pass needs
// fresh trees).
func BenchmarkContent(b *testing.B) {
	testdata := fixtures.Path(b)
	c, err := evaluate.LoadCorpus(filepath.Join(testdata, fixtures.Benchmark))
	if err != nil {
		b.Fatal(err)
	}
	var pages [][]byte
	for _, p := range c.Pages {
		h, err := c.HTML(p.ID)
		if err != nil {
			b.Fatal(err)
		}
		pages = append(pages, h)
	}
	docs := make([]*goquery.Document, len(pages))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		for i, p := range pages {
			root, err := html.Parse(bytes.NewReader(p))
			if err != nil {
				b.Fatal(err)
			}
			docs[i] = goquery.NewDocumentFromNode(root)
		}
		b.StartTimer()
		for _, d := range docs {
			Extract(d, Options{})
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N)/float64(len(pages)), "ms/page")
}
