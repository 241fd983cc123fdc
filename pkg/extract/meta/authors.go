package meta

import (
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// authors reads the byline: a pinned selector, JSON-LD Person authors,
// author meta tags, itemprop/rel=author, byline-classed elements, then a
// "By ..." line under the headline, then the feed's author.
func (x *extractor) authors() []string {
	var out []string
	if sel := x.in.AuthorSelector; sel != "" {
		if c, err := compileSelector(sel); err == nil {
			for i, n := range c.MatchAll(x.s.root) {
				if i >= 10 {
					break
				}
				out = addNames(out, x.nodeNames(n, true), maxAuthors)
			}
			if len(out) > 0 {
				return out
			}
		}
	}
	for _, a := range x.art.authors {
		out = addNames(out, x.byline(unescape(a)), maxAuthors)
	}
	if len(out) == 0 {
		// Blogs sign with a given name alone; only markup that types it a
		// Person makes one word a name.
		for _, a := range x.art.authors {
			if n := collapse(unescape(a)); x.ld.persons[a] && x.singleName(n) {
				out = addNames(out, []string{n}, maxAuthors)
			}
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, k := range []string{"author", "article:author", "article:author_name", "dc.creator", "dcterms.creator", "byl", "parsely-author", "sailthru.author", "cxenseparse:author"} {
		for _, v := range x.s.metaAll(k) {
			if isURLish(v) {
				out = addNames(out, x.authorForURL(v), maxAuthors)
				continue
			}
			out = addNames(out, x.byline(v), maxAuthors)
		}
	}
	if len(out) > 0 {
		return out
	}
	// Strong markup first (itemprop, rel), then class names.
	var strong, weak []element
	for _, e := range x.s.authorNodes {
		if isStrongAuthor(e.n) {
			strong = append(strong, e)
		} else {
			weak = append(weak, e)
		}
	}
	for _, list := range [][]element{strong, weak} {
		anchor := -1
		var block *html.Node
		for _, e := range x.byDistance(list) {
			if anchor >= 0 && (e.idx < anchor-groupSpan || e.idx > anchor+groupSpan || !contains(block, e.n)) {
				continue
			}
			if inCaption(e.n) {
				continue
			}
			names := x.nodeNames(e.n, isStrongAuthor(e.n) || isAuthorClass(e.n))
			if len(names) > 0 {
				out = addNames(out, names, maxAuthors)
				if anchor < 0 {
					anchor, block = e.idx, bylineBlock(e.n)
				}
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	near := x.nearLines()
	for _, line := range near {
		if hasBylineMarker(line) || len(line) <= 80 && hasAgency(line) {
			if names := x.byline(line); len(names) > 0 {
				return addNames(out, names, maxAuthors)
			}
		}
	}
	// "JANIE HAR" alone on the first line under the headline, the dateline
	// on the next: a byline without "By". A name alone is not enough (a
	// tag, a caption, a person in the news); the date after it says it
	// signs the story.
	if len(near) >= 2 && len(near[0]) <= 60 {
		now := x.in.FetchedAt
		if now.IsZero() {
			now = time.Now()
		}
		if len(findDates(near[1], dateOpts{now: now})) > 0 {
			// EqualFold: an all-caps name comes back title-cased.
			if names := x.byline(near[0]); len(names) == 1 && strings.EqualFold(names[0], strings.TrimSpace(near[0])) {
				return addNames(out, names, maxAuthors)
			}
		}
	}
	if h := feedAuthor(x.in.Hints.Author); h != "" {
		out = addNames(out, x.byline(h), maxAuthors)
	}
	return out
}

// bylineBlock is the element around a byline's first name that may hold
// the byline's other names ("By <a>A</a> and <a>B</a>", names in sibling
// spans): a few levels up, stopping below an element that holds an article
// or list item of its own, where the next story's byline begins.
func bylineBlock(n *html.Node) *html.Node {
	b := n
	for i := 0; i < 4 && b.Parent != nil && b.Parent.Type == html.ElementNode; i++ {
		switch b.Parent.DataAtom {
		case atom.Body, atom.Article, atom.Li, atom.Ul, atom.Ol, atom.Main, atom.Section:
			return b.Parent
		}
		b = b.Parent
	}
	return b
}

// byline splits a byline knowing the page's site and host names.
func (x *extractor) byline(s string) []string {
	return splitBylineFor(s, x.site, hostLabel(x.in.URL))
}

// isAuthorClass says the element's class or id names it a byline or
// author element (not merely "meta" or "info").
func isAuthorClass(n *html.Node) bool {
	v := lowerASCII(clip(attr(n, "class")+" "+attr(n, "id"), 256))
	return containsAny(v, "byline", "author", "writer", "reporter", "journalist", "autor", "auteur", "signature", "firma", "verfasser", "assinatura", "yazar", "penulis", "forfatter") && !containsAny(v, "date", "time", "bio", "avatar", "image", "photo", "location")
}

// Site rules are few and their selectors repeat on every page of a site:
// compile each once.
var (
	selectorMu    sync.Mutex
	selectorCache = map[string]cascadia.Selector{}
)

func compileSelector(sel string) (cascadia.Selector, error) {
	selectorMu.Lock()
	defer selectorMu.Unlock()
	if c, ok := selectorCache[sel]; ok {
		return c, nil
	}
	c, err := cascadia.Compile(sel)
	if err != nil {
		return nil, fmt.Errorf("site rule selector %q: %w", sel, err)
	}
	if len(selectorCache) < 4096 {
		selectorCache[sel] = c
	}
	return c, nil
}

// feedAuthor reads the feed entry's author: RSS writes
// "jane@example.com (Jane Doe)"; a bare address names nobody.
func feedAuthor(h string) string {
	h = strings.TrimSpace(h)
	if !strings.Contains(h, "@") {
		return h
	}
	if i, j := strings.IndexByte(h, '('), strings.LastIndexByte(h, ')'); i >= 0 && j > i {
		if name := strings.TrimSpace(h[i+1 : j]); !strings.Contains(name, "@") {
			return name
		}
	}
	return ""
}

// isStrongAuthor says the markup itself names n an author: itemprop
// author/creator, rel=author, or a link to an author page.
func isStrongAuthor(n *html.Node) bool {
	ip := strings.ToLower(attr(n, "itemprop"))
	return hasToken(ip, "author") || hasToken(ip, "creator") || hasToken(strings.ToLower(attr(n, "rel")), "author") ||
		n.DataAtom == atom.A && isAuthorHref(attr(n, "href"))
}

// inCaption says n sits in a figure or a caption/credit element, where
// names are photographers'.
func inCaption(n *html.Node) bool {
	for a, d := n, 0; a != nil && d < 8; a, d = a.Parent, d+1 {
		if a.Type != html.ElementNode {
			continue
		}
		if a.DataAtom == atom.Figure || a.DataAtom == atom.Figcaption {
			return true
		}
		// A credit is a small box; an article, header or section classed
		// "has-image" or "no-image" says how the story is laid out.
		switch a.DataAtom {
		case atom.Article, atom.Main, atom.Section, atom.Header, atom.Body:
			return false
		}
		// "credit" alone is no sign: templates put the byline in a
		// "credit-bar"; photo credits say photo or image, or sit in a figure.
		if containsAny(lowerASCII(clip(attr(a, "class"), 200)), "caption", "photo", "image") {
			return true
		}
	}
	return false
}

// nodeNames reads person names from a byline element. Lines without a
// "By" are names only when the element is explicitly an author element;
// in generic "meta"/"info" boxes they are section names, read times...
func (x *extractor) nodeNames(n *html.Node, explicit bool) []string {
	if n.DataAtom == atom.Link {
		return nil
	}
	if c := attr(n, "content"); c != "" && n.DataAtom == atom.Meta {
		return x.byline(c)
	}
	// schema.org microdata: the name is in itemprop=name.
	if nm := findItemprop(n, "name", 200); nm != nil {
		if c := attr(nm, "content"); c != "" {
			return x.byline(c)
		}
		return x.byline(textOf(nm, 200))
	}
	var out []string
	for i, line := range textLines(n, 600) {
		if i >= 6 {
			break
		}
		if len(line) > 200 {
			continue
		}
		if !explicit && !hasBylineMarker(line) && !hasAgency(line) && !strings.Contains(strings.ToLower(line), " by ") {
			continue
		}
		out = addNames(out, x.byline(line), maxAuthors)
	}
	return out
}

// findItemprop finds a descendant with itemprop=prop, looking at most at
// limit nodes.
func findItemprop(n *html.Node, prop string, limit int) *html.Node {
	for c, seen := n.FirstChild, 0; c != nil && seen < limit; c, seen = nextIn(c, n), seen+1 {
		if c.Type == html.ElementNode && hasToken(strings.ToLower(attr(c, "itemprop")), prop) {
			return c
		}
	}
	return nil
}

// authorForURL resolves article:author given as a profile URL to the name
// of the page's link to that profile.
func (x *extractor) authorForURL(u string) []string {
	for _, e := range x.s.authorNodes {
		if e.n.DataAtom == atom.A && sameURL(x.resolve(attr(e.n, "href")), x.resolve(u)) {
			return x.byline(textOf(e.n, 200))
		}
	}
	return nil
}

// singleName says whether s, one word, reads as a given name: capitalised,
// in lower case after (not an acronym like "AP" or "HNN"), letters only, and
// no organisation, role, date word or the site's name.
func (x *extractor) singleName(s string) bool {
	n := utf8.RuneCountInString(s)
	if n < 3 || n > 20 || strings.ContainsAny(s, " ") {
		return false
	}
	lower := false
	for i, r := range s {
		switch {
		case i == 0 && !unicode.IsUpper(r):
			return false
		case unicode.IsLower(r):
			lower = true
		case !unicode.IsLetter(r) && r != '-' && r != '\'' && r != '’':
			return false
		}
	}
	ls := strings.ToLower(s)
	if !lower || orgWords[ls] || roleWords[ls] || months[ls] > 0 || weekday(ls) {
		return false
	}
	k := squash(s)
	if host := hostLabel(x.in.URL); host != "" && (strings.Contains(host, k) || strings.Contains(k, host)) {
		return false
	}
	return x.site == "" || !strings.Contains(squash(x.site), k) && !x.siteLike(s)
}
