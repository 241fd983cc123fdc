// Package pipebench is `newsflow bench --pipeline`: the whole pipeline, as
// `newsflow up` runs it, crawling a local origin that serves a corpus of
// pages under unique URLs on many loopback hosts. It measures throughput,
// served→stored latency, CPU per article (per stage, from a labelled CPU
// profile), peak memory and bytes through NATS, and in the same run the
// ceilings — one core's extraction and parse rates, JetStream's and
// Redis's write rates for the same payloads — so that every figure is also
// a ratio, which travels between machines where raw numbers do not.
package pipebench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"time"

	"github.com/newsflow/newsflow/pkg/evaluate"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/extract/trim"
)

// Options of a run.
type Options struct {
	Dir        string        // corpus: html/<id>.html.gz and ground-truth.json (evaluate.LoadCorpus)
	Pages      int           // items crawled at full speed
	Rate       float64       // offered rate of the paced phase, items/s (0: no paced phase)
	PacedFor   time.Duration // length of the paced phase
	Hosts      int           // loopback sites the items are spread over
	HostDelay  time.Duration // FETCHER_HOST_DELAY for the run
	DataDir    string        // where NATS and Redis keep their data ("": a temporary directory, removed)
	CPUProfile string        // write the full-speed phase's CPU profile here ("": not kept)
	MemProfile string        // write a heap profile at the end of the full-speed phase here ("": none)
	SSEClients int           // clients following the store's /v1/stream (0: none)
	Topology   Topology      // how the pipeline runs (default InProcess)
	Parsers    int           // parser processes with Services (default 2)
	BinDir     string        // the binaries of a process topology ("": built from Source with go build)
	Source     string        // the repository the binaries are built from
	StallAfter time.Duration // give up when nothing is stored for this long (default 60s)
	CeilingFor time.Duration // minimum time of each one-core ceiling (default 2s)
	Log        *slog.Logger  // the pipeline's logs (default: discarded)
	Progress   io.Writer     // a progress line while phases run (nil: none)
}

// Topology is how the bench runs the pipeline.
type Topology string

const (
	// InProcess runs fetcher, parser and store in this process, on an
	// embedded NATS, as `newsflow up` does; the CPU profile splits them.
	InProcess Topology = "in-process"
	// Services runs each stage as a process of its service binary, on this
	// process's NATS.
	Services Topology = "services"
	// Up runs `newsflow up` as a process, on the NATS it embeds: its
	// memory is the pipeline's alone.
	Up Topology = "up"
)

// Report is the outcome of a run; it is also the --json output.
type Report struct {
	Machine  Machine  `json:"machine"`
	Setup    Setup    `json:"setup"`
	Ceilings Ceilings `json:"ceilings"`
	Phases   []Phase  `json:"phases"`
}

// Machine says where the figures come from.
type Machine struct {
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	GoVersion  string `json:"go_version"`
	OS         string `json:"os"`
}

// Setup is what was crawled and how.
type Setup struct {
	Corpus       string   `json:"corpus"`
	CorpusPages  int      `json:"corpus_pages"`
	MeanPageKB   float64  `json:"mean_page_kb"`
	Hosts        int      `json:"hosts"`
	HostDelay    string   `json:"host_delay"`
	Topology     Topology `json:"topology"`
	Parsers      int      `json:"parser_processes,omitempty"`
	RawStream    string   `json:"raw_stream_compression"`
	TrimPages    bool     `json:"trim_pages"` // not FETCHER_WHOLE_PAGES
	SSEClients   int      `json:"sse_clients"`
	GOMEMLIMITMB float64  `json:"gomemlimit_mb,omitempty"`
	// HarnessRSSMB is this process's resident set before the pipeline
	// started: the corpus in memory, the origin and the Go runtime. Peak RSS
	// counts it, except with Up (whose peak is that process's alone);
	// `newsflow up` on its own would not have it.
	HarnessRSSMB float64 `json:"harness_rss_mb"`
}

// Phase is one crawl: paced (items offered at a fixed rate) or full speed
// (every item listed at once).
type Phase struct {
	Name        string  `json:"name"`
	Items       int     `json:"items"`
	Stored      int     `json:"stored"`
	DeadLetters int     `json:"dead_letters"`
	OfferedRate float64 `json:"offered_per_s,omitempty"` // paced only

	Seconds        float64 `json:"seconds"` // first page served to last article stored
	ArticlesPerSec float64 `json:"articles_per_s"`
	LatencyMS      Latency `json:"served_to_stored_ms"`

	// CPU per stored article: this process less the bench's own origin and
	// watcher, then redis-server, and the split of the process by stage.
	CPUMSPerArticle      float64            `json:"cpu_ms_per_article"`
	RedisCPUMSPerArticle float64            `json:"redis_cpu_ms_per_article"`
	StageCPUMSPerArticle map[string]float64 `json:"stage_cpu_ms_per_article,omitempty"` // in process: the full-speed phase only
	GCPer1000            float64            `json:"gc_cycles_per_1000_articles"`
	// AllocMBPerArticle is the heap allocated per article (in process, the
	// origin's and the bench's too): what sets how often the GC runs.
	AllocMBPerArticle float64 `json:"alloc_mb_per_article"`

	// PeakRSSMB is the peak of the process that runs the pipeline's NATS:
	// this one (in process the whole pipeline, with the origin; services:
	// NATS and the origin), or `newsflow up` (up).
	PeakRSSMB float64 `json:"peak_rss_mb"`
	// ProcessPeakRSSMB is each process's peak (--topology services or up).
	ProcessPeakRSSMB map[string]float64 `json:"process_peak_rss_mb,omitempty"`
	RedisPeakRSSMB   float64            `json:"redis_peak_rss_mb"` // the redis-server child
	HeapMB           float64            `json:"heap_in_use_mb"`    // at the end of the phase (services: theirs, summed)
	// RSSEvery10s is that process's resident set every 10 s of the phase,
	// to tell a plateau from a leak in a long paced run.
	RSSEvery10s []float64 `json:"rss_mb_every_10s,omitempty"`

	// Bytes clients sent the server and the server sent clients; absent
	// with --topology up, whose NATS serves no monitoring.
	NATSInKBPerArticle  float64 `json:"nats_in_kb_per_article,omitempty"`
	NATSOutKBPerArticle float64 `json:"nats_out_kb_per_article,omitempty"`
	// Messages clients sent the server and the server sent clients: each
	// publish, ack, KV operation and API request, and each delivery and reply.
	NATSInMsgsPerArticle  float64 `json:"nats_in_msgs_per_article,omitempty"`
	NATSOutMsgsPerArticle float64 `json:"nats_out_msgs_per_article,omitempty"`
	RawKBPerArticle       float64 `json:"raw_stream_kb_per_article"`

	// SSEAddedMS is stored → received by an SSE client (duplicates hidden),
	// over every client and the items each was shown; SSEPerClient is how
	// many items a client was shown (the corpus's copies of a page are
	// duplicates: only each page's first copy is).
	SSEAddedMS   *Latency `json:"sse_added_ms,omitempty"`
	SSEPerClient float64  `json:"sse_items_per_client,omitempty"`

	Ratios Ratios `json:"ratios"`
}

// Latency percentiles of served→stored, in milliseconds.
type Latency struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Ratios are a phase's figures over the ceilings.
type Ratios struct {
	ToExtraction float64 `json:"articles_per_s_to_extraction"`                   // 1.0: the pipeline keeps up with one core extracting
	ToTrimmed    float64 `json:"articles_per_s_to_trimmed_extraction,omitempty"` // the same, of the pages as published
	ToParse      float64 `json:"articles_per_s_to_parse"`
	ToJetStream  float64 `json:"articles_per_s_to_jetstream"`
	ToRedis      float64 `json:"articles_per_s_to_redis"`
	CPUToExtract float64 `json:"cpu_per_article_to_extraction"` // pipeline CPU per article in extractions
	P50ToExtract float64 `json:"p50_to_extraction"`             // latency in extractions of one page
}

// Run crawls the corpus and reports.
func Run(ctx context.Context, o Options) (rep *Report, err error) {
	if o.Pages < 1 {
		return nil, errors.New("--pages must be at least 1")
	}
	if o.Rate < 0 || o.HostDelay < 0 {
		return nil, errors.New("--rate and --host-delay cannot be negative")
	}
	if o.StallAfter <= 0 {
		o.StallAfter = time.Minute
	}
	if o.CeilingFor <= 0 {
		o.CeilingFor = 2 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	switch o.Topology {
	case "":
		o.Topology = InProcess
	case InProcess, Up:
	case Services:
		if o.Parsers < 1 {
			o.Parsers = 2
		}
	default:
		return nil, fmt.Errorf("unknown topology %q", o.Topology)
	}
	pages, pageURLs, err := loadPages(o.Dir)
	if err != nil {
		return nil, err
	}
	paced := 0
	if o.Rate > 0 {
		paced = max(1, int(o.Rate*o.PacedFor.Seconds()))
	}
	org, err := newOrigin(pages, paced+o.Pages, o.Hosts)
	if err != nil {
		return nil, err
	}
	defer org.close()
	pprof.Do(ctx, pprof.Labels("stage", labelOrigin), func(context.Context) { org.serve() })
	runtime.GC()
	harnessRSS := float64(rss(0)) / (1 << 20)

	dir := o.DataDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "newsflow-bench-*"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
	}
	api := ""
	if o.SSEClients > 0 {
		if api, err = freeAddr(); err != nil {
			return nil, err
		}
	}
	bins := ""
	if o.Topology != InProcess {
		if o.BinDir == "" {
			fmt.Fprintf(o.Progress, "building the %s binaries…\n", o.Topology)
		}
		if bins, err = buildBinaries(ctx, o.Topology, o.Source, o.BinDir, dir); err != nil {
			return nil, err
		}
	}
	p, err := startPipeline(ctx, dir, o, org.feedURLs(), api, bins)
	if err != nil {
		return nil, err
	}
	defer p.close()
	var w *watcher
	var sse *readers
	pprof.Do(ctx, pprof.Labels("stage", labelBench), func(ctx context.Context) {
		if w, err = watch(ctx, p.rdb, p.prefix, org.urls); err != nil || api == "" {
			return
		}
		if err = waitHTTP(ctx, "http://"+api+"/v1/languages", time.Minute); err != nil {
			return
		}
		sse, err = follow(ctx, "http://"+api, o.SSEClients, org.urls)
	})
	if w != nil {
		defer w.close()
	}
	if sse != nil {
		defer sse.close()
	}
	if err != nil {
		return nil, err
	}

	b := &run{o: o, org: org, p: p, w: w, sse: sse}
	rep = &Report{
		Machine: Machine{CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), GoVersion: runtime.Version(),
			OS: runtime.GOOS + "/" + runtime.GOARCH},
		Setup: Setup{Corpus: o.Dir, CorpusPages: len(pages), Hosts: o.Hosts, HostDelay: o.HostDelay.String(),
			RawStream: rawCompression(), SSEClients: o.SSEClients, Topology: o.Topology, HarnessRSSMB: harnessRSS},
	}
	if o.Topology == Services {
		rep.Setup.Parsers = o.Parsers
	}
	if lim := debugMemoryLimit(); lim > 0 {
		rep.Setup.GOMEMLIMITMB = float64(lim) / (1 << 20)
	}
	var total int
	for _, pg := range pages {
		total += len(pg)
	}
	rep.Setup.MeanPageKB = float64(total) / float64(len(pages)) / 1024
	rep.Setup.TrimPages = p.trimPages
	if paced > 0 {
		ph, err := b.phase(ctx, fmt.Sprintf("paced %g/s", o.Rate), 0, paced, o.Rate, false)
		if err != nil {
			return nil, err
		}
		rep.Phases = append(rep.Phases, ph)
	}
	ph, err := b.phase(ctx, "full speed", paced, paced+o.Pages, 0, true)
	if err != nil {
		return nil, err
	}
	rep.Phases = append(rep.Phases, ph)
	if o.MemProfile != "" {
		if err := p.writeHeapProfile(ctx, o.MemProfile); err != nil {
			return nil, err
		}
	}
	if err := p.stopStages(); err != nil {
		return nil, err
	}

	fmt.Fprintf(o.Progress, "ceilings: extraction, parse, JetStream, Redis…\n")
	itemURL := func(i int) string { return fmt.Sprintf("http://127.0.0.%d/ceiling/%d", 10+i%o.Hosts, i) }
	c := &rep.Ceilings
	var arts []*events.Article
	if c.ExtractPerSec, arts, err = extractCeiling(pages, pageURLs, o.CeilingFor); err != nil {
		return nil, err
	}
	c.ExtractMSPerPage = 1000 / c.ExtractPerSec
	if c.ParsePerSec, err = parseCeiling(pages, o.CeilingFor); err != nil {
		return nil, err
	}
	// The parser gets, and JetStream carries, the pages as the fetcher
	// publishes them.
	published := pages
	if p.trimPages {
		published = make([][]byte, len(pages))
		for i, pg := range pages {
			published[i] = trim.Page(bytes.Clone(pg))
		}
		if c.ExtractTrimmedPerSec, _, err = extractCeiling(published, pageURLs, o.CeilingFor); err != nil {
			return nil, err
		}
		c.ExtractTrimmedMSPerPage = 1000 / c.ExtractTrimmedPerSec
	}
	if c.JetStreamPerSec, err = jetStreamCeiling(ctx, p.deps.NC, published, itemURL, o.Pages); err != nil {
		return nil, err
	}
	if c.RedisPerSec, err = redisCeiling(ctx, p.rdb, p.scfg, arts, itemURL, o.Pages); err != nil {
		return nil, err
	}
	for i := range rep.Phases {
		rep.Phases[i].ratios(*c)
	}
	return rep, nil
}

func (ph *Phase) ratios(c Ceilings) {
	div := func(a, b float64) float64 {
		if b == 0 {
			return 0
		}
		return a / b
	}
	ph.Ratios = Ratios{
		ToExtraction: div(ph.ArticlesPerSec, c.ExtractPerSec),
		ToTrimmed:    div(ph.ArticlesPerSec, c.ExtractTrimmedPerSec),
		ToParse:      div(ph.ArticlesPerSec, c.ParsePerSec),
		ToJetStream:  div(ph.ArticlesPerSec, c.JetStreamPerSec),
		ToRedis:      div(ph.ArticlesPerSec, c.RedisPerSec),
		CPUToExtract: div(ph.CPUMSPerArticle+ph.RedisCPUMSPerArticle, c.ExtractMSPerPage),
		P50ToExtract: div(ph.LatencyMS.P50, c.ExtractMSPerPage),
	}
}

// loadPages reads the corpus: each page's bytes and its URL.
func loadPages(dir string) ([][]byte, []string, error) {
	c, err := evaluate.LoadCorpus(dir)
	if err != nil {
		return nil, nil, err
	}
	var pages [][]byte
	var pageURLs []string
	for _, pg := range c.Pages {
		h, err := c.HTML(pg.ID)
		if err != nil {
			return nil, nil, err
		}
		// Exactly sized: the decoder's buffer grew by doubling, and the
		// slack (12 MB over the corpus) would count as the pipeline's RSS.
		pages = append(pages, bytes.Clone(h))
		pageURLs = append(pageURLs, pg.URL)
	}
	if len(pages) == 0 {
		return nil, nil, fmt.Errorf("no pages in %s", dir)
	}
	return pages, pageURLs, nil
}

// writeHeapProfile writes the pipeline's live heap (after a collection) to
// path: this process's, or with Up that of `newsflow up`, from its admin
// address.
func (p *pipeline) writeHeapProfile(ctx context.Context, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--memprofile: %w", err)
	}
	if p.up != nil {
		err = p.up.heapProfile(ctx, f)
	} else {
		runtime.GC()
		err = pprof.Lookup("heap").WriteTo(f, 0)
	}
	if err != nil {
		f.Close()
		return fmt.Errorf("--memprofile: %w", err)
	}
	return f.Close()
}

// rawCompression names how NEWSFLOW_RAW stores messages.
func rawCompression() string {
	for _, s := range events.DefaultTopology().Streams() {
		if s.Name == events.StreamRaw {
			return s.Compression.String()
		}
	}
	return ""
}

// debugMemoryLimit is the Go memory limit in force (math.MaxInt64: none).
func debugMemoryLimit() int64 {
	lim := debug.SetMemoryLimit(-1)
	if lim == 1<<63-1 {
		return 0
	}
	return lim
}
