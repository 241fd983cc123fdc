package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/internal/redistest"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
	"github.com/newsflow/newsflow/pkg/service"
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
	stop := startPipeline(t, natsx.Config{URL: cluster.URLs(), Replicas: 3}, rdb, pipelineConfig{
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

	var ids map[string]int
	deadline = time.Now().Add(120 * time.Second)
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

// A process that connects without NATS_REPLICAS (the CLI on a laptop) leaves
// a cluster's R3 streams at R3.
func TestProvisionNeverLowersReplicas(t *testing.T) {
	cluster := natstest.StartCluster(t, 3)
	log := testLogger(t)
	d3, err := service.Connect(t.Context(), natsx.Config{URL: cluster.URLs(), Name: "r3", Replicas: 3}, events.DefaultTopology(), log)
	if err != nil {
		t.Fatal(err)
	}
	defer d3.NC.Close()
	d1, err := service.Connect(t.Context(), natsx.Config{URL: cluster.URLs(), Name: "cli"}, events.DefaultTopology(), log)
	if err != nil {
		t.Fatal(err)
	}
	defer d1.NC.Close()
	for _, name := range []string{events.StreamArticles, events.StreamRaw, "KV_" + events.BucketFeeds, "OBJ_" + events.BucketPages} {
		s, err := d1.JS.Stream(t.Context(), name)
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if info.Config.Replicas != 3 {
			t.Errorf("%s has %d replicas after an R1 client connected, want 3", name, info.Config.Replicas)
		}
	}
}
