package store

import (
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/newsflow/newsflow/pkg/events"
)

// Redis model, every key under one prefix:
//
//	<p>article:<id>   hash {json, hash, modified, score}   the article, with a TTL
//	<p>idx:published  zset id -> published time (ms)        newest-first listing
//	<p>idx:expiry     zset id -> expiry time (ms)           drives index cleanup
//
// Index members whose article has expired are removed on every write (a
// bounded batch) and whenever a listing meets them, so no set grows without bound.

// ErrNotFound means no article has that id.
var ErrNotFound = errors.New("store: article not found")

// ErrBadCursor means a listing cursor did not decode.
var ErrBadCursor = errors.New("store: invalid cursor")

// upsertScript writes one article atomically and idempotently: the same
// content again changes nothing, an older version never replaces a newer one.
//
//go:embed upsert.lua
var upsertLua string

var upsertScript = redis.NewScript(upsertLua)

// Articles is the article cache in Redis.
type Articles struct {
	rdb    redis.UniversalClient
	prefix string
	ttl    time.Duration
}

// NewArticles stores under prefix with ttl per article.
func NewArticles(rdb redis.UniversalClient, prefix string, ttl time.Duration) *Articles {
	return &Articles{rdb: rdb, prefix: prefix, ttl: ttl}
}

func (s *Articles) articleKey(id string) string { return s.prefix + "article:" + id }
func (s *Articles) indexKey() string            { return s.prefix + "idx:published" }
func (s *Articles) expiryKey() string           { return s.prefix + "idx:expiry" }

// score orders the listing: published time, else parse time.
func score(a *events.Article) int64 {
	switch {
	case a.PublishedAt != nil:
		return a.PublishedAt.UnixMilli()
	case a.ParsedAt != nil:
		return a.ParsedAt.UnixMilli()
	}
	return time.Now().UnixMilli()
}

// Put stores a; it reports whether anything changed.
func (s *Articles) Put(ctx context.Context, a *events.Article) (bool, error) {
	data, err := json.Marshal(a)
	if err != nil {
		return false, fmt.Errorf("encode article: %w", err)
	}
	var modified int64
	if a.ModifiedAt != nil {
		modified = a.ModifiedAt.UnixMilli()
	}
	hash := a.ContentHash
	if hash == "" {
		hash = events.ContentHash(data)
	}
	n, err := upsertScript.Run(ctx, s.rdb, []string{s.articleKey(a.ID), s.indexKey(), s.expiryKey()},
		string(data), hash, modified, score(a), int64(s.ttl/time.Second), a.ID, time.Now().UnixMilli()).Int()
	if err != nil {
		return false, fmt.Errorf("store article %s: %w", a.ID, err)
	}
	return n == 1, nil
}

// Get returns the article with id.
func (s *Articles) Get(ctx context.Context, id string) (json.RawMessage, error) {
	data, err := s.rdb.HGet(ctx, s.articleKey(id), "json").Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get article %s: %w", id, err)
	}
	return data, nil
}

// Page is one page of a listing.
type Page struct {
	Articles   []json.RawMessage `json:"articles"`
	NextCursor string            `json:"next_cursor,omitempty"`
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

// List returns up to limit articles, newest first, after the cursor (""
// starts at the newest). The cursor is a position (time, id), not an offset,
// so articles arriving between pages neither repeat nor skip entries.
func (s *Articles) List(ctx context.Context, limit int, after string) (Page, error) {
	max := "+inf"
	var cur *cursor
	if after != "" {
		c, err := parseCursor(after)
		if err != nil {
			return Page{}, err
		}
		cur = &c
		max = strconv.FormatInt(c.score, 10)
	}
	var page Page
	offset := int64(0)
	for len(page.Articles) < limit {
		batch := int64(limit*2 + 10)
		zs, err := s.rdb.ZRevRangeByScoreWithScores(ctx, s.indexKey(), &redis.ZRangeBy{
			Max: max, Min: "-inf", Offset: offset, Count: batch,
		}).Result()
		if err != nil {
			return Page{}, fmt.Errorf("list articles: %w", err)
		}
		offset += int64(len(zs))
		var stale []any
		for _, z := range zs {
			id, _ := z.Member.(string)
			sc := int64(z.Score)
			// Same-score members come in descending id order; skip up to the cursor.
			if cur != nil && sc == cur.score && id >= cur.id {
				continue
			}
			data, err := s.Get(ctx, id)
			if errors.Is(err, ErrNotFound) {
				stale = append(stale, id)
				continue
			}
			if err != nil {
				return Page{}, err
			}
			page.Articles = append(page.Articles, data)
			if len(page.Articles) == limit {
				page.NextCursor = cursor{score: sc, id: id}.String()
				break
			}
		}
		if len(stale) > 0 {
			s.rdb.ZRem(ctx, s.indexKey(), stale...)
		}
		if int64(len(zs)) < batch {
			break
		}
	}
	if page.Articles == nil {
		page.Articles = []json.RawMessage{}
	}
	return page, nil
}

// Count returns how many articles the index holds.
func (s *Articles) Count(ctx context.Context) (int64, error) {
	n, err := s.rdb.ZCard(ctx, s.indexKey()).Result()
	if err != nil {
		return 0, fmt.Errorf("count articles: %w", err)
	}
	return n, nil
}
