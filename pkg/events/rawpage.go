package events

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/nats-io/nats.go"
)

// Raw-page headers. The body of a raw-page message is the page itself, as
// bytes: HTML travels unescaped, S2-compressed above CompressAbove.
// Measured with bench --pipeline on the benchmark corpus: gzip (default
// level) was a third of the pipeline's CPU; uncompressed bodies with
// NEWSFLOW_RAW's own S2 compression made JetStream's block caches, which
// hold the newest messages in memory, 2.5x larger (peak RSS 1.1 GB). zstd
// at its fastest level compresses trimmed pages 4.7x against S2's 3.4x but
// takes 2.7 times as long; with S2, `up` spent 0.2-0.8 ms less CPU per
// article, for about 10 MB more resident memory at 100 pages/s (the README's
// Performance, session 9). Bodies zstd- or gzip-compressed by earlier
// versions still decode.
const (
	HeaderURL           = "Newsflow-Url"
	HeaderFinalURL      = "Newsflow-Final-Url"
	HeaderStatus        = "Newsflow-Status"
	HeaderContentType   = "Content-Type"
	HeaderCharset       = "Newsflow-Charset"
	HeaderETag          = "Newsflow-Etag"
	HeaderLastModified  = "Newsflow-Last-Modified"
	HeaderFetchedAt     = "Newsflow-Fetched-At"
	HeaderSourceFeed    = "Newsflow-Source-Feed"
	HeaderEntryTitle    = "Newsflow-Entry-Title"
	HeaderEntryDate     = "Newsflow-Entry-Published"
	HeaderEntryAuthor   = "Newsflow-Entry-Author"
	HeaderEntryImage    = "Newsflow-Entry-Image"
	HeaderBodyEncoding  = "Newsflow-Body-Encoding"
	HeaderOriginalBytes = "Newsflow-Original-Bytes"

	// Body encodings (Newsflow-Body-Encoding): none, s2 (the block
	// format), zstd and gzip (written by earlier versions).
	EncodingS2   = "s2"
	EncodingZstd = "zstd"
	EncodingGzip = "gzip"

	// CompressAbove is the page size from which bodies are compressed.
	CompressAbove = 4 << 10

	// MaxPageBytes bounds a decompressed page, so a hostile message cannot
	// inflate without limit in the parser.
	MaxPageBytes = 16 << 20
)

// EntryHints is what the feed said about an article; the parser uses it when
// the page itself is silent.
type EntryHints struct {
	Title     string
	Published time.Time
	Author    string
	Image     string
}

// RawPage is one fetched page.
type RawPage struct {
	URL          string
	FinalURL     string
	Status       int
	ContentType  string
	Charset      string
	ETag         string
	LastModified string
	FetchedAt    time.Time
	SourceFeed   string
	Entry        EntryHints
	Body         []byte
}

// Host is the host of the page's final URL (or its URL).
func (p RawPage) Host() string {
	u := p.FinalURL
	if u == "" {
		u = p.URL
	}
	parsed, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return parsed.Hostname()
}

// Msg encodes p as a NATS message with CloudEvents attributes. The event id
// is derived from the URL and the page bytes, so republishing the same fetch
// is dropped by JetStream's duplicate window.
func (p RawPage) Msg(source string) (*nats.Msg, error) {
	if p.URL == "" {
		return nil, fmt.Errorf("%w: empty URL", ErrBadRawPage)
	}
	host := p.Host()
	m := nats.NewMsg(RawSubject(host))
	Event{
		ID:              ArticleID(p.URL) + "-" + versionHash(p.Body),
		Source:          source,
		Type:            TypePageFetched,
		Time:            p.FetchedAt,
		Subject:         p.URL,
		DataContentType: p.ContentType,
	}.Header(m.Header)
	set := func(k, v string) {
		if v != "" {
			m.Header.Set(k, v)
		}
	}
	set(HeaderURL, p.URL)
	set(HeaderFinalURL, p.FinalURL)
	set(HeaderStatus, strconv.Itoa(p.Status))
	set(HeaderContentType, p.ContentType)
	set(HeaderCharset, p.Charset)
	set(HeaderETag, p.ETag)
	set(HeaderLastModified, p.LastModified)
	set(HeaderSourceFeed, p.SourceFeed)
	set(HeaderEntryTitle, p.Entry.Title)
	set(HeaderEntryAuthor, p.Entry.Author)
	set(HeaderEntryImage, p.Entry.Image)
	if !p.FetchedAt.IsZero() {
		set(HeaderFetchedAt, p.FetchedAt.UTC().Format(time.RFC3339Nano))
	}
	if !p.Entry.Published.IsZero() {
		set(HeaderEntryDate, p.Entry.Published.Format(time.RFC3339))
	}
	m.Data = p.Body
	if len(p.Body) > CompressAbove {
		m.Header.Set(HeaderOriginalBytes, strconv.Itoa(len(p.Body)))
		m.Header.Set(HeaderBodyEncoding, EncodingS2)
		m.Data = encodeS2(p.Body)
	}
	return m, nil
}

// encodeS2 compresses body into a slice of its own size. S2 encodes into a
// buffer of its worst case, a sixth larger than the page; kept with the
// message, that buffer would be most of the fetcher's allocation per page.
func encodeS2(body []byte) []byte {
	bp, _ := s2Buffers.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	if n := s2.MaxEncodedLen(len(body)); cap(*bp) < n {
		*bp = make([]byte, n)
	}
	enc := s2.Encode((*bp)[:cap(*bp)], body)
	out := append([]byte(nil), enc...)
	if cap(*bp) <= maxPooledS2Buffer {
		s2Buffers.Put(bp)
	}
	return out
}

// s2Buffers hold encodeS2's worst-case buffers; one for a page above
// maxPooledS2Buffer is left to the collector rather than kept for the rare
// next page that size.
var s2Buffers sync.Pool

const maxPooledS2Buffer = 1 << 20

// DecodeRawPage reads a raw-page message back. Its errors wrap ErrBadRawPage:
// such a message will never decode, so it belongs in the dead-letter stream.
func DecodeRawPage(h nats.Header, data []byte) (RawPage, error) {
	p := RawPage{
		URL:          h.Get(HeaderURL),
		FinalURL:     h.Get(HeaderFinalURL),
		ContentType:  h.Get(HeaderContentType),
		Charset:      h.Get(HeaderCharset),
		ETag:         h.Get(HeaderETag),
		LastModified: h.Get(HeaderLastModified),
		SourceFeed:   h.Get(HeaderSourceFeed),
		Entry: EntryHints{
			Title:  h.Get(HeaderEntryTitle),
			Author: h.Get(HeaderEntryAuthor),
			Image:  h.Get(HeaderEntryImage),
		},
	}
	if p.URL == "" {
		return p, fmt.Errorf("%w: no %s header", ErrBadRawPage, HeaderURL)
	}
	if s := h.Get(HeaderStatus); s != "" {
		p.Status, _ = strconv.Atoi(s)
	}
	if s := h.Get(HeaderFetchedAt); s != "" {
		p.FetchedAt, _ = time.Parse(time.RFC3339Nano, s)
	}
	if s := h.Get(HeaderEntryDate); s != "" {
		p.Entry.Published, _ = time.Parse(time.RFC3339, s)
	}
	body, err := DecodeBody(h, data)
	if err != nil {
		return p, err
	}
	p.Body = body
	return p, nil
}

// DecodeBody undoes the body encoding a message's headers name (s2, or
// zstd or gzip from earlier versions), bounded by MaxPageBytes. It does not
// fetch an object-store body: see LoadBody.
func DecodeBody(h nats.Header, data []byte) ([]byte, error) {
	switch enc := h.Get(HeaderBodyEncoding); enc {
	case "":
		return data, nil
	case EncodingS2:
		// The block names its decoded length: one past the limit is
		// refused before anything is allocated for it. (One within the
		// limit is allocated before the data is checked: at most
		// MaxPageBytes, as a valid block of a few KB can inflate to.)
		n, err := s2.DecodedLen(data)
		if err != nil {
			return nil, fmt.Errorf("%w: s2 body: %w", ErrBadRawPage, err)
		}
		if n > MaxPageBytes {
			return nil, fmt.Errorf("%w: body inflates past %d bytes", ErrBadRawPage, MaxPageBytes)
		}
		body, err := s2.Decode(nil, data)
		if err != nil {
			return nil, fmt.Errorf("%w: s2 body: %w", ErrBadRawPage, err)
		}
		return body, nil
	case EncodingZstd:
		body, err := zstdDecoder.DecodeAll(data, nil)
		if errors.Is(err, zstd.ErrDecoderSizeExceeded) || errors.Is(err, zstd.ErrWindowSizeExceeded) {
			return nil, fmt.Errorf("%w: body inflates past %d bytes", ErrBadRawPage, MaxPageBytes)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: zstd body: %w", ErrBadRawPage, err)
		}
		return body, nil
	case EncodingGzip:
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%w: gzip body: %w", ErrBadRawPage, err)
		}
		body, err := io.ReadAll(io.LimitReader(zr, MaxPageBytes+1))
		if err != nil {
			return nil, fmt.Errorf("%w: gzip body: %w", ErrBadRawPage, err)
		}
		if len(body) > MaxPageBytes {
			return nil, fmt.Errorf("%w: body inflates past %d bytes", ErrBadRawPage, MaxPageBytes)
		}
		return body, nil
	default:
		return nil, fmt.Errorf("%w: unknown body encoding %q", ErrBadRawPage, enc)
	}
}

// One zstd decoder serves every goroutine (DecodeAll is safe for concurrent
// use, keeping a few states). It refuses output past MaxPageBytes, so a
// hostile frame cannot inflate without limit.
var zstdDecoder = must(zstd.NewReader(nil, zstd.WithDecoderMaxMemory(MaxPageBytes),
	zstd.WithDecoderMaxWindow(8<<20)))

// must is for options fixed in the source: an error is a bug.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
