package feeds

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

func isAbsHTTP(s string) bool { return parseAbsHTTP(s) != nil }

// parseAbsHTTP parses s when it is an absolute http(s) URL with a host.
func parseAbsHTTP(s string) *url.URL {
	s = strings.TrimSpace(s)
	if len(s) < len("http://x") || !(hasPrefixFoldStr(s, "http://") || hasPrefixFoldStr(s, "https://")) {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return nil
	}
	u.Scheme = strings.ToLower(u.Scheme)
	return u
}

// resolve returns ref as an absolute http(s) URL, resolved against b, or ""
// when that is impossible (no base for a relative link, mailto:, tag:, ...).
func resolve(b *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	if u := parseAbsHTTP(ref); u != nil {
		return u.String()
	}
	r, err := url.Parse(ref)
	if err != nil || (r.Scheme != "" && r.Scheme != "http" && r.Scheme != "https") {
		return ""
	}
	if b == nil {
		if strings.HasPrefix(ref, "//") {
			// Protocol-relative media URLs are common (//img.vidible.tv/...);
			// every host that serves them also serves https.
			b = &url.URL{Scheme: "https"}
		} else {
			return ""
		}
	}
	u := b.ResolveReference(r)
	if u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return u.String()
}

// firstURL returns the first candidate that resolves to an absolute http(s)
// URL, with Google redirect wrappers removed.
func firstURL(b *url.URL, cands ...string) string {
	for _, c := range cands {
		if u := resolve(b, c); u != "" {
			return unwrapRedirect(u)
		}
	}
	return ""
}

// unwrapRedirect replaces a Google redirect link (Google Alerts and Google
// News wrap every article as https://www.google.com/url?...&url=<article>)
// with the article URL, so dedup and fetching see the publisher's address.
func unwrapRedirect(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Path != "/url" {
		return s
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	if host != "google.com" && !strings.HasPrefix(host, "google.") {
		return s
	}
	q := u.Query()
	for _, k := range []string{"url", "q"} {
		if t := parseAbsHTTP(q.Get(k)); t != nil {
			return t.String()
		}
	}
	return s
}

// cleanText makes a title or name plain text: valid UTF-8, markup removed
// (Atom type="html"/"xhtml" titles, double-escaped RSS titles), entities
// decoded and whitespace collapsed (CDATA padding, line breaks).
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if looksLikeMarkup(s) {
		var b strings.Builder
		z := html.NewTokenizer(strings.NewReader(s))
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				break
			}
			if tt == html.TextToken {
				b.Write(z.Text())
			}
		}
		s = b.String()
	} else if strings.Contains(s, "&") {
		s = html.UnescapeString(s)
	}
	return strings.Join(strings.Fields(s), " ")
}

// looksLikeMarkup reports a "<" that starts a tag ("<b", "</", "<!"), so that
// a plain "a < b" survives.
func looksLikeMarkup(s string) bool {
	for i := strings.IndexByte(s, '<'); i >= 0 && i+1 < len(s); {
		c := s[i+1]
		if c == '/' || c == '!' || (c|0x20 >= 'a' && c|0x20 <= 'z') {
			return strings.IndexByte(s[i:], '>') > 0
		}
		j := strings.IndexByte(s[i+1:], '<')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

func hasPrefixFoldStr(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// firstImg returns the src of the first <img> in the HTML fragments that is
// not a tracking pixel (FeedBurner appends one to every description).
func firstImg(fragments ...string) string {
	for _, frag := range fragments {
		if !strings.Contains(frag, "<img") && !strings.Contains(frag, "<IMG") {
			continue
		}
		z := html.NewTokenizer(strings.NewReader(frag))
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				break
			}
			if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
				continue
			}
			if name, hasAttr := z.TagName(); string(name) != "img" || !hasAttr {
				continue
			}
			a := attrs(z)
			src := strings.TrimSpace(a["src"])
			if src == "" || a["width"] == "1" || a["height"] == "1" || strings.Contains(src, "feedburner.com/~r/") || strings.Contains(src, "feeds.feedblitz.com") {
				continue
			}
			return src
		}
	}
	return ""
}
