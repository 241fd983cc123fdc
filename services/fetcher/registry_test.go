package fetcher

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/pkg/events"
)

func TestFailedKeepsRecentErrorsBounded(t *testing.T) {
	for _, n := range []int{1, MaxRecentErrors, MaxRecentErrors + 5} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var st FeedState
			start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for i := range n {
				st.failed(start.Add(time.Duration(i)*time.Minute), fmt.Errorf("failure %d", i))
			}
			if st.Errors != n || st.LastError != fmt.Sprintf("failure %d", n-1) {
				t.Errorf("errors %d, last %q", st.Errors, st.LastError)
			}
			if len(st.RecentErrors) != min(n, MaxRecentErrors) {
				t.Fatalf("%d entries in the history, want %d", len(st.RecentErrors), min(n, MaxRecentErrors))
			}
			if last := st.RecentErrors[len(st.RecentErrors)-1]; last.Error != st.LastError || !last.At.Equal(start.Add(time.Duration(n-1)*time.Minute)) {
				t.Errorf("newest entry %+v", last)
			}
			if first := st.RecentErrors[0]; first.Error != fmt.Sprintf("failure %d", n-len(st.RecentErrors)) {
				t.Errorf("oldest entry %+v", first)
			}
		})
	}
}

// PollNow makes a feed due and keeps its back-off count; ResetFeed clears
// the count and the last error but keeps the history.
func TestPollNowAndReset(t *testing.T) {
	ns := natstest.Start(t)
	ctx := t.Context()
	j := js(t, ns)
	kv, err := j.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: events.BucketFeeds})
	if err != nil {
		t.Fatal(err)
	}
	const u = "https://a.example/feed.xml"
	if err := AddFeed(ctx, kv, u); err != nil {
		t.Fatal(err)
	}
	key, _ := FeedKey(u)
	st, rev, err := getFeed(ctx, kv, key)
	if err != nil {
		t.Fatal(err)
	}
	st.failed(time.Now().UTC(), errors.New("status 500"))
	st.failed(time.Now().UTC(), errors.New("status 503"))
	st.NextPoll = time.Now().Add(time.Hour)
	if _, err := putFeed(ctx, kv, key, st, rev); err != nil {
		t.Fatal(err)
	}

	before := time.Now()
	got, err := PollNow(ctx, kv, u)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := GetFeed(ctx, kv, u)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []FeedState{got, stored} {
		if s.NextPoll.Before(before) || s.NextPoll.After(time.Now()) || s.Errors != 2 || s.LastError != "status 503" {
			t.Errorf("after PollNow: next poll %v, errors %d, last %q", s.NextPoll, s.Errors, s.LastError)
		}
	}

	if _, err := ResetFeed(ctx, kv, u); err != nil {
		t.Fatal(err)
	}
	stored, err = GetFeed(ctx, kv, u)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Errors != 0 || stored.LastError != "" || stored.NextPoll.After(time.Now()) || len(stored.RecentErrors) != 2 {
		t.Errorf("after ResetFeed: %+v", stored)
	}

	for name, fn := range map[string]func() error{
		"GetFeed":   func() error { _, err := GetFeed(ctx, kv, "https://b.example/rss"); return err },
		"PollNow":   func() error { _, err := PollNow(ctx, kv, "https://b.example/rss"); return err },
		"ResetFeed": func() error { _, err := ResetFeed(ctx, kv, "https://b.example/rss"); return err },
	} {
		if err := fn(); !errors.Is(err, jetstream.ErrKeyNotFound) {
			t.Errorf("%s of an unregistered feed: %v, want ErrKeyNotFound", name, err)
		}
	}
}
