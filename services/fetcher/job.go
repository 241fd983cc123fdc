package fetcher

import (
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/newsflow/newsflow/pkg/events"
)

// Job asks one fetcher replica to fetch one article page. Jobs travel on the
// NEWSFLOW_JOBS work-queue stream, so each is taken by exactly one replica
// and survives the death of the one that took it.
type Job struct {
	URL        string    `json:"url"`
	SourceFeed string    `json:"source_feed,omitempty"`
	Title      string    `json:"title,omitempty"`
	Published  time.Time `json:"published,omitzero"`
	Author     string    `json:"author,omitempty"`
	Image      string    `json:"image,omitempty"`
}

func (j Job) msg(source, key string) (*nats.Msg, error) {
	u, err := url.Parse(j.URL)
	if err != nil {
		return nil, fmt.Errorf("job url: %w", err)
	}
	data, err := json.Marshal(j)
	if err != nil {
		return nil, fmt.Errorf("encode job: %w", err)
	}
	m := nats.NewMsg(events.JobSubject(u.Hostname()))
	events.Event{
		ID: "job-" + key, Source: source, Type: events.TypeFetchJob, Time: time.Now(),
		Subject: j.URL, DataContentType: "application/json",
	}.Header(m.Header)
	m.Data = data
	return m, nil
}
