package feeds

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	ext "github.com/mmcdole/gofeed/extensions"
	jsonfeed "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"
)

// parseXML dispatches on the root element. data is UTF-8 (see toUTF8).
func parseXML(data []byte, base string) (*Feed, error) {
	return parseXMLAt(data, base, true)
}

func parseXMLAt(data []byte, base string, skipJunk bool) (*Feed, error) {
	doc, root, err := cleanProlog(data)
	if err != nil {
		return nil, err
	}
	switch root {
	case "rss", "rdf":
		return parseRSS(doc, base)
	case "feed":
		return parseAtom(doc, base)
	case "urlset":
		return parseURLSet(doc, base)
	case "sitemapindex":
		return parseSitemapIndex(doc, base)
	}
	// One skip only: retrying at every later marker would make a hostile
	// document cost quadratic time.
	if k := junkBeforeFeed(data, root); skipJunk && k > 0 {
		return parseXMLAt(data[k:], base, false)
	}
	return nil, fmt.Errorf("root element <%s>: %w", root, ErrNotFeed)
}

// junkBeforeFeed finds a feed that starts after leading junk, the classic
// case being PHP notices ("<br />\n<b>Warning</b>: ...") printed before the
// XML declaration. It returns the offset of the feed's XML declaration or
// root element, or 0. HTML documents are never searched: a page that merely
// mentions "<rss" in its text is not a feed.
func junkBeforeFeed(data []byte, root string) int {
	switch root {
	case "html", "head", "body", "rss", "rdf", "feed", "urlset", "sitemapindex":
		return 0
	}
	head := data[:min(len(data), 64<<10)]
	best := -1
	for _, marker := range []string{"<?xml", "<rss", "<rdf:RDF", "<feed", "<urlset", "<sitemapindex"} {
		if i := bytes.Index(head, []byte(marker)); i > 0 && (best < 0 || i < best) {
			best = i
		}
	}
	return max(best, 0)
}

// The format parsers come from gofeed; its translators are used only for the
// parts they do well (date parsing across dozens of layouts, author and image
// fallbacks across extensions). Link choice is done here from the raw
// format structs, because the universal model has lost what is needed to
// choose well (guid isPermaLink, Atom rel and type, feedburner:origLink).

func parseRSS(doc []byte, base string) (*Feed, error) {
	partial := false
	rf, err := guard(func() (*rss.Feed, error) { return (&rss.Parser{}).Parse(bytes.NewReader(doc)) })
	if err != nil {
		rec := recoverPrefix(doc, "</item>")
		if rec == nil {
			return nil, fmt.Errorf("rss: %w: %w", ErrMalformed, err)
		}
		if rf, err = guard(func() (*rss.Feed, error) { return (&rss.Parser{}).Parse(bytes.NewReader(rec)) }); err != nil {
			return nil, fmt.Errorf("rss: %w: %w", ErrMalformed, err)
		}
		partial = true
	}
	// The translator's own <img> scan builds a DOM of every item's content;
	// firstImg below tokenizes only when no declared image exists.
	uf, err := guard(func() (*gofeed.Feed, error) {
		return (&gofeed.DefaultRSSTranslator{DisableContentImageScan: true}).Translate(rf)
	})
	if err != nil {
		return nil, fmt.Errorf("rss: %w: %w", ErrMalformed, err)
	}
	b := pickBase(base, atomLinkHref(rf.Extensions, "self"), rf.Link)
	f := &Feed{Kind: KindRSS, Title: cleanText(uf.Title), TTL: rssTTL(rf), Partial: partial}
	for i, ri := range rf.Items {
		if ri == nil {
			continue
		}
		var ui *gofeed.Item
		if i < len(uf.Items) {
			ui = uf.Items[i]
		}
		cands := []string{extValue(ri.Extensions, "feedburner", "origLink"), ri.Link}
		cands = append(cands, ri.Links...)
		if g := ri.GUID; g != nil && (strings.EqualFold(strings.TrimSpace(g.IsPermalink), "true") || isAbsHTTP(g.Value)) {
			cands = append(cands, g.Value)
		}
		link := firstURL(b, cands...)
		if link == "" {
			f.Skipped++ // kept, with no URL: the entry exists, the fetcher passes it by
		}
		it := Item{URL: link, Title: cleanText(ri.Title)}
		if ui != nil {
			it.Title = cleanText(ui.Title)
			it.Published = dateOr(firstNonEmpty(ri.PubDate, dcDate(ri.DublinCoreExt), extValue(ri.Extensions, "atom", "published")), ui.PublishedParsed)
			it.Modified = dateOr(ui.Updated, ui.UpdatedParsed)
			it.Author = personName(ui.Authors)
			img := mediaImage(ri.Extensions)
			if img == "" && ui.Image != nil {
				img = ui.Image.URL
			}
			if img == "" {
				img = firstImg(ri.Content, ri.Description)
			}
			it.Image = resolve(b, img)
		}
		f.Items = append(f.Items, it)
	}
	return f, nil
}

func parseAtom(doc []byte, base string) (*Feed, error) {
	partial := false
	af, err := guard(func() (*atom.Feed, error) { return (&atom.Parser{}).Parse(bytes.NewReader(doc)) })
	if err != nil {
		rec := recoverPrefix(doc, "</entry>")
		if rec == nil {
			return nil, fmt.Errorf("atom: %w: %w", ErrMalformed, err)
		}
		if af, err = guard(func() (*atom.Feed, error) { return (&atom.Parser{}).Parse(bytes.NewReader(rec)) }); err != nil {
			return nil, fmt.Errorf("atom: %w: %w", ErrMalformed, err)
		}
		partial = true
	}
	uf, err := guard(func() (*gofeed.Feed, error) { return (&gofeed.DefaultAtomTranslator{}).Translate(af) })
	if err != nil {
		return nil, fmt.Errorf("atom: %w: %w", ErrMalformed, err)
	}
	b := pickBase(base, atomRel(af.Links, "self"), atomRel(af.Links, "alternate"))
	f := &Feed{Kind: KindAtom, Title: cleanText(uf.Title), Partial: partial}
	for _, e := range af.Entries {
		if e == nil {
			continue
		}
		// The id is a URL only by convention (tag: and urn:uuid: ids are
		// common), so it is the last resort and only when it is http(s).
		id := ""
		if isAbsHTTP(e.ID) {
			id = e.ID
		}
		link := firstURL(b, extValue(e.Extensions, "feedburner", "origLink"), atomRel(e.Links, "alternate"), id)
		if link == "" {
			f.Skipped++ // kept, with no URL: the entry exists, the fetcher passes it by
		}
		// Dates come from the raw entry: the translator substitutes updated
		// for a missing published, and Published must never be an edit time.
		it := Item{
			URL:       link,
			Title:     cleanText(e.Title),
			Author:    atomAuthor(e.Authors),
			Published: dateOr(e.Published, e.PublishedParsed),
			Modified:  dateOr(e.Updated, e.UpdatedParsed),
		}
		if it.Author == "" {
			it.Author = personName(uf.Authors) // RFC 4287: entries inherit the feed's author
		}
		img := mediaImage(e.Extensions)
		if img == "" {
			for _, l := range e.Links {
				if l != nil && l.Rel == "enclosure" && strings.HasPrefix(l.Type, "image/") {
					img = l.Href
					break
				}
			}
		}
		it.Image = resolve(b, img)
		f.Items = append(f.Items, it)
	}
	return f, nil
}

func parseJSON(data []byte, base string) (*Feed, error) {
	if data[0] == '[' {
		if json.Valid(data) {
			return nil, fmt.Errorf("JSON array: %w", ErrNotFeed)
		}
		return nil, fmt.Errorf("json: %w", ErrMalformed)
	}
	jf, err := guard(func() (*jsonfeed.Feed, error) { return (&jsonfeed.Parser{}).Parse(bytes.NewReader(data)) })
	if err != nil {
		return nil, fmt.Errorf("json feed: %w: %w", ErrMalformed, err)
	}
	if !strings.Contains(jf.Version, "jsonfeed.org") && jf.Items == nil {
		return nil, fmt.Errorf("JSON without a JSON Feed version or items: %w", ErrNotFeed)
	}
	uf, err := guard(func() (*gofeed.Feed, error) { return (&gofeed.DefaultJSONTranslator{}).Translate(jf) })
	if err != nil {
		return nil, fmt.Errorf("json feed: %w: %w", ErrMalformed, err)
	}
	b := pickBase(base, jf.FeedURL, jf.HomePageURL)
	f := &Feed{Kind: KindJSON, Title: cleanText(jf.Title)}
	for i, ji := range jf.Items {
		if ji == nil {
			f.Skipped++
			continue
		}
		id := ""
		if isAbsHTTP(ji.ID) {
			id = ji.ID
		}
		link := firstURL(b, ji.URL, ji.ExternalURL, id)
		if link == "" {
			f.Skipped++ // kept, with no URL: the entry exists, the fetcher passes it by
		}
		it := Item{URL: link, Title: cleanText(ji.Title)}
		if i < len(uf.Items) && uf.Items[i] != nil {
			ui := uf.Items[i]
			it.Published = dateOr(ji.DatePublished, ui.PublishedParsed)
			it.Modified = dateOr(ji.DateModified, ui.UpdatedParsed)
			it.Author = personName(ui.Authors)
		}
		if it.Author == "" {
			it.Author = personName(uf.Authors)
		}
		img := ji.Image
		if img == "" {
			img = ji.BannerImage
		}
		it.Image = resolve(b, img)
		f.Items = append(f.Items, it)
	}
	return f, nil
}

// rssTTL reads <ttl> (minutes) or, failing that, the syndication module's
// updatePeriod/updateFrequency ("hourly", 2 => every 30 minutes).
func rssTTL(rf *rss.Feed) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(rf.TTL)); err == nil && n > 0 {
		return time.Duration(n) * time.Minute
	}
	var period time.Duration
	switch strings.ToLower(strings.TrimSpace(extValue(rf.Extensions, "sy", "updatePeriod"))) {
	case "hourly":
		period = time.Hour
	case "daily":
		period = 24 * time.Hour
	case "weekly":
		period = 7 * 24 * time.Hour
	case "monthly":
		period = 30 * 24 * time.Hour
	case "yearly":
		period = 365 * 24 * time.Hour
	default:
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(extValue(rf.Extensions, "sy", "updateFrequency"))); err == nil && n > 0 {
		period /= time.Duration(n)
	}
	return period
}

// extValue returns the text of the first prefix:name extension element.
// gofeed keys extensions by the canonical prefix of well-known namespaces,
// whatever prefix the document used.
func extValue(exts ext.Extensions, prefix, name string) string {
	if es := exts[prefix][name]; len(es) > 0 {
		return strings.TrimSpace(es[0].Value)
	}
	return ""
}

// atomLinkHref finds an <atom:link rel=...> inside an RSS channel; its self
// link is the feed's own URL, the right base when the caller has none.
func atomLinkHref(exts ext.Extensions, rel string) string {
	for _, l := range exts["atom"]["link"] {
		if l.Attrs["rel"] == rel {
			return l.Attrs["href"]
		}
	}
	return ""
}

// atomRel returns the href of the first link with the given rel; a link
// without rel is an alternate link (RFC 4287 4.2.7.2).
func atomRel(links []*atom.Link, rel string) string {
	for _, l := range links {
		if l == nil {
			continue
		}
		r := strings.ToLower(strings.TrimSpace(l.Rel))
		if r == "" {
			r = "alternate"
		}
		if r == rel && strings.TrimSpace(l.Href) != "" {
			return l.Href
		}
	}
	return ""
}

func atomAuthor(ps []*atom.Person) string {
	for _, p := range ps {
		if p != nil && strings.TrimSpace(p.Name) != "" {
			return cleanText(p.Name)
		}
	}
	return ""
}

func personName(ps []*gofeed.Person) string {
	for _, p := range ps {
		if p == nil {
			continue
		}
		if n := cleanText(p.Name); n != "" {
			return n
		}
		if e := strings.TrimSpace(p.Email); e != "" {
			return cleanText(e)
		}
	}
	return ""
}

// mediaImage finds an image in Media RSS (media:thumbnail, an image
// media:content, or either inside media:group, as YouTube nests them).
func mediaImage(exts ext.Extensions) string {
	media := exts["media"]
	if media == nil {
		return ""
	}
	if u := mediaImageIn(media); u != "" {
		return u
	}
	for _, g := range media["group"] {
		if u := mediaImageIn(g.Children); u != "" {
			return u
		}
	}
	return ""
}

func mediaImageIn(m map[string][]ext.Extension) string {
	for _, t := range m["thumbnail"] {
		if u := strings.TrimSpace(t.Attrs["url"]); u != "" {
			return u
		}
	}
	for _, c := range m["content"] {
		u := strings.TrimSpace(c.Attrs["url"])
		if u == "" {
			continue
		}
		if c.Attrs["medium"] == "image" || strings.HasPrefix(c.Attrs["type"], "image/") || looksLikeImage(u) {
			return u
		}
	}
	return ""
}

// looksLikeImage accepts media:content that names neither medium nor type
// (HuffPost and others omit both) when the path says it is a picture.
func looksLikeImage(u string) bool {
	p := strings.ToLower(u)
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	for _, s := range []string{".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif"} {
		if strings.HasSuffix(p, s) {
			return true
		}
	}
	return false
}

func dcDate(dc *ext.DublinCoreExtension) string {
	if dc == nil || len(dc.Date) == 0 {
		return ""
	}
	return dc.Date[0]
}

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// pickBase returns the first absolute http(s) URL among the candidates: the
// URL the document came from, then what the document says about itself.
func pickBase(cands ...string) *url.URL {
	for _, c := range cands {
		if u := parseAbsHTTP(c); u != nil {
			return u
		}
	}
	return nil
}

// guard turns a panic inside gofeed into an error. Parse reads untrusted
// bytes in long-running services; a bug in a third-party parser must cost
// one document, not the process. (Panics in this package's own code are not
// caught, so FuzzParse still finds them.)
func guard[T any](f func() (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("gofeed panicked: %v", r)
		}
	}()
	return f()
}
