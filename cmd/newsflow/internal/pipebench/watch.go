package pipebench

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/newsflow/newsflow/pkg/events"
)

// watcher notes when each item's article reaches Redis. The store's upsert
// script SETs the article's URL key in the same atomic step that writes the
// record, and Redis announces every SET on a keyevent channel: the time of
// that message is the item's "stored" time, taken from Redis itself rather
// than from anything inside the store.
type watcher struct {
	stored []atomic.Int64 // unix ns, 0: not yet
	items  map[string]int // URL key -> item
	ps     *redis.PubSub
	done   chan struct{}
}

func watch(ctx context.Context, rdb redis.UniversalClient, prefix string, urls []string) (*watcher, error) {
	w := &watcher{stored: make([]atomic.Int64, len(urls)), items: make(map[string]int, len(urls)), done: make(chan struct{})}
	for i, u := range urls {
		w.items[prefix+"u:"+events.ArticleID(u)] = i
	}
	w.ps = rdb.Subscribe(ctx, "__keyevent@0__:set")
	if _, err := w.ps.Receive(ctx); err != nil {
		w.ps.Close()
		return nil, fmt.Errorf("subscribe to redis notifications: %w", err)
	}
	ch := w.ps.Channel(redis.WithChannelSize(1 << 16))
	go func() {
		defer close(w.done)
		for m := range ch {
			if i, ok := w.items[m.Payload]; ok {
				w.stored[i].CompareAndSwap(0, time.Now().UnixNano())
			}
		}
	}()
	return w, nil
}

// count is how many of items [from, to) are stored, and the last store time.
func (w *watcher) count(from, to int) (n int, last int64) {
	for i := from; i < to; i++ {
		if t := w.stored[i].Load(); t != 0 {
			n++
			last = max(last, t)
		}
	}
	return n, last
}

func (w *watcher) close() {
	w.ps.Close()
	<-w.done
}
