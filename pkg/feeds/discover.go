package feeds

import (
	"bytes"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// CommonFeedPaths are paths to try, in order, when a page declares no feed:
// the defaults of WordPress, Ghost, Hugo, Jekyll, Blogger, Drupal, Substack
// and the usual sitemap locations (news sitemaps last, as the least likely).
var CommonFeedPaths = []string{
	"/feed",
	"/rss",
	"/feed/",
	"/rss.xml",
	"/atom.xml",
	"/feed.xml",
	"/index.xml",
	"/feed.json",
	"/rss/",
	"/feeds/posts/default",
	"/index.rss",
	"/sitemap.xml",
	"/sitemap_index.xml",
	"/news-sitemap.xml",
	"/sitemap-news.xml",
}

// feedTypes are the <link type> values that announce a feed.
var feedTypes = map[string]bool{
	"application/rss+xml":   true,
	"application/atom+xml":  true,
	"application/rdf+xml":   true,
	"application/feed+json": true,
	"application/json":      true,
}

// Discover finds feed URLs announced by <link rel="alternate" type=...> in
// an HTML page, resolved against the page's <base href> or else base, in
// document order and without duplicates. It never fails: a page without
// feeds yields nil.
func Discover(page []byte, base string) []string {
	b := pickBase(base)
	var (
		out  []string
		seen = map[string]bool{}
	)
	z := html.NewTokenizer(bytes.NewReader(page))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		if !hasAttr {
			continue
		}
		switch atom.Lookup(name) {
		case atom.Base:
			if href := attrs(z)["href"]; href != "" {
				if u, err := url.Parse(strings.TrimSpace(href)); err == nil {
					if b != nil {
						u = b.ResolveReference(u)
					}
					if u.IsAbs() {
						b = u
					}
				}
			}
		case atom.Link:
			a := attrs(z)
			if !hasToken(a["rel"], "alternate") || !feedTypes[mediaType(a["type"])] {
				continue
			}
			// WordPress announces its REST API as rel=alternate
			// application/json on every page; that is not a JSON Feed.
			if mediaType(a["type"]) == "application/json" && strings.Contains(a["href"], "/wp-json/") {
				continue
			}
			if u := resolve(b, a["href"]); u != "" && !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
	}
}

func attrs(z *html.Tokenizer) map[string]string {
	m := map[string]string{}
	for {
		k, v, more := z.TagAttr()
		key := string(k) // the tokenizer lower-cases attribute names
		if _, dup := m[key]; !dup {
			m[key] = string(v)
		}
		if !more {
			return m
		}
	}
}

func hasToken(list, tok string) bool {
	for _, f := range strings.Fields(list) {
		if strings.EqualFold(f, tok) {
			return true
		}
	}
	return false
}

func mediaType(t string) string {
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	return strings.ToLower(strings.TrimSpace(t))
}
