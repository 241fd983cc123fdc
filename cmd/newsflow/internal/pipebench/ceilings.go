package pipebench

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/redis/go-redis/v9"

	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/extract"
	"github.com/newsflow/newsflow/pkg/urls"
	"github.com/newsflow/newsflow/services/store"
)

// Ceilings are what each part alone does with the same pages on this
// machine, measured in the same run: the pipeline's figures are read as
// ratios to them.
type Ceilings struct {
	ExtractPerSec    float64 `json:"extract_per_s"` // extract.Extract, one core
	ExtractMSPerPage float64 `json:"extract_ms_per_page"`
	// The same, of the pages as the fetcher publishes them, trimmed (0
	// with FETCHER_WHOLE_PAGES): what the parser extracts.
	ExtractTrimmedPerSec    float64 `json:"extract_trimmed_per_s,omitempty"`
	ExtractTrimmedMSPerPage float64 `json:"extract_trimmed_ms_per_page,omitempty"`
	ParsePerSec             float64 `json:"parse_per_s"`         // goquery parse only, one core
	JetStreamPerSec         float64 `json:"jetstream_pub_per_s"` // raw-page messages stored by the embedded server, async publish
	RedisPerSec             float64 `json:"redis_write_per_s"`   // store upserts of the extracted articles, the store's worker count
}

// parsedExtractMS is one extraction of a page as the parser gets it.
func (c Ceilings) parsedExtractMS() float64 {
	if c.ExtractTrimmedMSPerPage > 0 {
		return c.ExtractTrimmedMSPerPage
	}
	return c.ExtractMSPerPage
}

// contentType is what the fetcher passes for the origin's pages.
const contentType = "text/html; charset=utf-8"

// oneCore runs fn over pages on one core (GOMAXPROCS=1) for at least
// minDur and one pass, and returns pages per second.
func oneCore(pages [][]byte, minDur time.Duration, fn func(i int, page []byte) error) (float64, error) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	for i, p := range pages[:min(len(pages), 10)] { // warm up
		if err := fn(i, p); err != nil {
			return 0, err
		}
	}
	runtime.GC()
	n := 0
	start := time.Now()
	for n < len(pages) || time.Since(start) < minDur {
		if err := fn(n%len(pages), pages[n%len(pages)]); err != nil {
			return 0, err
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// extractCeiling measures extraction on one core and returns the corpus's
// articles for the Redis ceiling.
func extractCeiling(pages [][]byte, pageURLs []string, minDur time.Duration) (perSec float64, arts []*events.Article, err error) {
	arts = make([]*events.Article, len(pages))
	perSec, err = oneCore(pages, minDur, func(i int, page []byte) error {
		a, err := extract.Extract(extract.Input{HTML: page, URL: pageURLs[i], ContentType: contentType})
		if err != nil {
			return fmt.Errorf("extract %s: %w", pageURLs[i], err)
		}
		arts[i] = a
		return nil
	})
	return perSec, arts, err
}

func parseCeiling(pages [][]byte, minDur time.Duration) (float64, error) {
	return oneCore(pages, minDur, func(_ int, page []byte) error {
		_, err := extract.Parse(page, contentType)
		return err
	})
}

// jetStreamCeiling publishes n raw-page messages, encoded as the fetcher
// encodes them (before the clock starts), to a stream configured like
// NEWSFLOW_RAW, and returns messages stored per second.
func jetStreamCeiling(ctx context.Context, nc *nats.Conn, pages [][]byte, itemURL func(i int) string, n int) (float64, error) {
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(256))
	if err != nil {
		return 0, fmt.Errorf("jetstream ceiling: %w", err)
	}
	var cfg jetstream.StreamConfig
	for _, s := range events.DefaultTopology().Streams() {
		if s.Name == events.StreamRaw {
			cfg = s
		}
	}
	cfg.Name, cfg.Subjects, cfg.Description = "BENCH_CEILING_RAW", []string{"bench.ceiling.>"}, "newsflow bench: JetStream ceiling"
	if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
		return 0, fmt.Errorf("jetstream ceiling: %w", err)
	}
	defer func() { _ = js.DeleteStream(context.WithoutCancel(ctx), cfg.Name) }()
	msgs := make([]*nats.Msg, n)
	for i := range n {
		page := events.RawPage{URL: itemURL(i), Status: 200, ContentType: contentType, FetchedAt: time.Now(),
			Body: pages[i%len(pages)]}
		m, err := page.Msg("newsflow/bench")
		if err != nil {
			return 0, fmt.Errorf("jetstream ceiling: %w", err)
		}
		m.Subject = "bench.ceiling." + strconv.Itoa(i%64)
		msgs[i] = m
	}
	runtime.GC()
	start := time.Now()
	futures := make([]jetstream.PubAckFuture, 0, n)
	for _, m := range msgs {
		// A slow server holds the publisher back (256 in flight) rather
		// than failing it: the ceiling is what it stores, not what it refuses.
		f, err := js.PublishMsgAsync(m, jetstream.WithStallWait(time.Minute))
		if err != nil {
			return 0, fmt.Errorf("jetstream ceiling: %w", err)
		}
		futures = append(futures, f)
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(time.Minute):
		return 0, errors.New("jetstream ceiling: acks missing after a minute")
	}
	elapsed := time.Since(start)
	for _, f := range futures {
		select {
		case err := <-f.Err():
			return 0, fmt.Errorf("jetstream ceiling: %w", err)
		default:
		}
	}
	return float64(n) / elapsed.Seconds(), nil
}

// redisCeiling upserts n articles (the corpus's, each under an item URL of
// its own) with the store's model and worker count, and returns writes per
// second.
func redisCeiling(ctx context.Context, rdb redis.UniversalClient, cfg store.Config, arts []*events.Article, itemURL func(i int) string, n int) (float64, error) {
	model := store.NewArticles(rdb, "bench-ceiling:", 30*24*time.Hour)
	if cfg.DuplicateBits > 0 {
		model.MaxDistance = cfg.DuplicateBits
	}
	if cfg.DuplicateMinWords > 0 {
		model.MinWords = cfg.DuplicateMinWords
	}
	now := time.Now().UTC()
	batch := make([]*events.Article, n)
	for i := range n {
		a := *arts[i%len(arts)]
		a.URL = itemURL(i)
		canon, err := urls.Canonical(a.URL)
		if err != nil {
			return 0, fmt.Errorf("redis ceiling: %w", err)
		}
		a.ID, a.Host, a.ParsedAt = events.ArticleID(canon), hostOf(a.URL), &now
		batch[i] = &a
	}
	workers := max(cfg.Workers, 1)
	runtime.GC()
	start := time.Now()
	var next sync.Mutex
	k := 0
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for {
				next.Lock()
				i := k
				k++
				next.Unlock()
				if i >= n || ctx.Err() != nil {
					return
				}
				if _, err := model.Put(ctx, batch[i]); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return 0, fmt.Errorf("redis ceiling: %w", err)
	}
	return float64(n) / elapsed.Seconds(), ctx.Err()
}

func hostOf(u string) string {
	_, rest, _ := strings.Cut(u, "://")
	host, _, _ := strings.Cut(rest, "/")
	return host
}
