// Package feeds turns any feed or sitemap a news site publishes (RSS 0.9x/1.0/2.0,
// Atom, JSON Feed, sitemap urlsets including Google News sitemaps, sitemap
// indexes, gzip-compressed or not) into one flat list of article links.
//
// Real feeds lie about their encoding, ship entity bombs, or turn out to be
// HTML error pages, so Parse normalises the bytes to UTF-8 and vets them
// before any XML parser sees them, and reports failures as typed sentinels
// the fetcher can act on (retry later, back off, or mark the source broken).
package feeds

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"
)

// Kind is the document format Parse detected.
type Kind string

// Formats Parse recognises. RSS 0.90, 1.0 (RDF) and 0.9x/2.0 all report
// KindRSS: the fetcher treats them alike.
const (
	KindRSS          Kind = "rss"
	KindAtom         Kind = "atom"
	KindJSON         Kind = "json"
	KindSitemap      Kind = "sitemap"
	KindSitemapIndex Kind = "sitemapindex"
)

// Item is one article link from a feed or sitemap.
type Item struct {
	URL       string    // absolute article URL, resolved against xml:base / the feed URL
	Title     string    // plain text, valid UTF-8
	Published time.Time // zero when unknown; keeps the feed's own offset
	// Modified is the last-modified time (Atom updated, JSON date_modified,
	// sitemap lastmod); zero when unknown. It is kept apart from Published
	// so a sitemap's lastmod is never passed off as a publication date.
	Modified time.Time
	Author   string
	Image    string // absolute URL
}

// Feed is the parsed document.
type Feed struct {
	Kind     Kind
	Title    string
	Items    []Item        // for a sitemap index: empty, see Sitemaps
	Sitemaps []string      // child sitemap URLs of a sitemap index
	TTL      time.Duration // RSS <ttl> / sy:updatePeriod hints, 0 if none
	// Skipped counts the entries (<item>, <entry>, items[], <url>) that have
	// no usable http(s) URL. They stay in Items, with an empty URL, so Items
	// holds every entry of the document; the fetcher passes them by.
	Skipped int
	// Partial is set when the document broke off or went bad part-way
	// (truncated body, invalid XML after some entries): Items are the
	// entries before the break. A document with no complete entry before
	// the break is ErrMalformed instead.
	Partial bool
}

// Sentinel errors; match them with errors.Is. Parse wraps them with detail.
var (
	// ErrEmpty: the body is empty or only whitespace (often a transient
	// server fault, worth a retry).
	ErrEmpty = errors.New("feeds: empty document")
	// ErrNotFeed: the document is well-formed enough to recognise, but it is
	// not a feed or sitemap (typically an HTML page served at a feed URL).
	ErrNotFeed = errors.New("feeds: not a feed")
	// ErrMalformed: the document looks like a feed but cannot be parsed
	// (truncated XML, broken JSON, corrupt gzip).
	ErrMalformed = errors.New("feeds: malformed document")
	// ErrEntityExpansion: the DTD declares entities that could expand
	// without bound (billion laughs), parameter entities, or too many
	// entities; the document is refused unparsed.
	ErrEntityExpansion = errors.New("feeds: refused DTD entity declarations")
	// ErrTooLarge: the body, or its gzip-decompressed form, exceeds MaxSize.
	ErrTooLarge = errors.New("feeds: document too large")
)

// MaxSize bounds both the raw body and a gunzipped sitemap. The largest
// real news sitemaps are ~10 MB uncompressed (the protocol caps them at
// 50 MB, which nobody serves to a news crawler); 32 MB leaves room without
// letting a decompression bomb take the process down.
const MaxSize = 32 << 20

// Parse detects the format from the bytes (not the file name) and parses it.
// base is the URL the document was fetched from (may be empty) and is used to
// resolve relative links; contentType is the HTTP Content-Type (may be empty)
// and is only a charset hint, since servers label feeds text/html, text/plain
// and worse.
func Parse(data []byte, base, contentType string) (*Feed, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%d bytes, limit %d: %w", len(data), MaxSize, ErrTooLarge)
	}
	if isGzip(data) {
		var err error
		if data, err = gunzip(data); err != nil {
			return nil, err
		}
	}
	data = toUTF8(data, contentType)
	base = withoutUser(base)
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, ErrEmpty
	}
	switch trimmed[0] {
	case '{', '[':
		return parseJSON(trimmed, base)
	case '<':
		return parseXML(trimmed, base)
	}
	if urls := plainTextSitemap(trimmed, base); urls != nil {
		return urls, nil
	}
	return nil, fmt.Errorf("starts with %q: %w", firstRunes(trimmed, 16), ErrNotFeed)
}

// withoutUser drops the user and password of base: they are the feed's,
// and links resolved against it name articles, images and sitemaps that
// every event, log and API response shows.
func withoutUser(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.User == nil {
		return base
	}
	u.User = nil
	return u.String()
}

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// gunzip decompresses at most MaxSize bytes: sitemaps.xml.gz is the one place
// an attacker-controlled compression ratio reaches us after the HTTP layer.
func gunzip(data []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: gzip header: %w", ErrMalformed, err)
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, MaxSize+1))
	if len(out) > MaxSize {
		return nil, fmt.Errorf("gunzipped body over %d bytes: %w", MaxSize, ErrTooLarge)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: gzip body: %w", ErrMalformed, err)
	}
	return out, nil
}

func firstRunes(b []byte, n int) string {
	r := []rune(string(b[:min(len(b), n*4)]))
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}
