package meta_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/fixtures"

	"github.com/PuerkitoBio/goquery"

	"github.com/newsflow/newsflow/pkg/extract/meta"
)

// corpusDir is the extraction benchmark in the repository's testdata.
func corpusDir(tb testing.TB) string { return fixtures.Path(tb, fixtures.Benchmark) }

type corpusPage struct {
	name string
	url  *url.URL
	doc  *goquery.Document
	html []byte
}

// loadCorpus decompresses and parses the benchmark pages, outside any timer.
func loadCorpus(tb testing.TB) []corpusPage {
	tb.Helper()
	dir := corpusDir(tb)
	files, _ := filepath.Glob(filepath.Join(dir, "html", "*.html.gz"))
	if len(files) == 0 {
		tb.Fatalf("no pages in %s/html", dir)
	}
	var truth map[string]struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(fixtures.Read(tb, fixtures.Benchmark, "ground-truth.json"), &truth); err != nil {
		tb.Fatalf("ground truth: %v", err)
	}
	var pages []corpusPage
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			tb.Fatal(err)
		}
		zr, err := gzip.NewReader(fh)
		if err != nil {
			tb.Fatal(err)
		}
		data, err := io.ReadAll(zr)
		fh.Close()
		if err != nil {
			tb.Fatal(err)
		}
		doc, err := goquery.NewDocumentFromReader(bytes.NewReader(data))
		if err != nil {
			tb.Fatal(err)
		}
		id := filepath.Base(f)
		id = id[:len(id)-len(".html.gz")]
		var u *url.URL
		if t, ok := truth[id]; ok {
			u, _ = url.Parse(t.URL)
		}
		pages = append(pages, corpusPage{name: id, url: u, doc: doc, html: data})
	}
	return pages
}

// BenchmarkMeta reports the cost of meta.Extract per page over the corpus
// as the pipeline runs it: each page is parsed just before (outside the
// timer), so its tree is as warm in the CPU caches as after html.Parse in
// extract.Extract. Run with GOMAXPROCS=1 -cpu 1. cpu-µs/page is the
// process CPU time, steadier than wall time on a shared machine; it
// includes collecting the parse's garbage when a GC cycle lands in
// Extract, as it does in the pipeline.
func BenchmarkMeta(b *testing.B) {
	pages := loadCorpus(b)
	runtime.GC()
	b.ResetTimer()
	var total, cpu time.Duration
	for i := 0; i < b.N; i++ {
		for _, p := range pages {
			b.StopTimer()
			doc, err := goquery.NewDocumentFromReader(bytes.NewReader(p.html))
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			c0, t0 := cpuTime(), time.Now()
			meta.Extract(doc, meta.Input{URL: p.url})
			total += time.Since(t0)
			cpu += cpuTime() - c0
		}
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N*len(pages)), "µs/page")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*len(pages)), "cpu-µs/page")
}

// BenchmarkMetaCold runs meta.Extract over trees parsed long before, whose
// nodes are no longer in the CPU caches: an upper bound.
func BenchmarkMetaCold(b *testing.B) {
	pages := loadCorpus(b)
	runtime.GC()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, p := range pages {
			meta.Extract(p.doc, meta.Input{URL: p.url})
		}
	}
	b.StopTimer()
	// Wall time suffers when the machine is shared; process CPU time
	// (with GOMAXPROCS=1, including GC) is the steadier figure.
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(pages)), "µs/page")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N*len(pages)), "cpu-µs/page")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
