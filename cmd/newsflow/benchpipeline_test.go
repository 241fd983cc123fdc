package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/newsflow/newsflow/cmd/newsflow/internal/pipebench"
)

// A short pipeline bench: every page offered is stored, the report is
// complete and its ratios agree with its figures, in JSON and as a table.
// Nothing here asserts a speed: the machine is shared.
func TestBenchPipelineReport(t *testing.T) {
	rep := benchPipeline(t)
	if rep.Setup.Topology != "in-process" || rep.Setup.SSEClients != 1 {
		t.Errorf("setup: topology %q with %d SSE clients, want in-process with the default 1", rep.Setup.Topology, rep.Setup.SSEClients)
	}
	checkPhases(t, rep)
	if p := rep.Phases[0]; p.OfferedRate <= 0 || p.StageCPUMSPerArticle != nil {
		t.Errorf("paced phase: offered rate %v, stages %v", p.OfferedRate, p.StageCPUMSPerArticle)
	}
	full := rep.Phases[1]
	var stages float64
	// A 100 Hz profile of a short run samples the parser for sure (20
	// extractions, about 40 ms); the other stages may go unsampled, which is
	// no error: the fetcher's 20 pages, trimmed, cost about 12 ms, and one CI
	// run caught none of it.
	if full.StageCPUMSPerArticle["parser"] <= 0 {
		t.Errorf("full speed: no CPU for stage parser: %v", full.StageCPUMSPerArticle)
	}
	for _, v := range full.StageCPUMSPerArticle {
		stages += v
	}
	if !near(stages, full.CPUMSPerArticle) && math.Abs(stages-full.CPUMSPerArticle) > 1e-6 {
		t.Errorf("full speed: stages add up to %.3f ms/article, the process to %.3f", stages, full.CPUMSPerArticle)
	}

	checkTable(t, rep, "extraction, one core", "end to end, articles/s", "× one core's extraction", "served → stored",
		"stored → 1 SSE client(s)", "fetcher")
}

// The services topology: the same report, from the service binaries run as
// processes, with each process's CPU and memory.
func TestBenchPipelineServices(t *testing.T) {
	rep := benchPipeline(t, "--topology", "services", "--parsers", "2")
	if rep.Setup.Topology != "services" || rep.Setup.Parsers != 2 {
		t.Errorf("setup: topology %q with %d parsers, want services with 2", rep.Setup.Topology, rep.Setup.Parsers)
	}
	checkPhases(t, rep)
	for _, p := range rep.Phases {
		// /proc counts CPU in 10 ms ticks: in a 20-article phase only the
		// parsers surely use enough to show.
		var stages float64
		for _, v := range p.StageCPUMSPerArticle {
			stages += v
		}
		if p.StageCPUMSPerArticle["parser"] <= 0 || math.Abs(stages-p.CPUMSPerArticle) > 1e-6 {
			t.Errorf("%s: stages %v add up to %.3f ms/article, the pipeline to %.3f", p.Name, p.StageCPUMSPerArticle, stages, p.CPUMSPerArticle)
		}
		for _, proc := range []string{"fetcher", "parser 1", "parser 2", "store"} {
			if p.ProcessPeakRSSMB[proc] <= 0 {
				t.Errorf("%s: no peak RSS for %s: %v", p.Name, proc, p.ProcessPeakRSSMB)
			}
		}
		// A 20-article phase may see no collection; the bench fails when
		// the metric itself is missing.
		if p.GCPer1000 < 0 || p.HeapMB <= 0 || p.AllocMBPerArticle <= 0 {
			t.Errorf("%s: the services' GC cycles (%v per 1000), heap (%v MB) or allocation (%v MB/article) missing", p.Name, p.GCPer1000, p.HeapMB, p.AllocMBPerArticle)
		}
	}
	checkTable(t, rep, "services (fetcher, 2 parsers, store)", "parser 2", "stored → 1 SSE client(s)")
}

// The up topology: newsflow up as a process of its own, whose CPU and
// memory are the pipeline's alone, and whose heap profile the bench fetches.
func TestBenchPipelineUp(t *testing.T) {
	heap := filepath.Join(t.TempDir(), "up.heap")
	rep, logs := benchPipelineLogs(t, "--topology", "up", "--memprofile", heap, "-v")
	// The bench's connection to up's NATS ends before up does: it would
	// otherwise try to reconnect through the ceilings.
	if strings.Contains(logs, "nats disconnected") {
		t.Errorf("the bench's NATS connection outlived newsflow up:\n%s", logs)
	}
	if rep.Setup.Topology != "up" {
		t.Errorf("setup: topology %q, want up", rep.Setup.Topology)
	}
	checkPhases(t, rep)
	for _, p := range rep.Phases {
		if p.StageCPUMSPerArticle != nil {
			t.Errorf("%s: up's CPU split by stage: %v", p.Name, p.StageCPUMSPerArticle)
		}
		if up := p.ProcessPeakRSSMB["newsflow up"]; up <= 0 || up != p.PeakRSSMB || len(p.ProcessPeakRSSMB) != 1 {
			t.Errorf("%s: peak RSS %v MB, by process %v: want newsflow up's alone", p.Name, p.PeakRSSMB, p.ProcessPeakRSSMB)
		}
		if p.GCPer1000 < 0 || p.HeapMB <= 0 || p.AllocMBPerArticle <= 0 {
			t.Errorf("%s: up's GC cycles (%v per 1000), heap (%v MB) or allocation (%v MB/article) missing", p.Name, p.GCPer1000, p.HeapMB, p.AllocMBPerArticle)
		}
	}
	prof, err := os.ReadFile(heap)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := profile.ParseData(prof); err != nil {
		t.Errorf("--memprofile is not a heap profile: %v", err)
	}
	checkTable(t, rep, "newsflow up's, a process of its own", "newsflow up")
}

// A newsflow binary in --bin-dir that does not come up (here one that
// exits at once, as an older newsflow without up's flags would) is an error
// that shows what it printed, and leaves no process behind: the NATS and
// redis-server the bench started are stopped too.
func TestBenchPipelineUpBinaryFails(t *testing.T) {
	bin := t.TempDir()
	script := "#!/bin/sh\necho 'flag provided but not defined: -nats-port' >&2\nexit 2\n"
	if err := os.WriteFile(filepath.Join(bin, "newsflow"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"bench", "--pipeline", "--topology", "up", "--bin-dir", bin,
		"--pages", "5", "--rate", "0", "--hosts", "2", "--sse-clients", "0"}, nil, &out, &errOut)
	if code == 0 || !strings.Contains(errOut.String(), "newsflow up stopped") ||
		!strings.Contains(errOut.String(), "flag provided but not defined") {
		t.Errorf("exit %d, stderr %q: want an error naming newsflow up, with its output", code, errOut.String())
	}
	if kids := children(t); len(kids) > 0 {
		t.Errorf("processes left running: %v", kids)
	}
}

// children are this process's live child processes (zombies not counted).
func children(t *testing.T) []string {
	t.Helper()
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", os.Getpid()))
	if err != nil || len(tasks) == 0 {
		// Linux lists a task's children there (CONFIG_PROC_CHILDREN, on in
		// every distribution kernel): without it the check cannot run.
		t.Fatalf("no /proc/%d/task/*/children to find processes left running: %v", os.Getpid(), err)
	}
	var kids []string
	for _, task := range tasks {
		b, err := os.ReadFile(task)
		if err != nil {
			continue // the thread has exited
		}
		for _, pid := range strings.Fields(string(b)) {
			stat, err := os.ReadFile("/proc/" + pid + "/stat")
			if err != nil || strings.Contains(string(stat), ") Z ") {
				continue
			}
			cmd, _ := os.ReadFile("/proc/" + pid + "/cmdline")
			kids = append(kids, pid+" "+strings.ReplaceAll(string(cmd), "\x00", " "))
		}
	}
	return kids
}

// benchPipeline runs a short bench --pipeline with args and returns its report.
func benchPipeline(t *testing.T, args ...string) *pipebench.Report {
	t.Helper()
	rep, _ := benchPipelineLogs(t, args...)
	return rep
}

// benchPipelineLogs is benchPipeline that also returns what went to stderr.
func benchPipelineLogs(t *testing.T, args ...string) (*pipebench.Report, string) {
	t.Helper()
	args = append([]string{"bench", "--pipeline", "--pages", "20", "--rate", "20", "--paced-for", "1s", "--hosts", "5",
		"--ceiling-time", "100ms", "--json"}, args...)
	var out, errOut bytes.Buffer
	if code := run(t.Context(), args, nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var rep pipebench.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out.String())
	}
	if !strings.Contains(errOut.String(), "stored") {
		t.Errorf("no progress line on stderr: %q", errOut.String())
	}
	return &rep, errOut.String()
}

// checkPhases checks what every report holds: the ceilings, a paced and a
// full-speed phase that stored every item, and ratios that agree with the
// figures.
func checkPhases(t *testing.T, rep *pipebench.Report) {
	t.Helper()
	c := rep.Ceilings
	if c.ExtractPerSec <= 0 || c.ParsePerSec <= 0 || c.JetStreamPerSec <= 0 || c.RedisPerSec <= 0 {
		t.Errorf("a ceiling is missing: %+v", c)
	}
	// Pages are trimmed by default: the parser's pages have a ceiling of their own.
	if !rep.Setup.TrimPages || c.ExtractTrimmedPerSec <= 0 {
		t.Errorf("no ceiling of trimmed pages: trim %v, %+v", rep.Setup.TrimPages, c)
	}
	if rep.Setup.CorpusPages == 0 || rep.Setup.Hosts != 5 || rep.Machine.CPUs == 0 {
		t.Errorf("setup or machine incomplete: %+v %+v", rep.Setup, rep.Machine)
	}
	if len(rep.Phases) != 2 || rep.Phases[0].Items != 20 || rep.Phases[1].Items != 20 {
		t.Fatalf("phases = %+v, want a paced and a full-speed one of 20 items", rep.Phases)
	}
	for _, p := range rep.Phases {
		if p.Stored != p.Items || p.DeadLetters != 0 {
			t.Errorf("%s: stored %d of %d, %d dead letters", p.Name, p.Stored, p.Items, p.DeadLetters)
		}
		l := p.LatencyMS
		if p.ArticlesPerSec <= 0 || p.Seconds <= 0 || l.P50 <= 0 || l.P50 > l.P95 || l.P95 > l.P99 || l.P99 > l.Max {
			t.Errorf("%s: throughput or latency inconsistent: %+v", p.Name, p)
		}
		// Each item is a different corpus page: none is a duplicate.
		if p.SSEAddedMS == nil || p.SSEPerClient != float64(p.Items) {
			t.Errorf("%s: the SSE client was shown %v of %d items (stream latency %+v)", p.Name, p.SSEPerClient, p.Items, p.SSEAddedMS)
		}
		// newsflow up serves no NATS monitoring: its traffic is not measured.
		if p.CPUMSPerArticle <= 0 || p.PeakRSSMB <= 0 || p.RawKBPerArticle <= 0 || p.AllocMBPerArticle <= 0 ||
			(p.NATSInKBPerArticle <= 0) != (rep.Setup.Topology == "up") {
			t.Errorf("%s: a resource figure is missing: %+v", p.Name, p)
		}
		r := p.Ratios
		if !near(r.ToExtraction, p.ArticlesPerSec/c.ExtractPerSec) || !near(r.ToParse, p.ArticlesPerSec/c.ParsePerSec) ||
			!near(r.ToJetStream, p.ArticlesPerSec/c.JetStreamPerSec) || !near(r.ToRedis, p.ArticlesPerSec/c.RedisPerSec) ||
			!near(r.CPUToExtract, (p.CPUMSPerArticle+p.RedisCPUMSPerArticle)/c.ExtractMSPerPage) ||
			!near(r.P50ToExtract, l.P50/c.ExtractMSPerPage) ||
			!near(r.ToTrimmed, p.ArticlesPerSec/c.ExtractTrimmedPerSec) {
			t.Errorf("%s: ratios disagree with the figures: %+v, ceilings %+v", p.Name, r, c)
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func checkTable(t *testing.T, rep *pipebench.Report, want ...string) {
	t.Helper()
	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		if !strings.Contains(table.String(), w) {
			t.Errorf("table lacks %q:\n%s", w, table.String())
		}
	}
}

func TestBenchPipelineFlags(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "--pipeline", "--pages", "0"},
		{"bench", "--pipeline", "--rate", "-1"},
		{"bench", "--pipeline", "--hosts", "0"},
		{"bench", "--pipeline", "extra"},
		{"bench", "--pipeline", "--topology", "k8s"},
		{"bench", "--pipeline", "--topology", "services", "--parsers", "0"},
		{"bench", "--pipeline", "--topology", "up", "--cpuprofile", "cpu.prof"},
		{"bench", "--pipeline", "--topology", "up", "--parsers", "3"},
		{"bench", "--pipeline", "--parsers", "2"},
		{"bench", "--pipeline", "--bin-dir", "/tmp"},
		{"bench", "--pipeline", "--sse-clients", "-1"},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, nil, &out, &errOut); code == 0 {
			t.Errorf("%q: exit 0, want an error", args)
		}
	}
}
