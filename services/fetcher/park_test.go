package fetcher

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsflow/newsflow/pkg/events"
)

// A feed's jobs come in a run of one host. The jobs its slots cannot take
// yet wait in the replica (router.Park) without holding a worker: another
// host's job is fetched meanwhile, and no job is deferred and redelivered.
func TestRunOfOneHostWaitsWithoutDeferring(t *testing.T) {
	var slowServed atomic.Int32
	var otherAt, slowDoneAt atomic.Int64
	site := func(items int, pause time.Duration, served func()) *httptest.Server {
		var srv *httptest.Server
		mux := http.NewServeMux()
		mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
			writePagesFeed(w, srv.URL, items)
		})
		mux.HandleFunc("/p/", func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(pause)
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, article, r.URL.Path, r.URL.Path)
			served()
		})
		srv = httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		return srv
	}
	slow := site(12, 100*time.Millisecond, func() {
		if slowServed.Add(1) == 12 {
			slowDoneAt.Store(time.Now().UnixNano())
		}
	})
	other := site(1, 0, func() { otherAt.Store(time.Now().UnixNano()) })
	ns := startNATS(t)
	deferredBefore := messagesTotal(t, "fetcher", "nacked")
	startReplica(t, ns, "f1", Config{Feeds: []string{slow.URL + "/feed.xml"}, PollInterval: time.Hour,
		Workers: 2, MaxDeliver: 2, Timeout: 5 * time.Second, HostConcurrency: 1, AllowPrivate: true})
	j := js(t, ns)
	eventually(t, 30*time.Second, "the slow host's first page", func() bool { return slowServed.Load() > 0 })
	feeds, err := j.KeyValue(t.Context(), events.BucketFeeds)
	if err != nil {
		t.Fatal(err)
	}
	if err := AddFeed(t.Context(), feeds, other.URL+"/feed.xml"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, "13 pages", func() bool { return streamCount(t, j, events.StreamRaw) == 13 })
	if o, s := otherAt.Load(), slowDoneAt.Load(); o == 0 || s != 0 && o > s {
		t.Errorf("the other host's page waited for the whole run of the slow host's (served %v, run done %v)", o, s)
	}
	if n := messagesTotal(t, "fetcher", "nacked") - deferredBefore; n != 0 {
		t.Errorf("%v jobs deferred, want none: waiting jobs are parked, not redelivered", n)
	}
	// The slow host's slot went from each job to the next waiting one: its
	// lease was taken once and renewed, not taken and freed for every page.
	hosts, err := j.Stream(t.Context(), "KV_"+events.BucketHosts)
	if err != nil {
		t.Fatal(err)
	}
	info, err := hosts.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if writes := info.State.LastSeq; writes >= 12 {
		t.Errorf("%d writes to the slots bucket for 13 pages, want a few: the lease is handed from job to job", writes)
	}
}

// messagesTotal reads newsflow_messages_total{stage, result} from the
// default registry, where the router counts every stage's messages.
func messagesTotal(t *testing.T, stage, result string) float64 {
	t.Helper()
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "newsflow_messages_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["stage"] == stage && labels["result"] == result {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// Time a job spends parked does not count against its timeout: a run of one
// host longer than a job may take is fetched whole, nothing dead-lettered.
func TestParkedTimeIsNotTheJobsTime(t *testing.T) {
	var srv *httptest.Server
	mux := http.NewServeMux()
	mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
		writePagesFeed(w, srv.URL, 24)
	})
	mux.HandleFunc("/p/", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, article, r.URL.Path, r.URL.Path)
	})
	srv = httptest.NewServer(mux)
	defer srv.Close()
	ns := startNATS(t)
	cfg := Config{Feeds: []string{srv.URL + "/feed.xml"}, PollInterval: time.Hour, Workers: 2, MaxDeliver: 1,
		Timeout: 500 * time.Millisecond, MaxCrawlDelay: time.Millisecond, HostConcurrency: 1, AllowPrivate: true}
	if run := 24 * 300 * time.Millisecond; run <= cfg.jobTimeout() {
		t.Fatalf("the run (%v) must outlast a job's time (%v) for the test to mean anything", run, cfg.jobTimeout())
	}
	startReplica(t, ns, "f1", cfg)
	j := js(t, ns)
	eventually(t, 60*time.Second, "24 pages", func() bool { return streamCount(t, j, events.StreamRaw) == 24 })
	if n := streamCount(t, j, events.StreamDLQ); n != 0 {
		t.Errorf("%d jobs dead-lettered: %v", n, deadLetters(t, j))
	}
}
