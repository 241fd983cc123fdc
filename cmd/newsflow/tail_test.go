package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/internal/redistest"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/services/store"
)

func tailArticle(host string, n int, lang string) *events.Article {
	u := fmt.Sprintf("https://%s/story/%d", host, n)
	p := time.Date(2024, 3, 1, 8, n, 0, 0, time.UTC)
	return &events.Article{ID: events.ArticleID(u), URL: u, Host: host, Title: fmt.Sprintf("Story %d on %s", n, host),
		Language: lang, Authors: []string{"Ann Lee"}, PublishedAt: &p, BodyText: "body", SchemaVersion: events.SchemaVersion}
}

func TestTail(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		check func(t *testing.T, lines []string)
	}{
		{"json lines, one site and language, since an hour", []string{"--site", "a.example", "--lang", "en", "--since", "1h", "--max", "2"},
			func(t *testing.T, lines []string) {
				var titles []string
				for _, l := range lines {
					var a events.Article
					if err := json.Unmarshal([]byte(l), &a); err != nil {
						t.Fatalf("not a JSON line: %q", l)
					}
					titles = append(titles, a.Title)
				}
				if want := "[Story 1 on a.example Story 4 on a.example]"; fmt.Sprint(titles) != want {
					t.Errorf("printed %v, want %s", titles, want)
				}
			}},
		{"text, new articles only", []string{"--format", "text", "--max", "3"},
			func(t *testing.T, lines []string) {
				if len(lines) != 3 {
					t.Fatalf("printed %q, want 3 lines", lines)
				}
				for i, want := range []string{"Story 2 on b.example", "Story 3 on a.example", "Story 4 on a.example"} {
					if !strings.Contains(lines[i], want) || !strings.Contains(lines[i], "— Ann Lee") || !strings.Contains(lines[i], "https://") {
						t.Errorf("line %d = %q, want %q with its author and URL", i, lines[i], want)
					}
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := natstest.StartProvisioned(t)
			_, js, err := natsx.Connect(t.Context(), natsx.Config{URL: ns.ClientURL(), Name: "test"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			publishArticle(t, js, tailArticle("a.example", 1, "en-GB")) // before tail starts
			var out, errOut bytes.Buffer
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			done := make(chan int, 1)
			go func() {
				done <- run(ctx, append([]string{"tail", "--nats", ns.ClientURL()}, tc.args...), nil, &out, &errOut)
			}()
			waitConsumer(t, js)
			publishArticle(t, js, tailArticle("b.example", 2, "en"))
			publishArticle(t, js, tailArticle("a.example", 3, "de"))
			publishArticle(t, js, tailArticle("a.example", 4, "en"))
			select {
			case code := <-done:
				if code != 0 {
					t.Fatalf("tail exited %d: %s", code, errOut.String())
				}
			case <-time.After(60 * time.Second):
				t.Fatal("tail did not exit after --max articles")
			}
			tc.check(t, strings.Split(strings.TrimSpace(out.String()), "\n"))
		})
	}
}

func TestTailBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--since", "-1h"}, {"--since", "1h", "--all"}, {"--format", "xml"}, {"--max", "-1"}, {"extra"},
		{"--api", "http://127.0.0.1:1", "--site", "a", "--site", "b"}, {"--api", "http://127.0.0.1:1", "--durable", "x"},
		{"--api", "ftp://x"},
	} {
		var out, errOut bytes.Buffer
		if code := run(t.Context(), append([]string{"tail", "--nats", "nats://127.0.0.1:1"}, args...), nil, &out, &errOut); code == 0 {
			t.Errorf("tail %v exited 0", args)
		}
	}
}

func publishArticle(t *testing.T, js jetstream.JetStream, a *events.Article) {
	t.Helper()
	m, err := a.Msg("newsflow/test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.PublishMsg(t.Context(), m); err != nil {
		t.Fatal(err)
	}
}

// waitConsumer waits for tail's consumer: what is published from then on reaches it.
func waitConsumer(t *testing.T, js jetstream.JetStream) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s, err := js.Stream(t.Context(), events.StreamArticles)
		if err != nil {
			t.Fatal(err)
		}
		if info, err := s.Info(t.Context()); err == nil && info.State.Consumers == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("tail did not subscribe within 30s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// tail --api follows the store's HTTP stream: no NATS access needed.
func TestTailThroughAPI(t *testing.T) {
	ns := natstest.StartProvisioned(t)
	rdb, prefix := redistest.Client(t)
	deps, err := service.Connect(t.Context(), natsx.Config{URL: ns.ClientURL(), Name: "store"}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer deps.NC.Close()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(t.Context())
	stored := make(chan error, 1)
	go func() {
		stored <- store.Run(ctx, store.Config{Prefix: prefix, TTL: time.Hour, HTTPAddr: addr}, deps, rdb)
	}()
	defer func() {
		cancel()
		if err := <-stored; err != nil {
			t.Errorf("store: %v", err)
		}
	}()
	publishArticle(t, deps.JS, tailArticle("a.example", 1, "en"))
	publishArticle(t, deps.JS, tailArticle("b.example", 2, "en"))
	// tail gives up on a store it cannot reach at first: start it once the store answers.
	waitArticles(t, "http://"+addr, 2)
	var out, errOut bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"tail", "--api", "http://" + addr, "--site", "a.example", "--all", "--max", "2"}, nil, &out, &errOut)
	}()
	publishArticle(t, deps.JS, tailArticle("a.example", 3, "de"))
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("tail --api exited %d: %s", code, errOut.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("tail --api did not exit after --max articles")
	}
	var titles []string
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var a events.Article
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			t.Fatalf("not a JSON line: %q", l)
		}
		titles = append(titles, a.Title)
	}
	if want := "[Story 1 on a.example Story 3 on a.example]"; fmt.Sprint(titles) != want {
		t.Errorf("printed %v, want %s", titles, want)
	}
}
