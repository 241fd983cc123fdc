package events

import (
	"bytes"
	"compress/gzip"
	"errors"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/nats-io/nats.go"
)

// A raw-page message comes off a stream anyone with publish rights can
// write to: whatever its headers and body, DecodeRawPage returns a page no
// larger than MaxPageBytes or an error wrapping ErrBadRawPage (the parser's
// cue to dead-letter it), never a panic or an unbounded inflation.
func FuzzDecodeRawPage(f *testing.F) {
	page := bytes.Repeat([]byte("<p>news of the day</p>"), 400)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(page)
	zw.Close()
	zenc, err := zstd.NewWriter(nil)
	if err != nil {
		f.Fatal(err)
	}
	zpage := zenc.EncodeAll(page, nil)
	spage := encodeS2(page)
	for _, s := range []struct {
		url, enc, status, fetched string
		data                      []byte
	}{
		{"https://example.com/a", "", "200", "2024-02-23T04:30:00Z", page},
		{"https://example.com/a", EncodingS2, "200", "2024-02-23T04:30:00.123456789Z", spage},
		{"https://example.com/a", EncodingS2, "", "", spage[:len(spage)/2]},
		{"https://example.com/a", EncodingS2, "", "", append(append([]byte{}, spage...), spage...)},
		{"https://example.com/a", EncodingS2, "", "", []byte{0xff, 0xff, 0xff, 0xff, 0x0f, 0x00}},
		{"https://example.com/a", EncodingZstd, "200", "2024-02-23T04:30:00.123456789Z", zpage},
		{"https://example.com/a", EncodingZstd, "x", "", zpage[:len(zpage)/2]},
		{"https://example.com/a", EncodingZstd, "", "", append(append([]byte{}, zpage...), zpage...)},
		{"https://example.com/a", EncodingZstd, "", "", []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58, 0x00, 0x00}},
		{"https://example.com/a", EncodingGzip, "-1", "yesterday", gz.Bytes()},
		{"https://example.com/a", "br", "200", "", page},
		{"", "", "", "", nil},
	} {
		f.Add(s.url, s.enc, s.status, s.fetched, s.data)
	}
	f.Fuzz(func(t *testing.T, url, enc, status, fetched string, data []byte) {
		h := nats.Header{}
		for k, v := range map[string]string{HeaderURL: url, HeaderBodyEncoding: enc, HeaderStatus: status, HeaderFetchedAt: fetched} {
			if v != "" {
				h.Set(k, v)
			}
		}
		p, err := DecodeRawPage(h, data)
		if err != nil {
			if !errors.Is(err, ErrBadRawPage) {
				t.Fatalf("error %v does not wrap ErrBadRawPage", err)
			}
			return
		}
		if url == "" || p.URL != url {
			t.Errorf("decoded URL %q from header %q", p.URL, url)
		}
		if len(p.Body) > MaxPageBytes {
			t.Errorf("body inflated to %d bytes", len(p.Body))
		}
		if enc == "" && !bytes.Equal(p.Body, data) {
			t.Error("an unencoded body changed")
		}
	})
}

var subjectToken = regexp.MustCompile(`^[a-z0-9_-]+$`)

// Every page the fetcher can describe comes back from its message as it
// went in, on a subject of one safe token, and with an event id that
// depends only on the URL and the bytes.
func FuzzRawPageRoundTrip(f *testing.F) {
	f.Add("https://www.example.com/a?b=1", "https://example.com/a", 200, "text/html; charset=utf-8", "", `"x"`, "",
		int64(1708662600), int64(123456789), "https://example.com/feed", "Héadline", int64(1708694700), "A. Writer", "",
		bytes.Repeat([]byte("<p>news</p>"), 500))
	f.Add("http://[::1]:8080/x", "", 0, "", "windows-1252", "", "Mon, 02 Jan 2006 15:04:05 GMT",
		int64(0), int64(0), "", "line\r\nbreak", int64(-62135596800), "", "https://example.com/i.jpg", []byte{})
	f.Add("https://a*b>c/ x", "", -1, "", "", "", "", int64(253402300799), int64(999999999), "", "", int64(0), "", "", []byte("\x00"))
	f.Fuzz(func(t *testing.T, url, finalURL string, status int, ctype, charset, etag, lastMod string,
		fetchedSec, fetchedNsec int64, source, title string, publishedSec int64, author, image string, body []byte) {
		if url == "" {
			return // refused by Msg, checked in TestRawPageRoundTrip
		}
		p := RawPage{URL: url, FinalURL: finalURL, Status: status, ContentType: ctype, Charset: charset,
			ETag: etag, LastModified: lastMod, FetchedAt: rfc3339Time(fetchedSec, fetchedNsec), SourceFeed: source,
			Entry: EntryHints{Title: title, Published: rfc3339Time(publishedSec, 0), Author: author, Image: image},
			Body:  body}
		m, err := p.Msg("newsflow/fuzz")
		if err != nil {
			t.Fatalf("Msg: %v", err)
		}
		if tok, ok := bytes.CutPrefix([]byte(m.Subject), []byte(SubjectRawPrefix)); !ok || !subjectToken.Match(tok) {
			t.Errorf("subject %q is not the raw prefix and one safe token", m.Subject)
		}
		if m2, _ := p.Msg("elsewhere"); m2.Header.Get(HeaderID) != m.Header.Get(HeaderID) {
			t.Errorf("event id depends on more than the URL and the bytes")
		}
		got, err := DecodeRawPage(m.Header, m.Data)
		if err != nil {
			t.Fatalf("decode of an encoded page: %v", err)
		}
		if !bytes.Equal(got.Body, p.Body) {
			t.Errorf("body: %d bytes in, %d out", len(p.Body), len(got.Body))
		}
		if !got.FetchedAt.Equal(p.FetchedAt) || !got.Entry.Published.Equal(p.Entry.Published) {
			t.Errorf("times: %v, %v in; %v, %v out", p.FetchedAt, p.Entry.Published, got.FetchedAt, got.Entry.Published)
		}
		// Compared above: the rest must be equal field for field.
		got.Body, got.FetchedAt, got.Entry.Published = p.Body, p.FetchedAt, p.Entry.Published
		if !reflect.DeepEqual(got, p) {
			t.Errorf("round trip:\n in  %+v\n out %+v", p, got)
		}
	})
}

// rfc3339Time is a UTC time RFC 3339 can write (years 0000–9999), or zero.
func rfc3339Time(sec, nsec int64) time.Time {
	const span = 253402300800 + 62135596800 // 0000-01-01 to 10000-01-01 in seconds
	if sec == 0 && nsec == 0 {
		return time.Time{}
	}
	sec = (sec%span+span)%span - 62135596800
	nsec = (nsec%1e9 + 1e9) % 1e9
	return time.Unix(sec, nsec).UTC()
}
