package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/newsflow/newsflow/internal/redistest"
	"github.com/newsflow/newsflow/pkg/events"
)

var base = time.Date(2024, 2, 23, 13, 25, 0, 0, time.FixedZone("KST", 9*3600))

// words is a body of n distinct words: long enough to be linked as a duplicate.
func words(seed string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%s%d ", seed, i)
	}
	return strings.TrimSpace(b.String())
}

// art builds an article on host with a body and simhash of its own.
func art(host string, n int, published time.Time, mods ...func(*events.Article)) *events.Article {
	u := fmt.Sprintf("https://%s/news/%d", host, n)
	p := published
	body := words(fmt.Sprintf("%s-%d-", host, n), 80)
	a := &events.Article{
		ID: events.ArticleID(u), URL: u, Host: host, Title: fmt.Sprintf("Story %d from %s", n, host),
		PublishedAt: &p, BodyText: body, WordCount: 80, ContentHash: events.ContentHash([]byte(body)),
		Simhash:  fmt.Sprintf("%016x", uint64(n)*0x9e3779b97f4a7c15^uint64(len(host))*0xbf58476d1ce4e5b9),
		Language: "en", SchemaVersion: events.SchemaVersion,
	}
	for _, m := range mods {
		m(a)
	}
	return a
}

func withBody(body string) func(*events.Article) {
	return func(a *events.Article) {
		a.BodyText = body
		a.WordCount = len(strings.Fields(body))
		a.ContentHash = events.ContentHash([]byte(body))
	}
}

func mustPut(t *testing.T, s *Articles, a *events.Article, want Result) PutResult {
	t.Helper()
	r, err := s.Put(t.Context(), a)
	if err != nil {
		t.Fatalf("put %s: %v", a.Title, err)
	}
	if r.Result != want {
		t.Fatalf("put %s: %v, want %v", a.Title, r.Result, want)
	}
	return r
}

func decode(t *testing.T, raw json.RawMessage) events.Article {
	t.Helper()
	var a events.Article
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("stored JSON: %v", err)
	}
	return a
}

func titles(t *testing.T, page Page) []string {
	t.Helper()
	out := []string{}
	for _, raw := range page.Articles {
		out = append(out, decode(t, raw).Title)
	}
	return out
}

func TestPutIsIdempotentAndKeepsNewest(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	s := NewArticles(rdb, prefix, time.Hour)
	ctx := t.Context()
	at := func(d time.Duration) *time.Time { x := base.Add(d); return &x }
	version := func(body string, modified, parsed *time.Time) *events.Article {
		return art("example.com", 1, base, withBody(body), func(a *events.Article) { a.ModifiedAt, a.ParsedAt = modified, parsed })
	}
	steps := []struct {
		name string
		a    *events.Article
		want Result
		body string // stored afterwards
	}{
		{"first", version("first version", nil, at(0)), Created, "first version"},
		{"redelivered", version("first version", nil, at(0)), Unchanged, "first version"},
		{"new content, no dates", version("second version", nil, at(time.Minute)), Replaced, "second version"},
		{"modified later", version("third version", at(time.Hour), at(2*time.Minute)), Replaced, "third version"},
		{"modified earlier", version("stale version", at(time.Minute), at(3*time.Minute)), Stale, "third version"},
		{"no modified date after one", version("undated version", nil, at(4*time.Minute)), Stale, "third version"},
		{"same modified, parsed earlier", version("reparse of old", at(time.Hour), at(time.Minute)), Stale, "third version"},
		{"same modified, parsed later", version("reparse", at(time.Hour), at(5*time.Minute)), Replaced, "reparse"},
		{"redelivered after replace", version("reparse", at(time.Hour), at(5*time.Minute)), Unchanged, "reparse"},
		{"same body, corrected later", version("reparse", at(2*time.Hour), at(6*time.Minute)), Replaced, "reparse"},
	}
	for _, st := range steps {
		st.a.Title = st.name
		r, err := s.Put(ctx, st.a)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if r.Result != st.want {
			t.Errorf("%s: %v, want %v", st.name, r.Result, st.want)
		}
		got, err := s.Get(ctx, st.a.ID)
		if err != nil {
			t.Fatalf("%s: get: %v", st.name, err)
		}
		if b := decode(t, got.JSON).BodyText; b != st.body {
			t.Errorf("%s: stored body %q, want %q", st.name, b, st.body)
		}
		if title := decode(t, got.JSON).Title; st.want != Stale && st.want != Unchanged && title != st.name {
			t.Errorf("%s: stored title %q, want this version's", st.name, title)
		}
	}
	if n, _ := s.Count(ctx); n != 1 {
		t.Errorf("index holds %d ids, want 1", n)
	}
	if _, err := s.Get(ctx, events.ArticleID("https://example.com/none")); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing article: %v, want ErrNotFound", err)
	}
}

// members lists the ids in every set under the prefix, by key suffix.
func members(t *testing.T, rdb redis.UniversalClient, prefix string) map[string][]string {
	t.Helper()
	ctx := t.Context()
	out := map[string][]string{}
	iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
	for iter.Next(ctx) {
		key := iter.Val()
		name := strings.TrimPrefix(key, prefix)
		switch typ := rdb.Type(ctx, key).Val(); typ {
		case "zset":
			out[name] = rdb.ZRange(ctx, key, 0, -1).Val()
		case "string":
			out[name] = []string{rdb.Get(ctx, key).Val()}
		case "set":
			out[name] = rdb.SMembers(ctx, key).Val()
		case "hash":
			if strings.HasPrefix(name, "a:") {
				out[name] = []string{strings.TrimPrefix(name, "a:")}
			} else {
				out[name] = rdb.HKeys(ctx, key).Val()
			}
		default:
			t.Errorf("unexpected %s key %s", typ, key)
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestNewVersionRepairsIndexes(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	s := NewArticles(rdb, prefix, time.Hour)
	ctx := t.Context()
	old := art("example.com", 1, base, func(a *events.Article) {
		a.Language, a.Authors, a.Tags = "de", []string{"Anna Alt", "Bo Both"}, []string{"Politics", "EU"}
		a.AMPURL = "https://example.com/amp/1"
	})
	mustPut(t, s, old, Created)
	later := base.Add(time.Hour)
	newer := art("example.com", 1, later, withBody(words("rewritten", 90)), func(a *events.Article) {
		a.Language, a.Authors, a.Tags = "en-GB", []string{"bo  BOTH", "Cy New"}, []string{"eu", "Economy"}
		a.AMPURL = "https://example.com/amp/1-v2"
		a.ModifiedAt = &later
		a.Title = "Rewritten"
	})
	mustPut(t, s, newer, Replaced)

	got := members(t, rdb, prefix)
	for key, want := range map[string]bool{
		"i:all": true, "i:site:example_com": true, "i:lang:en": true, "i:lang:de": false,
		"i:author:anna alt": false, "i:author:bo both": true, "i:author:cy new": true,
		"i:tag:politics": false, "i:tag:eu": true, "i:tag:economy": true,
		"u:" + events.ArticleID(old.AMPURL): false, "u:" + events.ArticleID(newer.AMPURL): true,
		"u:" + events.ArticleID(old.URL): true,
		"h:" + old.ContentHash:           false, "h:" + newer.ContentHash: true,
	} {
		if has := slices.Contains(got[key], old.ID); has != want {
			t.Errorf("%s holds the article: %v, want %v (members %v)", key, has, want, got[key])
		}
	}
	for _, band := range s.bandKeys(old.Simhash) {
		if slices.Contains(got[strings.TrimPrefix(band, prefix)], old.ID) && !slices.Contains(s.bandKeys(newer.Simhash), band) {
			t.Errorf("old simhash band %s still names the article", band)
		}
	}
	for _, f := range []Filter{{Language: "de"}, {Author: "anna alt"}, {Tag: "politics"}} {
		p, err := s.List(ctx, f, 10, "")
		if err != nil || len(p.Articles) != 0 {
			t.Errorf("List(%+v) after the new version: %q, %v; want nothing", f, titles(t, p), err)
		}
	}
	for _, f := range []Filter{{Language: "en"}, {Language: "en-gb"}, {Author: "bo both"}, {Tag: "eu"}} {
		p, err := s.List(ctx, f, 10, "")
		if err != nil || !slices.Equal(titles(t, p), []string{"Rewritten"}) {
			t.Errorf("List(%+v): %q, %v; want the new version", f, titles(t, p), err)
		}
	}
	if _, err := s.GetByURL(ctx, old.AMPURL); !errors.Is(err, ErrNotFound) {
		t.Errorf("old AMP URL still resolves: %v", err)
	}
	if st, err := s.GetByURL(ctx, newer.AMPURL); err != nil || decode(t, st.JSON).Title != "Rewritten" {
		t.Errorf("new AMP URL: %v", err)
	}
}

// Every key a write leaves has a TTL, and one that names an article lives
// at least as long as the article's record, and not much longer: sets are
// extended a 64th of the TTL past their newest member. The writes are
// further apart than that 64th, so each must extend the sets it joins.
func TestKeysOutliveTheArticlesTheyName(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	const ttl = 6400 * time.Millisecond // sets extended 100 ms at a time
	s := NewArticles(rdb, prefix, ttl)
	ctx := t.Context()
	orig := art("wire.example", 1, base, withBody(words("wire-", 80)), func(a *events.Article) {
		a.Authors, a.Tags, a.Language = []string{"Ann Lee"}, []string{"world", "only-first"}, "en"
	})
	mustPut(t, s, orig, Created)
	for i, host := range []string{"a.example", "b.example"} {
		time.Sleep(180 * time.Millisecond)
		mustPut(t, s, art(host, i+2, base.Add(time.Hour), withBody(orig.BodyText), func(a *events.Article) {
			a.Simhash, a.Authors, a.Tags, a.Language = orig.Simhash, orig.Authors, []string{"world"}, "en"
		}), Created)
	}
	// Every TTL read at one instant, in one transaction.
	named := members(t, rdb, prefix)
	keyTTL, recTTL := map[string]*redis.DurationCmd{}, map[string]*redis.DurationCmd{}
	if _, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for name, ids := range named {
			keyTTL[name] = p.PTTL(ctx, prefix+name)
			for _, id := range ids {
				recTTL[id] = p.PTTL(ctx, s.recordKey(id))
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	const margin = 5 * time.Millisecond // PTTL rounds
	for name, ids := range named {
		left := keyTTL[name].Val()
		if left <= 0 || left > ttl+ttl/64+margin {
			t.Errorf("%s: TTL %v, want more than 0 and at most %v", name, left, ttl+ttl/64)
			continue
		}
		for _, id := range ids {
			if rec := recTTL[id].Val(); rec > left+margin {
				t.Errorf("%s expires in %v, before the article %s it names (%v)", name, left, id, rec)
			}
		}
	}
}

// Records expire with the TTL, and every set and lookup key lets go of them.
func TestTTLExpiresRecordsAndIndexes(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	short := NewArticles(rdb, prefix, time.Second)
	long := NewArticles(rdb, prefix, time.Hour)
	ctx := t.Context()
	gone := art("gone.example", 1, base, func(a *events.Article) {
		a.Authors, a.Tags, a.Language = []string{"Shared Author"}, []string{"shared", "only-gone"}, "fr"
	})
	kept := art("kept.example", 2, base, func(a *events.Article) {
		a.Authors, a.Tags = []string{"Shared Author"}, []string{"shared"}
	})
	mustPut(t, short, gone, Created)
	mustPut(t, long, kept, Created)

	deadline := time.Now().Add(10 * time.Second)
	for rdb.Exists(ctx, short.recordKey(gone.ID)).Val() == 1 {
		if time.Now().After(deadline) {
			t.Fatal("record outlived its TTL by 9s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := long.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	for key, ids := range members(t, rdb, prefix) {
		for _, id := range ids {
			if id == gone.ID || id == "gone_example" {
				t.Errorf("%s still names the expired article", key)
			}
		}
	}
	for _, f := range []Filter{{}, {Author: "shared author"}, {Tag: "shared"}} {
		p, err := long.List(ctx, f, 10, "")
		if err != nil || len(p.Articles) != 1 || decode(t, p.Articles[0]).ID != kept.ID {
			t.Errorf("List(%+v) after expiry: %q, %v", f, titles(t, p), err)
		}
	}
	sites, err := long.Sites(ctx)
	if err != nil || len(sites) != 1 || sites[0].Site != "kept_example" || sites[0].Articles != 1 {
		t.Errorf("sites after expiry: %+v, %v", sites, err)
	}
	if _, err := long.GetByURL(ctx, gone.URL); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired article by URL: %v", err)
	}
	if langs, err := long.Languages(ctx); err != nil || !slices.Equal(langs, []LanguageCount{{"en", 1}}) {
		t.Errorf("languages after expiry: %+v, %v", langs, err)
	}
}

// The listing drops index entries whose record expired before any sweep ran.
func TestListSkipsAndDropsUnsweptEntries(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	s := NewArticles(rdb, prefix, time.Hour)
	ctx := t.Context()
	for i := range 5 {
		mustPut(t, s, art("example.com", i, base.Add(time.Duration(i)*time.Hour)), Created)
	}
	// As if the records of 3 and 1 had expired and no sweep had run yet.
	rdb.Del(ctx, s.recordKey(art("example.com", 3, base).ID), s.recordKey(art("example.com", 1, base).ID))
	var got []string
	cur := ""
	for range 5 {
		p, err := s.List(ctx, Filter{}, 1, cur)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, titles(t, p)...)
		if cur = p.NextCursor; cur == "" {
			break
		}
	}
	want := []string{"Story 4 from example.com", "Story 2 from example.com", "Story 0 from example.com"}
	if !slices.Equal(got, want) {
		t.Errorf("pages gave %q, want %q", got, want)
	}
	if n, _ := s.Count(ctx); n != 3 {
		t.Errorf("index holds %d ids after the listing met the stale ones, want 3", n)
	}
}

func TestListFilters(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	s := NewArticles(rdb, prefix, time.Hour)
	ctx := t.Context()
	h := func(n int) time.Time { return base.Add(time.Duration(n) * time.Hour) }
	mustPut(t, s, art("www.alpha.com", 1, h(1), func(a *events.Article) {
		a.Title, a.Language, a.Authors, a.Tags = "Election results are in", "en-GB", []string{"Ann Lee"}, []string{"Politics"}
	}), Created)
	mustPut(t, s, art("alpha.com", 2, h(2), func(a *events.Article) {
		a.Title, a.Language, a.Authors, a.Tags = "Markets rally", "en-US", []string{"Bob Roe", "ann lee"}, []string{"economy"}
	}), Created)
	mustPut(t, s, art("beta.de", 3, h(3), func(a *events.Article) {
		a.Title, a.Language, a.Authors, a.Tags = "Wahl: Ergebnisse", "de", []string{"Ann Lee"}, []string{"politics", "Wahl"}
	}), Created)
	mustPut(t, s, art("beta.de", 4, h(4), func(a *events.Article) {
		a.Title, a.Language, a.PublishedAt = "ELECTION night live", "", nil
		pa := h(5)
		a.ParsedAt = &pa
	}), Created)

	for _, tc := range []struct {
		name string
		f    Filter
		want []int
	}{
		{"everything, newest first", Filter{}, []int{4, 3, 2, 1}},
		{"site token", Filter{Site: "alpha_com"}, []int{2, 1}},
		{"other site", Filter{Site: "beta_de"}, []int{4, 3}},
		{"unknown site", Filter{Site: "gamma_org"}, nil},
		{"primary language covers regions", Filter{Language: "en"}, []int{2, 1}},
		{"full language tag", Filter{Language: "en-gb"}, []int{1}},
		{"language", Filter{Language: "de"}, []int{3}},
		{"author", Filter{Author: "ann lee"}, []int{3, 2, 1}},
		{"tag", Filter{Tag: "politics"}, []int{3, 1}},
		{"q matches titles case-insensitively", Filter{Q: "election"}, []int{4, 1}},
		{"since is inclusive", Filter{Since: h(2)}, []int{4, 3, 2}},
		{"until is inclusive", Filter{Until: h(2)}, []int{2, 1}},
		{"since and until", Filter{Since: h(2), Until: h(3)}, []int{3, 2}},
		{"empty window", Filter{Since: h(10)}, nil},
		{"combined", Filter{Site: "alpha_com", Author: "ann lee", Tag: "politics", Language: "en"}, []int{1}},
		{"combined, no match", Filter{Site: "beta_de", Language: "en"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := s.List(ctx, tc.f, 10, "")
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, raw := range p.Articles {
				var n int
				fmt.Sscanf(decode(t, raw).URL[strings.LastIndex(decode(t, raw).URL, "/")+1:], "%d", &n)
				got = append(got, n)
			}
			if !slices.Equal(got, tc.want) || p.NextCursor != "" {
				t.Errorf("got %v (cursor %q), want %v and no cursor", got, p.NextCursor, tc.want)
			}
		})
	}
}

func TestListPagination(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	s := NewArticles(rdb, prefix, time.Hour)
	ctx := t.Context()

	empty, err := s.List(ctx, Filter{}, 10, "")
	if err != nil || len(empty.Articles) != 0 || empty.NextCursor != "" {
		t.Fatalf("empty list: %+v %v", empty, err)
	}
	if b, _ := json.Marshal(empty); string(b) != `{"articles":[]}` {
		t.Errorf("empty page encodes as %s", b)
	}
	for i := range 7 {
		// Articles 3 and 4 share a timestamp: the cursor must not skip or repeat either.
		at := base.Add(time.Duration(i) * time.Hour)
		if i == 4 {
			at = base.Add(3 * time.Hour)
		}
		mustPut(t, s, art("example.com", i, at), Created)
	}
	all := func(f Filter, limit int) ([]string, int) {
		var seen []string
		cursor, pages := "", 0
		for {
			pages++
			if pages > 20 {
				t.Fatal("pagination does not end")
			}
			p, err := s.List(ctx, f, limit, cursor)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Articles) == 0 {
				t.Errorf("limit %d: page %d is empty", limit, pages)
			}
			seen = append(seen, titles(t, p)...)
			if p.NextCursor == "" {
				return seen, pages
			}
			cursor = p.NextCursor
		}
	}
	for _, tc := range []struct{ limit, pages int }{{1, 7}, {2, 4}, {3, 3}, {7, 1}, {8, 1}, {200, 1}} {
		seen, pages := all(Filter{}, tc.limit)
		if len(seen) != 7 || pages != tc.pages {
			t.Errorf("limit %d: %d articles in %d pages, want 7 in %d", tc.limit, len(seen), pages, tc.pages)
		}
		slices.Sort(seen)
		if len(slices.Compact(seen)) != 7 {
			t.Errorf("limit %d: repeated articles %q", tc.limit, seen)
		}
	}
	// A cursor keeps working with a time window.
	seen, _ := all(Filter{Until: base.Add(3 * time.Hour)}, 1)
	if len(seen) != 5 {
		t.Errorf("until with limit 1: %q, want 5 articles", seen)
	}
	for _, bad := range []string{"not-a-cursor!", "bm9jb2xvbg", "MTIzOg"} {
		if _, err := s.List(ctx, Filter{}, 3, bad); !errors.Is(err, ErrBadCursor) {
			t.Errorf("cursor %q: %v, want ErrBadCursor", bad, err)
		}
	}
	// A cursor past the oldest article gives an empty page with no cursor.
	last := cursor{score: base.Add(-time.Hour).UnixMilli(), id: "0"}.String()
	p, err := s.List(ctx, Filter{}, 3, last)
	if err != nil || len(p.Articles) != 0 || p.NextCursor != "" {
		t.Errorf("page after the last: %d articles, cursor %q, err %v", len(p.Articles), p.NextCursor, err)
	}
}

// flip returns sim with the given bit positions inverted.
func flip(sim string, bits ...int) string {
	var x uint64
	fmt.Sscanf(sim, "%x", &x)
	for _, b := range bits {
		x ^= 1 << b
	}
	return fmt.Sprintf("%016x", x)
}

func TestNearDuplicates(t *testing.T) {
	const sim = "0123456789abcdef"
	h := func(n int) time.Time { return base.Add(time.Duration(n) * time.Minute) }
	copyOf := func(host string, n int, published time.Time, simhash string, mods ...func(*events.Article)) *events.Article {
		return art(host, n, published, append([]func(*events.Article){func(a *events.Article) { a.Simhash = simhash }}, mods...)...)
	}
	for _, tc := range []struct {
		name  string
		later *events.Article
		dup   bool
	}{
		{"same simhash on another site", copyOf("b.com", 2, h(5), sim), true},
		{"3 bits apart, in 3 bands", copyOf("b.com", 2, h(5), flip(sim, 0, 17, 40)), true},
		{"3 bits apart, one band", copyOf("b.com", 2, h(5), flip(sim, 1, 2, 3)), true},
		{"4 bits apart", copyOf("b.com", 2, h(5), flip(sim, 1, 2, 3, 4)), false},
		{"4 bits apart, one per band", copyOf("b.com", 2, h(5), flip(sim, 0, 16, 32, 48)), false},
		{"same site", copyOf("a.com", 2, h(5), sim), false},
		{"too short to tell", copyOf("b.com", 2, h(5), sim, withBody("Breaking: more soon")), false},
		{"exact body, different simhash", copyOf("b.com", 2, h(5), flip(sim, 0, 16, 32, 48, 63), withBody(words("wire", 80))), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rdb, prefix := redistest.Client(t)
			s := NewArticles(rdb, prefix, time.Hour)
			orig := copyOf("a.com", 1, h(0), sim, withBody(words("wire", 80)))
			mustPut(t, s, orig, Created)
			r := mustPut(t, s, tc.later, Created)
			if got := r.DuplicateOf == orig.ID; got != tc.dup {
				t.Fatalf("duplicate_of = %q, want linked=%v", r.DuplicateOf, tc.dup)
			}
			p, err := s.List(t.Context(), Filter{}, 10, "")
			if err != nil {
				t.Fatal(err)
			}
			want := 2
			if tc.dup {
				want = 1
			}
			if len(p.Articles) != want {
				t.Errorf("default listing shows %d articles, want %d", len(p.Articles), want)
			}
		})
	}
}

// A near-copy of a copy links to the copy's original, though too far from
// the original to be found by itself; once the original is gone, to the
// earliest copy left.
func TestCopyOfACopyLinksToItsOriginal(t *testing.T) {
	const sim = "0123456789abcdef"
	h := func(n int) time.Time { return base.Add(time.Duration(n) * time.Minute) }
	withSim := func(simhash string) func(*events.Article) { return func(a *events.Article) { a.Simhash = simhash } }
	rdb, prefix := redistest.Client(t)
	s := NewArticles(rdb, prefix, time.Hour)
	orig := art("a.com", 1, h(0), withSim(sim))
	mustPut(t, s, orig, Created)
	copy1 := art("b.com", 2, h(5), withSim(flip(sim, 0, 1, 2)))
	if r := mustPut(t, s, copy1, Created); r.DuplicateOf != orig.ID {
		t.Fatalf("first copy duplicate_of = %q, want the original", r.DuplicateOf)
	}
	// 2 bits from the first copy, 5 from the original.
	copy2 := art("c.com", 3, h(10), withSim(flip(sim, 0, 1, 2, 3, 4)))
	if r := mustPut(t, s, copy2, Created); r.DuplicateOf != orig.ID {
		t.Errorf("copy of the copy duplicate_of = %q, want the original %q", r.DuplicateOf, orig.ID)
	}
	// Both earlier copies name the original.
	copy3 := art("e.com", 4, h(15), withSim(flip(sim, 0, 1, 2, 3)))
	if r := mustPut(t, s, copy3, Created); r.DuplicateOf != orig.ID {
		t.Errorf("third copy duplicate_of = %q, want the original %q", r.DuplicateOf, orig.ID)
	}
	rdb.Del(t.Context(), s.recordKey(orig.ID)) // the original expires first
	copy4 := art("d.com", 5, h(20), withSim(flip(sim, 0, 1, 2, 3)))
	if r := mustPut(t, s, copy4, Created); r.DuplicateOf != copy1.ID {
		t.Errorf("after the original expired, a new copy's duplicate_of = %q, want the earliest copy %q", r.DuplicateOf, copy1.ID)
	}
}

// Copies elsewhere of a site's own story lead back to it: when the site
// publishes the story again under another URL, no copy makes that a
// duplicate, however many name the same original.
func TestCopiesLeadBackToTheSitesOwnStory(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	s := NewArticles(rdb, prefix, time.Hour)
	body := withBody(words("wire", 80))
	orig := art("a.com", 1, base, body)
	mustPut(t, s, orig, Created)
	for i, host := range []string{"b.com", "c.com", "d.com"} {
		if r := mustPut(t, s, art(host, i+2, base.Add(time.Duration(i+1)*time.Minute), body, func(a *events.Article) {
			a.Simhash = orig.Simhash
		}), Created); r.DuplicateOf != orig.ID {
			t.Fatalf("copy on %s: duplicate_of = %q, want the original", host, r.DuplicateOf)
		}
	}
	again := art("a.com", 9, base.Add(time.Hour), body, func(a *events.Article) { a.Simhash = orig.Simhash })
	if r := mustPut(t, s, again, Created); r.DuplicateOf != "" {
		t.Errorf("the site's story again: duplicate_of = %q, want none", r.DuplicateOf)
	}
}

// The copy published first is the original, whichever arrives first; the
// API hides copies by default and shows them, marked, on request; a copy
// whose original expired is shown again.
func TestDuplicateOrderAndVisibility(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	s := NewArticles(rdb, prefix, time.Hour)
	ctx := t.Context()
	// Identical bodies have identical simhashes.
	body := func(a *events.Article) { withBody(words("wire", 80))(a); a.Simhash = "0123456789abcdef" }
	late := art("late.com", 1, base.Add(time.Hour), body)
	early := art("early.com", 2, base, body)
	third := art("third.com", 3, base.Add(2*time.Hour), body)
	mustPut(t, s, late, Created)
	if r := mustPut(t, s, early, Created); r.DuplicateOf != "" {
		t.Errorf("the earlier copy was marked a duplicate of %s", r.DuplicateOf)
	}
	if st, _ := s.Get(ctx, late.ID); st.DuplicateOf != early.ID {
		t.Errorf("later copy duplicate_of = %q, want the earlier copy", st.DuplicateOf)
	}
	if r := mustPut(t, s, third, Created); r.DuplicateOf != early.ID {
		t.Errorf("third copy duplicate_of = %q, want the original", r.DuplicateOf)
	}
	p, err := s.List(ctx, Filter{}, 10, "")
	if err != nil || !slices.Equal(titles(t, p), []string{early.Title}) || p.DuplicateOf != nil {
		t.Errorf("default listing: %q %v, %v; want only the original", titles(t, p), p.DuplicateOf, err)
	}
	p, err = s.List(ctx, Filter{IncludeDuplicates: true}, 10, "")
	if err != nil || len(p.Articles) != 3 || p.DuplicateOf[late.ID] != early.ID || p.DuplicateOf[third.ID] != early.ID {
		t.Errorf("with duplicates: %q %v, %v", titles(t, p), p.DuplicateOf, err)
	}
	// A new version of a copy that is no longer the same story stands alone.
	m := base.Add(3 * time.Hour)
	rewritten := art("third.com", 3, base.Add(2*time.Hour), func(a *events.Article) { a.ModifiedAt = &m })
	if r := mustPut(t, s, rewritten, Replaced); r.DuplicateOf != "" {
		t.Errorf("rewritten copy still duplicate_of %s", r.DuplicateOf)
	}
	p, err = s.List(ctx, Filter{}, 10, "")
	if err != nil || !slices.Equal(titles(t, p), []string{rewritten.Title, early.Title}) {
		t.Errorf("after the rewrite: %q, %v", titles(t, p), err)
	}
	// The original's new version, lightly edited, keeps its copies; rewritten
	// into another story, it lets them go.
	m2 := base.Add(4 * time.Hour)
	edited := art("early.com", 2, base, body, func(a *events.Article) {
		a.ModifiedAt, a.ContentHash = &m2, events.ContentHash([]byte("edited"))
	})
	mustPut(t, s, edited, Replaced)
	if st, _ := s.Get(ctx, late.ID); st.DuplicateOf != early.ID {
		t.Errorf("after a light edit of the original, the copy's duplicate_of = %q", st.DuplicateOf)
	}
	m3 := base.Add(5 * time.Hour)
	other := art("early.com", 2, base, func(a *events.Article) { a.ModifiedAt = &m3 })
	mustPut(t, s, other, Replaced)
	if st, _ := s.Get(ctx, late.ID); st.DuplicateOf != "" {
		t.Errorf("after the original was rewritten, the copy's duplicate_of = %q, want none", st.DuplicateOf)
	}
	p, err = s.List(ctx, Filter{}, 10, "")
	if err != nil || len(p.Articles) != 3 {
		t.Errorf("after the rewrite of the original: %q, %v; want all three", titles(t, p), err)
	}
	mustPut(t, s, art("early.com", 2, base, body, func(a *events.Article) { m := base.Add(6 * time.Hour); a.ModifiedAt = &m }), Replaced)
	rdb.Del(ctx, s.recordKey(early.ID)) // the original expires first
	p, err = s.List(ctx, Filter{}, 10, "")
	if err != nil || len(p.Articles) != 2 || !slices.Contains(titles(t, p), late.Title) {
		t.Errorf("after the original expired: %q, %v; want the copy and the rewritten article", titles(t, p), err)
	}
}

func TestSitesAndByURL(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	s := NewArticles(rdb, prefix, time.Hour)
	ctx := context.Background()
	for i := range 3 {
		mustPut(t, s, art("www.big.com", i, base), Created)
	}
	mustPut(t, s, art("small.org", 9, base, func(a *events.Article) {
		a.CanonicalURL = "https://small.org/story-9"
	}), Created)
	sites, err := s.Sites(ctx)
	want := []SiteCount{{"big_com", "www.big.com", 3}, {"small_org", "small.org", 1}}
	if err != nil || !slices.Equal(sites, want) {
		t.Errorf("Sites = %+v, %v; want %+v", sites, err, want)
	}
	for _, u := range []string{
		"https://small.org/news/9", "https://small.org/story-9",
		"https://small.org/story-9?utm_source=x#top", // same canonical form
	} {
		st, err := s.GetByURL(ctx, u)
		if err != nil || decode(t, st.JSON).URL != "https://small.org/news/9" {
			t.Errorf("GetByURL(%s): %v", u, err)
		}
	}
	mustPut(t, s, art("small.org", 10, base, func(a *events.Article) { a.Language = "pt-BR" }), Created)
	mustPut(t, s, art("small.org", 11, base, func(a *events.Article) { a.Language = "PT" }), Created)
	mustPut(t, s, art("small.org", 12, base, func(a *events.Article) { a.Language = "" }), Created)
	langs, err := s.Languages(ctx)
	if want := []LanguageCount{{"en", 4}, {"pt", 2}}; err != nil || !slices.Equal(langs, want) {
		t.Errorf("Languages = %+v, %v; want %+v", langs, err, want)
	}
	if _, err := s.GetByURL(ctx, "https://small.org/other"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown URL: %v", err)
	}
}

func TestNormName(t *testing.T) {
	for in, want := range map[string]string{
		"  Ann   LEE ":           "ann lee",
		"Ann\x1fLee":             "ann lee",
		"Éric\tZemmour\n":        "éric zemmour",
		strings.Repeat("é", 150): strings.Repeat("é", 100),
		"":                       "",
	} {
		if got := normName(in); got != want {
			t.Errorf("normName(%q) = %q, want %q", in, got, want)
		}
	}
}

// The earliest copy, arriving last, becomes the original of every later one.
func TestEarliestCopyArrivingLast(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	s := NewArticles(rdb, prefix, time.Hour)
	ctx := t.Context()
	body := func(a *events.Article) { withBody(words("wire", 80))(a); a.Simhash = "0123456789abcdef" }
	// Two pages of one site are not linked to each other: both are originals.
	one := art("x.com", 1, base.Add(time.Hour), body)
	two := art("x.com", 2, base.Add(2*time.Hour), body)
	first := art("y.com", 3, base, body)
	mustPut(t, s, one, Created)
	mustPut(t, s, two, Created)
	mustPut(t, s, first, Created)
	for _, a := range []*events.Article{one, two} {
		if st, _ := s.Get(ctx, a.ID); st.DuplicateOf != first.ID {
			t.Errorf("%s: duplicate_of %q, want the earliest copy", a.Title, st.DuplicateOf)
		}
	}
	p, err := s.List(ctx, Filter{}, 10, "")
	if err != nil || !slices.Equal(titles(t, p), []string{first.Title}) {
		t.Errorf("listing: %q, %v; want only the earliest copy", titles(t, p), err)
	}
	// Found by its body alone (its simhash is 4 bits off, one in each band),
	// a later copy links through the copy the content hash names, the first
	// stored, to the earliest.
	late := art("z.com", 4, base.Add(3*time.Hour), body, func(a *events.Article) { a.Simhash = flip(a.Simhash, 0, 16, 32, 48) })
	if r := mustPut(t, s, late, Created); r.DuplicateOf != first.ID {
		t.Errorf("a copy found by its body: duplicate_of %q, want the earliest copy %q", r.DuplicateOf, first.ID)
	}
}

// A listing that scans many entries while articles keep arriving never lists
// one article twice on a page.
func TestListUnderConcurrentWrites(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	s := NewArticles(rdb, prefix, time.Hour)
	ctx := t.Context()
	for i := range 1500 {
		mods := []func(*events.Article){}
		if i%50 == 0 {
			mods = append(mods, func(a *events.Article) { a.Title = "needle " + a.Title })
		}
		mustPut(t, s, art("example.com", i, base.Add(time.Duration(i)*time.Minute), mods...), Created)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.Put(context.Background(), art("example.com", 100000+i, base.Add(time.Duration(100000+i)*time.Minute))); err != nil {
				return
			}
		}
	}()
	defer func() { close(stop); <-done }()
	for range 20 {
		p, err := s.List(ctx, Filter{Q: "needle"}, 30, "")
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		for _, raw := range p.Articles {
			id := decode(t, raw).ID
			if ids[id] {
				t.Fatalf("article %s listed twice on one page", id)
			}
			ids[id] = true
		}
		if len(ids) != 30 {
			t.Fatalf("page has %d articles, want 30", len(ids))
		}
	}
}

// A modified_at far in the future does not lock the record: the next
// correct version still replaces it.
func TestFutureModifiedDateDoesNotLock(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	s := NewArticles(rdb, prefix, time.Hour)
	now := time.Now()
	future, later := now.AddDate(80, 0, 0), now.Add(time.Minute)
	bogus := art("example.com", 7, base, withBody("bogus date version"), func(a *events.Article) { a.ModifiedAt, a.ParsedAt = &future, &now })
	mustPut(t, s, bogus, Created)
	fixed := art("example.com", 7, base, withBody("corrected version"), func(a *events.Article) { a.ModifiedAt, a.ParsedAt = &later, &later })
	mustPut(t, s, fixed, Replaced)
}
