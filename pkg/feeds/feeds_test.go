package feeds

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/newsflow/newsflow/internal/fixtures"
)

// feedsDir is the feed fixtures in the repository's testdata.
func feedsDir(t testing.TB) string { return fixtures.Path(t, "feeds") }

type manifestEntry struct {
	Format        string `json:"format"`
	ExpectedCount *int   `json:"expected_item_count"`
	Notes         string `json:"notes"`
}

func loadManifest(t testing.TB) (string, map[string]manifestEntry) {
	t.Helper()
	dir := feedsDir(t)
	raw := fixtures.Read(t, "feeds", "manifest.json")
	var m map[string]manifestEntry
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	if len(m) == 0 {
		t.Fatal("manifest lists no files")
	}
	return dir, m
}

// feedURLs are where the fixtures were fetched from, where the manifest notes
// say so; relative links must resolve against them.
var feedURLs = map[string]string{
	"atom_github_releases_relative_links.xml": "https://github.com/gulpjs/gulp/releases.atom",
	"atom_samruby_relative_links.xml":         "http://intertwingly.net/blog/index.atom",
}

// skippedEntries are the manifest's entries that have no link, guid or id
// at all; Parse keeps them in Items with an empty URL and counts them in Skipped.
var skippedEntries = map[string]int{
	"edge_bogus_encoding_name.xml":       1, // <entry><title>Café</title></entry>
	"edge_wrong_declared_encoding.xml":   1, // same
	"edge_no_decl_latin1_cercle_psy.xml": 1, // <item> with empty title and link
}

var wantKind = map[string]Kind{
	"rss2.0": KindRSS, "rss0.92": KindRSS, "rss0.90": KindRSS, "rss1.0": KindRSS,
	"atom1.0": KindAtom, "jsonfeed1.0": KindJSON, "jsonfeed1.1": KindJSON,
	"sitemap-news": KindSitemap, "sitemap-urlset": KindSitemap, "sitemap-index": KindSitemapIndex,
}

// TestManifest is the acceptance test: every file in the shared data set
// parses to exactly the manifest's count, or fails with a typed error where
// the manifest expects failure.
func TestManifest(t *testing.T) {
	dir, manifest := loadManifest(t)
	names := make([]string, 0, len(manifest))
	for n := range manifest {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		want := manifest[name]
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			f, err := Parse(data, feedURLs[name], "")
			if want.ExpectedCount == nil {
				if err == nil {
					t.Fatalf("want a typed error (%s), got %d items", want.Notes, len(f.Items))
				}
				if !isSentinel(err) {
					t.Fatalf("error %v is none of the sentinels", err)
				}
				t.Logf("%s: %v", name, err)
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if k, ok := wantKind[want.Format]; ok && f.Kind != k {
				t.Errorf("Kind = %q, want %q", f.Kind, k)
			}
			got := len(f.Items)
			if f.Kind == KindSitemapIndex {
				got = len(f.Sitemaps)
				if len(f.Items) != 0 {
					t.Errorf("sitemap index has %d items, want none", len(f.Items))
				}
			}
			if f.Partial {
				t.Errorf("complete document reported as Partial")
			}
			if f.Skipped != skippedEntries[name] {
				t.Errorf("Skipped = %d, want %d", f.Skipped, skippedEntries[name])
			}
			if got != *want.ExpectedCount {
				t.Errorf("%d entries (%d without URL), manifest expects %d", got, f.Skipped, *want.ExpectedCount)
			}
			if !utf8.ValidString(f.Title) || strings.ContainsRune(f.Title, utf8.RuneError) {
				t.Errorf("feed title %q is not clean UTF-8", f.Title)
			}
			noURL := 0
			for i, it := range f.Items {
				if it.URL == "" {
					noURL++
				} else if !isAbsHTTP(it.URL) {
					t.Errorf("item %d: URL %q is not absolute http(s)", i, it.URL)
				}
				if it.Image != "" && !isAbsHTTP(it.Image) {
					t.Errorf("item %d: image %q is not absolute http(s)", i, it.Image)
				}
				for _, s := range []string{it.Title, it.Author} {
					if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
						t.Errorf("item %d: %q is not clean UTF-8", i, s)
					}
				}
			}
			if noURL != f.Skipped {
				t.Errorf("%d items without URL, Skipped says %d", noURL, f.Skipped)
			}
			for _, u := range f.Sitemaps {
				if !isAbsHTTP(u) {
					t.Errorf("sitemap URL %q is not absolute http(s)", u)
				}
			}
			t.Logf("%s: kind=%s items=%d sitemaps=%d skipped=%d ttl=%v", name, f.Kind, len(f.Items), len(f.Sitemaps), f.Skipped, f.TTL)
		})
	}
}

func isSentinel(err error) bool {
	for _, s := range []error{ErrEmpty, ErrNotFeed, ErrMalformed, ErrEntityExpansion, ErrTooLarge} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func parseFixture(t *testing.T, name string) *Feed {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(feedsDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(data, feedURLs[name], "")
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return f
}
