package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"time"

	"github.com/newsflow/newsflow/pkg/evaluate"
	"github.com/newsflow/newsflow/pkg/extract"
)

// cmdBench measures extraction speed on one core over a benchmark corpus and
// reports it as a ratio to parsing alone, which is the floor any goquery
// extractor pays. Ratios travel between machines; raw times do not.
// With --pipeline it benchmarks the whole pipeline instead (benchpipeline.go).
func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if slices.ContainsFunc(args, func(a string) bool { return a == "--pipeline" || a == "-pipeline" }) {
		return cmdBenchPipeline(ctx, args, stdout, stderr)
	}
	fs := newCommand("bench", `usage: newsflow bench [--dir DIR] [--rounds N]
       newsflow bench --pipeline [flags]   (the whole pipeline; see newsflow bench --pipeline --help)

Measures extraction speed on one core: ms/page, MB/s, allocations, and the
ratio to parsing alone.
`)
	dir := fs.String("dir", "", "benchmark directory (default: the repository's testdata/extraction-benchmark)")
	rounds := fs.Int("rounds", 5, "passes over the corpus per measurement")
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) != 0:
		return fs.usageErr("unexpected argument %q (the corpus is given with --dir)", rest[0])
	case *rounds < 1:
		return fs.usageErr("--rounds must be at least 1")
	}
	corpus, err := corpusDir(*dir)
	if err != nil {
		return err
	}
	c, err := evaluate.LoadCorpus(corpus)
	if err != nil {
		return err
	}
	type page struct {
		url  string
		html []byte
	}
	var pages []page
	var total int64
	for _, p := range c.Pages {
		h, err := c.HTML(p.ID)
		if err != nil {
			return err
		}
		pages = append(pages, page{p.URL, h})
		total += int64(len(h))
	}
	if len(pages) == 0 {
		return fmt.Errorf("no pages in %s", corpus)
	}
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)

	measure := func(fn func(p page) error) (perPage time.Duration, allocs uint64, err error) {
		for _, p := range pages { // warm up
			if err := fn(p); err != nil {
				return 0, 0, err
			}
		}
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		for range *rounds {
			for _, p := range pages {
				if err := fn(p); err != nil {
					return 0, 0, err
				}
			}
		}
		elapsed := time.Since(start)
		runtime.ReadMemStats(&after)
		n := uint64(*rounds * len(pages))
		return elapsed / time.Duration(n), (after.Mallocs - before.Mallocs) / n, nil
	}
	parse, parseAllocs, err := measure(func(p page) error { _, err := extract.Parse(p.html, ""); return err })
	if err != nil {
		return err
	}
	full, fullAllocs, err := measure(func(p page) error {
		_, err := extract.Extract(extract.Input{HTML: p.html, URL: p.url})
		return err
	})
	if err != nil {
		return err
	}
	mb := float64(total) / float64(len(pages)) / 1e6
	fmt.Fprintf(stdout, "%d pages, %.0f KB/page, GOMAXPROCS=1, %d rounds\n", len(pages), mb*1000, *rounds)
	fmt.Fprintf(stdout, "parse only  %6.2f ms/page  %6.1f MB/s  %6d allocs/page\n", ms(parse), mb/parse.Seconds(), parseAllocs)
	fmt.Fprintf(stdout, "extract     %6.2f ms/page  %6.1f MB/s  %6d allocs/page\n", ms(full), mb/full.Seconds(), fullAllocs)
	fmt.Fprintf(stdout, "extract / parse = %.2f\n", full.Seconds()/parse.Seconds())
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
