package events_test

import (
	"bytes"
	"compress/gzip"
	"strconv"
	"testing"
	"time"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/internal/fixtures"
	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/pkg/evaluate"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/extract"
)

// The hot paths of an event's life, on the extraction benchmark's pages and
// articles: one op is one page or one article. Run with -benchmem.

type corpus struct {
	pages    [][]byte
	urls     []string
	articles []*events.Article
	bytes    int64
}

func loadCorpus(b *testing.B, withArticles bool) corpus {
	b.Helper()
	c, err := evaluate.LoadCorpus(fixtures.Path(b, fixtures.Benchmark))
	if err != nil {
		b.Fatal(err)
	}
	var out corpus
	for _, p := range c.Pages {
		h, err := c.HTML(p.ID)
		if err != nil {
			b.Fatal(err)
		}
		out.pages, out.urls = append(out.pages, h), append(out.urls, p.URL)
		out.bytes += int64(len(h))
		if withArticles {
			a, err := extract.Extract(extract.Input{HTML: h, URL: p.URL})
			if err != nil {
				b.Fatal(err)
			}
			now := time.Now().UTC().Truncate(time.Millisecond)
			a.ParsedAt, a.FetchedAt = &now, &now
			out.articles = append(out.articles, a)
		}
	}
	return out
}

func rawPage(c corpus, i int) events.RawPage {
	return events.RawPage{URL: c.urls[i], Status: 200, ContentType: "text/html; charset=utf-8",
		FetchedAt: time.Now(), Body: c.pages[i]}
}

// BenchmarkRawPageMsg is the fetcher's encoding of one page.
func BenchmarkRawPageMsg(b *testing.B) {
	c := loadCorpus(b, false)
	b.SetBytes(c.bytes / int64(len(c.pages)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := rawPage(c, i%len(c.pages)).Msg("newsflow/bench"); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkDecodeRawPage is the parser's decoding of one page as it travels
// (s2), as a page under 4 KiB travels (plain), and as earlier versions sent
// pages (zstd; gzip over 64 KiB).
func BenchmarkDecodeRawPage(b *testing.B) {
	c := loadCorpus(b, false)
	zenc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		b.Fatal(err)
	}
	for _, enc := range []string{"", events.EncodingS2, events.EncodingZstd, events.EncodingGzip} {
		msgs := make([]*nats.Msg, len(c.pages))
		for i := range c.pages {
			m := nats.NewMsg("newsflow.raw.bench")
			m.Header.Set(events.HeaderURL, c.urls[i])
			m.Data = c.pages[i]
			switch enc {
			case events.EncodingS2:
				m.Data = s2.Encode(nil, m.Data)
			case events.EncodingZstd:
				m.Data = zenc.EncodeAll(m.Data, nil)
			case events.EncodingGzip:
				var buf bytes.Buffer
				zw := gzip.NewWriter(&buf)
				zw.Write(m.Data)
				zw.Close()
				m.Data = buf.Bytes()
			}
			if enc != "" {
				m.Header.Set(events.HeaderBodyEncoding, enc)
			}
			msgs[i] = m
		}
		name := enc
		if name == "" {
			name = "plain"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(c.bytes / int64(len(c.pages)))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				m := msgs[i%len(msgs)]
				if _, err := events.DecodeRawPage(m.Header, m.Data); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkArticleMsg is the parser's encoding of one article: JSON, the
// schema validation (the only one an article gets) and the event id.
func BenchmarkArticleMsg(b *testing.B) {
	c := loadCorpus(b, true)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := c.articles[i%len(c.articles)].Msg("newsflow/bench"); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkValidateArticleJSON is the schema validation alone: what each
// consumer saves by trusting a validated event.
func BenchmarkValidateArticleJSON(b *testing.B) {
	c := loadCorpus(b, true)
	docs := encodedArticles(b, c.articles)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := events.ValidateArticleJSON(docs[i%len(docs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkDecodeArticle is the store's decoding of one event.
func BenchmarkDecodeArticle(b *testing.B) {
	c := loadCorpus(b, true)
	docs := encodedArticles(b, c.articles)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := events.DecodeArticle(docs[i%len(docs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkJetStreamPublishRaw is JetStream's ceiling for raw pages: one
// page, encoded as the fetcher does, stored in NEWSFLOW_RAW per op, published
// asynchronously with 256 in flight, as the bench's ceiling does.
func BenchmarkJetStreamPublishRaw(b *testing.B) {
	c := loadCorpus(b, false)
	ns := natstest.Start(b)
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(256))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := events.Provision(b.Context(), js, events.DefaultTopology()); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(c.bytes / int64(len(c.pages)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := rawPage(c, i%len(c.pages))
		p.URL += "?n=" + strconv.Itoa(i) // a new event each time, not a duplicate
		m, err := p.Msg("newsflow/bench")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := js.PublishMsgAsync(m); err != nil {
			b.Fatal(err)
		}
		i++
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(time.Minute):
		b.Fatal("acks missing after a minute")
	}
}

// encodedArticles is each article as the parser publishes it.
func encodedArticles(b *testing.B, articles []*events.Article) [][]byte {
	b.Helper()
	docs := make([][]byte, len(articles))
	for i, a := range articles {
		m, err := a.Msg("newsflow/bench")
		if err != nil {
			b.Fatal(err)
		}
		docs[i] = m.Data
	}
	return docs
}
