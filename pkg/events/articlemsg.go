package events

import (
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go"
)

// Msg encodes a as an article.parsed message, validated against the schema:
// no event leaves newsflow that the contract does not allow. This is the
// one validation an article gets: the event says so (Validated) and its
// consumers trust it rather than validate it again each.
func (a *Article) Msg(source string) (*nats.Msg, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	data, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("encode article %s: %w", a.URL, err)
	}
	m := nats.NewMsg(ArticleSubject(a.Host))
	// The event id names this version of the article: everything but the
	// fetch and parse times. A redelivered parse of the same page is dropped
	// by JetStream; a corrected headline or body is a new event.
	id := a.ID + "-" + articleVersion(a, data)
	ev := Event{
		ID:              id,
		Source:          source,
		Type:            TypeArticleParsed,
		Subject:         a.ID,
		DataContentType: "application/json",
		DataSchema:      DataSchemaArticle,
	}
	if a.ParsedAt != nil {
		ev.Time = *a.ParsedAt
	}
	ev.Header(m.Header)
	m.Data = data
	return m, nil
}

// Validated says whether a message carries Msg's promise: an
// article.parsed v1 event naming the Article v1 schema, which its producer
// validated against. Consumers validate only events without it (a message
// published by hand). The promise is as good as the publish permissions on
// the article subjects, which should belong to the parser alone.
func Validated(h nats.Header) bool {
	return h.Get(HeaderType) == TypeArticleParsed && h.Get(HeaderDataSchema) == DataSchemaArticle
}

// DecodeArticle reads an article.parsed message body.
func DecodeArticle(data []byte) (*Article, error) {
	var a Article
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if a.ID == "" || a.URL == "" {
		return nil, fmt.Errorf("%w: id and url are required", ErrInvalid)
	}
	if a.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("%w: schema_version %d, want %d", ErrInvalid, a.SchemaVersion, SchemaVersion)
	}
	return &a, nil
}
