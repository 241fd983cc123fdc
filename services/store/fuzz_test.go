package store

import (
	"net/url"
	"strings"
	"testing"
)

// Cursors come from clients: any string either decodes to a position that
// encodes back to itself or is ErrBadCursor, never a panic.
func FuzzParseCursor(f *testing.F) {
	for _, s := range []string{"", "MTIzOmFiYw", cursor{score: -5, id: "x"}.String(), "!!", "MTIzOg", "OjE"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCursor(s)
		if err != nil {
			return
		}
		if back, err := parseCursor(c.String()); err != nil || back != c {
			t.Errorf("cursor %q → %+v → %q → %+v, %v", s, c, c.String(), back, err)
		}
	})
}

// Any query either parses or fails naming one of the parameters.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"site=a.com&language=en", "since=2024-01-01T00:00:00Z&until=2023-01-01T00:00:00Z",
		"lang=pt_BR", "author=%00x&tag=a%1fb", "include_duplicates=1", "q=%E2%80%AE"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		flt, err := ParseFilter(q)
		if err != nil {
			name, _, _ := strings.Cut(err.Error(), ":")
			if !q.Has(name) {
				t.Errorf("query %q: error %q names no parameter of it", raw, err)
			}
			return
		}
		if strings.ContainsAny(flt.Author+flt.Tag, sep) {
			t.Errorf("query %q: a name keeps the list separator", raw)
		}
	})
}
