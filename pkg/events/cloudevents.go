package events

import (
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
)

// CloudEvents 1.0, binary content mode of the NATS protocol binding: every
// context attribute is a "ce-<name>" header and the message body is the data.
const (
	SpecVersion = "1.0"

	TypePageFetched   = "dev.newsflow.page.fetched.v1"
	TypeArticleParsed = "dev.newsflow.article.parsed.v1"
	TypeFetchJob      = "dev.newsflow.fetch.job.v1"

	// DataSchemaArticle names the JSON Schema committed beside this file.
	DataSchemaArticle = "https://newsflow.dev/schemas/article.v1.schema.json"

	HeaderID              = "ce-id"
	HeaderSource          = "ce-source"
	HeaderType            = "ce-type"
	HeaderSpecVersion     = "ce-specversion"
	HeaderTime            = "ce-time"
	HeaderSubject         = "ce-subject"
	HeaderDataContentType = "ce-datacontenttype"
	HeaderDataSchema      = "ce-dataschema"
	// HeaderTraceparent carries the W3C trace context across NATS hops
	// (written by package obs).
	HeaderTraceparent = "traceparent"
)

// Event holds the CloudEvents attributes of one message.
type Event struct {
	ID              string
	Source          string
	Type            string
	Time            time.Time
	Subject         string
	DataContentType string
	DataSchema      string
}

// Header writes the attributes of e into h. The event id is also the
// Nats-Msg-Id, which makes JetStream drop a republished duplicate.
func (e Event) Header(h nats.Header) {
	h.Set(HeaderSpecVersion, SpecVersion)
	h.Set(HeaderID, e.ID)
	h.Set(HeaderSource, e.Source)
	h.Set(HeaderType, e.Type)
	h.Set(nats.MsgIdHdr, e.ID)
	if !e.Time.IsZero() {
		h.Set(HeaderTime, e.Time.UTC().Format(time.RFC3339Nano))
	}
	if e.Subject != "" {
		h.Set(HeaderSubject, e.Subject)
	}
	if e.DataContentType != "" {
		h.Set(HeaderDataContentType, e.DataContentType)
	}
	if e.DataSchema != "" {
		h.Set(HeaderDataSchema, e.DataSchema)
	}
}

// EventFromHeader reads the CloudEvents attributes of a received message.
func EventFromHeader(h nats.Header) (Event, error) {
	e := Event{
		ID:              h.Get(HeaderID),
		Source:          h.Get(HeaderSource),
		Type:            h.Get(HeaderType),
		Subject:         h.Get(HeaderSubject),
		DataContentType: h.Get(HeaderDataContentType),
		DataSchema:      h.Get(HeaderDataSchema),
	}
	if v := h.Get(HeaderSpecVersion); v != SpecVersion {
		return e, fmt.Errorf("%w: specversion %q", ErrNotCloudEvent, v)
	}
	if e.ID == "" || e.Source == "" || e.Type == "" {
		return e, fmt.Errorf("%w: id, source and type are required", ErrNotCloudEvent)
	}
	if t := h.Get(HeaderTime); t != "" {
		parsed, err := time.Parse(time.RFC3339Nano, t)
		if err != nil {
			return e, fmt.Errorf("%w: time %q: %v", ErrNotCloudEvent, t, err)
		}
		e.Time = parsed
	}
	return e, nil
}
