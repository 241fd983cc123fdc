package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/cmd/newsflow/internal/pipebench"
)

// A short pipeline bench: every page offered is stored, the report is
// complete and its ratios agree with its figures, in JSON and as a table.
// Nothing here asserts a speed: the machine is shared.
func TestBenchPipelineReport(t *testing.T) {
	args := []string{"bench", "--pipeline", "--pages", "20", "--rate", "20", "--paced-for", "1s", "--hosts", "5",
		"--ceiling-time", "100ms"}
	var out, errOut bytes.Buffer
	if code := run(t.Context(), append(args, "--json"), nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var rep pipebench.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out.String())
	}
	if !strings.Contains(errOut.String(), "stored") {
		t.Errorf("no progress line on stderr: %q", errOut.String())
	}
	c := rep.Ceilings
	if c.ExtractPerSec <= 0 || c.ParsePerSec <= 0 || c.JetStreamPerSec <= 0 || c.RedisPerSec <= 0 {
		t.Errorf("a ceiling is missing: %+v", c)
	}
	if rep.Setup.CorpusPages == 0 || rep.Setup.Hosts != 5 || rep.Machine.CPUs == 0 {
		t.Errorf("setup or machine incomplete: %+v %+v", rep.Setup, rep.Machine)
	}
	if len(rep.Phases) != 2 || rep.Phases[0].Items != 20 || rep.Phases[1].Items != 20 {
		t.Fatalf("phases = %+v, want a paced and a full-speed one of 20 items", rep.Phases)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }
	for _, p := range rep.Phases {
		if p.Stored != p.Items || p.DeadLetters != 0 {
			t.Errorf("%s: stored %d of %d, %d dead letters", p.Name, p.Stored, p.Items, p.DeadLetters)
		}
		l := p.LatencyMS
		if p.ArticlesPerSec <= 0 || p.Seconds <= 0 || l.P50 <= 0 || l.P50 > l.P95 || l.P95 > l.P99 || l.P99 > l.Max {
			t.Errorf("%s: throughput or latency inconsistent: %+v", p.Name, p)
		}
		if p.CPUMSPerArticle <= 0 || p.PeakRSSMB <= 0 || p.NATSInKBPerArticle <= 0 || p.RawKBPerArticle <= 0 {
			t.Errorf("%s: a resource figure is missing: %+v", p.Name, p)
		}
		r := p.Ratios
		if !near(r.ToExtraction, p.ArticlesPerSec/c.ExtractPerSec) || !near(r.ToParse, p.ArticlesPerSec/c.ParsePerSec) ||
			!near(r.ToJetStream, p.ArticlesPerSec/c.JetStreamPerSec) || !near(r.ToRedis, p.ArticlesPerSec/c.RedisPerSec) ||
			!near(r.CPUToExtract, (p.CPUMSPerArticle+p.RedisCPUMSPerArticle)/c.ExtractMSPerPage) ||
			!near(r.P50ToExtract, l.P50/c.ExtractMSPerPage) {
			t.Errorf("%s: ratios disagree with the figures: %+v, ceilings %+v", p.Name, r, c)
		}
	}
	if p := rep.Phases[0]; p.OfferedRate <= 0 || p.StageCPUMSPerArticle != nil {
		t.Errorf("paced phase: offered rate %v, stages %v", p.OfferedRate, p.StageCPUMSPerArticle)
	}
	full := rep.Phases[1]
	var stages float64
	// A 100 Hz profile of a short run samples the busy stages for sure; a
	// light one (the store, NATS) may go unsampled, which is no error.
	for _, st := range []string{"fetcher", "parser"} {
		if full.StageCPUMSPerArticle[st] <= 0 {
			t.Errorf("full speed: no CPU for stage %s: %v", st, full.StageCPUMSPerArticle)
		}
	}
	for _, v := range full.StageCPUMSPerArticle {
		stages += v
	}
	if !near(stages, full.CPUMSPerArticle) && math.Abs(stages-full.CPUMSPerArticle) > 1e-6 {
		t.Errorf("full speed: stages add up to %.3f ms/article, the process to %.3f", stages, full.CPUMSPerArticle)
	}

	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"extraction, one core", "end to end, articles/s", "× one core's extraction", "served → stored", "fetcher"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
}

func TestBenchPipelineFlags(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "--pipeline", "--pages", "0"},
		{"bench", "--pipeline", "--rate", "-1"},
		{"bench", "--pipeline", "--hosts", "0"},
		{"bench", "--pipeline", "extra"},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, nil, &out, &errOut); code == 0 {
			t.Errorf("%q: exit 0, want an error", args)
		}
	}
}
