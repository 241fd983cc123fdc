package parser

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
	"github.com/newsflow/newsflow/pkg/router"
	"github.com/newsflow/newsflow/pkg/service"
)

const page = `<html lang="en"><head><title>Bridge reopens</title></head><body><article><h1>Bridge reopens</h1>
<p>The old bridge reopened to traffic on Monday after a year of repairs to its deck and railings.</p>
<p>Engineers said the structure would now carry heavier vehicles than before.</p></article></body></html>`

// The parser publishes a valid article for a good page and dead-letters
// pages it can never parse, with the reason, without blocking the stream.
func TestParserPublishesAndDeadLetters(t *testing.T) {
	ns := natstest.StartProvisioned(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	deps, err := service.Connect(ctx, natsx.Config{URL: ns.ClientURL(), Name: "parser"}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer deps.NC.Close()
	done := make(chan error)
	go func() { done <- Run(ctx, Config{Workers: 2, MaxDeliver: 3, Timeout: 10 * time.Second}, deps) }()

	publish := func(m *nats.Msg) {
		t.Helper()
		if _, err := deps.JS.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	noURL := nats.NewMsg(events.RawSubject("example.com"))
	noURL.Data = []byte(page)
	publish(noURL)
	empty, _ := events.RawPage{URL: "https://example.com/empty", Body: []byte("<html><body></body></html>")}.Msg("test")
	publish(empty)
	good, _ := events.RawPage{URL: "https://example.com/bridge?utm_source=x", Status: 200, ContentType: "text/html",
		FetchedAt: time.Now(), Body: []byte(page)}.Msg("test")
	good.Header.Set(events.HeaderTraceparent, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	publish(good)

	art, err := deps.JS.OrderedConsumer(ctx, events.StreamArticles, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := art.Next(jetstream.FetchMaxWait(20 * time.Second))
	if err != nil {
		t.Fatalf("no article event: %v", err)
	}
	if err := events.ValidateArticleJSON(m.Data()); err != nil {
		t.Error(err)
	}
	a, _ := events.DecodeArticle(m.Data())
	if a.Title != "Bridge reopens" || !strings.HasPrefix(a.BodyText, "The old bridge reopened") || a.FetchedAt == nil || a.ParsedAt == nil {
		t.Errorf("article %+v", a)
	}
	if tp := m.Headers().Get(events.HeaderTraceparent); !strings.Contains(tp, "0af7651916cd43dd8448eb211c80319c") {
		t.Errorf("trace id not carried: %q", tp)
	}

	dlq, err := deps.JS.OrderedConsumer(ctx, events.StreamDLQ, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]bool{}
	for range 2 {
		m, err := dlq.Next(jetstream.FetchMaxWait(20 * time.Second))
		if err != nil {
			t.Fatalf("dead letter: %v", err)
		}
		reasons[m.Headers().Get(router.HeaderDLQError)] = true
	}
	var joined string
	for r := range reasons {
		joined += r + "\n"
	}
	if !strings.Contains(joined, "no Newsflow-Url header") || !strings.Contains(joined, "no article in page") {
		t.Errorf("dead-letter reasons:\n%s", joined)
	}
	cancel()
	if err := <-done; err != nil {
		t.Error(err)
	}
}

// A parser whose admin address is taken stops with that error rather than
// consuming unseen.
func TestParserStopsWhenAdminFails(t *testing.T) {
	deps := connectParser(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		done <- Run(t.Context(), Config{Workers: 1, MaxDeliver: 3, Timeout: time.Second, AdminAddr: ln.Addr().String()}, deps)
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "listen") {
			t.Errorf("Run returned %v, want the listen error", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("parser kept running without its HTTP server")
	}
}

// The parser's one listener is the admin address: health, readiness and
// metrics, nothing else; it reads no HTTP_ADDR.
func TestParserAdminListener(t *testing.T) {
	env := config.FromMap(map[string]string{"HTTP_ADDR": ":8081"})
	if c := ConfigFromEnv(env); c.AdminAddr != DefaultAdminAddr || slices.Contains(env.Names(), "HTTP_ADDR") {
		t.Errorf("ConfigFromEnv: admin %q, reads %v; want %q and no HTTP_ADDR", c.AdminAddr, env.Names(), DefaultAdminAddr)
	}

	deps := connectParser(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{Workers: 1, MaxDeliver: 3, Timeout: time.Second, AdminAddr: addr}, deps)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	for _, tc := range []struct {
		path     string
		status   int
		contains string
	}{
		{"/healthz", http.StatusOK, `"ok"`},
		{"/readyz", http.StatusOK, `"ready"`},
		{"/metrics", http.StatusOK, "newsflow_parser_extract_seconds"},
		{"/v1/articles", http.StatusNotFound, ""},
	} {
		var status int
		var body []byte
		deadline := time.Now().Add(20 * time.Second)
		for {
			resp, err := http.Get("http://" + addr + tc.path)
			if err == nil {
				status = resp.StatusCode
				body, _ = io.ReadAll(resp.Body)
				resp.Body.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("GET %s: %v", tc.path, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if status != tc.status || !strings.Contains(string(body), tc.contains) {
			t.Errorf("GET %s: %d, want %d with %q", tc.path, status, tc.status, tc.contains)
		}
	}
}

// connectParser connects a parser's dependencies to a provisioned NATS of
// the test's own.
func connectParser(t *testing.T) service.Deps {
	t.Helper()
	ns := natstest.StartProvisioned(t)
	deps, err := service.Connect(t.Context(), natsx.Config{URL: ns.ClientURL(), Name: "parser"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(deps.NC.Close)
	return deps
}
