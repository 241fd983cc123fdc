package feeds

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzParse: Parse must never panic, must return a feed or a sentinel
// error, and must only ever return absolute http(s) URLs and UTF-8 text.
func FuzzParse(f *testing.F) {
	dir := feedsDir(f)
	if entries, err := os.ReadDir(dir); err == nil {
		for _, e := range entries {
			if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil && len(b) < 64<<10 && e.Name() != "manifest.json" {
				f.Add(b, "https://ex.com/feed")
			}
		}
	}
	for _, s := range []string{rss2, atomDoc, urlset, `{"version":"https://jsonfeed.org/version/1","items":[{"url":"/a"}]}`,
		`<!DOCTYPE x [<!ENTITY a "&b;">]><rss/>`, "<sitemapindex><sitemap>https://ex.com/s</sitemap></sitemapindex>", "https://ex.com/1\n"} {
		f.Add([]byte(s), "")
	}
	f.Fuzz(func(t *testing.T, data []byte, base string) {
		feed, err := Parse(data, base, "")
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("untyped error %v", err)
			}
			if feed != nil {
				t.Fatal("feed and error both returned")
			}
			return
		}
		if !utf8.ValidString(feed.Title) {
			t.Errorf("title not UTF-8: %q", feed.Title)
		}
		for _, it := range feed.Items {
			if (it.URL != "" && !isAbsHTTP(it.URL)) || (it.Image != "" && !isAbsHTTP(it.Image)) {
				t.Errorf("non-absolute URL in %+v", it)
			}
			if !utf8.ValidString(it.Title) || !utf8.ValidString(it.Author) {
				t.Errorf("text not UTF-8: %+v", it)
			}
		}
		for _, u := range feed.Sitemaps {
			if !isAbsHTTP(u) {
				t.Errorf("non-absolute sitemap %q", u)
			}
		}
		_ = Discover(data, base)
	})
}
