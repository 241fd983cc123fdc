package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func TestSiteToken(t *testing.T) {
	for in, want := range map[string]string{
		"www.koreaherald.com":   "koreaherald_com",
		"News.BBC.co.uk":        "news_bbc_co_uk",
		"127.0.0.1:8080":        "127_0_0_1",
		"":                      "unknown",
		"xn--bcher-kva.example": "xn--bcher-kva_example",
		"a*b>c.d":               "a_b_c_d",
	} {
		if got := SiteToken(in); got != want {
			t.Errorf("SiteToken(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRawPageRoundTrip(t *testing.T) {
	fetched := time.Date(2024, 2, 23, 4, 30, 0, 0, time.UTC)
	for _, size := range []int{100, CompressAbove + 1, 3 << 20} {
		body := bytes.Repeat([]byte("<p>news</p>"), size/11+1)
		p := RawPage{URL: "https://www.example.com/a?b=1", FinalURL: "https://example.com/a", Status: 200,
			ContentType: "text/html; charset=utf-8", ETag: `"x"`, FetchedAt: fetched, SourceFeed: "https://example.com/feed",
			Entry: EntryHints{Title: "Héadline", Published: time.Date(2024, 2, 23, 13, 25, 0, 0, time.FixedZone("", 9*3600)), Author: "A. Writer"},
			Body:  body}
		m, err := p.Msg("newsflow/test")
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != "newsflow.raw.example_com" {
			t.Errorf("subject %q", m.Subject)
		}
		if enc := m.Header.Get(HeaderBodyEncoding); (size > CompressAbove) != (enc == EncodingS2 && len(m.Data) < len(body)) {
			t.Errorf("size %d: encoding %q, %d bytes", size, enc, len(m.Data))
		}
		if _, err := EventFromHeader(m.Header); err != nil {
			t.Errorf("CloudEvent: %v", err)
		}
		if m.Header.Get(nats.MsgIdHdr) != m.Header.Get(HeaderID) {
			t.Error("Nats-Msg-Id differs from ce-id")
		}
		got, err := DecodeRawPage(m.Header, m.Data)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Body, body) || got.URL != p.URL || got.FinalURL != p.FinalURL || got.Status != 200 ||
			!got.FetchedAt.Equal(fetched) || got.Entry.Title != "Héadline" || got.Entry.Published.Format(time.RFC3339) != "2024-02-23T13:25:00+09:00" {
			t.Errorf("round trip lost data: %+v", got.Entry)
		}
	}
}

func TestDecodeRawPageRejects(t *testing.T) {
	h := nats.Header{}
	if _, err := DecodeRawPage(h, []byte("x")); !errors.Is(err, ErrBadRawPage) {
		t.Errorf("no URL: %v", err)
	}
	h.Set(HeaderURL, "https://example.com/")
	h.Set(HeaderBodyEncoding, "gzip")
	if _, err := DecodeRawPage(h, []byte("not gzip")); !errors.Is(err, ErrBadRawPage) {
		t.Errorf("bad gzip: %v", err)
	}
	h.Set(HeaderBodyEncoding, "br")
	if _, err := DecodeRawPage(h, []byte("x")); !errors.Is(err, ErrBadRawPage) {
		t.Errorf("unknown encoding: %v", err)
	}
}

func validArticle() *Article {
	pub := time.Date(2024, 2, 23, 13, 25, 0, 0, time.FixedZone("", 9*3600))
	u := "https://example.com/news/1"
	return &Article{ID: ArticleID(u), URL: u, Host: "example.com", Title: "T", Authors: []string{"A"},
		PublishedAt: &pub, Language: "en-GB", BodyText: "Body.", WordCount: 1, ContentHash: ContentHash([]byte("Body.")),
		Simhash: "0123456789abcdef", LeadImage: &Image{URL: "https://example.com/i.jpg", Caption: "c"},
		Extraction: &Extraction{Method: "dom", Confidence: 0.9}, SchemaVersion: SchemaVersion}
}

func TestSchemaAcceptsAndRejects(t *testing.T) {
	if err := validArticle().Validate(); err != nil {
		t.Fatalf("valid article: %v", err)
	}
	bad := map[string]func(a *Article){
		"short id":         func(a *Article) { a.ID = "abc" },
		"relative url":     func(a *Article) { a.URL = "/news/1" },
		"bad language":     func(a *Article) { a.Language = "english!" },
		"relative image":   func(a *Article) { a.LeadImage.URL = "/i.jpg" },
		"empty author":     func(a *Article) { a.Authors = []string{""} },
		"confidence > 1":   func(a *Article) { a.Extraction.Confidence = 2 },
		"bad content hash": func(a *Article) { a.ContentHash = "xyz" },
	}
	for name, mutate := range bad {
		a := validArticle()
		mutate(a)
		if err := a.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	data, _ := json.Marshal(validArticle())
	noOffset := strings.Replace(string(data), "+09:00", "", 1)
	if err := ValidateArticleJSON([]byte(noOffset)); !errors.Is(err, ErrInvalid) {
		t.Errorf("published_at without offset: %v, want ErrInvalid", err)
	}
	extra := strings.Replace(string(data), `"id"`, `"surprise":1,"id"`, 1)
	if err := ValidateArticleJSON([]byte(extra)); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown field: %v, want ErrInvalid", err)
	}
}

func TestArticleMsg(t *testing.T) {
	a := validArticle()
	m, err := a.Msg("newsflow/parser")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := EventFromHeader(m.Header)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Type != TypeArticleParsed || ev.Subject != a.ID || ev.DataSchema != DataSchemaArticle || m.Subject != "newsflow.article.parsed.example_com" {
		t.Errorf("event %+v on %s", ev, m.Subject)
	}
	if !Validated(m.Header) {
		t.Error("Msg's event does not say it was validated")
	}
	for _, h := range []nats.Header{{}, {HeaderType: {TypeArticleParsed}}, {HeaderDataSchema: {DataSchemaArticle}}} {
		if Validated(h) {
			t.Errorf("%v counts as validated", h)
		}
	}
	bad := validArticle()
	bad.Language = "not a language tag!"
	if _, err := bad.Msg("newsflow/parser"); !errors.Is(err, ErrInvalid) {
		t.Errorf("Msg of an invalid article: %v", err)
	}
	back, err := DecodeArticle(m.Data)
	if err != nil || back.ID != a.ID {
		t.Fatalf("decode: %v", err)
	}
	if _, err := DecodeArticle([]byte(`{"id":"x","url":"u","schema_version":2}`)); !errors.Is(err, ErrInvalid) {
		t.Errorf("future schema version: %v", err)
	}
}

// The event id's version ignores the fetch and parse times and nothing
// else: the same hash as the article encoded without them, whatever times
// it carries (and wherever a body mentions them).
func TestArticleVersion(t *testing.T) {
	at := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	for name, mutate := range map[string]func(a *Article){
		"no times": func(a *Article) {},
		"both": func(a *Article) {
			a.FetchedAt, a.ParsedAt = at("2024-02-23T13:25:00.123456789Z"), at("2024-02-23T13:25:01Z")
		},
		"fetched only":     func(a *Article) { a.FetchedAt = at("2024-02-23T13:25:00+09:00") },
		"parsed only":      func(a *Article) { a.ParsedAt = at("2024-02-23T13:25:00.5-03:30") },
		"the same instant": func(a *Article) { a.FetchedAt, a.ParsedAt = at("2024-02-23T13:25:00Z"), at("2024-02-23T13:25:00Z") },
		"a body quoting them": func(a *Article) {
			a.BodyText = `,"fetched_at":"2024-02-23T13:25:00Z"`
			a.FetchedAt = at("2024-02-23T13:25:00Z")
		},
	} {
		t.Run(name, func(t *testing.T) {
			a := validArticle()
			mutate(a)
			data, err := json.Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			version := *a
			version.FetchedAt, version.ParsedAt = nil, nil
			vdata, err := json.Marshal(&version)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := articleVersion(a, data), versionHash(vdata); got != want {
				t.Errorf("version %s, want %s (of %s)", got, want, vdata)
			}
		})
	}
}
