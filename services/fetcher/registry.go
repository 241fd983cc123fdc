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
	if _, err := kv.Create(ctx, key, data); err != nil && !isKVConflict(err) {
		return fmt.Errorf("add feed %s: %w", feedURL, err)
	}
	return nil
}

// isKVConflict reports a KV create or update that lost to another writer.
// Replicated buckets report it as "wrong last sequence" (10164), which the
// client does not always map to ErrKeyExists — notably when the key was
// deleted before — so the codes are checked too.
func isKVConflict(err error) bool {
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return true
	}
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

// RemoveFeed takes feedURL out of the registry; URLs it already queued are
// still fetched.
func RemoveFeed(ctx context.Context, kv jetstream.KeyValue, feedURL string) error {
	key, err := FeedKey(feedURL)
	if err != nil {
		return err
	}
	if _, err := kv.Get(ctx, key); err != nil {
		return fmt.Errorf("remove feed %s: %w", feedURL, err)
	}
	if err := kv.Purge(ctx, key); err != nil {
		return fmt.Errorf("remove feed %s: %w", feedURL, err)
	}
	return nil
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
		return 0, fmt.Errorf("update feed %s: %w", st.URL, err)
	}
	return rev, nil
}
