package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/internal/redistest"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
	"github.com/newsflow/newsflow/services/fetcher"
	"github.com/newsflow/newsflow/services/parser"
	"github.com/newsflow/newsflow/services/store"
)

// bulkOrigin serves feeds × perFeed small article pages.
func bulkOrigin(t *testing.T, feeds, perFeed int) (*httptest.Server, []string) {
	mux := http.NewServeMux()
	var srv *httptest.Server
	mux.HandleFunc("/feeds/", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscanf(r.URL.Path, "/feeds/%d.xml", &n)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<rss version="2.0"><channel><title>bulk</title>`)
		for i := range perFeed {
			fmt.Fprintf(w, `<item><title>Story %d %d</title><link>%s/a/%d/%d</link><pubDate>%s</pubDate></item>`,
				n, i, srv.URL, n, i, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n*perFeed+i)*time.Minute).Format(time.RFC1123Z))
		}
		fmt.Fprint(w, `</channel></rss>`)
	})
	mux.HandleFunc("/a/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><head><title>Story %[1]s</title></head><body><article><h1>Story %[1]s</h1>
<p>This is the body of story %[1]s, long enough to be an article paragraph with several words in it.</p>
<p>A second paragraph of story %[1]s follows with more words so the extractor sees real text.</p></article></body></html>`, r.URL.Path)
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	var list []string
	for n := range feeds {
		list = append(list, fmt.Sprintf("%s/feeds/%d.xml", srv.URL, n))
	}
	return srv, list
}

// countArticles pages through the API.
func countArticles(t *testing.T, api string) map[string]int {
	ids := map[string]int{}
	cursor := ""
	for range 1000 {
		var l listing
		u := api + "/v1/articles?limit=100"
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		if getJSON(t, u, &l) != http.StatusOK {
			return ids
		}
		for _, a := range l.Articles {
			ids[a.ID]++
		}
		if l.NextCursor == "" {
			break
		}
		cursor = l.NextCursor
	}
	return ids
}

// The pipeline on a 3-node JetStream cluster with R3 streams keeps going
// when a node stops mid-run, and every article is stored exactly once.
func TestClusterNodeLoss(t *testing.T) {
	const feeds, perFeed = 4, 50
	_, feedURLs := bulkOrigin(t, feeds, perFeed)
	cluster := natstest.StartCluster(t, 3)
	rdb, prefix := redistest.Client(t)
	apiAddr := freeAddr(t)
	topo := events.DefaultTopology()
	topo.Replicas = 3
	natstest.Provision(t, cluster.URLs(), topo)
	stop := startPipeline(t, natsx.Config{URL: cluster.URLs()}, rdb, pipelineConfig{
		fetcher: fetcher.Config{Feeds: feedURLs, PollInterval: time.Second, MinInterval: time.Second,
			Workers: 8, MaxDeliver: 50, HostDelay: time.Millisecond, HostConcurrency: 8, Timeout: 5 * time.Second, AllowPrivate: true},
		parser: parser.Config{Workers: 4, MaxDeliver: 50, Timeout: 10 * time.Second},
		store:  store.Config{Prefix: prefix, TTL: time.Hour, Workers: 4, HTTPAddr: apiAddr},
	})

	api := "http://" + apiAddr
	total := feeds * perFeed
	deadline := time.Now().Add(60 * time.Second)
	for len(countArticles(t, api)) < total/4 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d articles stored before the node stop", len(countArticles(t, api)))
		}
		time.Sleep(100 * time.Millisecond)
	}
	victim := cluster.Servers[0]
	victim.Shutdown()
	victim.WaitForShutdown()
	t.Logf("stopped node %s with %d articles stored", victim.Name(), len(countArticles(t, api)))

	// Messages in flight on the stopped node come back after their ack wait
	// (30-40 s per stage here), once per stage they still have to pass: a
	// liveness bound, generous for a loaded machine, not a speed claim.
	var ids map[string]int
	deadline = time.Now().Add(240 * time.Second)
	for {
		ids = countArticles(t, api)
		if len(ids) >= total || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(ids) != total {
		t.Fatalf("%d articles stored, want %d", len(ids), total)
	}
	for id, n := range ids {
		if n != 1 {
			t.Errorf("article %s listed %d times", id, n)
		}
	}
	j := js(t, cluster.Servers[1].ClientURL())
	if n := streamMsgs(t, j, events.StreamArticles); n != uint64(total) {
		t.Errorf("NEWSFLOW_ARTICLES holds %d events, want %d (one per article)", n, total)
	}
	s, err := j.Stream(t.Context(), events.StreamArticles)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := s.Info(t.Context()); err != nil || info.Config.Replicas != 3 {
		t.Errorf("articles stream replicas: %v %v", info.Config.Replicas, err)
	}
	stop()
}

// `newsflow provision` without NATS_REPLICAS (an operator on a laptop)
// leaves a cluster's R3 streams at R3; only an explicit setting changes them.
func TestProvisionNeverLowersReplicas(t *testing.T) {
	cluster := natstest.StartCluster(t, 3)
	provision := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := run(t.Context(), append([]string{"provision", "--nats", cluster.URLs()}, args...), nil, &out, &errOut); code != 0 {
			t.Fatalf("provision %v: exit %d: %s%s", args, code, out.String(), errOut.String())
		}
		return out.String()
	}
	j := js(t, cluster.URLs())
	replicas := func(name string) int {
		t.Helper()
		s, err := j.Stream(t.Context(), name)
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return info.Config.Replicas
	}
	names := []string{events.StreamArticles, events.StreamRaw, "KV_" + events.BucketFeeds, "OBJ_" + events.BucketPages}
	provision("--replicas", "3")
	out := provision()
	if strings.Contains(out, "updated") || strings.Count(out, "unchanged") != len(events.DefaultTopology().Resources()) {
		t.Errorf("provision without replicas changed something:\n%s", out)
	}
	for _, name := range names {
		if n := replicas(name); n != 3 {
			t.Errorf("%s has %d replicas after provision without a replica setting, want 3", name, n)
		}
	}
	out = provision("--replicas", "1")
	if !strings.Contains(out, "replicas: 3 -> 1") {
		t.Errorf("provision --replicas 1 does not report the change:\n%s", out)
	}
	for _, name := range names {
		if n := replicas(name); n != 1 {
			t.Errorf("%s has %d replicas after provision --replicas 1, want 1", name, n)
		}
	}
}
