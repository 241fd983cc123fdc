package pipebench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/newsflow/newsflow/pkg/client"
)

// readers are SSE clients of the store's /v1/stream, as a web page or
// `newsflow tail --api` follows it: duplicates hidden, so every event waits
// for the store's duplicate verdict. Each notes when each item's article
// reached it; less the item's stored time, that is what the stream adds.
type readers struct {
	got   [][]atomic.Int64 // per client, per item: unix ns (0: not seen)
	items map[string]int   // item URL -> item
	last  atomic.Int64     // unix ns of the last event any client received

	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	err    error // the first client that stopped on its own
}

// follow connects n clients to the store at api, from the stream's first
// event (so none is missed however late a client connects), until close.
func follow(ctx context.Context, api string, n int, urls []string) (*readers, error) {
	c, err := client.NewAPI(api, &http.Client{})
	if err != nil {
		return nil, err
	}
	r := &readers{got: make([][]atomic.Int64, n), items: make(map[string]int, len(urls))}
	for i, u := range urls {
		r.items[u] = i
	}
	ctx, r.cancel = context.WithCancel(ctx)
	for k := range n {
		r.got[k] = make([]atomic.Int64, len(urls))
		r.wg.Go(func() {
			err := c.Stream(ctx, client.Query{}, "0", func(_ context.Context, ev *client.StreamEvent) error {
				now := time.Now().UnixNano()
				if i, ok := r.items[ev.Article.URL]; ok {
					r.got[k][i].CompareAndSwap(0, now)
				}
				r.last.Store(now)
				return nil
			})
			if err != nil && ctx.Err() == nil {
				r.mu.Lock()
				r.err = errors.Join(r.err, fmt.Errorf("sse client %d: %w", k, err))
				r.mu.Unlock()
			}
		})
	}
	return r, nil
}

// settle waits until the clients have been quiet for quiet (every item is
// stored by now: what is still coming is the stream catching up), at most
// for limit.
func (r *readers) settle(ctx context.Context, quiet, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) && time.Since(time.Unix(0, r.last.Load())) < quiet {
		select {
		case <-ctx.Done():
			return
		case <-time.After(quiet / 5):
		}
	}
}

// added is, over every client and item in [from, to) that both reached Redis
// and reached the client, the milliseconds from stored to received, and how
// many items a client received on average.
func (r *readers) added(w *watcher, from, to int) (Latency, float64) {
	var lat []float64
	for k := range r.got {
		for i := from; i < to; i++ {
			got, st := r.got[k][i].Load(), w.stored[i].Load()
			if got != 0 && st != 0 {
				lat = append(lat, float64(got-st)/1e6)
			}
		}
	}
	return percentiles(lat), float64(len(lat)) / float64(max(len(r.got), 1))
}

func (r *readers) failed() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

func (r *readers) close() {
	r.cancel()
	r.wg.Wait()
}
