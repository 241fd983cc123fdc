package pipebench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/events"
)

// run is one bench run's moving parts.
type run struct {
	o   Options
	org *origin
	p   *pipeline
	w   *watcher
	sse *readers // nil: no SSE clients
}

// sample is the counters a phase reads at its start and end.
type sample struct {
	at       time.Time
	cpu      time.Duration
	redisCPU time.Duration
	natsIn   int64
	natsOut  int64
	msgsIn   int64
	msgsOut  int64
	raw      uint64
	dlq      uint64
	gc       float64
	heap     float64
	alloc    float64                      // bytes allocated so far
	procCPU  map[*stageProc]time.Duration // the process topologies
}

func (b *run) sample(ctx context.Context) (sample, error) {
	s := sample{at: time.Now(), cpu: processCPU()}
	var err error
	if s.redisCPU, err = childCPU(b.p.redis.PID()); err != nil {
		return s, err
	}
	// `newsflow up` serves no NATS monitoring: its traffic goes unmeasured.
	if b.p.up == nil {
		v, err := b.p.ns.Varz(&server.VarzOptions{})
		if err != nil {
			return s, fmt.Errorf("nats varz: %w", err)
		}
		s.natsIn, s.natsOut = v.InBytes, v.OutBytes
		s.msgsIn, s.msgsOut = v.InMsgs, v.OutMsgs
	}
	raw, err := b.streamState(ctx, events.StreamRaw)
	if err != nil {
		return s, err
	}
	dlq, err := b.streamState(ctx, events.StreamDLQ)
	if err != nil {
		return s, err
	}
	s.raw, s.dlq = raw.Bytes, dlq.Msgs
	if b.p.procs == nil {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		s.gc, s.heap, s.alloc = float64(ms.NumGC), float64(ms.HeapInuse), float64(ms.TotalAlloc)
		return s, nil
	}
	// The processes' runtimes, not the bench's (which only hosts NATS).
	s.procCPU = map[*stageProc]time.Duration{}
	for _, pr := range b.p.procs {
		if s.procCPU[pr], err = childCPU(pr.pid()); err != nil {
			return s, err
		}
		st, err := pr.scrape(ctx)
		if err != nil {
			return s, err
		}
		s.gc += st.gc
		s.heap += st.heap
		s.alloc += st.alloc
	}
	return s, nil
}

// phase offers items [from, to) at rate (0: all at once) and waits until
// every one is stored or dead-lettered. The full-speed phase is profiled
// in process (in the services topology every phase is: the profile splits
// NATS from the bench's own work in this process; with Up the pipeline is
// not in this process).
func (b *run) phase(ctx context.Context, name string, from, to int, rate float64, full bool) (Phase, error) {
	ph := Phase{Name: name, Items: to - from}
	profile := (full && b.p.procs == nil) || b.o.Topology == Services
	resetPeakRSS(0)
	resetPeakRSS(b.p.redis.PID())
	for _, pr := range b.p.procs {
		resetPeakRSS(pr.pid())
	}
	s0, err := b.sample(ctx)
	if err != nil {
		return ph, err
	}
	var prof bytes.Buffer
	if profile {
		if err := pprof.StartCPUProfile(&prof); err != nil {
			return ph, fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile() // a no-op once stopped below
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	revealed := make(chan time.Duration, 1)
	go pprof.Do(ctx, pprof.Labels("stage", labelBench), func(ctx context.Context) {
		start := time.Now()
		_ = b.org.reveal(ctx, from, to, rate)
		revealed <- time.Since(start)
	})

	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	lastShown, lastProgress, lastN := time.Time{}, time.Now(), -1
	lastRSS := time.Now()
	var n int
	var last int64
	for {
		n, last = b.w.count(from, to)
		dlq, err := b.streamState(ctx, events.StreamDLQ)
		if err != nil {
			return ph, err
		}
		ph.DeadLetters = int(dlq.Msgs - s0.dlq)
		if n != lastN {
			lastN, lastProgress = n, time.Now()
		}
		if time.Since(lastRSS) >= 10*time.Second {
			lastRSS = time.Now()
			ph.RSSEvery10s = append(ph.RSSEvery10s, float64(rss(b.p.hostPID()))/(1<<20))
		}
		if time.Since(lastShown) >= time.Second || n+ph.DeadLetters >= ph.Items {
			lastShown = time.Now()
			served := 0
			for i := from; i < to; i++ {
				if b.org.served[i].Load() != 0 {
					served++
				}
			}
			fmt.Fprintf(b.o.Progress, "\r%-12s served %6d/%d  stored %6d/%d  dead letters %d   ", name, served, ph.Items, n, ph.Items, ph.DeadLetters)
		}
		if n+ph.DeadLetters >= ph.Items {
			break
		}
		if err := b.p.failed(); err != nil {
			return ph, err
		}
		if b.sse != nil {
			if err := b.sse.failed(); err != nil {
				return ph, err
			}
		}
		if time.Since(lastProgress) > b.o.StallAfter {
			return ph, fmt.Errorf("%s: stalled: %d of %d articles stored, %d dead letters, nothing new for %v",
				name, n, ph.Items, ph.DeadLetters, b.o.StallAfter)
		}
		select {
		case <-ctx.Done():
			return ph, ctx.Err()
		case <-tick.C:
		}
	}
	if b.sse != nil {
		// Every item is stored: what the clients still get is the stream
		// catching up, which is part of what it adds.
		b.sse.settle(ctx, 500*time.Millisecond, 30*time.Second)
	}
	fmt.Fprintln(b.o.Progress)
	var prof0 []byte
	if profile {
		pprof.StopCPUProfile()
		prof0 = prof.Bytes()
	}
	s1, err := b.sample(ctx)
	if err != nil {
		return ph, err
	}
	if rate > 0 {
		ph.OfferedRate = float64(ph.Items) / max(<-revealed, time.Millisecond).Seconds()
	}
	ph.Stored = n
	if n == 0 {
		return ph, fmt.Errorf("%s: no article stored (%d dead letters)", name, ph.DeadLetters)
	}

	var first int64
	lat := make([]float64, 0, n)
	for i := from; i < to; i++ {
		sv, st := b.org.served[i].Load(), b.w.stored[i].Load()
		if sv == 0 || st == 0 {
			continue
		}
		if first == 0 || sv < first {
			first = sv
		}
		lat = append(lat, float64(st-sv)/1e6)
	}
	ph.Seconds = float64(last-first) / 1e9
	ph.ArticlesPerSec = float64(n) / max(ph.Seconds, 1e-3)
	ph.LatencyMS = percentiles(lat)
	if b.sse != nil {
		l, shown := b.sse.added(b.w, from, to)
		ph.SSEAddedMS, ph.SSEPerClient = &l, shown
	}

	per := func(d time.Duration) float64 { return float64(d) / 1e6 / float64(n) }
	var stages map[string]time.Duration
	if profile {
		if stages, err = stageCPU(prof0); err != nil {
			return ph, err
		}
		if full && b.o.CPUProfile != "" {
			if err := os.WriteFile(b.o.CPUProfile, prof0, 0o644); err != nil {
				return ph, fmt.Errorf("--cpuprofile: %w", err)
			}
		}
	}
	if b.p.procs != nil {
		b.processCPU(&ph, s0, s1, stages, per)
	} else {
		inProcessCPU(&ph, s1.cpu-s0.cpu, stages, per)
	}
	ph.RedisCPUMSPerArticle = per(s1.redisCPU - s0.redisCPU)
	ph.GCPer1000 = (s1.gc - s0.gc) * 1000 / float64(n)
	ph.AllocMBPerArticle = (s1.alloc - s0.alloc) / (1 << 20) / float64(n)
	ph.PeakRSSMB = float64(peakRSS(b.p.hostPID())) / (1 << 20)
	ph.RedisPeakRSSMB = float64(peakRSS(b.p.redis.PID())) / (1 << 20)
	ph.HeapMB = s1.heap / (1 << 20)
	ph.NATSInKBPerArticle = float64(s1.natsIn-s0.natsIn) / 1024 / float64(n)
	ph.NATSOutKBPerArticle = float64(s1.natsOut-s0.natsOut) / 1024 / float64(n)
	ph.NATSInMsgsPerArticle = float64(s1.msgsIn-s0.msgsIn) / float64(n)
	ph.NATSOutMsgsPerArticle = float64(s1.msgsOut-s0.msgsOut) / float64(n)
	ph.RawKBPerArticle = float64(s1.raw-s0.raw) / 1024 / float64(n)
	return ph, nil
}

// inProcessCPU splits the process's CPU by the stages of its profile (nil:
// none taken), leaving out the bench's own load.
func inProcessCPU(ph *Phase, processCPU time.Duration, stages map[string]time.Duration, per func(time.Duration) float64) {
	load := time.Duration(0)
	if stages != nil {
		// The profile samples; getrusage counts. Shares of the profile
		// scaled to the process's CPU time keep the stages adding up.
		var sampled time.Duration
		for _, d := range stages {
			sampled += d
		}
		ph.StageCPUMSPerArticle = map[string]float64{}
		for stage, d := range stages {
			share := time.Duration(float64(processCPU) * float64(d) / float64(max(sampled, 1)))
			if stage == labelOrigin || stage == labelBench {
				load += share
				continue
			}
			ph.StageCPUMSPerArticle[stage] = per(share)
		}
	}
	ph.CPUMSPerArticle = per(processCPU - load)
}

// processCPU is the pipeline's processes' CPU: with Up, that of `newsflow
// up`, which is not split by stage; with Services each service process's
// by its stage, and NATS's: this process's share that its profile labels
// as the server.
func (b *run) processCPU(ph *Phase, s0, s1 sample, stages map[string]time.Duration, per func(time.Duration) float64) {
	ph.ProcessPeakRSSMB = map[string]float64{}
	var total time.Duration
	for _, pr := range b.p.procs {
		d := s1.procCPU[pr] - s0.procCPU[pr]
		total += d
		ph.ProcessPeakRSSMB[pr.name] = float64(peakRSS(pr.pid())) / (1 << 20)
		if pr.stage != "" {
			if ph.StageCPUMSPerArticle == nil {
				ph.StageCPUMSPerArticle = map[string]float64{}
			}
			ph.StageCPUMSPerArticle[pr.stage] += per(d)
		}
	}
	if b.o.Topology != Services {
		ph.CPUMSPerArticle = per(total)
		return
	}
	ph.ProcessPeakRSSMB["nats (this process, with the origin)"] = float64(peakRSS(0)) / (1 << 20)
	// This process is NATS and the bench's own load (the origin, the
	// watcher, the SSE clients); its runtime's share (GC, scheduler) is
	// split between them as their own shares are.
	var sampled, own time.Duration
	for stage, d := range stages {
		sampled += d
		if stage != "runtime" {
			own += d
		}
	}
	share := float64(stages[labelNATS]) / float64(max(sampled, 1))
	share += float64(stages["runtime"]) / float64(max(sampled, 1)) * float64(stages[labelNATS]) / float64(max(own, 1))
	nats := time.Duration(float64(s1.cpu-s0.cpu) * share)
	ph.StageCPUMSPerArticle[labelNATS] = per(nats)
	ph.CPUMSPerArticle = per(total + nats)
}

func (b *run) streamState(ctx context.Context, name string) (jetstream.StreamState, error) {
	st, err := b.p.js.Stream(ctx, name)
	if err != nil {
		return jetstream.StreamState{}, fmt.Errorf("stream %s: %w", name, err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		return jetstream.StreamState{}, fmt.Errorf("stream %s: %w", name, err)
	}
	return info.State, nil
}

func percentiles(v []float64) Latency {
	if len(v) == 0 {
		return Latency{}
	}
	slices.Sort(v)
	at := func(q float64) float64 { return v[min(len(v)-1, int(q*float64(len(v))))] }
	return Latency{P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: v[len(v)-1]}
}
