package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"time"

	"github.com/newsflow/newsflow/cmd/newsflow/internal/pipebench"
	"github.com/newsflow/newsflow/internal/fixtures"
	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/pkg/obs"
	"github.com/newsflow/newsflow/pkg/service"
)

// cmdBenchPipeline is `newsflow bench --pipeline`: the whole pipeline
// against a local origin, with its ceilings measured in the same run.
func cmdBenchPipeline(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newCommand("bench --pipeline", `usage: newsflow bench --pipeline [--pages N] [--rate R] [--paced-for D] [--hosts N] [--sse-clients N] [--host-delay D]
                                [--topology in-process|services|up [--parsers N] [--bin-dir DIR]] [--json]

Runs the whole pipeline, as newsflow up does (the services' settings from
their environment variables), in this process or, with --topology up, as a
newsflow up process of its own (whose memory is then the pipeline's alone),
or with --topology services as the service binaries do (the fetcher,
--parsers parsers and the store, each a process), against a local origin
serving the corpus under unique URLs on many loopback hosts: a paced phase
(--rate articles/s for --paced-for) and a full-speed one (--pages articles
at once). Reports articles/s, served-to-stored latency, what the store's
/v1/stream adds for --sse-clients readers, CPU per article by stage, peak
RSS and bytes through NATS (not with --topology up), each also as a ratio
to a ceiling measured in the same run (one core's extraction and parse,
JetStream publish, Redis upsert).
`)
	fs.Bool("pipeline", true, "benchmark the whole pipeline (this mode)")
	dir := fs.String("dir", "", "corpus directory (default: the repository's testdata/extraction-benchmark)")
	pages := fs.Int("pages", 3000, "articles crawled at full speed")
	rate := fs.Float64("rate", 100, "offered articles/s of the paced phase (0: no paced phase)")
	pacedFor := fs.Duration("paced-for", 10*time.Second, "length of the paced phase")
	hosts := fs.Int("hosts", 40, "loopback sites (127.0.0.10, .11, …) the articles are spread over, 1 to 240")
	topology := fs.String("topology", "in-process", "in-process (the stages in this process, as newsflow up runs them), up (newsflow up as a process) or services (fetcher, parsers and store as processes)")
	parsers := fs.Int("parsers", 2, "parser processes with --topology services, 1 to 16")
	binDir := fs.String("bin-dir", "", "with --topology services: the fetcher, parser and store binaries; with up: the newsflow binary (default: go build from the repository)")
	sseClients := fs.Int("sse-clients", 1, "clients following the store's /v1/stream (duplicates hidden) during the run, 0 to 1000")
	hostDelay := fs.Duration("host-delay", 0, "FETCHER_HOST_DELAY for the run")
	dataDir := fs.String("data-dir", "", "where NATS and Redis keep their data (default: a temporary directory, removed)")
	cpuProfile := fs.String("cpuprofile", "", "write the full-speed phase's CPU profile (labelled by stage) to this file")
	memProfile := fs.String("memprofile", "", "write the pipeline's heap profile at the end of the full-speed phase to this file")
	ceilingFor := fs.Duration("ceiling-time", 2*time.Second, "least time each one-core ceiling (extraction, parse) runs")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	verbose := fs.Bool("v", false, "print the pipeline's logs (LOG_LEVEL, text) to stderr")
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	set := map[string]bool{} // the flags given, not defaulted
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case len(rest) != 0:
		return fs.usageErr("unexpected argument %q (the corpus is given with --dir)", rest[0])
	case *pages < 1:
		return fs.usageErr("--pages must be at least 1")
	case *rate < 0 || *hostDelay < 0 || *pacedFor < 0:
		return fs.usageErr("--rate, --paced-for and --host-delay cannot be negative")
	case *hosts < 1 || *hosts > 240:
		return fs.usageErr("--hosts must be 1 to 240")
	case *sseClients < 0 || *sseClients > 1000:
		return fs.usageErr("--sse-clients must be 0 to 1000")
	case !slices.Contains([]pipebench.Topology{pipebench.InProcess, pipebench.Services, pipebench.Up}, pipebench.Topology(*topology)):
		return fs.usageErr("--topology must be in-process, services or up")
	case *parsers < 1 || *parsers > 16:
		return fs.usageErr("--parsers must be 1 to 16")
	case set["parsers"] && *topology != string(pipebench.Services):
		return fs.usageErr("--parsers is for --topology services (up and in-process run one parser stage)")
	case set["bin-dir"] && *topology == string(pipebench.InProcess):
		return fs.usageErr("--bin-dir is for --topology up or services (in-process runs no binary)")
	case *cpuProfile != "" && *topology == string(pipebench.Up):
		return fs.usageErr("--cpuprofile profiles this process, which does not run the pipeline with --topology up")
	}
	corpus, err := corpusDir(*dir)
	if err != nil {
		return err
	}
	var source string
	if *topology != string(pipebench.InProcess) && *binDir == "" {
		td, err := fixtures.Dir()
		if err != nil {
			return fmt.Errorf("--topology %s builds its binaries from the repository (or give --bin-dir): %w", *topology, err)
		}
		source = filepath.Dir(td)
	}
	o := pipebench.Options{Dir: corpus, Pages: *pages, Rate: *rate, PacedFor: *pacedFor, Hosts: *hosts, SSEClients: *sseClients,
		Topology: pipebench.Topology(*topology), Parsers: *parsers, BinDir: *binDir, Source: source,
		HostDelay: *hostDelay, DataDir: *dataDir, CPUProfile: *cpuProfile, MemProfile: *memProfile, CeilingFor: *ceilingFor, Progress: stderr}
	if *verbose {
		env := config.FromOS()
		lc := obs.LogConfigFromEnv(env)
		lc.Format = "text"
		if o.Log, err = obs.NewLogger(stderr, lc, "bench"); err != nil {
			return err
		}
	} else {
		o.Log = slog.New(slog.DiscardHandler)
	}
	// In process, this process is newsflow up: its collector runs as up's.
	// Otherwise it holds the origin, the ceilings and (services) the NATS
	// that stands for a nats-server: a service's, as before up had its own.
	gcPercent := service.ServiceGCPercent
	if o.Topology == pipebench.InProcess {
		gcPercent = upGCPercent
	}
	defer service.TuneGC(o.Log, gcPercent)()
	rep, err := pipebench.Run(ctx, o)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.WriteTable(stdout)
}
