package feeds

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// sitemapEntry collects one <url> or <sitemap> element.
type sitemapEntry struct {
	loc, title, published, lastmod, image string
	bare                                  strings.Builder
}

// maxBareText bounds the text kept from directly inside <url>/<sitemap>:
// a URL fits, and a hostile document cannot make each entry hold megabytes.
const maxBareText = 8 << 10

// walkSitemap streams the document with encoding/xml (gofeed has no sitemap
// support) and calls emit for every child of the root named entryName.
// Elements are matched by local name and parent, not namespace: generators
// get the news:/image: namespace URIs wrong often enough, and the parent
// already tells <image:loc> from the page's <loc>.
//
// A document that breaks off mid-way keeps the entries completed before the
// break; only a document with no complete entry is ErrMalformed.
func walkSitemap(doc []byte, entryName string, emit func(*sitemapEntry)) (partial bool, err error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	var (
		stack   []string
		cur     *sitemapEntry
		text    strings.Builder
		emitted int
	)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			// An entry still open here means the document was cut short.
			if cur != nil && emitted == 0 {
				return false, fmt.Errorf("sitemap: %w: ends inside the first <%s>", ErrMalformed, entryName)
			}
			return cur != nil, nil
		}
		if err != nil {
			if emitted > 0 {
				return true, nil
			}
			return false, fmt.Errorf("sitemap: %w: %w", ErrMalformed, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			stack = append(stack, name)
			if len(stack) == 2 && name == entryName {
				cur = &sitemapEntry{}
			}
			text.Reset()
		case xml.CharData:
			if cur == nil {
				continue
			}
			if len(stack) == 2 {
				// Text directly inside <url>/<sitemap>: some generators omit <loc>.
				if cur.bare.Len()+len(t) <= maxBareText {
					cur.bare.Write(t)
				}
			} else {
				text.Write(t)
			}
		case xml.EndElement:
			if len(stack) == 0 {
				continue
			}
			name := stack[len(stack)-1]
			parent := ""
			if len(stack) >= 2 {
				parent = stack[len(stack)-2]
			}
			if cur != nil {
				v := strings.TrimSpace(text.String())
				switch {
				case len(stack) == 2 && name == entryName:
					emit(cur)
					emitted++
					cur = nil
				case name == "loc" && parent == entryName:
					cur.loc = v
				case name == "lastmod" && parent == entryName:
					cur.lastmod = v
				case name == "title" && parent == "news":
					cur.title = v
				case name == "publication_date" && parent == "news":
					cur.published = v
				case name == "loc" && parent == "image" && cur.image == "":
					cur.image = v
				}
			}
			text.Reset()
			stack = stack[:len(stack)-1]
		}
	}
}

func parseURLSet(doc []byte, base string) (*Feed, error) {
	b := pickBase(base)
	f := &Feed{Kind: KindSitemap}
	partial, err := walkSitemap(doc, "url", func(e *sitemapEntry) {
		link := firstURL(b, e.loc, e.bare.String())
		if link == "" {
			f.Skipped++ // kept, with no URL, like a feed entry without a link
		}
		f.Items = append(f.Items, Item{
			URL:       link,
			Title:     cleanText(e.title),
			Published: parseDate(e.published),
			Modified:  parseDate(e.lastmod),
			Image:     resolve(b, e.image),
		})
	})
	if err != nil {
		return nil, err
	}
	f.Partial = partial
	return f, nil
}

func parseSitemapIndex(doc []byte, base string) (*Feed, error) {
	b := pickBase(base)
	f := &Feed{Kind: KindSitemapIndex}
	partial, err := walkSitemap(doc, "sitemap", func(e *sitemapEntry) {
		if link := resolve(b, firstNonEmpty(e.loc, e.bare.String())); link != "" {
			f.Sitemaps = append(f.Sitemaps, link)
		} else {
			f.Skipped++
		}
	})
	if err != nil {
		return nil, err
	}
	f.Partial = partial
	return f, nil
}

// plainTextSitemap accepts the sitemap protocol's text format: one absolute
// URL per line and nothing else. Anything else is not a sitemap (nil).
func plainTextSitemap(data []byte, base string) *Feed {
	f := &Feed{Kind: KindSitemap}
	b := pickBase(base)
	for line := range bytes.Lines(data) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if !isAbsHTTP(string(line)) || bytes.ContainsAny(line, " \t<>\"") {
			return nil
		}
		f.Items = append(f.Items, Item{URL: resolve(b, string(line))})
	}
	if len(f.Items) == 0 {
		return nil
	}
	return f
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}
