package client

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/newsflow/newsflow/pkg/backoff"
	"github.com/newsflow/newsflow/pkg/events"
)

// StreamEvent is one article of the store's live stream.
type StreamEvent struct {
	ID      string // the stream sequence: give it to Stream as lastEventID to resume after it
	Article *events.Article
	Data    []byte // the Article v1 JSON
}

// Stream follows the store's GET /v1/stream with q's filters (Limit and
// Cursor do not apply) and calls h for each article in order, until ctx
// ends (it returns nil) or h fails (it returns h's error). A dropped
// connection, a store restart or a 5xx answer are retried with backoff from
// the last event seen, so nothing is missed; a 4xx answer is returned (and,
// with FailFast, a first connection that fails).
// lastEventID "" starts with new articles, "0" with the oldest one retained.
func (c *API) Stream(ctx context.Context, q Query, lastEventID string, h func(ctx context.Context, ev *StreamEvent) error, opts ...StreamOption) error {
	var o streamOptions
	for _, opt := range opts {
		opt(&o)
	}
	q.Limit, q.Cursor, q.Summary = 0, "", false
	u := *c.base
	u.Path += "/v1/stream"
	u.RawQuery = q.values().Encode()
	hc := *c.hc
	hc.Timeout = 0 // a stream has no end; ctx ends it
	attempt := 0
	connected := false
	for {
		got, err := c.streamOnce(ctx, &hc, u.String(), &lastEventID, &connected, h, &o)
		var apiErr *APIError
		var hErr handlerError
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.As(err, &hErr):
			return hErr.err
		case errors.As(err, &apiErr) && apiErr.Status < 500:
			return err
		case o.failFast && !connected:
			return err
		}
		if got {
			attempt = 0
		}
		wait := reconnectBackoff.Delay(attempt)
		attempt++
		if o.onRetry != nil {
			o.onRetry(err, wait)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// reconnectBackoff spaces Stream's reconnections; jittered, so the clients
// a store restart dropped do not all come back at the same instant.
var reconnectBackoff = backoff.Policy{Base: time.Second, Max: 30 * time.Second}

// StreamOption configures Stream.
type StreamOption func(*streamOptions)

type streamOptions struct {
	onRetry  func(err error, wait time.Duration)
	onReset  func(lastEventID, position string)
	failFast bool
}

// OnReset is called when the store could not resume after lastEventID,
// because it is past the end of NEWSFLOW_ARTICLES (the stream was deleted and
// provisioned again, its sequences starting over), and went on from
// position, the live end, instead: the stream goes on, but whatever the new
// stream held up to position was not sent.
func OnReset(f func(lastEventID, position string)) StreamOption {
	return func(o *streamOptions) { o.onReset = f }
}

// FailFast makes Stream return the error of its first connection instead
// of retrying it: a wrong address is reported to whoever is waiting. Once
// the stream has been reached, drops are retried as usual.
func FailFast() StreamOption {
	return func(o *streamOptions) { o.failFast = true }
}

// OnRetry is called with the reason each time Stream is about to reconnect.
func OnRetry(f func(err error, wait time.Duration)) StreamOption {
	return func(o *streamOptions) { o.onRetry = f }
}

type handlerError struct{ err error }

func (e handlerError) Error() string { return e.err.Error() }

// streamOnce reads one connection; it reports whether any event came, and
// sets *connected once the stream answers.
func (c *API) streamOnce(ctx context.Context, hc *http.Client, u string, lastEventID *string, connected *bool,
	h func(context.Context, *StreamEvent) error, o *streamOptions) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return false, fmt.Errorf("newsflow stream: %w", err)
	}
	req.Header.Set("Accept", "text/event-stream")
	if *lastEventID != "" {
		req.Header.Set("Last-Event-ID", *lastEventID)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return false, fmt.Errorf("newsflow stream: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		e := &APIError{Status: resp.StatusCode, Message: strings.TrimSpace(string(body))}
		_ = jsonUnmarshal(body, e)
		e.Status = resp.StatusCode
		return false, e
	}
	*connected = true
	br := bufio.NewReaderSize(resp.Body, 64<<10)
	got := false
	var id, event string
	var data strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return got, fmt.Errorf("newsflow stream: %w", err) // EOF too: the store went, reconnect
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" { // end of one event
			if event == "article" && data.Len() > 0 {
				// An event this client cannot read (a newer schema, say) is
				// passed over, not retried: reconnecting would bring it back
				// for ever. The position below still moves past it.
				if a, err := events.DecodeArticle([]byte(data.String())); err == nil {
					if err := h(ctx, &StreamEvent{ID: id, Article: a, Data: []byte(data.String())}); err != nil {
						return got, handlerError{err}
					}
					got = true
				}
			}
			if event == "reset" && o.onReset != nil {
				var r struct {
					LastEventID uint64 `json:"last_event_id"`
					Position    uint64 `json:"position"`
				}
				if jsonUnmarshal([]byte(data.String()), &r) == nil {
					o.onReset(strconv.FormatUint(r.LastEventID, 10), strconv.FormatUint(r.Position, 10))
				}
			}
			if id != "" {
				// An id without an article moves the position too: the store
				// sends one for events this filter left out.
				*lastEventID = id
			}
			event, id = "", ""
			data.Reset()
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue // a comment: the heartbeat
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			event = value
		case "id":
			id = value
		case "data":
			if data.Len() > 0 {
				data.WriteByte('\n')
			}
			data.WriteString(value)
		}
	}
}
