package store

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

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

// BenchmarkPutCopies is BenchmarkPut for a wire service's stories: each
// appears on copies sites, so every write after a story's first finds the
// earlier copies as duplicate candidates. Redis's own figures per write:
// redis-µs/op, the script's time (which the client's ns/op hides behind the
// round trip), and redis-calls/op, the commands the script ran, which
// unlike any time does not vary with the machine's load.
func BenchmarkPutCopies(b *testing.B) {
	for _, copies := range []int{1, 10, 50} {
		b.Run(fmt.Sprintf("copies=%d", copies), func(b *testing.B) {
			rdb, prefix := redistest.Client(b)
			s := NewArticles(rdb, prefix, time.Hour)
			ctx := b.Context()
			arts := make([]*events.Article, b.N)
			for i := range arts {
				story := i / copies
				arts[i] = art(fmt.Sprintf("site%d.example", i%copies), i, base.Add(time.Duration(i)*time.Second),
					withBody(words(fmt.Sprintf("story-%d-", story), 80)), func(a *events.Article) {
						a.Simhash = fmt.Sprintf("%016x", uint64(story)*0x9e3779b97f4a7c15)
					})
			}
			usec0, calls0 := scriptStats(b, rdb)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if _, err := s.Put(ctx, arts[i]); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			usec, calls := scriptStats(b, rdb)
			b.ReportMetric((usec-usec0)/float64(b.N), "redis-µs/op")
			b.ReportMetric((calls-calls0)/float64(b.N), "redis-calls/op")
		})
	}
}

// scriptStats reads INFO commandstats: the time Redis has spent in scripts
// so far, and the commands run other than scripts and INFO (on a server of
// its own, the scripts' commands).
func scriptStats(b *testing.B, rdb redis.UniversalClient) (usec, calls float64) {
	b.Helper()
	info, err := rdb.Info(b.Context(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.Lines(info) {
		name, stats, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		script := name == "cmdstat_evalsha" || name == "cmdstat_eval"
		for kv := range strings.SplitSeq(stats, ",") {
			k, v, _ := strings.Cut(kv, "=")
			f, err := strconv.ParseFloat(v, 64)
			switch {
			case k != "usec" && k != "calls":
			case err != nil:
				b.Fatalf("commandstats %q: %v", line, err)
			case script && k == "usec":
				usec += f
			case !script && name != "cmdstat_info" && k == "calls":
				calls += f
			}
		}
	}
	return usec, calls
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
