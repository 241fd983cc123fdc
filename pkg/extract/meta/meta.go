// Package meta reads an article's metadata — title, authors, dates, language,
// images and the rest — from a parsed page, each field with a fixed order of
// precedence and none invented.
//
// Extract walks the document once, collecting <head> tags, JSON-LD and a
// short list of candidate nodes (headlines, <time>, elements whose class says
// byline or date, figures); every field is then read from those lists, so the
// cost does not grow with the number of fields or with page size beyond that
// single walk.
//
// Precedence, first found wins (a field the page does not state stays empty):
//
//	title        an <h1> that agrees with the JSON-LD headline, og:title, <title>
//	             or the feed's title (modulo " | Site"); else JSON-LD headline,
//	             og:title, <title> without its site part, the h1, the feed's title
//	authors      pinned selector; JSON-LD Person authors; author meta tags;
//	             itemprop/rel=author and author-page links; byline-classed
//	             elements; a "By ..." line under the headline; the feed's author
//	published    pinned selector; JSON-LD; article:published_time and other date
//	             metas; <time>/itemprop and dateline-classed elements by
//	             closeness to the headline; the URL; lines under the headline;
//	             the feed's date. A date without a time takes one from a later
//	             candidate of the same day; a time without a zone takes the
//	             offset that makes it agree with another signal for the same
//	             event (the feed's date included), else another signal's
//	             offset, else the feed's offset (within 36 h), else UTC
//	modified     the same for dateModified, article:modified_time, og:updated_time,
//	             "Updated ..." datelines
//	language     <html lang>, Content-Language, og:locale, JSON-LD inLanguage;
//	             empty when the title and description are clearly in another
//	             language (extract then detects it from the body)
//	site name    og:site_name, JSON-LD publisher, application-name
//	lead image   og:image, twitter:image, JSON-LD image, the first article
//	             figure, the feed's image; caption and credit from the figure
//	             (or captioned container) showing it
//	paywalled    JSON-LD isAccessibleForFree (and hasPart), article:content_tier
package meta

import (
	"fmt"
	"log/slog"
	"net/url"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"github.com/newsflow/newsflow/pkg/events"
)

// Input is what Extract reads besides the document.
type Input struct {
	URL       *url.URL  // the page's address; resolves relative links (may be nil)
	FetchedAt time.Time // "2 hours ago" is relative to this (zero: now)
	Hints     events.EntryHints
	// Site rules pinned by the user; empty means automatic.
	AuthorSelector string
	DateSelector   string
}

// Meta is the metadata of one page. Zero values mean "not found".
type Meta struct {
	Title        string
	Description  string
	SiteName     string
	Section      string
	Language     string // BCP 47 from markup; see DetectLanguage for text
	Authors      []string
	Published    time.Time
	Modified     time.Time
	CanonicalURL string
	AMPURL       string
	Tags         []string
	LeadImage    *events.Image
	Paywalled    *bool
	// ArticleBody is the JSON-LD articleBody, for when the visible body is
	// missing or truncated.
	ArticleBody string
}

const maxAuthors = 10

// extractor carries one page's collected nodes between the field readers.
type extractor struct {
	in    Input
	s     *scan
	ld    *ldDoc
	art   *ldArticle
	site  string
	h1    *html.Node
	h1idx int
	near  []string // short text lines just after the headline
	nearD bool     // near has been computed
}

// Extract reads the metadata of doc. It does not modify doc.
func Extract(doc *goquery.Document, in Input) (m Meta) {
	if doc == nil || doc.Selection == nil || len(doc.Nodes) == 0 || doc.Nodes[0] == nil {
		return m
	}
	// A metadata bug must cost one page some metadata, not the parser its
	// process: the pipeline feeds us arbitrary pages from the internet. The
	// fields read before the failure stand; the bug is logged with its stack
	// and counted (RecoveredPanics), so it is seen and fixed.
	defer func() {
		if p := recover(); p != nil {
			recovered.Add(1)
			page := ""
			if in.URL != nil {
				page = in.URL.String()
			}
			slog.Default().Error("meta: panic while reading metadata; the page keeps what was read before it",
				"url", page, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
	}()
	extract(doc.Nodes[0], in, &m)
	return m
}

var recovered atomic.Uint64

// testHookWalked runs after the page walk; tests make it panic.
var testHookWalked func()

// RecoveredPanics counts the panics Extract has recovered from in this
// process: each one is a bug.
func RecoveredPanics() uint64 { return recovered.Load() }

// extract fills m from the document holding n. It is Extract without the
// safety net, so tests and fuzzing see any panic.
func extract(n *html.Node, in Input, m *Meta) {
	root := n
	for root.Parent != nil {
		root = root.Parent
	}
	x := &extractor{in: in, s: walk(root)}
	if testHookWalked != nil {
		testHookWalked()
	}
	x.ld = parseLD(x.s.ldjson)
	canon := x.canonical(x.s.canonical)
	if canon == "" {
		canon = x.canonical(x.s.meta("og:url"))
	}
	var pageURLs []string
	if canon != "" {
		pageURLs = append(pageURLs, canon)
	}
	if in.URL != nil {
		pageURLs = append(pageURLs, in.URL.String())
	}
	x.art = x.ld.article(pageURLs)
	if x.art == nil {
		x.art = &ldArticle{}
	}

	m.SiteName = x.siteName()
	x.site = m.SiteName
	m.Title = x.title()
	x.dropBoilerplate()
	m.Description = x.description()
	m.Section = x.section()
	m.Language = x.language(m.Title, m.Description)
	m.Tags = x.tags()
	m.CanonicalURL = canon
	m.AMPURL = x.resolve(x.s.amp)
	m.Authors = x.authors()
	m.Published, m.Modified = x.dates(m.Language)
	m.LeadImage = x.leadImage()
	m.Paywalled = x.paywalled()
	m.ArticleBody = cleanBody(x.art.body)
}

// paywalled reads JSON-LD isAccessibleForFree, else the OpenGraph
// article:content_tier ("locked" or "free"; "metered" says nothing about
// this reader).
func (x *extractor) paywalled() *bool {
	var p bool
	switch {
	case x.art.free != nil:
		p = !*x.art.free
	default:
		switch strings.ToLower(x.s.meta("article:content_tier")) {
		case "locked":
			p = true
		case "free":
			p = false
		default:
			return nil
		}
	}
	return &p
}

// dropBoilerplate removes the candidates that sit in page furniture
// (sidebars, related lists, comments, navigation) unless that "furniture"
// holds the headline: some templates wrap the whole page in a class like
// "has-sidebar".
func (x *extractor) dropBoilerplate() {
	keep := map[*html.Node]bool{}
	if x.h1 != nil {
		for a, d := x.h1.Parent, 0; a != nil && d < 200; a, d = a.Parent, d+1 {
			keep[a] = true
		}
	}
	filter := func(list []element) []element {
		out := list[:0]
		for _, e := range list {
			if e.boiler == nil || keep[e.boiler] {
				out = append(out, e)
			}
		}
		return out
	}
	x.s.times = filter(x.s.times)
	x.s.authorNodes = filter(x.s.authorNodes)
	x.s.dateNodes = filter(x.s.dateNodes)
	x.s.figures = filter(x.s.figures)
	x.s.imgs = filter(x.s.imgs)
}

func (x *extractor) siteName() string {
	for _, v := range []string{unescape(x.s.meta("og:site_name")), unescape(x.art.publisher), unescape(x.s.meta("application-name", "apple-mobile-web-app-title"))} {
		if v = collapse(v); v != "" && len(v) < 120 && !isURLish(v) && !strings.HasPrefix(v, "@") {
			return v
		}
	}
	return ""
}

func (x *extractor) description() string {
	for _, v := range []string{x.s.meta("og:description"), x.s.meta("description"), x.s.meta("twitter:description"), x.art.description} {
		v = unescape(v) // double-escaped "&amp;quot;" is common in CMS output
		if v = collapse(v); v != "" {
			return clip(v, 2000)
		}
	}
	return ""
}

func (x *extractor) section() string {
	for _, v := range []string{x.s.meta("article:section"), unescape(x.art.section), x.s.meta("section", "parsely-section", "sailthru.section", "cxenseparse:recs:articlesection")} {
		// "News, World": the first is the section.
		if i := strings.IndexByte(v, ','); i > 0 {
			v = v[:i]
		}
		if v = collapse(v); v != "" && len(v) < 100 {
			return v
		}
	}
	return ""
}

// tags come from the first source that has any: article:tag, meta
// keywords, JSON-LD keywords. Sources are not merged because each spells
// the same tag its own way.
func (x *extractor) tags() []string {
	var raw []string
	for _, t := range x.s.metaAll("article:tag") {
		raw = append(raw, splitList(t)...)
	}
	if len(raw) == 0 {
		raw = splitList(x.s.meta("news_keywords", "keywords"))
	}
	if len(raw) == 0 {
		raw = x.art.keywords
	}
	var out []string
	for _, t := range raw {
		t = collapse(unescape(t))
		if t == "" || len(t) > 80 {
			continue
		}
		out = addNames(out, []string{t}, 30)
	}
	return out
}

// language takes the first valid tag of <html lang>, Content-Language,
// og:locale and JSON-LD inLanguage. When they disagree on the language
// itself, the one the title and description are written in wins: CMS
// templates often hard-code lang="en".
func (x *extractor) language(title, desc string) string {
	var cands []string
	for _, v := range []string{x.s.htmlLang, x.s.meta("content-language"), x.s.meta("og:locale"), x.art.lang, x.s.meta("language", "dc.language")} {
		if t := normalizeLang(v); t != "" {
			cands = append(cands, t)
		}
	}
	if len(cands) == 0 {
		return ""
	}
	d := detectLanguage(title+". "+desc, true)
	if d == "" {
		return cands[0]
	}
	for _, c := range cands {
		if primary(c) == d {
			return c
		}
	}
	// The markup names a language the headline and summary are not
	// written in (a template default): leave it to detection on the body.
	return ""
}

// canonical resolves a canonical link, ignoring one that points an
// article at the site's home page: a common CMS misconfiguration that
// would give every article the same id.
func (x *extractor) canonical(ref string) string {
	c := x.resolve(ref)
	if c == "" {
		return ""
	}
	u, err := url.Parse(c)
	if err != nil {
		return ""
	}
	if (u.Path == "" || u.Path == "/") && u.RawQuery == "" && x.in.URL != nil && x.in.URL.Path != "" && x.in.URL.Path != "/" {
		return ""
	}
	return c
}

// resolve makes ref absolute against the page URL; only http(s) results
// are kept.
func (x *extractor) resolve(ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || len(ref) > 2048 {
		return ""
	}
	if strings.IndexByte(ref, ' ') >= 0 {
		ref = strings.ReplaceAll(ref, " ", "%20") // unescaped spaces in CMS image paths
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if x.in.URL != nil {
		u = x.in.URL.ResolveReference(u)
	} else if strings.HasPrefix(ref, "//") {
		u.Scheme = "https"
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

func unescape(s string) string {
	if strings.IndexByte(s, '&') < 0 {
		return s
	}
	return html.UnescapeString(s)
}

// cleanBody turns JSON-LD articleBody into plain paragraphs separated by a
// blank line. Some sites put HTML in it; tags become paragraph breaks.
func cleanBody(s string) string {
	if s == "" {
		return ""
	}
	if strings.Contains(s, "<") && strings.Contains(s, ">") {
		s = stripTags(s)
	}
	s = unescape(s)
	var paras []string
	for _, line := range strings.Split(s, "\n") {
		if line = collapse(line); line != "" {
			paras = append(paras, line)
		}
	}
	return strings.Join(paras, "\n\n")
}

// stripTags removes tags, turning block-level ones into newlines.
func stripTags(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		tag := strings.ToLower(strings.TrimLeft(s[i+1:i+j], "/"))
		for _, bt := range []string{"p", "br", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"} {
			if tag == bt || strings.HasPrefix(tag, bt+" ") || strings.HasPrefix(tag, bt+"/") {
				b.WriteByte('\n')
				break
			}
		}
		s = s[i+j+1:]
	}
	return b.String()
}
