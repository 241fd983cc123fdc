package fetcher

import (
	"bytes"
	"net/url"
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsflow/newsflow/pkg/feeds"
)

// articleLinks finds the links of a section page that look like articles:
// same host, a path of some depth whose last segment is a slug or an id,
// and anchor text of a few words. It is the fallback for sites with no feed.
func articleLinks(page []byte, base string) []feeds.Item {
	bu, err := url.Parse(base)
	if err != nil {
		return nil
	}
	z := html.NewTokenizer(bytes.NewReader(page))
	var out []feeds.Item
	seen := map[string]bool{}
	var href string
	var text strings.Builder
	inA := false
	for len(out) < 200 {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.StartTagToken:
			name, hasAttr := z.TagName()
			if atom.Lookup(name) != atom.A {
				continue
			}
			inA, href = true, ""
			text.Reset()
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				if string(k) == "href" {
					href = string(v)
				}
			}
		case html.TextToken:
			if inA && text.Len() < 300 {
				text.Write(z.Text())
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if atom.Lookup(name) != atom.A || !inA {
				continue
			}
			inA = false
			u, err := bu.Parse(strings.TrimSpace(href))
			if err != nil || u.Host != bu.Host || (u.Scheme != "http" && u.Scheme != "https") {
				continue
			}
			u.Fragment = ""
			title := strings.Join(strings.Fields(text.String()), " ")
			if !looksLikeArticle(u.Path, title) || seen[u.String()] {
				continue
			}
			seen[u.String()] = true
			out = append(out, feeds.Item{URL: u.String(), Title: title})
		}
	}
	return out
}

func looksLikeArticle(path, title string) bool {
	if len(strings.Fields(title)) < 4 {
		return false
	}
	segs := strings.FieldsFunc(path, func(r rune) bool { return r == '/' })
	if len(segs) == 0 {
		return false
	}
	last := strings.ToLower(segs[len(segs)-1])
	for _, ext := range []string{".jpg", ".png", ".gif", ".pdf", ".zip", ".mp3", ".mp4", ".xml", ".css", ".js"} {
		if strings.HasSuffix(last, ext) {
			return false
		}
	}
	digits, dashes := 0, strings.Count(last, "-")+strings.Count(last, "_")
	for _, r := range path {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	return dashes >= 3 || digits >= 5 || (len(segs) >= 3 && dashes >= 2)
}
