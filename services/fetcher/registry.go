package fetcher

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/urls"
)

// FeedState is one source in the registry (KV bucket newsflow_feeds), with
// what the next poll needs and what an operator wants to see.
type FeedState struct {
	URL          string    `json:"url"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	AddedAt      time.Time `json:"added_at"`
	LastPoll     time.Time `json:"last_poll,omitzero"`
	LastSuccess  time.Time `json:"last_success,omitzero"`
	LastError    string    `json:"last_error,omitempty"`
	Errors       int       `json:"errors"`
	NextPoll     time.Time `json:"next_poll,omitzero"`
	// Interval is the adaptive poll interval (see Fetcher.interval).
	Interval time.Duration `json:"interval_ns,omitempty"`
	// Kind is what the source turned out to be: rss, atom, json, sitemap,
	// sitemapindex, or page (an HTML page, searched for feeds and links).
	Kind string `json:"kind,omitempty"`
	// Discovered lists the feeds a page source announced; they are polled
	// as sources of their own.
	Discovered []string `json:"discovered,omitempty"`
	// Probed is set once the usual feed paths of a page source were tried.
	Probed bool `json:"probed,omitempty"`
	// Items counts the article URLs this source has queued.
	Items int `json:"items"`
	// RecentErrors are the last failed polls, newest last, at most
	// MaxRecentErrors: Errors and LastError say only how the latest run of
	// failures ended, and a success clears them.
	RecentErrors []PollError `json:"recent_errors,omitempty"`
}

// PollError is one failed poll of a source.
type PollError struct {
	At    time.Time `json:"at"`
	Error string    `json:"error"`
}

// MaxRecentErrors bounds FeedState.RecentErrors, so a source failing for
// months keeps a registry entry of the same size.
const MaxRecentErrors = 10

// failed records a failed poll at now.
// Shown is st as it may be shown to people and other programs: the
// password in the URL's userinfo hidden. The registry keeps the real one,
// which the fetcher needs.
func (st FeedState) Shown() FeedState {
	st.URL = urls.Redact(st.URL)
	return st
}

func (st *FeedState) failed(now time.Time, err error) {
	st.Errors++
	st.LastError = err.Error()
	st.RecentErrors = append(st.RecentErrors, PollError{At: now, Error: truncate(st.LastError, 500)})
	if n := len(st.RecentErrors) - MaxRecentErrors; n > 0 {
		st.RecentErrors = append([]PollError(nil), st.RecentErrors[n:]...)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// FeedKey is the registry key of a feed URL.
func FeedKey(feedURL string) (string, error) {
	c, err := urls.Canonical(feedURL)
	if err != nil {
		return "", fmt.Errorf("feed url: %w", err)
	}
	return events.ArticleID(c), nil
}

// AddFeed registers feedURL; adding a feed that is already there changes
// nothing, so every replica may add the configured feeds at start.
func AddFeed(ctx context.Context, kv jetstream.KeyValue, feedURL string) error {
	key, err := FeedKey(feedURL)
	if err != nil {
		return err
	}
	data, err := json.Marshal(FeedState{URL: feedURL, AddedAt: time.Now().UTC()})
	if err != nil {
		return fmt.Errorf("encode feed: %w", err)
	}
	if _, err := kv.Create(ctx, key, data); err != nil && !events.IsKVConflict(err) {
		return fmt.Errorf("add feed %s: %w", urls.Redact(feedURL), err)
	}
	return nil
}

// RemoveFeed takes feedURL out of the registry; URLs it already queued are
// still fetched.
func RemoveFeed(ctx context.Context, kv jetstream.KeyValue, feedURL string) error {
	key, err := FeedKey(feedURL)
	if err != nil {
		return err
	}
	if _, err := kv.Get(ctx, key); err != nil {
		return fmt.Errorf("remove feed %s: %w", urls.Redact(feedURL), err)
	}
	if err := kv.Purge(ctx, key); err != nil {
		return fmt.Errorf("remove feed %s: %w", urls.Redact(feedURL), err)
	}
	return nil
}

// GetFeed returns the state of feedURL; an unregistered feed gives an error
// wrapping jetstream.ErrKeyNotFound.
func GetFeed(ctx context.Context, kv jetstream.KeyValue, feedURL string) (FeedState, error) {
	key, err := FeedKey(feedURL)
	if err != nil {
		return FeedState{}, err
	}
	st, _, err := getFeed(ctx, kv, key)
	return st, err
}

// PollNow makes feedURL due at once: a fetcher polls it on its next look at
// the registry. Its error count stays, so a source that fails again keeps
// backing off.
func PollNow(ctx context.Context, kv jetstream.KeyValue, feedURL string) (FeedState, error) {
	return updateFeed(ctx, kv, feedURL, func(st *FeedState) {
		st.NextPoll = time.Now().UTC()
	})
}

// ResetFeed clears feedURL's error back-off — its error count and last
// error — and makes it due at once. RecentErrors stays: it is history.
func ResetFeed(ctx context.Context, kv jetstream.KeyValue, feedURL string) (FeedState, error) {
	return updateFeed(ctx, kv, feedURL, func(st *FeedState) {
		st.Errors, st.LastError = 0, ""
		st.NextPoll = time.Now().UTC()
	})
}

// updateFeed applies change to feedURL's state with a compare-and-set,
// reading it again when a fetcher wrote it meanwhile.
func updateFeed(ctx context.Context, kv jetstream.KeyValue, feedURL string, change func(*FeedState)) (FeedState, error) {
	key, err := FeedKey(feedURL)
	if err != nil {
		return FeedState{}, err
	}
	for attempt := 0; ; attempt++ {
		st, rev, err := getFeed(ctx, kv, key)
		if err != nil {
			return FeedState{}, err
		}
		change(&st)
		_, err = putFeed(ctx, kv, key, st, rev)
		if err == nil || !events.IsKVConflict(err) || attempt == 4 {
			return st, err
		}
	}
}

// ListFeeds returns every registered feed.
func ListFeeds(ctx context.Context, kv jetstream.KeyValue) ([]FeedState, error) {
	keys, err := kv.ListKeys(ctx)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list feeds: %w", err)
	}
	var out []FeedState
	for key := range keys.Keys() {
		st, _, err := getFeed(ctx, kv, key)
		if err != nil {
			if errors.Is(err, jetstream.ErrKeyNotFound) {
				continue
			}
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

func getFeed(ctx context.Context, kv jetstream.KeyValue, key string) (FeedState, uint64, error) {
	e, err := kv.Get(ctx, key)
	if err != nil {
		return FeedState{}, 0, fmt.Errorf("get feed %s: %w", key, err)
	}
	var st FeedState
	if err := json.Unmarshal(e.Value(), &st); err != nil {
		return FeedState{}, 0, fmt.Errorf("decode feed %s: %w", key, err)
	}
	return st, e.Revision(), nil
}

// putFeed saves st over revision rev and returns the new revision.
func putFeed(ctx context.Context, kv jetstream.KeyValue, key string, st FeedState, rev uint64) (uint64, error) {
	data, err := json.Marshal(st)
	if err != nil {
		return 0, fmt.Errorf("encode feed: %w", err)
	}
	rev, err = kv.Update(ctx, key, data, rev)
	if err != nil {
		return 0, fmt.Errorf("update feed %s: %w", urls.Redact(st.URL), err)
	}
	return rev, nil
}
