package store

import (
	"bytes"
	"encoding/json"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/events"
)

// streamed is what the streams need of one event, decoded and validated
// once per store process for all its clients rather than once per client
// (decoding was most of a stream's CPU).
type streamed struct {
	once     sync.Once
	ok       bool // an Article v1: the store dead-letters anything else, a reader has nothing to show
	fields   fields
	id, hash string
	modified int64  // modified_at, unix ms
	data     []byte // the document compacted, when the event's holds newlines; nil: the event's own
}

// The clients of one store follow the live stream within a few events of
// each other; one further behind decodes again for itself.
const streamedKept = 1024

// streamCache holds the recent events' streamed forms.
type streamCache struct {
	mu sync.Mutex
	r  *recent[*streamed]
}

func newStreamCache(n int) *streamCache { return &streamCache{r: newRecent[*streamed](n)} }

// entry returns k's streamed form, decoded or not yet: a live feed's event
// holds on to its form while it waits in its clients' buffers.
func (c *streamCache) entry(k eventKey) *streamed {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.r.get(k)
	if !ok {
		e = &streamed{}
		c.r.put(k, e)
	}
	return e
}

// of returns e decoded from m, decoding it if no client has yet; clients
// asking at once wait for the one decoding.
func (e *streamed) of(m jetstream.Msg) *streamed {
	e.once.Do(func() { e.decode(m) })
	return e
}

// from gives e the streamed form of a, an article the store has decoded
// and checked from data: its streams need not decode it again.
func (e *streamed) from(a *events.Article, data []byte) {
	e.once.Do(func() { e.fill(a, data) })
}

func (e *streamed) decode(m jetstream.Msg) {
	sseDecodes.Inc()
	a, err := events.DecodeArticle(m.Data())
	if err != nil || (!events.Validated(m.Headers()) && events.ValidateArticleJSON(m.Data()) != nil) {
		return
	}
	e.fill(a, m.Data())
}

func (e *streamed) fill(a *events.Article, data []byte) {
	if bytes.ContainsAny(data, "\r\n") {
		// A data line ends at a newline: an indented document must be compacted.
		var buf bytes.Buffer
		if err := json.Compact(&buf, data); err != nil {
			return
		}
		e.data = buf.Bytes()
	}
	e.hash = a.ContentHash
	if e.hash == "" {
		e.hash = events.ContentHash([]byte(a.BodyText))
	}
	e.fields, e.id, e.modified, e.ok = fieldsOf(a), a.ID, millis(a.ModifiedAt), true
}
