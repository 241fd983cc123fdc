package deploy

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// The fault suite's fetch-rate criterion (issue 13): after a fetcher is
// killed, the site-wide fetch rate — article page requests per second at the
// origin — must be back to at least recoveredShare of normal, sustained for
// sustainFor, within recoverWithin.
const (
	recoveredShare = 0.8
	sustainFor     = 2 * time.Second
	recoverWithin  = 15 * time.Second
	// normalWindow is how far back "normal" looks: the median of its
	// one-second rates, so a short dip of an earlier fault barely moves it.
	normalWindow = 10 * time.Second
	// minNormalSeconds is the fewest whole seconds of fetching a normal rate
	// is taken from.
	minNormalSeconds = 3
	rateStep         = 100 * time.Millisecond
)

// fetchRate is the origin's record of one run as a time series: when each
// article page was requested, and when each URL was first requested, so
// that what was left to fetch at any moment is known.
type fetchRate struct {
	hits   []time.Duration   // every request, since the run began, in order
	byHost [][]time.Duration // hits per origin host
	firsts []time.Duration   // each URL's first request
	total  int               // articles offered
	end    time.Duration     // the end of the record
}

func newFetchRate(began time.Time, hits []pageHit, total int, end time.Duration) fetchRate {
	r := fetchRate{total: total, end: end}
	for _, h := range hits {
		at := h.at.Sub(began)
		r.hits = append(r.hits, at)
		for len(r.byHost) <= h.host {
			r.byHost = append(r.byHost, nil)
		}
		r.byHost[h.host] = append(r.byHost[h.host], at)
		if h.first {
			r.firsts = append(r.firsts, at)
		}
	}
	sort.Slice(r.hits, func(i, j int) bool { return r.hits[i] < r.hits[j] })
	for _, s := range r.byHost {
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	}
	sort.Slice(r.firsts, func(i, j int) bool { return r.firsts[i] < r.firsts[j] })
	return r
}

// before counts the entries of a sorted series earlier than at.
func before(s []time.Duration, at time.Duration) int {
	return sort.Search(len(s), func(i int) bool { return s[i] >= at })
}

// served is the number of requests in [from, to).
func (r fetchRate) served(from, to time.Duration) int {
	return before(r.hits, to) - before(r.hits, from)
}

// remaining is the number of articles not yet requested at at: the backlog
// the fetchers could still work on.
func (r fetchRate) remaining(at time.Duration) int { return r.total - before(r.firsts, at) }

// normal is the fetch rate (pages/s) before at: the median of the one-second
// rates of the normalWindow before it, counting only seconds after fetching
// began. ok is false with fewer than minNormalSeconds such seconds.
func (r fetchRate) normal(at time.Duration) (rate float64, ok bool) {
	if len(r.hits) == 0 {
		return 0, false
	}
	var rates []int
	for from := at - normalWindow; from+time.Second <= at; from += time.Second {
		if from < r.hits[0] {
			continue
		}
		rates = append(rates, r.served(from, from+time.Second))
	}
	if len(rates) < minNormalSeconds {
		return 0, false
	}
	sort.Ints(rates)
	n := len(rates)
	if n%2 == 1 {
		return float64(rates[n/2]), true
	}
	return float64(rates[n/2-1]+rates[n/2]) / 2, true
}

// recovery is how long after at the fetch rate is back: the start of the
// first sustainFor window serving at least recoveredShare of what the
// normal rate would serve in it — or, near the end of the run, of what was
// left to fetch at its start (nothing left is recovered). ok is false when
// no such window starts before the record ends.
func (r fetchRate) recovery(at time.Duration, normal float64) (after time.Duration, ok bool) {
	for t := at; t+sustainFor <= r.end; t += rateStep {
		want := min(normal*sustainFor.Seconds(), float64(r.remaining(t)))
		if float64(r.served(t, t+sustainFor)) >= recoveredShare*want {
			return t - at, true
		}
	}
	return 0, false
}

// stall is the longest time without a request in the window after at, up to
// the moment nothing was left to fetch (nothing to fetch is no stall).
func (r fetchRate) stall(at, window time.Duration) time.Duration {
	to := min(at+window, r.end)
	if i := before(r.firsts, to); r.total > 0 && i == r.total {
		to = min(to, r.firsts[r.total-1]) // everything was asked for by then
	}
	var longest time.Duration
	last := at
	for _, h := range r.hits[before(r.hits, at):] {
		if h > to {
			break
		}
		longest = max(longest, h-last)
		last = h
	}
	return max(longest, to-last)
}

// idle is the longest time, once fetching began, with articles left and no
// new one requested: at is when it began and left how many were left then.
// Pages a dead replica had taken wait there for redelivery, which the
// recovery criterion alone would miss at the end of a run.
func (r fetchRate) idle() (longest, at time.Duration, left int) {
	for i := 1; i <= len(r.firsts); i++ {
		end := r.end
		if i < len(r.firsts) {
			end = r.firsts[i]
		} else if i == r.total {
			break // nothing was left
		}
		if gap := end - r.firsts[i-1]; gap > longest {
			longest, at, left = gap, r.firsts[i-1], r.total-i
		}
	}
	return longest, at, left
}

// series prints the requests of every step of the record, for reading a
// run's log: "pages per 1s from 0s: 3 31 40 …".
func (r fetchRate) series(step time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  pages per %v from 0s:", step)
	for from := time.Duration(0); from < r.end; from += step {
		fmt.Fprintf(&b, " %d", r.served(from, from+step))
	}
	return b.String()
}

// hostSeries prints each host's requests per second in [from, to): which
// hosts a fault stalled.
func (r fetchRate) hostSeries(from, to time.Duration) string {
	var b strings.Builder
	for h, s := range r.byHost {
		fmt.Fprintf(&b, "    host %d per 1s from %.1fs:", h, from.Seconds())
		for t := from; t < min(to, r.end); t += time.Second {
			fmt.Fprintf(&b, " %d", before(s, t+time.Second)-before(s, t))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestFetchRateRecovery(t *testing.T) {
	// 20 pages/s from 0 s to 10 s, 4 pages/s from 10 s to 16 s (a fetcher
	// killed at 10 s), 18 pages/s after: back about 6 s after the kill (a
	// window starting a little before 16 s already serves enough).
	var hits []pageHit
	began := time.Unix(0, 0)
	add := func(from, to time.Duration, perSecond int) {
		step := time.Second / time.Duration(perSecond)
		for at := from; at < to; at += step {
			hits = append(hits, pageHit{at: began.Add(at), first: true})
		}
	}
	add(0, 10*time.Second, 20)
	add(10*time.Second, 16*time.Second, 4)
	add(16*time.Second, 30*time.Second, 18)
	r := newFetchRate(began, hits, len(hits)+50, 40*time.Second)
	normal, ok := r.normal(10 * time.Second)
	if !ok || normal != 20 {
		t.Fatalf("normal before 10 s = %v, %v; want 20", normal, ok)
	}
	if after, ok := r.recovery(10*time.Second, normal); !ok || after < 5500*time.Millisecond || after > 6*time.Second {
		t.Errorf("recovery after 10 s = %v, %v; want 5.5s to 6s", after, ok)
	}
	if _, ok := r.normal(2 * time.Second); ok {
		t.Error("a normal rate from 2 s of fetching")
	}
	// From 30 s on, 50 articles are left and none is fetched: a stall, not
	// an end of work, so the rate never recovers.
	if after, ok := r.recovery(29*time.Second, 18); ok {
		t.Errorf("recovered %v after 29 s with 50 pages left and none fetched", after)
	}
	// With nothing left, the end of the work is no stall.
	done := newFetchRate(began, hits, len(hits), 40*time.Second)
	if after, ok := done.recovery(29*time.Second, 18); !ok || after > time.Second {
		t.Errorf("recovery with the backlog exhausted = %v, %v; want at most 1s", after, ok)
	}
	if s := done.stall(25*time.Second, 20*time.Second); s > 100*time.Millisecond {
		t.Errorf("stall after the last page = %v, want none", s)
	}
	if idle, at, left := r.idle(); idle.Round(100*time.Millisecond) != 10*time.Second || left != 50 || at.Round(time.Second) != 30*time.Second {
		t.Errorf("idle = %v at %v with %d left, want 10s at 30s with 50 left", idle, at, left)
	}
	if idle, _, _ := done.idle(); idle > 300*time.Millisecond {
		t.Errorf("idle with everything fetched = %v, want the longest gap between pages (250ms)", idle)
	}
	if s := r.stall(20*time.Second, 20*time.Second).Round(100 * time.Millisecond); s != 10*time.Second {
		t.Errorf("stall with 50 pages left from 30 s to the end at 40 s = %v, want 10s", s)
	}
}
