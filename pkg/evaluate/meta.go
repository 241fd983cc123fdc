package evaluate

import (
	"slices"
	"strings"
	"time"

	"github.com/newsflow/newsflow/pkg/events"
)

// Meta is the metadata a corpus's ground truth may give besides the body
// (Readability's test suite does; the extraction benchmark does not).
type Meta struct {
	Title     string `json:"title"`
	Byline    string `json:"byline"`
	Published string `json:"published"` // RFC 3339 or a prefix of it
	Language  string `json:"language"`
}

// Article is what an extractor found on a page.
type Article struct {
	Body      string
	Title     string
	Authors   []string
	Published time.Time // zero: none found
	Language  string
}

// ArticleFunc extracts the body and metadata of one page.
type ArticleFunc func(html []byte, url string) (Article, error)

// MetaScore scores one metadata field over the pages whose ground truth
// gives it.
type MetaScore struct {
	Field   string
	Pages   int // pages whose ground truth has the field
	Found   int // of those, pages where the extractor gave a value
	Matched int // of those, pages where the value matches
}

// Correct is the share of pages whose value matches.
func (m MetaScore) Correct() float64 { return share(m.Matched, m.Pages) }

// Coverage is the share of pages where the extractor gave a value.
func (m MetaScore) Coverage() float64 { return share(m.Found, m.Pages) }

func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// The fields, in report order, with how a prediction is read and judged.
// The judgments are lenient where ground truths differ in form, not substance:
// a title with or without the site name, a byline with "By", a date in
// another notation.
var metaFields = []struct {
	name  string
	truth func(Meta) string
	found func(Article) bool
	match func(truth string, a Article) bool
}{
	{"title", func(m Meta) string { return m.Title }, func(a Article) bool { return a.Title != "" }, titleMatches},
	{"byline", func(m Meta) string { return m.Byline }, func(a Article) bool { return len(a.Authors) > 0 }, bylineMatches},
	{"published", func(m Meta) string { return m.Published }, func(a Article) bool { return !a.Published.IsZero() }, dateMatches},
	{"language", func(m Meta) string { return m.Language }, func(a Article) bool { return a.Language != "" }, languageMatches},
}

type metaTally [4]MetaScore

func (t *metaTally) add(truth Meta, a Article) {
	for i, f := range metaFields {
		want := strings.TrimSpace(f.truth(truth))
		if want == "" {
			continue
		}
		t[i].Pages++
		if f.found(a) {
			t[i].Found++
			if f.match(want, a) {
				t[i].Matched++
			}
		}
	}
}

func (t *metaTally) scores() []MetaScore {
	var out []MetaScore
	for i, f := range metaFields {
		if t[i].Pages > 0 {
			s := t[i]
			s.Field = f.name
			out = append(out, s)
		}
	}
	return out
}

func lowerTokens(s string) []string { return Tokenize(strings.ToLower(s)) }

// titleMatches: the same words, or one title a contiguous part of the other
// that covers at least 60% of it (a site name added or left out).
func titleMatches(truth string, a Article) bool {
	t, p := lowerTokens(truth), lowerTokens(a.Title)
	if len(t) == 0 || len(p) == 0 {
		return false
	}
	short, long := t, p
	if len(short) > len(long) {
		short, long = long, short
	}
	if 5*len(short) < 3*len(long) {
		return false
	}
	for i := 0; i+len(short) <= len(long); i++ {
		if slices.Equal(long[i:i+len(short)], short) {
			return true
		}
	}
	return false
}

// bylineMatches: every word of every predicted author is in the byline.
func bylineMatches(truth string, a Article) bool {
	words := map[string]bool{}
	for _, w := range lowerTokens(truth) {
		words[w] = true
	}
	named := false
	for _, author := range a.Authors {
		for _, w := range lowerTokens(author) {
			if !words[w] {
				return false
			}
			named = true
		}
	}
	return named
}

// dateMatches: the same calendar day, each in its own offset.
func dateMatches(truth string, a Article) bool {
	return len(truth) >= 10 && truth[:10] == a.Published.Format(time.DateOnly)
}

// languageMatches: the same primary language subtag.
func languageMatches(truth string, a Article) bool {
	primary := func(s string) string {
		s, _, _ = strings.Cut(strings.ToLower(strings.TrimSpace(s)), "-")
		s, _, _ = strings.Cut(s, "_")
		return s
	}
	return primary(truth) == primary(a.Language)
}

// ArticleOf is what an Article v1 document says, for scoring.
func ArticleOf(a *events.Article) Article {
	out := Article{Body: a.BodyText, Title: a.Title, Authors: a.Authors, Language: a.Language}
	if a.PublishedAt != nil {
		out.Published = *a.PublishedAt
	}
	return out
}
