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
