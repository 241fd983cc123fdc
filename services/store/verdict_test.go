package store

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/newsflow/newsflow/internal/redistest"
	"github.com/newsflow/newsflow/pkg/events"
)

func TestVerdictsHub(t *testing.T) {
	at := base.UnixNano()
	k := func(seq uint64) eventKey { return eventKey{seq: seq, at: at + int64(seq)} }
	v := newVerdicts(3)
	v.record(k(1), true)
	if dup, known, _, release := v.await(k(1)); !known || !dup {
		t.Errorf("await after record: dup %v known %v, want a known duplicate", dup, known)
	} else {
		release()
	}
	// The same sequence in a stream made again is another event.
	if _, known := v.lookup(eventKey{seq: 1, at: at + 99}); known {
		t.Error("a verdict found for another event with the same sequence")
	}

	// Two streams wait for the same event; the verdict wakes both.
	_, known, heard, release := v.await(k(2))
	_, _, heard2, release2 := v.await(k(2))
	if known {
		t.Fatal("an unknown event is known")
	}
	v.record(k(2), false)
	for _, ch := range []<-chan struct{}{heard, heard2} {
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			t.Fatal("a waiting stream was not woken")
		}
	}
	release()
	release2()
	if dup, known := v.lookup(k(2)); !known || dup {
		t.Errorf("lookup(2) = %v, %v, want known, not a duplicate", dup, known)
	}

	// A stream that gives up leaves nothing behind.
	_, _, _, release = v.await(k(9))
	release()
	if len(v.waiting) != 0 {
		t.Errorf("%d waiters left after release", len(v.waiting))
	}

	// A redelivered event's verdict replaces the first; the oldest go first.
	v.record(k(2), true)
	v.record(k(3), false)
	if _, known := v.lookup(k(1)); !known {
		t.Error("event 1 forgotten while the hub had room (a repeated verdict took a slot)")
	}
	v.record(k(4), false)
	if _, known := v.lookup(k(1)); known {
		t.Error("the oldest verdict kept past the hub's size")
	}
	if dup, known := v.lookup(k(2)); !known || !dup {
		t.Errorf("lookup(2) = %v, %v, want the repeated verdict: a duplicate", dup, known)
	}

	for _, dup := range []bool{true, false} {
		got, gotDup, err := parseVerdict(formatVerdict(k(42), dup))
		if err != nil || got != k(42) || gotDup != dup {
			t.Errorf("round trip of (%v, %v): %v %v %v", k(42), dup, got, gotDup, err)
		}
	}
	for _, bad := range []string{"", "42", "42 1", "42 7 2", "x 7 1", "0 7 1", "-1 7 0", "42 x 1", "42 7 1 1"} {
		if _, _, err := parseVerdict([]byte(bad)); err == nil {
			t.Errorf("parseVerdict(%q) accepted", bad)
		}
	}
}

// Two store replicas share the work: each event is written by one of them,
// and an SSE client of either learns every event's duplicate verdict from
// the replica that wrote it, never from Redis (the grace before a stream
// asks Redis is longer than the test here, so an unheard verdict would
// show as a Redis lookup, after dupWait).
func TestStreamHearsVerdictsOfEveryReplica(t *testing.T) {
	natsURL, js := natsServer(t)
	rdb, prefix := redistest.Client(t)
	cfg := Config{Prefix: prefix, TTL: time.Hour, Workers: 2, verdictGrace: time.Hour}
	a := runStore(t, natsURL, rdb, cfg)
	b := runStore(t, natsURL, rdb, cfg)
	heard0 := testutil.ToFloat64(sseVerdicts.WithLabelValues("heard"))
	redis0 := testutil.ToFloat64(sseVerdicts.WithLabelValues("redis"))
	clients := []*sseClient{openStream(t, a.api+"/v1/stream", ""), openStream(t, b.api+"/v1/stream", "")}

	wire := withBody(words("wire", 80))
	const n = 12
	var originals []int
	for i := range n {
		site := fmt.Sprintf("site%d.example", i)
		var opts []func(*events.Article)
		if i%3 == 1 {
			opts = append(opts, wire) // every third story is a copy of story 1 on another site
		}
		if i%3 != 1 || i == 1 {
			originals = append(originals, i)
		}
		ar := art(site, i, base.Add(time.Duration(i)*time.Minute), opts...)
		publish(t, js, ar)
		// A copy is linked to an original stored before it.
		waitFor(t, "stored", func() bool { _, err := NewArticles(rdb, prefix, time.Hour).Get(t.Context(), ar.ID); return err == nil })
	}
	for k, c := range clients {
		var got []int
		for len(got) < len(originals) {
			_, ar := c.article(t)
			var i int
			if _, err := fmt.Sscanf(ar.Title, "Story %d from", &i); err != nil {
				t.Fatalf("client %d: title %q", k, ar.Title)
			}
			got = append(got, i)
		}
		if !slices.Equal(got, originals) {
			t.Errorf("client %d saw %v, want the originals %v", k, got, originals)
		}
	}
	if heard := testutil.ToFloat64(sseVerdicts.WithLabelValues("heard")) - heard0; heard != 2*n {
		t.Errorf("%v verdicts heard, want %d (every event, on both streams)", heard, 2*n)
	}
	if looked := testutil.ToFloat64(sseVerdicts.WithLabelValues("redis")) - redis0; looked != 0 {
		t.Errorf("%v verdicts looked up in Redis, want none", looked)
	}
}
