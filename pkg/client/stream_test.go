package client

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// With FailFast, a store that cannot be reached is an error at once; one
// that was reached and then went is retried, as without it.
func TestStreamFailFast(t *testing.T) {
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	api, err := NewAPI(gone.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	noop := func(context.Context, *StreamEvent) error { return nil }
	err = api.Stream(t.Context(), Query{}, "", noop, FailFast())
	if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(gone.URL, "http://")) {
		t.Fatalf("Stream to a closed address with FailFast = %v, want an error naming it", err)
	}

	// Without FailFast the same address is retried until ctx ends.
	ctx, cancel := context.WithTimeout(t.Context(), 1500*time.Millisecond)
	defer cancel()
	var retries atomic.Int32
	if err := api.Stream(ctx, Query{}, "", noop, OnRetry(func(error, time.Duration) { retries.Add(1) })); err != nil || retries.Load() == 0 {
		t.Fatalf("Stream without FailFast = %v after %d retries, want nil after retrying", err, retries.Load())
	}

	ctx, cancel = context.WithCancel(t.Context())
	defer cancel()
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) == 1 {
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprint(w, ": hello\n\n")
			return // the stream drops
		}
		cancel() // the reconnection came: enough
		<-r.Context().Done()
	}))
	defer srv.Close()
	api, err = NewAPI(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	retries.Store(0)
	err = api.Stream(ctx, Query{}, "", noop, FailFast(), OnRetry(func(error, time.Duration) { retries.Add(1) }))
	if err != nil || requests.Load() != 2 || retries.Load() != 1 {
		t.Errorf("after a drop: Stream = %v, %d requests, %d retries; want nil, 2, 1", err, requests.Load(), retries.Load())
	}
}

// A store that cannot resume after the id given (past the end of a stream
// that was provisioned again) says so with an event: reset; OnReset hears it,
// and the position moves on to the one the store gives.
func TestStreamOnReset(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.Header.Get("Last-Event-ID"))
		w.Header().Set("Content-Type", "text/event-stream")
		if len(asked) == 1 {
			// As the store writes it: the greeting at the live end, then the reset.
			fmt.Fprint(w, "retry: 2000\n: newsflow article stream\nevent: position\nid: 3\ndata: 3\n\n")
			fmt.Fprint(w, "event: reset\ndata: {\"last_event_id\":999,\"position\":3}\n\n")
			return // the stream drops: the reconnection shows the position kept
		}
		cancel()
	}))
	defer srv.Close()
	api, err := NewAPI(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	var resets []string
	noop := func(context.Context, *StreamEvent) error { return nil }
	err = api.Stream(ctx, Query{}, "999", noop, OnReset(func(last, position string) {
		resets = append(resets, last+"→"+position)
	}), OnRetry(func(error, time.Duration) {}))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(resets) != "[999→3]" {
		t.Errorf("resets heard: %v, want [999→3]", resets)
	}
	if fmt.Sprint(asked) != "[999 3]" {
		t.Errorf("Last-Event-IDs sent: %v, want [999 3]", asked)
	}
}
