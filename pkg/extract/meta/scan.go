package meta

import (
	"math/bits"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Limits that keep hostile pages cheap: every list and text read is bounded
// so a page with a million <time> tags or a 10 MB attribute costs no more
// than an ordinary one.
const (
	maxCandidates = 96
	maxMetas      = 512
	maxLDScripts  = 16
	maxLDBytes    = 512 << 10
	maxAttrLen    = 4096
	maxTextSteps  = 3000 // nodes visited to read one candidate's text
	maxImgs       = 200
)

// metaTag is one <meta> with its key lower-cased: name, property, itemprop
// or http-equiv, whichever it carries.
type metaTag struct {
	key     string
	content string
}

// element is a node with its position in document order, so candidates can
// be compared by distance to the headline.
type element struct {
	n      *html.Node
	idx    int
	boiler *html.Node // innermost page-furniture ancestor (nav, sidebar, related list...), if any
}

// scan is everything one walk over the document collects. Extract reads only
// these small lists afterwards instead of querying the whole tree per field.
type scan struct {
	root      *html.Node
	htmlLang  string
	title     string
	metas     []metaTag
	canonical string
	amp       string
	ldjson    []string

	h1s         []element
	h2s         []element // headline-classed h2s, used when there is no h1
	times       []element // <time> and elements with itemprop date*
	authorNodes []element // itemprop=author, rel=author, class/id byline/author
	dateNodes   []element // class/id says date/time/published/...
	figures     []element
	imgs        []element // for captions outside <figure>
	articles    []element
}

// walk visits every node once, iteratively (hostile pages nest deeper than
// any recursion limit we would like to rely on).
// nextIn is the node after c in document order within root, descending into
// c's children first; nil when the walk has left root. Bounded walks over small
// regions use it instead of recursion, so deep pages cannot exhaust the stack.
func nextIn(c, root *html.Node) *html.Node {
	if c.FirstChild != nil {
		return c.FirstChild
	}
	for c != nil && c != root && c.NextSibling == nil {
		c = c.Parent
	}
	if c == nil || c == root {
		return nil
	}
	return c.NextSibling
}

func walk(root *html.Node) *scan {
	s := &scan{root: root, metas: make([]metaTag, 0, 64)}
	// Page-furniture subtrees we are inside, innermost last. Candidates
	// remember the innermost one; whether it really is furniture is only
	// known once the headline is (a "with-sidebar" wrapper may hold the
	// whole article), see extractor.dropBoilerplate.
	var boilers []*html.Node
	idx := 0
	n := root
	for n != nil {
		descend := true
		if n.Type == html.ElementNode {
			idx++
			var cur *html.Node
			if len(boilers) > 0 {
				cur = boilers[len(boilers)-1]
			}
			if n.DataAtom == atom.Nav {
				// Navigation never holds the article's byline or dateline,
				// and menus are a large share of a page's elements.
				descend = false
			} else {
				var boiler bool
				descend, boiler = s.visit(n, idx, cur)
				if descend && boiler && n.FirstChild != nil && len(boilers) < 64 {
					boilers = append(boilers, n)
				}
			}
		}
		if descend && n.FirstChild != nil {
			n = n.FirstChild
			continue
		}
		for n != nil && n != root && n.NextSibling == nil {
			n = n.Parent
			if len(boilers) > 0 && n == boilers[len(boilers)-1] {
				boilers = boilers[:len(boilers)-1]
			}
		}
		if n == nil || n == root {
			break
		}
		n = n.NextSibling
	}
	return s
}

// visit records n and says whether to walk its children and whether n is
// page furniture: navigation, footers, sidebars, related lists, comments.
func (s *scan) visit(n *html.Node, idx int, in *html.Node) (descend, boiler bool) {
	switch n.DataAtom {
	case atom.Html:
		if s.htmlLang == "" {
			s.htmlLang = attr(n, "lang")
			if s.htmlLang == "" {
				s.htmlLang = attr(n, "xml:lang")
			}
		}
	case atom.Title:
		if s.title == "" && !inSVG(n) {
			s.title = textOf(n, 600)
		}
		return false, false
	case atom.Meta:
		s.addMeta(n)
		return false, false
	case atom.Link:
		rel := strings.ToLower(attr(n, "rel"))
		switch {
		case s.canonical == "" && hasToken(rel, "canonical"):
			s.canonical = attr(n, "href")
		case s.amp == "" && hasToken(rel, "amphtml"):
			s.amp = attr(n, "href")
		case hasToken(rel, "author"):
			s.authorNodes = appendCand(s.authorNodes, n, idx, in)
		}
		return false, false
	case atom.Script:
		if len(s.ldjson) < maxLDScripts && strings.EqualFold(strings.TrimSpace(attr(n, "type")), "application/ld+json") {
			if t := rawText(n, maxLDBytes); t != "" {
				s.ldjson = append(s.ldjson, t)
			}
		}
		return false, false
	case atom.Style, atom.Noscript, atom.Template, atom.Svg, atom.Iframe, atom.Select, atom.Textarea, atom.Button:
		return false, false
	case atom.Img:
		if len(s.imgs) < maxImgs {
			s.imgs = append(s.imgs, element{n, idx, in})
		}
		return false, false
	case atom.Source, atom.Br, atom.Hr, atom.Input, atom.Wbr, atom.Col, atom.Track, atom.Area, atom.Param, atom.Embed:
		// Void elements carry no byline or dateline; figures read their
		// images later.
		return false, false
	case atom.H1:
		if len(s.h1s) < 12 {
			s.h1s = append(s.h1s, element{n, idx, in})
		}
	case atom.H2:
		// Some templates set the headline in an h2; it stands in when the
		// page has no h1.
		if len(s.h2s) < 4 && containsAny(lowerASCII(clip(attr(n, "class")+" "+attr(n, "itemprop"), 200)), "headline", "title") {
			s.h2s = append(s.h2s, element{n, idx, in})
		}
	case atom.Time:
		s.times = appendCand(s.times, n, idx, in)
	case atom.Figure:
		s.figures = appendCand(s.figures, n, idx, in)
	case atom.Article:
		if len(s.articles) < 8 {
			s.articles = append(s.articles, element{n, idx, in})
		}
	}
	switch n.DataAtom {
	case atom.Nav, atom.Footer, atom.Aside, atom.Form:
		boiler = true
	}
	if in != nil && (in.DataAtom == atom.Footer || in.DataAtom == atom.Aside) {
		// Footers and sidebars hold no headline, so nothing in them is
		// ever kept: skip the class analysis.
		return true, boiler
	}
	var class, id, itemprop, rel, href string
	for _, a := range n.Attr {
		switch a.Key {
		case "href":
			href = a.Val
		case "role":
			switch strings.ToLower(a.Val) {
			case "navigation", "complementary", "contentinfo", "menu", "menubar":
				boiler = true
			}
		case "class":
			class = a.Val
		case "id":
			id = a.Val
		case "itemprop":
			itemprop = a.Val
		case "rel":
			rel = a.Val
		}
	}
	rel, itemprop = clip(rel, 256), clip(itemprop, 256)
	if itemprop != "" {
		ip := strings.ToLower(itemprop)
		switch {
		case hasToken(ip, "author") || hasToken(ip, "creator"):
			s.authorNodes = appendCand(s.authorNodes, n, idx, in)
			return true, boiler
		case hasToken(ip, "datepublished") || hasToken(ip, "datemodified") || hasToken(ip, "datecreated"):
			if n.DataAtom != atom.Time {
				s.times = appendCand(s.times, n, idx, in)
			}
		}
	}
	if n.DataAtom == atom.A && (rel != "" && hasToken(strings.ToLower(rel), "author") || isAuthorHref(href)) {
		s.authorNodes = appendCand(s.authorNodes, n, idx, in)
		return true, boiler
	}
	if class == "" && id == "" {
		return true, boiler
	}
	bits := classBits(class) | classBits(id)
	if bits&kwBoiler != 0 && !inlineAtom(n.DataAtom) {
		boiler = true
	}
	switch n.DataAtom {
	case atom.Article, atom.Main, atom.Body, atom.Html:
		// WordPress puts "status-publish" on the whole article: a
		// container of everything is no dateline.
		return true, boiler
	}
	switch classify(bits) {
	case hintAuthor:
		s.authorNodes = appendCand(s.authorNodes, n, idx, in)
	case hintDate:
		s.dateNodes = appendCand(s.dateNodes, n, idx, in)
	case hintBoth:
		s.authorNodes = appendCand(s.authorNodes, n, idx, in)
		s.dateNodes = appendCand(s.dateNodes, n, idx, in)
	}
	return true, boiler
}

func appendCand(list []element, n *html.Node, idx int, boiler *html.Node) []element {
	if len(list) >= maxCandidates {
		return list
	}
	return append(list, element{n, idx, boiler})
}

func (s *scan) addMeta(n *html.Node) {
	if len(s.metas) >= maxMetas {
		return
	}
	var key, content string
	var hasContent bool
	for _, a := range n.Attr {
		switch a.Key {
		case "name", "property", "itemprop", "http-equiv":
			if key == "" || a.Key == "property" {
				key = a.Val
			}
		case "content":
			content, hasContent = a.Val, true
		case "datetime":
			if !hasContent {
				content = a.Val
			}
		}
	}
	if key == "" {
		return
	}
	content = strings.TrimSpace(clip(content, maxAttrLen))
	if content == "" {
		return
	}
	// RDFa lets one tag carry several properties ("og:title twitter:title");
	// each names the same content. Dublin Core is written "dc:creator" as
	// often as "DC.creator": one spelling is kept.
	for i, k := range strings.Fields(strings.ToLower(key)) {
		if i >= 4 || len(s.metas) >= maxMetas {
			break
		}
		for _, p := range [...]string{"dc:", "dcterms:"} {
			if strings.HasPrefix(k, p) {
				k = p[:len(p)-1] + "." + k[len(p):]
			}
		}
		s.metas = append(s.metas, metaTag{key: k, content: content})
	}
}

// meta returns the first non-empty content among keys, in key order.
func (s *scan) meta(keys ...string) string {
	for _, k := range keys {
		for _, m := range s.metas {
			if m.key == k {
				return m.content
			}
		}
	}
	return ""
}

// metaAll returns every content of key in document order.
func (s *scan) metaAll(key string) []string {
	var out []string
	for _, m := range s.metas {
		if m.key == key {
			out = append(out, m.content)
		}
	}
	return out
}

// Class and id keywords. A class attribute is scanned once for all of
// them (classBits), since this runs for every element of every page.
const (
	kwAuthor uint8 = 1 << iota
	kwDate
	kwBoth // containers named "meta"/"info" often hold byline and dateline
	kwComment
	kwBoiler
)

var keywords = []struct {
	word string
	bits uint8
}{
	{"byline", kwAuthor | kwBoth}, {"author", kwAuthor}, {"writer", kwAuthor}, {"reporter", kwAuthor}, {"journalist", kwAuthor},
	{"contributor", kwAuthor}, {"by-line", kwAuthor}, {"posted-by", kwAuthor}, {"autor", kwAuthor}, {"auteur", kwAuthor},
	{"signature", kwAuthor}, {"firma", kwAuthor}, {"verfasser", kwAuthor}, {"assinatura", kwAuthor}, {"yazar", kwAuthor}, {"penulis", kwAuthor}, {"forfatter", kwAuthor},
	{"date", kwDate}, {"time", kwDate}, {"publish", kwDate}, {"posted", kwDate}, {"timestamp", kwDate}, {"dateline", kwDate | kwBoth},
	{"datum", kwDate}, {"fecha", kwDate}, {"publica", kwDate}, {"zeit", kwDate}, {"hora", kwDate}, {"tarih", kwDate}, {"dato", kwDate}, {"updated", kwDate}, {"article-info", kwDate}, {"article__info", kwDate},
	{"meta", kwBoth}, {"info", kwBoth}, {"credit", kwBoth}, {"submitted", kwBoth},
	{"comment", kwComment | kwBoiler}, {"reply", kwComment},
	{"related", kwBoiler}, {"sidebar", kwBoiler}, {"footer", kwBoiler}, {"recommend", kwBoiler}, {"popular", kwBoiler},
	{"trending", kwBoiler}, {"most-read", kwBoiler}, {"mostread", kwBoiler}, {"newsletter", kwBoiler}, {"outbrain", kwBoiler},
	{"taboola", kwBoiler}, {"teaser", kwBoiler}, {"menu", kwBoiler}, {"more-stories", kwBoiler}, {"read-more", kwBoiler}, {"readmore", kwBoiler},
}

// kwByte[k][c] is the set (bit i = keywords[i]) of keywords whose k-th
// byte is c; the AND of the first three at a position leaves the few
// keywords worth comparing, usually none.
var kwByte = func() (t [3][256]uint64) {
	if len(keywords) > 64 {
		panic("meta: more than 64 class keywords")
	}
	for i, k := range keywords {
		for j := 0; j < 3; j++ {
			t[j][k.word[j]] |= 1 << i
		}
	}
	return t
}()

// classBits returns the keyword bits found in a class or id value,
// ignoring ASCII case, in one pass.
func classBits(v string) uint8 {
	// Semantic class names come first; utility-class tails ("text-sm
	// font-bold ...") are long and never say byline.
	if len(v) > 120 {
		v = v[:120]
	}
	var out uint8
	for i := 0; i+3 < len(v); i++ {
		m := kwByte[0][v[i]|0x20] & kwByte[1][v[i+1]|0x20] & kwByte[2][v[i+2]|0x20]
		for m != 0 {
			k := bits.TrailingZeros64(m)
			m &= m - 1
			w := keywords[k].word
			if len(v)-i >= len(w) && equalFoldASCII(v[i:i+len(w)], w) {
				out |= keywords[k].bits
			}
		}
	}
	return out
}

func equalFoldASCII(s, lower string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

type hint int

const (
	hintNone hint = iota
	hintAuthor
	hintDate
	hintBoth
)

// classify turns keyword bits into the kind of candidate an element is.
func classify(bits uint8) hint {
	author, date, both := bits&kwAuthor != 0, bits&kwDate != 0, bits&kwBoth != 0
	switch {
	case bits&kwComment != 0:
		return hintNone
	case author && date, both:
		return hintBoth
	case author:
		return hintAuthor
	case date:
		return hintDate
	}
	return hintNone
}

// inlineAtom elements are never page furniture by themselves: a
// <span class="related-tag"> inside the byline is still the byline.
func inlineAtom(a atom.Atom) bool {
	switch a {
	case atom.Html, atom.Body, atom.Head, atom.Main, atom.P, atom.Span, atom.A, atom.Time, atom.H1, atom.Article:
		return true
	}
	return false
}

// authorPaths are URL path segments of author pages: a link to one is
// the byline's name in most templates (/author/jane-doe/).
var authorPaths = []string{"author", "autor", "auteur", "staff/", "writer", "journalist", "reporter",
	"columnist", "by/", "byline", "redakteur", "contributor", "redaccion/", "giornalisti/", "jornalista", "yazar", "avtor",
	"kontributor", "penulis", "firmas/", "periodista", "forfatter", "skribent", "toimittaja", "kirjoittaja", "dziennikarz"}

var authorPathFirst = func() (t [256]bool) {
	for _, p := range authorPaths {
		t[p[0]] = true
	}
	return t
}()

func isAuthorHref(h string) bool {
	if len(h) > 300 {
		h = h[:300]
	}
	for i := 0; i+2 < len(h); i++ {
		j := strings.IndexByte(h[i:], '/')
		if j < 0 {
			return false
		}
		i += j
		if i+2 >= len(h) || !authorPathFirst[h[i+1]|0x20] {
			continue
		}
		rest := h[i+1:]
		for _, p := range authorPaths {
			if len(rest) >= len(p) && equalFoldASCII(rest[:len(p)], p) {
				return true
			}
		}
	}
	return false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return clip(a.Val, maxAttrLen)
		}
	}
	return ""
}

func clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max]
}

// hasToken says whether the space-separated list holds tok.
func hasToken(list, tok string) bool {
	for len(list) > 0 {
		i := strings.Index(list, tok)
		if i < 0 {
			return false
		}
		end := i + len(tok)
		if (i == 0 || isSpaceByte(list[i-1])) && (end == len(list) || isSpaceByte(list[end])) {
			return true
		}
		list = list[end:]
	}
	return false
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// lowerASCII lower-cases without allocating when s is already lower case.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c >= 'A' && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func inSVG(n *html.Node) bool {
	return n.Parent != nil && n.Parent.Namespace == "svg"
}

// rawText is the text content of a script-like element, bounded.
func rawText(n *html.Node, max int) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			if b.Len()+len(c.Data) > max {
				return ""
			}
			b.WriteString(c.Data)
		}
	}
	return strings.TrimSpace(b.String())
}

// textOf returns n's visible text with whitespace collapsed, at most max
// bytes. It walks iteratively and visits at most maxTextSteps nodes.
func textOf(n *html.Node, max int) string {
	return textOfExcept(n, nil, max)
}

// textOfExcept is textOf leaving out the subtree at skip.
func textOfExcept(n, skip *html.Node, max int) string {
	var b strings.Builder
	var space gap
	c := n.FirstChild
	if n.Type == html.TextNode {
		appendText(&b, n.Data, &space, max)
		return b.String()
	}
	for steps := 0; c != nil && b.Len() < max && steps < maxTextSteps; steps++ {
		descend := false
		switch c.Type {
		case html.TextNode:
			appendText(&b, c.Data, &space, max)
		case html.ElementNode:
			switch c.DataAtom {
			case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Svg, atom.Iframe, atom.Select, atom.Button:
			case atom.Br, atom.P, atom.Div, atom.Li, atom.Td, atom.Tr, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
				space = gapHard
				descend = c != skip
			default:
				space = space.join(elementGap(c.DataAtom))
				descend = c != skip
			}
		}
		if descend && c.FirstChild != nil {
			c = c.FirstChild
			continue
		}
		for c != nil && c != n && c.NextSibling == nil {
			c = c.Parent
			if c != nil && c.Type == html.ElementNode && isBlock(c.DataAtom) {
				space = gapHard
			}
		}
		if c == nil || c == n {
			break
		}
		c = c.NextSibling
	}
	return b.String()
}

// textLines returns n's text split at block boundaries and <br>, each line
// whitespace-collapsed; bylines and datelines often share one container.
func textLines(n *html.Node, max int) []string {
	var lines []string
	var b strings.Builder
	var space gap
	total := 0
	flush := func() {
		if b.Len() > 0 {
			lines = append(lines, b.String())
			total += b.Len()
			b.Reset()
		}
		space = gapNone
	}
	c := n.FirstChild
	for steps := 0; c != nil && total+b.Len() < max && steps < maxTextSteps; steps++ {
		descend := false
		switch c.Type {
		case html.TextNode:
			appendText(&b, c.Data, &space, max)
		case html.ElementNode:
			switch c.DataAtom {
			case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Svg, atom.Iframe, atom.Select, atom.Button:
			case atom.Br:
				flush()
			default:
				if isBlock(c.DataAtom) {
					flush()
				}
				space = space.join(elementGap(c.DataAtom))
				// A byline block names the city reported from in its own
				// element ("São Paulo", "New York"): a place, read as a name.
				cl := lowerASCII(clip(attr(c, "class"), 200))
				descend = !strings.Contains(cl, "location") || containsAny(cl, "date", "time")
			}
		}
		if descend && c.FirstChild != nil {
			c = c.FirstChild
			continue
		}
		for c != nil && c != n && c.NextSibling == nil {
			c = c.Parent
			if c != nil && c.Type == html.ElementNode && isBlock(c.DataAtom) {
				flush()
			}
		}
		if c == nil || c == n {
			break
		}
		c = c.NextSibling
	}
	flush()
	return lines
}

// gap is what separates the text before an element boundary from the text
// after it.
type gap uint8

const (
	gapNone gap = iota
	gapSoft     // inline element: a space unless a word continues
	gapHard     // whitespace or a block boundary
)

func (g gap) join(h gap) gap { return max(g, h) }

// elementGap says how an element's start separates text. Formatting tags
// sit inside words ("<b>Mac</b>Leod"); other inline elements usually
// separate ("<span>Jane Doe</span><span>Reporter</span>") but sometimes
// style a letter ("Molly Woo<span>d</span>"), which appendText tells apart
// by the case of the next letter.
func elementGap(a atom.Atom) gap {
	switch a {
	case atom.B, atom.I, atom.Em, atom.Strong, atom.U, atom.Small, atom.Sup, atom.Sub, atom.Mark, atom.Abbr, atom.Wbr, atom.S:
		return gapNone
	case atom.Span, atom.A, atom.Font, atom.Label, atom.Time, atom.Cite, atom.Q, atom.Code:
		return gapSoft
	}
	return gapHard
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Li, atom.Ul, atom.Ol, atom.Td, atom.Tr, atom.Table, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Section, atom.Article, atom.Header, atom.Footer, atom.Figure, atom.Figcaption, atom.Dl, atom.Dt, atom.Dd, atom.Address, atom.Blockquote, atom.Time:
		return true
	}
	return false
}

func appendText(b *strings.Builder, s string, space *gap, max int) {
	for i := 0; i < len(s); {
		if b.Len() >= max {
			return
		}
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch c {
			case ' ', '\t', '\n', '\r', '\f', '\v':
				*space = gapHard
				continue
			case 0:
				continue
			}
			writeGap(b, *space, rune(c))
			*space = gapNone
			b.WriteByte(c)
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if isSpace(r) {
			*space = gapHard
			continue
		}
		if r == utf8.RuneError || r == '\u200b' || r == '\u00ad' || r == '\ufeff' {
			continue
		}
		writeGap(b, *space, r)
		*space = gapNone
		b.WriteString(s[i-size : i])
	}
}

func writeGap(b *strings.Builder, g gap, next rune) {
	if g == gapNone || b.Len() == 0 {
		return
	}
	if g == gapSoft && unicode.IsLower(next) {
		if last, _ := utf8.DecodeLastRuneInString(b.String()); unicode.IsLetter(last) {
			return // "Woo" + "d": one word styled in two elements
		}
	}
	b.WriteByte(' ')
}

func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\f', '\v', 0xa0, 0x2002, 0x2003, 0x2009, 0x200a, 0x202f, 0x3000, 0x85, 0x2028, 0x2029:
		return true
	}
	return false
}

// collapse normalises whitespace in s.
func collapse(s string) string {
	var b strings.Builder
	var space gap
	appendText(&b, s, &space, len(s)+1)
	return b.String()
}

// contains says whether n is an ancestor of (or is) c, looking at most 200
// levels up.
func contains(n, c *html.Node) bool {
	for i := 0; c != nil && i < 200; i, c = i+1, c.Parent {
		if c == n {
			return true
		}
	}
	return false
}
