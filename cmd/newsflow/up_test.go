package main

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/redistest"
)

// One stage failing (the store cannot listen: the API address is taken)
// stops the whole pipeline, and the error names the stage.
func TestUpStopsWhenAStageFails(t *testing.T) {
	_, prefix := redistest.Client(t)
	t.Setenv("REDIS_URL", redistest.URL(t))
	t.Setenv("REDIS_PREFIX", prefix)
	t.Setenv("LOG_LEVEL", "warn")
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	var stderr strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- run(t.Context(), []string{"up", "--data-dir", t.TempDir(), "--api-addr", taken.Addr().String()},
			nil, io.Discard, &stderr)
	}()
	select {
	case code := <-done:
		if code == 0 {
			t.Fatal("up exited 0 with its API address taken")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("up kept running with the store stopped")
	}
	if msg := stderr.String(); !strings.Contains(msg, "store: ") || !strings.Contains(msg, "listen") {
		t.Errorf("up's error does not name the stage and the cause:\n%s", msg)
	}
}
