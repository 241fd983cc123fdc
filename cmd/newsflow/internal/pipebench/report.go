package pipebench

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// WriteTable prints r for people: the ceilings, then one column per phase,
// each figure followed by its ratios.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	s, c := r.Setup, r.Ceilings
	topo := string(s.Topology)
	if s.Parsers > 0 {
		topo += fmt.Sprintf(" (fetcher, %d parsers, store)", s.Parsers)
	}
	fmt.Fprintf(tw, "newsflow bench --pipeline, %s: %d corpus pages (%.0f KB mean), %d hosts, host delay %s, raw stream compression %s\n",
		topo, s.CorpusPages, s.MeanPageKB, s.Hosts, s.HostDelay, s.RawStream)
	if s.TrimPages {
		fmt.Fprint(tw, "pages trimmed by the fetcher (FETCHER_WHOLE_PAGES unset): the parser extracts the trimmed pages\n")
	}
	fmt.Fprintf(tw, "machine: %d CPUs, GOMAXPROCS %d, %s, %s", r.Machine.CPUs, r.Machine.GOMAXPROCS, r.Machine.OS, r.Machine.GoVersion)
	if s.GOMEMLIMITMB > 0 {
		fmt.Fprintf(tw, ", GOMEMLIMIT %.0f MiB", s.GOMEMLIMITMB)
	}
	if s.Topology == Up {
		fmt.Fprint(tw, "\npeak RSS is newsflow up's, a process of its own: the corpus and the origin are not in it")
	} else {
		fmt.Fprintf(tw, "\nbefore the pipeline started, this process (corpus, origin) held %.0f MB resident: peak RSS includes it", s.HarnessRSSMB)
	}
	fmt.Fprint(tw, "\n\nceilings (same pages, same run)\t\n")
	fmt.Fprintf(tw, "  extraction, one core\t%.0f pages/s\t(%.2f ms/page)\n", c.ExtractPerSec, c.ExtractMSPerPage)
	if c.ExtractTrimmedPerSec > 0 {
		fmt.Fprintf(tw, "  extraction of trimmed pages, one core\t%.0f pages/s\t(%.2f ms/page)\n", c.ExtractTrimmedPerSec, c.ExtractTrimmedMSPerPage)
	}
	fmt.Fprintf(tw, "  goquery parse only, one core\t%.0f pages/s\t\n", c.ParsePerSec)
	fmt.Fprintf(tw, "  JetStream publish, raw pages\t%.0f msgs/s\t\n", c.JetStreamPerSec)
	fmt.Fprintf(tw, "  Redis write, store upsert\t%.0f articles/s\t\n\n", c.RedisPerSec)

	row := func(name string, f func(p Phase) string) {
		cells := []string{name}
		for _, p := range r.Phases {
			cells = append(cells, f(p))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	num := func(format string, f func(p Phase) float64) func(p Phase) string {
		return func(p Phase) string { return fmt.Sprintf(format, f(p)) }
	}
	row("phase", func(p Phase) string { return p.Name })
	row("articles stored (dead letters)", func(p Phase) string { return fmt.Sprintf("%d/%d (%d)", p.Stored, p.Items, p.DeadLetters) })
	row("offered, articles/s", func(p Phase) string {
		if p.OfferedRate == 0 {
			return "all at once"
		}
		return fmt.Sprintf("%.0f", p.OfferedRate)
	})
	row("end to end, articles/s", num("%.0f", func(p Phase) float64 { return p.ArticlesPerSec }))
	row("  × one core's extraction", num("%.2f", func(p Phase) float64 { return p.Ratios.ToExtraction }))
	if c.ExtractTrimmedPerSec > 0 {
		row("  × extraction of trimmed pages", num("%.2f", func(p Phase) float64 { return p.Ratios.ToTrimmed }))
	}
	row("  × parse only", num("%.2f", func(p Phase) float64 { return p.Ratios.ToParse }))
	row("  × JetStream publish", num("%.3f", func(p Phase) float64 { return p.Ratios.ToJetStream }))
	row("  × Redis write", num("%.3f", func(p Phase) float64 { return p.Ratios.ToRedis }))
	row("served → stored p50/p95/p99, ms", func(p Phase) string {
		return fmt.Sprintf("%.0f / %.0f / %.0f", p.LatencyMS.P50, p.LatencyMS.P95, p.LatencyMS.P99)
	})
	if s.SSEClients > 0 {
		row(fmt.Sprintf("stored → %d SSE client(s) p50/p95/p99, ms", s.SSEClients), func(p Phase) string {
			if p.SSEAddedMS == nil || p.SSEPerClient == 0 {
				return "— (no original shown)"
			}
			l := p.SSEAddedMS
			return fmt.Sprintf("%.1f / %.1f / %.1f", l.P50, l.P95, l.P99)
		})
		row("  items shown per client", num("%.0f", func(p Phase) float64 { return p.SSEPerClient }))
	}
	row("  p50 in extractions of one page", num("%.1f", func(p Phase) float64 { return p.Ratios.P50ToExtract }))
	row("CPU ms/article: pipeline + redis", func(p Phase) string {
		return fmt.Sprintf("%.2f + %.2f", p.CPUMSPerArticle, p.RedisCPUMSPerArticle)
	})
	row("  in extractions of one page", num("%.2f", func(p Phase) float64 { return p.Ratios.CPUToExtract }))
	row("  less one extraction (as parsed)", num("%.2f", func(p Phase) float64 {
		return p.CPUMSPerArticle + p.RedisCPUMSPerArticle - c.parsedExtractMS()
	}))
	for _, st := range phaseKeys(r.Phases, func(p Phase) map[string]float64 { return p.StageCPUMSPerArticle }) {
		row("  "+st, func(p Phase) string {
			if p.StageCPUMSPerArticle == nil {
				return "—"
			}
			return fmt.Sprintf("%.2f", p.StageCPUMSPerArticle[st])
		})
	}
	row("GC cycles per 1000 articles", num("%.0f", func(p Phase) float64 { return p.GCPer1000 }))
	row("heap allocated, MB/article", num("%.2f", func(p Phase) float64 { return p.AllocMBPerArticle }))
	row("peak RSS MB: process / redis", func(p Phase) string { return fmt.Sprintf("%.0f / %.0f", p.PeakRSSMB, p.RedisPeakRSSMB) })
	for _, name := range phaseKeys(r.Phases, func(p Phase) map[string]float64 { return p.ProcessPeakRSSMB }) {
		row("  "+name, num("%.0f", func(p Phase) float64 { return p.ProcessPeakRSSMB[name] }))
	}
	row("RSS MB after 1 min / at end", func(p Phase) string {
		if len(p.RSSEvery10s) < 6 {
			return "—"
		}
		return fmt.Sprintf("%.0f / %.0f", p.RSSEvery10s[5], p.RSSEvery10s[len(p.RSSEvery10s)-1])
	})
	row("heap in use at end, MB", num("%.0f", func(p Phase) float64 { return p.HeapMB }))
	// `newsflow up` serves no NATS monitoring.
	nats := func(format string, in, out func(p Phase) float64) func(p Phase) string {
		return func(p Phase) string {
			if s.Topology == Up {
				return "—"
			}
			return fmt.Sprintf(format, in(p), out(p))
		}
	}
	row("NATS KB/article in / out", nats("%.0f / %.0f",
		func(p Phase) float64 { return p.NATSInKBPerArticle }, func(p Phase) float64 { return p.NATSOutKBPerArticle }))
	row("NATS messages/article in / out", nats("%.1f / %.1f",
		func(p Phase) float64 { return p.NATSInMsgsPerArticle }, func(p Phase) float64 { return p.NATSOutMsgsPerArticle }))
	row("NEWSFLOW_RAW KB/article stored", func(p Phase) string {
		return fmt.Sprintf("%.0f (page %.0f)", p.RawKBPerArticle, s.MeanPageKB)
	})
	return tw.Flush()
}

// phaseKeys is every key of the map field of any phase, sorted: the rows of
// a per-stage or per-process breakdown, whichever phases measured them.
func phaseKeys(phases []Phase, field func(Phase) map[string]float64) []string {
	var keys []string
	for _, p := range phases {
		for k := range field(p) {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	return keys
}
