package store

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/redistest"
	"github.com/newsflow/newsflow/pkg/events"
)

// Concurrent writers racing versions of the same articles leave exactly the
// newest version of each, and every index set names exactly the articles
// whose stored version belongs in it.
func TestIndexesStayExactUnderConcurrentVersions(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	s := NewArticles(rdb, prefix, time.Hour)
	ctx := t.Context()
	const ids, writers, writes = 30, 4, 300
	langs := []string{"en", "en-GB", "de", "fr", ""}
	people := []string{"Ann Lee", "Bo Both", "Cy Dee", "Di Eve"}
	topics := []string{"politics", "economy", "sport", "world"}

	type version struct{ mod, parsed int64 }
	var mu sync.Mutex
	newest := map[string]version{}
	titleOf := map[string]string{}
	var seq atomic.Int64
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 42))
			for range writes {
				n := r.IntN(ids)
				parsed := base.Add(time.Duration(seq.Add(1)) * time.Millisecond) // unique: no ties
				mod := base.Add(time.Duration(r.IntN(5)) * time.Hour)
				title := fmt.Sprintf("v%d", parsed.UnixMilli())
				a := art(fmt.Sprintf("site%d.example", n%3), n, base.Add(time.Duration(n)*time.Minute),
					withBody(words(title, 60)), func(a *events.Article) {
						a.Title, a.ModifiedAt, a.ParsedAt = title, &mod, &parsed
						a.Language = langs[r.IntN(len(langs))]
						a.Authors = []string{people[r.IntN(len(people))], people[r.IntN(len(people))]}
						a.Tags = []string{topics[r.IntN(len(topics))]}
					})
				if _, err := s.Put(ctx, a); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				v := version{mod.UnixMilli(), parsed.UnixMilli()}
				if old, ok := newest[a.ID]; !ok || v.mod > old.mod || (v.mod == old.mod && v.parsed > old.parsed) {
					newest[a.ID], titleOf[a.ID] = v, title
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	// Every record is the newest version written.
	want := map[string][]string{} // index set -> ids, from the stored records
	for id, title := range titleOf {
		st, err := s.Get(ctx, id)
		if err != nil {
			t.Fatalf("article %s: %v", id, err)
		}
		a := decode(t, st.JSON)
		if a.Title != title {
			t.Errorf("article %s holds %s, want the newest version %s", id, a.Title, title)
		}
		f := fieldsOf(&a)
		keys := []string{s.allKey(), s.siteKey(f.site)}
		if f.lang != "" {
			keys = append(keys, s.langKey(f.lang))
		}
		for _, n := range f.authors {
			keys = append(keys, s.authorKey(n))
		}
		for _, n := range f.tags {
			keys = append(keys, s.tagKey(n))
		}
		for _, k := range keys {
			want[strings.TrimPrefix(k, prefix)] = append(want[strings.TrimPrefix(k, prefix)], id)
		}
	}
	// Every index set holds exactly those: nothing stale from older versions.
	got := members(t, rdb, prefix)
	for key, ids := range got {
		if !strings.HasPrefix(key, "i:") {
			continue
		}
		slices.Sort(ids)
		w := want[key]
		slices.Sort(w)
		if !slices.Equal(ids, w) {
			t.Errorf("%s holds %d ids, want %d (%v vs %v)", key, len(ids), len(w), ids, w)
		}
		delete(want, key)
	}
	for key := range want {
		t.Errorf("index set %s missing", key)
	}
}
