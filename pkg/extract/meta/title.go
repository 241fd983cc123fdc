package meta

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// titleSeps separate a headline from the site name in <title> and og:title.
var titleSeps = []string{" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " » ", " « ", " / ", " ｜ ", "｜", " : ", ": ", "_"}

// title picks the headline. An <h1> that agrees with the JSON-LD headline,
// og:title or <title> (modulo a site suffix) is the visible, untruncated
// form and wins; otherwise JSON-LD headline, og:title, <title> without
// its site part, then the h1.
func (x *extractor) title() string {
	ld := x.stripSite(collapse(unescape(x.art.headline)))
	og := collapse(unescape(x.s.meta("og:title")))
	if og == "" {
		og = collapse(unescape(x.s.meta("twitter:title")))
	}
	tt := collapse(unescape(x.s.title))
	ogS, ttS := x.stripSite(og), x.stripSite(tt)
	feedTitle := x.stripSite(collapse(x.in.Hints.Title))
	// A template that fills a title with the site's name (home-page
	// defaults) says nothing about the article.
	for _, t := range []*string{&ld, &og, &ogS, &tt, &ttS, &feedTitle} {
		if x.siteLike(*t) {
			*t = ""
		}
	}

	var firstH1 *element
	var firstText string
	heads := x.s.h1s
	if len(heads) == 0 {
		heads = x.s.h2s
	}
	for i := range heads {
		h := &heads[i]
		t := textOf(h.n, 500)
		if len(t) < 3 || len(t) >= 500 || x.siteLike(t) {
			continue
		}
		// Without agreement, prefer the h1 of the article over a logo h1
		// or one in page furniture.
		if firstH1 == nil || firstH1.boiler != nil && h.boiler == nil || !inArticle(firstH1.n) && inArticle(h.n) && (h.boiler == nil || firstH1.boiler != nil) {
			firstH1, firstText = h, t
		}
		if agrees(t, ld) || agrees(t, og) || agrees(t, ogS) || agrees(t, ttS) || prefixAtSep(tt, t) && !namedAfter(tt, t, ld, og, feedTitle) ||
			suffixAtSep(og, t) || suffixAtSep(ld, t) || suffixAtSep(ttS, t) || agrees(t, feedTitle) {
			x.h1, x.h1idx = h.n, h.idx
			return t
		}
	}
	if firstH1 != nil {
		x.h1, x.h1idx = firstH1.n, firstH1.idx
		// Meta titles are often written for search and social ("...: news,
		// photos 2018"); the headline the reader sees wins when it reads as
		// one and speaks of the same thing.
		if firstH1.boiler == nil && x.readsAsHeadline(firstH1.n, firstText, ld, og, tt) {
			return firstText
		}
	}
	switch {
	case ld != "":
		// Google asks for ≤110 characters, so some CMSs cut the headline.
		if strings.HasSuffix(ld, "…") || strings.HasSuffix(ld, "...") {
			stem := norm(strings.TrimRight(ld, ".… "))
			for _, c := range []string{ogS, ttS, firstText} {
				if len(c) > len(stem) && strings.HasPrefix(norm(c), stem) {
					return c
				}
			}
		}
		return ld
	case ogS != "":
		return shortSuffixCut(ogS)
	case ttS != "":
		if firstText != "" {
			// An h1 that is a later part of the title names the site.
			if head, ok := cutAffix(ttS, firstText); ok {
				return head
			}
			if strings.Contains(norm(tt), norm(firstText)) {
				return firstText
			}
		}
		return shortSuffixCut(ttS)
	case firstText != "":
		return firstText
	}
	return collapse(x.in.Hints.Title)
}

func inArticle(n *html.Node) bool {
	for a, d := n.Parent, 0; a != nil && d < 20; a, d = a.Parent, d+1 {
		if a.DataAtom == atom.Article || a.DataAtom == atom.Main {
			return true
		}
	}
	return false
}

// stripSite removes a " | Site" suffix or "Site | " prefix when the part
// names the site (og:site_name or the host).
func (x *extractor) stripSite(t string) string {
	for range 2 { // "Title - Section | Site": at most two site-like parts
		stripped := false
		for _, sep := range titleSeps {
			if i := strings.LastIndex(t, sep); i > 0 && x.siteLike(t[i+len(sep):]) {
				t, stripped = strings.TrimSpace(t[:i]), true
				break
			}
			if i := strings.Index(t, sep); i > 0 && x.siteLike(t[:i]) && len(t)-i-len(sep) > 0 {
				t, stripped = strings.TrimSpace(t[i+len(sep):]), true
				break
			}
		}
		if !stripped {
			break
		}
	}
	return t
}

// suffixSeps are the separators a site's name follows in a title.
var suffixSeps = []string{" | ", " – ", " — ", " - ", " :: ", " · ", " • ", " » ", " ｜ "}

// shortSuffixCut removes a trailing part that reads as a site's name
// though it names neither og:site_name nor the host: a last part of at
// most three words after a separator, behind a headline of at least four.
// A headline with a dash in it ("Brexit – what happens next") keeps it:
// its head is too short.
//
// "Headline | Section | Site" has two such parts after the same separator:
// both go.
func shortSuffixCut(t string) string {
	head, sep := cutShortSuffix(t, "")
	if sep == "" {
		return t
	}
	if h, s := cutShortSuffix(head, sep); s != "" {
		return h
	}
	return head
}

// cutShortSuffix cuts one short trailing part (after only, when only is
// not empty) and says after which separator.
func cutShortSuffix(t, only string) (string, string) {
	best := -1
	var sep string
	for _, s := range suffixSeps {
		if i := strings.LastIndex(t, s); i > best {
			best, sep = i, s
		}
	}
	if best <= 0 || only != "" && sep != only {
		return t, ""
	}
	head, tail := strings.TrimSpace(t[:best]), strings.TrimSpace(t[best+len(sep):])
	if tail == "" || len(strings.Fields(tail)) > 3 || len(tail) > 30 || len(strings.Fields(head)) < 4 || strings.ContainsAny(tail, ":|–—»·•") {
		return t, ""
	}
	return head, sep
}

// siteLike says whether s is the site's name: og:site_name, or the host's
// name ("The Korea Herald" ~ koreaherald.com).
func (x *extractor) siteLike(s string) bool {
	k := squash(s)
	if len(k) < 2 {
		return false
	}
	if x.site != "" {
		sk := squash(x.site)
		if k == sk || strings.TrimPrefix(k, "the") == strings.TrimPrefix(sk, "the") {
			return true
		}
		// "Herald" ~ "The Korea Herald", "The Korea Herald Online" ~ "The
		// Korea Herald"; a headline that merely mentions the site is not.
		if len(k) >= 4 && len(sk) >= 4 && (strings.Contains(sk, k) || strings.Contains(k, sk) && len(k) <= len(sk)+8) {
			return true
		}
	}
	if host := hostLabel(x.in.URL); len(host) >= 3 && len(k) < 60 {
		if k == host || strings.TrimPrefix(k, "the") == host || strings.HasPrefix(k, host) && len(k) <= len(host)+4 {
			return true
		}
		if len(k) >= 5 && strings.Contains(host, k) && len(k)*2 >= len(host) {
			return true
		}
	}
	return false
}

// hostLabel is the registrable name of the host without its suffix:
// "www.koreaherald.com" → "koreaherald".
func hostLabel(u *url.URL) string {
	if u == nil {
		return ""
	}
	labels := strings.Split(strings.ToLower(u.Hostname()), ".")
	if len(labels) < 2 {
		return ""
	}
	labels = labels[:len(labels)-1] // the TLD
	if len(labels) > 1 {
		switch labels[len(labels)-1] {
		case "co", "com", "org", "net", "ac", "gov", "or", "ne", "go", "edu":
			labels = labels[:len(labels)-1]
		}
	}
	return squash(labels[len(labels)-1])
}

// squash lower-cases s and keeps only letters and digits.
func squash(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// norm is a comparison key for headlines: case, quotes, spacing and final
// punctuation do not matter.
func norm(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch r {
		case '‘', '’', '`', '´', '′':
			r = '\''
		case '“', '”', '„', '«', '»', '″':
			r = '"'
		case '–', '—':
			r = '-'
		}
		if isSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(unicode.ToLower(r))
	}
	return strings.TrimRight(b.String(), ".!?:;, …")
}

func agrees(a, b string) bool {
	return a != "" && b != "" && norm(a) == norm(b)
}

// suffixAtSep says whether title is a short label, a separator and h1
// ("Opinion | Headline"). A label is short in words and no longer than the
// h1: "Headline :: Site" read backwards, with the site in the h1, is not one
// (in scripts without spaces, the word count says nothing).
func suffixAtSep(title, h1 string) bool {
	nt, nh := norm(title), norm(h1)
	if nh == "" || len(nt) <= len(nh) || !strings.HasSuffix(nt, nh) {
		return false
	}
	label := nt[:len(nt)-len(nh)]
	short := func(l string) bool {
		return l != "" && len(strings.Fields(l)) <= 4 && utf8.RuneCountInString(l) <= utf8.RuneCountInString(nh)
	}
	for _, sep := range titleSeps {
		if l, ok := strings.CutSuffix(label, sep); ok {
			return short(l)
		}
		if l, ok := strings.CutSuffix(label, strings.TrimLeft(sep, " ")); ok {
			return short(l)
		}
	}
	return false
}

// namedAfter says whether title is h1, a separator and then a headline that
// another source gives ("Site: Headline" with og:title "Headline"): the h1
// is then the site's name, however much it looks like the title's start.
func namedAfter(title, h1 string, others ...string) bool {
	nt, nh := norm(title), norm(h1)
	if !strings.HasPrefix(nt, nh) {
		return false
	}
	rest := strings.TrimLeft(nt[len(nh):], " |-:·•»«/｜_")
	for _, o := range others {
		if rest != "" && rest == norm(o) {
			return true
		}
	}
	return false
}

// prefixAtSep says whether title is h1 followed by a separator and more
// ("Headline - Anything"): the h1 is the headline whatever the rest is.
func prefixAtSep(title, h1 string) bool {
	nt, nh := norm(title), norm(h1)
	if nh == "" || !strings.HasPrefix(nt, nh) {
		return false
	}
	rest := strings.TrimLeft(nt[len(nh):], "?!.…")
	if rest == "" {
		return true
	}
	for _, sep := range titleSeps {
		if strings.HasPrefix(rest, sep) || strings.HasPrefix(rest, strings.TrimLeft(sep, " ")) {
			return true
		}
	}
	return false
}

// readsAsHeadline says whether an h1 that agrees with no meta title is still
// the article's headline: marked up as one (a bare h1 may be a page's
// heading of another kind), long enough to be one (not a section label or
// a logo), not a link home, and sharing at least a third of its words with
// one of the meta titles (so it is about the same story).
func (x *extractor) readsAsHeadline(n *html.Node, h1 string, metas ...string) bool {
	words := headlineWords(h1)
	if len(words) < 4 || !markedHeadline(n) || x.linksHome(n) {
		return false
	}
	for _, m := range metas {
		if m == "" {
			continue
		}
		if siteAffix(m, h1) {
			return false
		}
		have := map[string]bool{}
		for _, w := range headlineWords(m) {
			have[w] = true
		}
		shared := 0
		for _, w := range words {
			if have[w] {
				shared++
			}
		}
		if 3*shared >= len(words) {
			return true
		}
	}
	return false
}

// markedHeadline says the markup names n the headline: itemprop=headline,
// or a class word saying title, headline or hed ("entry-title",
// "article__hed").
func markedHeadline(n *html.Node) bool {
	if hasToken(strings.ToLower(attr(n, "itemprop")), "headline") {
		return true
	}
	for _, w := range strings.FieldsFunc(lowerASCII(clip(attr(n, "class"), 200)), func(r rune) bool { return r < 'a' || r > 'z' }) {
		if w == "hed" || w == "title" || w == "headline" || strings.HasSuffix(w, "title") && !strings.HasPrefix(w, "sub") {
			return true
		}
	}
	return false
}

// siteAffix says whether h1 is a part of title other than its first,
// after a separator ("Headline :: Site ::"): the h1 is then the site's name.
func siteAffix(title, h1 string) bool {
	_, ok := cutAffix(title, h1)
	return ok
}

// cutAffix returns title up to the separator before its part that is h1,
// when h1 is a part of it other than the first.
func cutAffix(title, h1 string) (string, bool) {
	nh := norm(h1)
	if nh == "" {
		return "", false
	}
	for _, sep := range titleSeps {
		parts := strings.Split(title, sep)
		for i := 1; i < len(parts); i++ {
			if norm(strings.Trim(parts[i], " :|-")) == nh {
				if head := strings.TrimSpace(strings.Join(parts[:i], sep)); head != "" {
					return head, true
				}
			}
		}
	}
	return "", false
}

// headlineWords are the lower-cased words of s; each Chinese or Japanese
// character counts as a word, as those scripts give no other unit (Korean
// spaces its words).
func headlineWords(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		word := unicode.IsLetter(r) || unicode.IsDigit(r)
		char := isIdeo(r) && !unicode.Is(unicode.Hangul, r)
		if start >= 0 && (!word || char) {
			out = append(out, strings.ToLower(s[start:i]))
			start = -1
		}
		switch {
		case char:
			out = append(out, string(r))
		case word && start < 0:
			start = i
		}
	}
	if start >= 0 {
		out = append(out, strings.ToLower(s[start:]))
	}
	return out
}

// linksHome says whether n holds a link to the site's front page or an
// image: a logo set in an h1.
func (x *extractor) linksHome(n *html.Node) bool {
	for c, seen := n.FirstChild, 0; c != nil && seen < 100; c, seen = nextIn(c, n), seen+1 {
		if c.Type != html.ElementNode {
			continue
		}
		if c.DataAtom == atom.Img || c.DataAtom == atom.Svg {
			return true
		}
		if c.DataAtom == atom.A {
			href := strings.TrimSpace(attr(c, "href"))
			if href == "/" || href == "./" {
				return true
			}
			if u, err := url.Parse(x.resolve(href)); err == nil && u.Host != "" && (u.Path == "" || u.Path == "/") && u.RawQuery == "" {
				return true
			}
		}
	}
	return false
}
