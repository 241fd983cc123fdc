package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/newsflow/newsflow/internal/redistest"
	"github.com/newsflow/newsflow/pkg/events"
)

// BenchmarkPut is one new article per op: record, index sets, lookups,
// simhash bands and the duplicate search, in one script. It is the store's
// write path and Redis's ceiling for it (bench --pipeline measures the same
// on the corpus's articles, with the store's workers).
func BenchmarkPut(b *testing.B) {
	rdb, prefix := redistest.Client(b)
	s := NewArticles(rdb, prefix, time.Hour)
	ctx := b.Context()
	arts := make([]*events.Article, b.N)
	for i := range arts {
		arts[i] = art(fmt.Sprintf("site%d.example", i%50), i, base.Add(time.Duration(i)*time.Second), func(a *events.Article) {
			a.Authors, a.Tags = []string{"Ann Lee", fmt.Sprintf("Writer %d", i%200)}, []string{"world", fmt.Sprintf("t%d", i%30)}
		})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.Put(ctx, arts[i]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkList is one page of 20 from 5,000 articles, unfiltered and with
// a filter that the index cannot answer alone.
func BenchmarkList(b *testing.B) {
	rdb, prefix := redistest.Client(b)
	s := NewArticles(rdb, prefix, time.Hour)
	ctx := b.Context()
	for i := range 5000 {
		a := art(fmt.Sprintf("site%d.example", i%10), i, base.Add(time.Duration(i)*time.Second), func(a *events.Article) {
			if i%2 == 0 {
				a.Language = "de"
			}
		})
		if _, err := s.Put(ctx, a); err != nil {
			b.Fatal(err)
		}
	}
	for _, bc := range []struct {
		name string
		f    Filter
	}{{"all", Filter{}}, {"site+language", Filter{Site: "site3_example", Language: "en"}}, {"q", Filter{Q: "story 49"}}} {
		b.Run(bc.name, func(b *testing.B) {
			for range b.N {
				if _, err := s.List(ctx, bc.f, 20, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStreamLiveEvent is one new article per op, from its publish
// until every one of the clients following /v1/stream (duplicates hidden)
// has it: the store's write, the duplicate verdict it announces, and the
// fan-out. redis-lookups/op counts the verdicts streams had to ask Redis
// for (0 when every one is heard, whatever the number of clients), and
// consumers those on NEWSFLOW_ARTICLES while the clients follow (the
// store's own and the live feed's, whatever the number of clients).
func BenchmarkStreamLiveEvent(b *testing.B) {
	for _, clients := range []int{1, 20} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			natsURL, js := natsServer(b)
			rdb, prefix := redistest.Client(b)
			st := runStore(b, natsURL, rdb, Config{Prefix: prefix, TTL: time.Hour})
			cs := make([]*sseClient, clients)
			for i := range cs {
				cs[i] = openStream(b, st.api+"/v1/stream", "")
			}
			arts := make([]*events.Article, b.N)
			for i := range arts {
				arts[i] = art(fmt.Sprintf("site%d.example", i%50), i, base.Add(time.Duration(i)*time.Second))
			}
			redis0 := testutil.ToFloat64(sseVerdicts.WithLabelValues("redis"))
			b.ResetTimer()
			for _, a := range arts {
				publish(b, js, a)
				for _, c := range cs {
					if _, got := c.article(b); got.ID != a.ID {
						b.Fatalf("got %s, want %s", got.Title, a.Title)
					}
				}
			}
			b.StopTimer()
			b.ReportMetric((testutil.ToFloat64(sseVerdicts.WithLabelValues("redis"))-redis0)/float64(b.N), "redis-lookups/op")
			b.ReportMetric(float64(consumerCount(b, js)), "consumers")
		})
	}
}
