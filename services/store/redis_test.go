package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/redistest"
)

func article(n int, published time.Time, body string) *events.Article {
	u := fmt.Sprintf("https://example.com/news/%d", n)
	p := published
	return &events.Article{
		ID: events.ArticleID(u), URL: u, Host: "example.com", Title: fmt.Sprintf("Story %d", n),
		PublishedAt: &p, BodyText: body, ContentHash: events.ContentHash([]byte(body)),
		SchemaVersion: events.SchemaVersion,
	}
}

func decodeTitles(t *testing.T, page Page) []string {
	var out []string
	for _, raw := range page.Articles {
		var a events.Article
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a.Title)
	}
	return out
}

func TestPutIsIdempotentAndKeepsNewest(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	s := NewArticles(rdb, prefix, time.Hour)
	ctx := t.Context()
	base := time.Date(2024, 2, 23, 13, 25, 0, 0, time.FixedZone("KST", 9*3600))

	a := article(1, base, "first version")
	if changed, err := s.Put(ctx, a); err != nil || !changed {
		t.Fatalf("first put: changed=%v err=%v", changed, err)
	}
	if changed, err := s.Put(ctx, a); err != nil || changed {
		t.Fatalf("redelivered put: changed=%v err=%v, want unchanged", changed, err)
	}
	newer := article(1, base, "second version")
	m := base.Add(time.Hour)
	newer.ModifiedAt = &m
	if changed, err := s.Put(ctx, newer); err != nil || !changed {
		t.Fatalf("newer put: changed=%v err=%v", changed, err)
	}
	older := article(1, base, "stale version")
	om := base.Add(time.Minute)
	older.ModifiedAt = &om
	if changed, err := s.Put(ctx, older); err != nil || changed {
		t.Fatalf("older put: changed=%v err=%v, want ignored", changed, err)
	}
	raw, err := s.Get(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got events.Article
	json.Unmarshal(raw, &got)
	if got.BodyText != "second version" {
		t.Errorf("stored body %q, want the newer version", got.BodyText)
	}
	if n, _ := s.Count(ctx); n != 1 {
		t.Errorf("index holds %d ids, want 1", n)
	}
	if _, err := s.Get(ctx, events.ArticleID("https://example.com/none")); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing article: %v, want ErrNotFound", err)
	}
}

func TestListPagination(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	s := NewArticles(rdb, prefix, time.Hour)
	ctx := t.Context()

	empty, err := s.List(ctx, 10, "")
	if err != nil || len(empty.Articles) != 0 || empty.NextCursor != "" {
		t.Fatalf("empty list: %+v %v", empty, err)
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 7 {
		// Articles 3 and 4 share a timestamp: the cursor must not skip or repeat either.
		at := base.Add(time.Duration(i) * time.Hour)
		if i == 4 {
			at = base.Add(3 * time.Hour)
		}
		if _, err := s.Put(ctx, article(i, at, fmt.Sprint("body ", i))); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
		p, err := s.List(ctx, 3, cursor)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, decodeTitles(t, p)...)
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	want := []string{"Story 6", "Story 5", "Story 4", "Story 3", "Story 2", "Story 1", "Story 0"}
	if fmt.Sprint(seen[:2]) != fmt.Sprint(want[:2]) || len(seen) != 7 || fmt.Sprint(seen[4:]) != fmt.Sprint(want[4:]) {
		t.Errorf("pages gave %q, want %q (3 and 4 in either order)", seen, want)
	}
	if _, err := s.List(ctx, 3, "not-a-cursor!"); !errors.Is(err, ErrBadCursor) {
		t.Errorf("invalid cursor: %v, want ErrBadCursor", err)
	}
	// A cursor at the last article gives an empty last page.
	last, err := s.List(ctx, 7, "")
	if err != nil || last.NextCursor == "" {
		t.Fatalf("full page: %v, cursor %q", err, last.NextCursor)
	}
	after, err := s.List(ctx, 7, last.NextCursor)
	if err != nil || len(after.Articles) != 0 || after.NextCursor != "" {
		t.Errorf("page after the last: %d articles, cursor %q, err %v", len(after.Articles), after.NextCursor, err)
	}
}

// Records expire with the TTL and their index entries go with them.
func TestTTLExpiresRecordsAndIndex(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	s := NewArticles(rdb, prefix, time.Second)
	ctx := t.Context()
	now := time.Now()
	if _, err := s.Put(ctx, article(1, now, "short-lived")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2100 * time.Millisecond)
	if _, err := s.Get(ctx, article(1, now, "").ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("article still there after its TTL: %v", err)
	}
	// The next write sweeps the expired id out of both indexes.
	if _, err := s.Put(ctx, article(2, now, "fresh")); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{s.indexKey(), s.expiryKey()} {
		ids, err := rdb.ZRange(ctx, key, 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != 1 || ids[0] != article(2, now, "").ID {
			t.Errorf("%s = %v, want only the fresh article", key, ids)
		}
	}
	p, err := s.List(ctx, 10, "")
	if err != nil || len(p.Articles) != 1 {
		t.Errorf("list after expiry: %d articles, %v", len(p.Articles), err)
	}
}
