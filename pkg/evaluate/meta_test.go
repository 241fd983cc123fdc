package evaluate

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestMetaMatchers(t *testing.T) {
	day := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		field, truth string
		a            Article
		want         bool
	}{
		{"title", "Get your Frontend JavaScript Code Covered | Code", Article{Title: "Get your Frontend JavaScript Code Covered"}, true},
		{"title", "This API is so Fetching!", Article{Title: "this api is so fetching"}, true},
		{"title", "A long headline about the harbour reopening after the storm", Article{Title: "Harbour News"}, false},
		{"title", "Harbour reopens", Article{Title: "City Daily — Harbour reopens to ships after a week of storms"}, false},
		{"byline", "By Nicolas Perriault", Article{Authors: []string{"Nicolas Perriault"}}, true},
		{"byline", "Nicolas Perriault", Article{Authors: []string{"Nicolas Perriault", "Jane Roe"}}, false},
		{"byline", "Nicolas Perriault", Article{}, false},
		{"published", "2015-07-10T09:53:00-04:00", Article{Published: day("2015-07-10T09:53:00-04:00")}, true},
		{"published", "2024-06-25", Article{Published: day("2024-06-25T23:30:00+02:00")}, true},
		{"published", "2024-06-25", Article{Published: day("2024-06-26T00:30:00+02:00")}, false},
		{"language", "en-US", Article{Language: "en"}, true},
		{"language", "pt_BR", Article{Language: "pt-BR"}, true},
		{"language", "en", Article{Language: "fr"}, false},
	}
	for _, c := range cases {
		var tally metaTally
		tally.add(metaOf(c.field, c.truth), c.a)
		scores := tally.scores()
		if len(scores) != 1 || scores[0].Field != c.field {
			t.Fatalf("%s %q: scores %+v", c.field, c.truth, scores)
		}
		if got := scores[0].Matched == 1; got != c.want {
			t.Errorf("%s: truth %q, prediction %+v: match %v, want %v", c.field, c.truth, c.a, got, c.want)
		}
	}
}

func metaOf(field, v string) Meta {
	switch field {
	case "title":
		return Meta{Title: v}
	case "byline":
		return Meta{Byline: v}
	case "published":
		return Meta{Published: v}
	}
	return Meta{Language: v}
}

func TestDiscoverAndMacro(t *testing.T) {
	root := t.TempDir()
	for _, name := range []string{"b", "a", "not-a-corpus"} {
		dir := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Join(dir, "html"), 0o755); err != nil {
			t.Fatal(err)
		}
		if name != "not-a-corpus" {
			if err := os.WriteFile(filepath.Join(dir, "ground-truth.json"), []byte(`{}`), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := Discover(root)
	if err != nil || len(got) != 2 || filepath.Base(got[0]) != "a" || filepath.Base(got[1]) != "b" {
		t.Errorf("Discover(root) = %v, %v; want a and b", got, err)
	}
	if got, err := Discover(filepath.Join(root, "a")); err != nil || len(got) != 1 {
		t.Errorf("Discover(corpus) = %v, %v; want itself", got, err)
	}
	if _, err := Discover(filepath.Join(root, "not-a-corpus")); err == nil {
		t.Error("Discover of a directory without corpora succeeded")
	}
	m := Macro([]Report{{F1: 0.9, Precision: 1, Recall: 0.8, Empty: 1}, {F1: 0.7, Precision: 0.6, Recall: 0.8, Empty: 2}})
	if m.F1 != 0.8 || m.Precision != 0.8 || m.Recall != 0.8 || m.Empty != 3 {
		t.Errorf("Macro = %+v", m)
	}
	if s := Score("some words of a true body here", ""); !s.Empty {
		t.Error("an empty prediction of a real body is not counted as empty")
	}
}
