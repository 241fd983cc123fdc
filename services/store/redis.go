package store

import (
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/redis/go-redis/v9"

	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/urls"
)

// Redis model, every key under one prefix P:
//
//	P a:<id>              hash    the article: json, content hash, modified/parsed ms, score,
//	                              and the fields filters read (site, lang, au, tg, tl, sim, dup); TTL
//	P i:all               zset    id -> published ms (parse time when unknown): newest-first listing
//	P i:site:<token>      zset    the same, per site (events.SiteToken of the host)
//	P i:lang:<primary>    zset    per primary language subtag ("en" for en-GB)
//	P i:author:<name>     zset    per author (lower case, spaces collapsed)
//	P i:tag:<tag>         zset    per tag (likewise)
//	P u:<ArticleID(url)>  string  URL, canonical URL or AMP URL -> id; TTL
//	P h:<content hash>    string  first live copy with that body text -> id; TTL
//	P s:<band>:<4 hex>    zset    simhash band -> ids (scored by expiry): the LSH index
//	P d:<id>              set     the copies linked to an original, re-checked when it changes
//	P exp                 zset    id -> expiry ms
//	P mem                 hash    id -> the sets it is in, for index repair and expiry
//	P sites, P sitehosts  zset/hash  site token -> expiry of its newest article / its host name
//	P langs               zset    primary language -> expiry of its newest article
//
// Each lookup key expires with its article and each index set with the
// newest article in it (a 64th of the TTL later at most, so that most
// writes leave a set's TTL be), and every write sweeps a bounded batch of
// expired ids out of the sets that still hold them (a janitor does the same
// while no writes come), so nothing grows without bound. All keys of one article change in one Lua script; on
// Redis Cluster the whole prefix must map to one slot (REDIS_PREFIX={newsflow}:).

// ErrNotFound means no article has that id or URL.
var ErrNotFound = errors.New("store: article not found")

// ErrBadCursor means a listing cursor did not decode.
var ErrBadCursor = errors.New("store: invalid cursor")

var (
	//go:embed sweep.lua
	sweepLua string
	//go:embed upsert.lua
	upsertLua string

	upsertScript = redis.NewScript(sweepLua + upsertLua)
	sweepScript  = redis.NewScript(sweepLua +
		"return sweep(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], now_ms(), tonumber(ARGV[1]))")
)

const sep = "\x1f"

// Duplicate detection defaults (see README, "Near-duplicates").
const (
	DefaultMaxDistance = 3  // simhash bits two copies may differ in
	DefaultMinWords    = 50 // shorter bodies are never linked: too little text to tell
	maxIndexedNames    = 20 // authors and tags indexed per article
	maxScan            = 10000
)

// Articles is the article model in Redis.
type Articles struct {
	rdb    redis.UniversalClient
	prefix string
	ttl    time.Duration
	// MaxDistance is the largest simhash Hamming distance between linked
	// copies; it must stay below 4 for the 4-band index to find every pair.
	MaxDistance int
	// MinWords is the shortest body (in words) that is linked to others.
	MinWords int
}

// NewArticles stores under prefix with ttl per article.
func NewArticles(rdb redis.UniversalClient, prefix string, ttl time.Duration) *Articles {
	return &Articles{rdb: rdb, prefix: prefix, ttl: ttl, MaxDistance: DefaultMaxDistance, MinWords: DefaultMinWords}
}

func (s *Articles) recordKey(id string) string { return s.prefix + "a:" + id }
func (s *Articles) allKey() string             { return s.prefix + "i:all" }
func (s *Articles) siteKey(tok string) string  { return s.prefix + "i:site:" + tok }
func (s *Articles) langKey(l string) string    { return s.prefix + "i:lang:" + primaryLang(l) }
func (s *Articles) authorKey(n string) string  { return s.prefix + "i:author:" + n }
func (s *Articles) tagKey(n string) string     { return s.prefix + "i:tag:" + n }
func (s *Articles) urlKey(u string) string     { return s.prefix + "u:" + events.ArticleID(u) }
func (s *Articles) hashKey(h string) string    { return s.prefix + "h:" + h }
func (s *Articles) expiryKey() string          { return s.prefix + "exp" }
func (s *Articles) membersKey() string         { return s.prefix + "mem" }
func (s *Articles) sitesKey() string           { return s.prefix + "sites" }
func (s *Articles) siteHostsKey() string       { return s.prefix + "sitehosts" }
func (s *Articles) languagesKey() string       { return s.prefix + "langs" }

// bandKeys are the four 16-bit bands of a 64-bit simhash: two hashes within
// 3 bits of each other agree exactly on at least one band (pigeonhole).
func (s *Articles) bandKeys(sim string) []string {
	keys := make([]string, 4)
	for i := range 4 {
		keys[i] = s.prefix + "s:" + strconv.Itoa(i) + ":" + sim[4*i:4*i+4]
	}
	return keys
}

// normName folds an author or tag for matching: lower case, single spaces,
// no control characters (the separator of stored lists is one), at most 100
// characters (it becomes part of a key).
func normName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(strings.ToLower(s)), " ")
	if r := []rune(s); len(r) > 100 {
		s = string(r[:100])
	}
	return s
}

func primaryLang(l string) string {
	l = strings.ToLower(l)
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	return l
}

// Result says what a Put did.
type Result int

// Put results.
const (
	Unchanged Result = iota // the same content was stored already
	Created
	Stale    // an older version than the stored one: ignored
	Replaced // a newer version replaced the stored one
)

func (r Result) String() string {
	switch r {
	case Unchanged:
		return "unchanged"
	case Created:
		return "created"
	case Stale:
		return "stale"
	case Replaced:
		return "replaced"
	}
	return "unknown"
}

// PutResult is the outcome of one Put.
type PutResult struct {
	Result      Result
	DuplicateOf string // the earlier copy this article duplicates, if any
}

// fields are what filters read, for a stored record and an incoming event alike.
type fields struct {
	site    string
	lang    string // lower case, full tag
	authors []string
	tags    []string
	title   string // lower case
	score   int64
}

func siteOf(a *events.Article) string {
	if a.Host != "" {
		return events.SiteToken(a.Host)
	}
	return events.SiteToken(hostOf(a.URL))
}

func hostOf(u string) string {
	if _, rest, ok := strings.Cut(u, "://"); ok {
		u = rest
	}
	host, _, _ := strings.Cut(u, "/")
	return host
}

func names(in []string) []string {
	var out []string
	for _, n := range in {
		if n = normName(n); n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
		if len(out) == maxIndexedNames {
			break
		}
	}
	return out
}

func fieldsOf(a *events.Article) fields {
	return fields{
		site:    siteOf(a),
		lang:    strings.ToLower(a.Language),
		authors: names(a.Authors),
		tags:    names(a.Tags),
		title:   strings.ToLower(a.Title),
		score:   score(a),
	}
}

// score orders the listing: published time, else parse time, else fetch time.
func score(a *events.Article) int64 {
	switch {
	case a.PublishedAt != nil:
		return a.PublishedAt.UnixMilli()
	case a.ParsedAt != nil:
		return a.ParsedAt.UnixMilli()
	case a.FetchedAt != nil:
		return a.FetchedAt.UnixMilli()
	}
	return 0
}

func millis(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return t.UnixMilli()
}

// versionMillis orders versions by modified_at, but a date in the future (a
// time zone bug, a placeholder year) counts as the parse time: it must not
// make every later, correct version look stale until the record expires.
func versionMillis(a *events.Article) int64 {
	m := millis(a.ModifiedAt)
	limit := time.Now().Add(time.Hour)
	if a.ParsedAt != nil && a.ParsedAt.After(time.Now()) {
		limit = a.ParsedAt.Add(time.Hour)
	}
	if m > limit.UnixMilli() {
		return millis(a.ParsedAt)
	}
	return m
}

func wordCount(a *events.Article) int {
	if a.WordCount > 0 {
		return a.WordCount
	}
	return len(strings.Fields(a.BodyText))
}

// Put stores a atomically: the same content again changes nothing, an older
// version never replaces a newer one, and a newer one leaves the index sets
// of the version it replaces.
func (s *Articles) Put(ctx context.Context, a *events.Article) (PutResult, error) {
	data, err := json.Marshal(a)
	if err != nil {
		return PutResult{}, fmt.Errorf("encode article %s: %w", a.ID, err)
	}
	// Listings of summaries skip the bodies, most of an article's bytes.
	sum := *a
	sum.BodyText, sum.BodyHTML, sum.Images = "", "", nil
	sumData, err := json.Marshal(&sum)
	if err != nil {
		return PutResult{}, fmt.Errorf("encode article %s: %w", a.ID, err)
	}
	hash := a.ContentHash
	if hash == "" {
		hash = events.ContentHash([]byte(a.BodyText))
	}
	f := fieldsOf(a)
	sets := []string{s.allKey(), s.siteKey(f.site)}
	if f.lang != "" {
		sets = append(sets, s.langKey(f.lang))
	}
	for _, n := range f.authors {
		sets = append(sets, s.authorKey(n))
	}
	for _, n := range f.tags {
		sets = append(sets, s.tagKey(n))
	}
	var urlKeys []string
	for _, u := range []string{a.URL, a.CanonicalURL, a.AMPURL} {
		if k := s.urlKey(u); u != "" && !slices.Contains(urlKeys, k) {
			urlKeys = append(urlKeys, k)
		}
	}
	var hashKey string
	var bands []string
	sim := strings.ToLower(a.Simhash)
	if wordCount(a) >= s.MinWords && strings.TrimSpace(a.BodyText) != "" {
		hashKey = s.hashKey(hash)
		if _, err := strconv.ParseUint(sim, 16, 64); err == nil && len(sim) == 16 {
			bands = s.bandKeys(sim)
		}
	}
	host := a.Host
	if host == "" {
		host = hostOf(a.URL)
	}
	ttl := max(s.ttl.Milliseconds(), 1)
	keys := []string{s.recordKey(a.ID), s.expiryKey(), s.membersKey(), s.sitesKey(), s.siteHostsKey(), s.languagesKey()}
	args := []any{a.ID, data, hash, versionMillis(a), millis(a.ParsedAt), f.score, ttl,
		f.site, strings.ToLower(host), f.lang, strings.Join(f.authors, sep), strings.Join(f.tags, sep), f.title,
		sim, strings.Join(sets, sep), strings.Join(urlKeys, sep), hashKey, strings.Join(bands, sep),
		s.prefix + "a:", s.MaxDistance, s.prefix + "d:", primaryLang(f.lang), sumData}
	res, err := upsertScript.Run(ctx, s.rdb, keys, args...).Slice()
	if err != nil {
		return PutResult{}, fmt.Errorf("store article %s: %w", a.ID, err)
	}
	if len(res) != 2 {
		return PutResult{}, fmt.Errorf("store article %s: unexpected script reply %v", a.ID, res)
	}
	code, _ := res[0].(int64)
	dup, _ := res[1].(string)
	return PutResult{Result: Result(code), DuplicateOf: dup}, nil
}

// Sweep removes expired articles from every set that still names them and
// reports how many it removed. Writes sweep a batch each; the janitor calls
// Sweep so that sets shrink while no writes come.
func (s *Articles) Sweep(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := sweepScript.Run(ctx, s.rdb,
			[]string{s.expiryKey(), s.membersKey(), s.sitesKey(), s.siteHostsKey(), s.languagesKey()}, 500).Int()
		if err != nil {
			return total, fmt.Errorf("sweep: %w", err)
		}
		total += n
		if n < 500 {
			return total, nil
		}
	}
}

// Stored is an article as the store holds it: the Article v1 document and
// what the store knows about it besides.
type Stored struct {
	JSON        json.RawMessage
	DuplicateOf string // the earlier copy of this story on another site
	ContentHash string // of the stored version
}

// Get returns the article with id.
func (s *Articles) Get(ctx context.Context, id string) (Stored, error) {
	v, err := s.rdb.HMGet(ctx, s.recordKey(id), "json", "dup", "ch").Result()
	if err != nil {
		return Stored{}, fmt.Errorf("get article %s: %w", id, err)
	}
	data, ok := v[0].(string)
	if !ok {
		return Stored{}, ErrNotFound
	}
	dup, _ := v[1].(string)
	ch, _ := v[2].(string)
	return Stored{JSON: json.RawMessage(data), DuplicateOf: dup, ContentHash: ch}, nil
}

// GetByURL returns the article at u: its URL, canonical URL or AMP URL as
// published, or any URL with the same canonical form.
func (s *Articles) GetByURL(ctx context.Context, u string) (Stored, error) {
	keys := []string{s.urlKey(u)}
	var ids []string
	if c, err := urls.Canonical(u); err == nil {
		keys = append(keys, s.urlKey(c))
		ids = append(ids, events.ArticleID(c))
	}
	vals, err := s.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return Stored{}, fmt.Errorf("get article by url: %w", err)
	}
	for _, v := range vals {
		if id, ok := v.(string); ok {
			ids = append([]string{id}, ids...)
			break
		}
	}
	for _, id := range ids {
		st, err := s.Get(ctx, id)
		if !errors.Is(err, ErrNotFound) {
			return st, err
		}
	}
	return Stored{}, ErrNotFound
}

// Filter selects articles. The zero Filter selects every original article
// (duplicates hidden). Use ParseFilter to build one from user input.
type Filter struct {
	Site              string // site token (events.SiteToken)
	Language          string // lower case; a primary subtag ("en") matches every region
	Author            string // normName
	Tag               string // normName
	Q                 string // lower case; a substring of the title
	Since, Until      time.Time
	IncludeDuplicates bool
	// Summary is no condition: it asks List for articles without body_text,
	// body_html and images.
	Summary bool
}

// byFields says whether f chooses by an article's fields, beyond its site.
func (f Filter) byFields() bool {
	return f.Language != "" || f.Author != "" || f.Tag != "" || f.Q != "" || !f.Since.IsZero() || !f.Until.IsZero()
}

func (f Filter) match(r fields) bool {
	switch {
	case f.Site != "" && r.site != f.Site,
		f.Language != "" && f.Language != r.lang && (strings.ContainsAny(f.Language, "-_") || primaryLang(r.lang) != f.Language),
		f.Author != "" && !slices.Contains(r.authors, f.Author),
		f.Tag != "" && !slices.Contains(r.tags, f.Tag),
		f.Q != "" && !strings.Contains(r.title, f.Q),
		!f.Since.IsZero() && r.score < f.Since.UnixMilli(),
		!f.Until.IsZero() && r.score > f.Until.UnixMilli():
		return false
	}
	return true
}

// Page is one page of a listing.
type Page struct {
	Articles []json.RawMessage `json:"articles"`
	// DuplicateOf maps the id of each listed duplicate to the earlier copy.
	DuplicateOf map[string]string `json:"duplicate_of,omitempty"`
	NextCursor  string            `json:"next_cursor,omitempty"`
}

type cursor struct {
	score int64
	id    string
}

func (c cursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.score, 10) + ":" + c.id))
}

func parseCursor(s string) (cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, ErrBadCursor
	}
	sc, id, ok := strings.Cut(string(raw), ":")
	n, err := strconv.ParseInt(sc, 10, 64)
	if !ok || err != nil || id == "" {
		return cursor{}, ErrBadCursor
	}
	return cursor{score: n, id: id}, nil
}

// indexFor picks the smallest index set the filter allows; the other
// conditions are checked on each record.
func (s *Articles) indexFor(ctx context.Context, f Filter) (string, error) {
	var keys []string
	if f.Site != "" {
		keys = append(keys, s.siteKey(f.Site))
	}
	if f.Language != "" {
		keys = append(keys, s.langKey(f.Language))
	}
	if f.Author != "" {
		keys = append(keys, s.authorKey(f.Author))
	}
	if f.Tag != "" {
		keys = append(keys, s.tagKey(f.Tag))
	}
	switch len(keys) {
	case 0:
		return s.allKey(), nil
	case 1:
		return keys[0], nil
	}
	pipe := s.rdb.Pipeline()
	cards := make([]*redis.IntCmd, len(keys))
	for i, k := range keys {
		cards[i] = pipe.ZCard(ctx, k)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return "", fmt.Errorf("list articles: %w", err)
	}
	best := 0
	for i := range cards {
		if cards[i].Val() < cards[best].Val() {
			best = i
		}
	}
	return keys[best], nil
}

// List returns up to limit articles matching f, newest first, after the
// cursor ("" starts at the newest). The cursor is a position (time, id), not
// an offset, so articles arriving between pages neither repeat nor skip
// entries. NextCursor is empty on the last page. A page can hold fewer than
// limit articles while NextCursor is set when rare filters made one request
// scan its limit of index entries: follow NextCursor until it is empty.
func (s *Articles) List(ctx context.Context, f Filter, limit int, after string) (Page, error) {
	page := Page{Articles: []json.RawMessage{}}
	maxScore := int64(math.MaxInt64)
	if !f.Until.IsZero() {
		maxScore = f.Until.UnixMilli()
	}
	var cur *cursor
	if after != "" {
		c, err := parseCursor(after)
		if err != nil {
			return Page{}, err
		}
		if c.score <= maxScore {
			cur, maxScore = &c, c.score
		}
	}
	hi, lo := "+inf", "-inf"
	if maxScore != math.MaxInt64 {
		hi = strconv.FormatInt(maxScore, 10)
	}
	if !f.Since.IsZero() {
		lo = strconv.FormatInt(f.Since.UnixMilli(), 10)
	}
	key, err := s.indexFor(ctx, f)
	if err != nil {
		return Page{}, err
	}
	type hit struct {
		pos cursor
		dup string
	}
	var hits []hit // limit+1 at most: the extra one says another page exists
	var last cursor
	scanned, offset := 0, int64(0)
	batch := int64(min(max(limit*2+10, 50), 500))
	// Batches are read by offset; an article written above the offset while
	// the request runs shifts the rest down by one, so an id may come twice.
	seen := map[string]bool{}
	for len(hits) <= limit && scanned < maxScan {
		zs, err := s.rdb.ZRevRangeByScoreWithScores(ctx, key, &redis.ZRangeBy{
			Max: hi, Min: lo, Offset: offset, Count: batch,
		}).Result()
		if err != nil {
			return Page{}, fmt.Errorf("list articles: %w", err)
		}
		offset += int64(len(zs))
		pipe := s.rdb.Pipeline()
		recs := make([]*redis.SliceCmd, len(zs))
		for i, z := range zs {
			recs[i] = pipe.HMGet(ctx, s.recordKey(z.Member.(string)), "site", "lang", "au", "tg", "tl", "dup")
		}
		if len(zs) > 0 {
			if _, err := pipe.Exec(ctx); err != nil {
				return Page{}, fmt.Errorf("list articles: %w", err)
			}
		}
		var stale []any
		var cands []hit
		for i, z := range zs {
			id := z.Member.(string)
			pos := cursor{score: int64(z.Score), id: id}
			// Same-score members come in descending id order; skip up to the cursor.
			if cur != nil && pos.score == cur.score && id >= cur.id || seen[id] {
				continue
			}
			seen[id] = true
			scanned++
			last = pos
			v := recs[i].Val()
			if v[0] == nil {
				stale = append(stale, id) // expired, not swept yet
				continue
			}
			str := func(i int) string { s, _ := v[i].(string); return s }
			r := fields{site: str(0), lang: str(1), authors: split(str(2)), tags: split(str(3)), title: str(4), score: pos.score}
			if f.match(r) {
				cands = append(cands, hit{pos: pos, dup: str(5)})
			}
		}
		if len(stale) > 0 {
			if err := s.rdb.ZRem(ctx, key, stale...).Err(); err != nil {
				return Page{}, fmt.Errorf("list articles: %w", err)
			}
			offset -= int64(len(stale)) // the entries after them moved up
		}
		if !f.IncludeDuplicates {
			cands, err = dropDuplicates(ctx, s, cands, func(h hit) string { return h.dup })
			if err != nil {
				return Page{}, err
			}
		}
		for _, c := range cands {
			if len(hits) > limit {
				break
			}
			hits = append(hits, c)
		}
		if int64(len(zs)) < batch {
			break
		}
	}
	more := len(hits) > limit || scanned >= maxScan
	hits = hits[:min(len(hits), limit)]
	if len(hits) > 0 {
		field := "json"
		if f.Summary {
			field = "sum"
		}
		pipe := s.rdb.Pipeline()
		docs := make([]*redis.SliceCmd, len(hits))
		for i, h := range hits {
			docs[i] = pipe.HMGet(ctx, s.recordKey(h.pos.id), field, "json")
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return Page{}, fmt.Errorf("list articles: %w", err)
		}
		for i, h := range hits {
			v := docs[i].Val()
			data, ok := v[0].(string)
			if !ok { // a record written before summaries were kept
				data, ok = v[1].(string)
			}
			if !ok {
				continue // expired since it was matched
			}
			page.Articles = append(page.Articles, json.RawMessage(data))
			if h.dup != "" {
				if page.DuplicateOf == nil {
					page.DuplicateOf = map[string]string{}
				}
				page.DuplicateOf[h.pos.id] = h.dup
			}
		}
		if len(hits) == limit {
			last = hits[len(hits)-1].pos
		}
	}
	if more {
		page.NextCursor = last.String()
	}
	return page, nil
}

// dropDuplicates removes the duplicates whose original still exists: once
// the original expires its copy is the one left to show.
func dropDuplicates[T any](ctx context.Context, s *Articles, in []T, dupOf func(T) string) ([]T, error) {
	pipe := s.rdb.Pipeline()
	exists := map[int]*redis.IntCmd{}
	for i, h := range in {
		if d := dupOf(h); d != "" {
			exists[i] = pipe.Exists(ctx, s.recordKey(d))
		}
	}
	if len(exists) == 0 {
		return in, nil
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	out := in[:0:0]
	for i, h := range in {
		if c, ok := exists[i]; ok && c.Val() == 1 {
			continue
		}
		out = append(out, h)
	}
	return out, nil
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, sep)
}

// SiteCount is one site's number of stored articles.
type SiteCount struct {
	Site     string `json:"site"`
	Host     string `json:"host"`
	Articles int64  `json:"articles"`
}

// Sites counts the stored articles per site, most first.
func (s *Articles) Sites(ctx context.Context) ([]SiteCount, error) {
	toks, err := s.rdb.ZRange(ctx, s.sitesKey(), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("sites: %w", err)
	}
	out := []SiteCount{}
	if len(toks) == 0 {
		return out, nil
	}
	pipe := s.rdb.Pipeline()
	cards := make([]*redis.IntCmd, len(toks))
	for i, t := range toks {
		cards[i] = pipe.ZCard(ctx, s.siteKey(t))
	}
	hosts := pipe.HMGet(ctx, s.siteHostsKey(), toks...)
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("sites: %w", err)
	}
	for i, t := range toks {
		host, _ := hosts.Val()[i].(string)
		if n := cards[i].Val(); n > 0 {
			out = append(out, SiteCount{Site: t, Host: host, Articles: n})
		}
	}
	slices.SortFunc(out, func(a, b SiteCount) int {
		if a.Articles != b.Articles {
			return int(b.Articles - a.Articles)
		}
		return strings.Compare(a.Site, b.Site)
	})
	return out, nil
}

// LanguageCount is one language's number of stored articles.
type LanguageCount struct {
	Language string `json:"language"` // primary subtag: "en" counts en, en-GB, en-US
	Articles int64  `json:"articles"`
}

// Languages counts the stored articles per primary language, most first.
func (s *Articles) Languages(ctx context.Context) ([]LanguageCount, error) {
	langs, err := s.rdb.ZRange(ctx, s.languagesKey(), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("languages: %w", err)
	}
	out := []LanguageCount{}
	if len(langs) == 0 {
		return out, nil
	}
	pipe := s.rdb.Pipeline()
	cards := make([]*redis.IntCmd, len(langs))
	for i, l := range langs {
		cards[i] = pipe.ZCard(ctx, s.langKey(l))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("languages: %w", err)
	}
	for i, l := range langs {
		if n := cards[i].Val(); n > 0 {
			out = append(out, LanguageCount{Language: l, Articles: n})
		}
	}
	slices.SortFunc(out, func(a, b LanguageCount) int {
		if a.Articles != b.Articles {
			return int(b.Articles - a.Articles)
		}
		return strings.Compare(a.Language, b.Language)
	})
	return out, nil
}

// Count returns how many articles the overall index holds.
func (s *Articles) Count(ctx context.Context) (int64, error) {
	n, err := s.rdb.ZCard(ctx, s.allKey()).Result()
	if err != nil {
		return 0, fmt.Errorf("count articles: %w", err)
	}
	return n, nil
}
