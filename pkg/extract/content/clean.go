package content

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// drop decides, inside the chosen article, which subtrees are boilerplate
// after all: readability's conditional cleaning, on the counts the scoring
// pass already made.
func (r *renderer) drop(e *entry) bool {
	a := e.n.DataAtom
	if e.hint&hintCaption != 0 && e.chars < 400 && a != atom.Figure && !captionProse(e) {
		r.captionText(e)
		// The picture has its caption: the next short line is text.
		r.afterImage = false
		return true
	}
	if e.hint&hintByline != 0 && e.chars < 600 && isBlock(a) {
		// Author boxes and date lines, at the top or the bottom.
		return true
	}
	if r.isCard(e) {
		// A card of picture and links inside running text: a hover card
		// or tooltip, shown on demand, not part of the sentence.
		return true
	}
	if a == atom.Figure && e.imgs > 0 && e.chars < 300 {
		r.figureImages(e)
		return true
	}
	weight := hintWeight(e.hint)
	switch a {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		// Linked headings stay: list articles link their items' names.
		// Teaser headings go with their teaser box or as link lines.
		return weight < 0
	case atom.Form, atom.Fieldset, atom.Table, atom.Ul, atom.Ol, atom.Div, atom.Section, atom.Aside,
		atom.Header, atom.Footer, atom.Dl, atom.Nav:
	default:
		return false
	}
	if e.hint&hintJunk != 0 && float32(weight)+e.score < 0 {
		return true
	}
	if e.commas >= 10 {
		return false
	}
	isList := a == atom.Ul || a == atom.Ol || a == atom.Dl
	ld := e.linkDensity()
	p, img, li := e.paras, e.imgs, e.lis
	switch {
	case img > 1 && p == 0:
		return true
	case !isList && li > p+1 && a != atom.Table && ld > 0.1:
		return true
	case !isList && e.chars < minParaChars && (img == 0 || img > 2):
		// Short text is a label or a widget's stub, unless it reads like
		// a subheading: a few words, no links, no boilerplate hint.
		return e.chars < 8 || ld > 0 || e.hint&(hintWeak|hintJunk) != 0 && e.hint&hintGood == 0 || e.blocks > 1
	case !isList && weight < 25 && ld > 0.2:
		// A mixed block is judged by its children: prose in it stays,
		// its link lists go on their own.
		return !r.holdsProse(e)
	case weight >= 25 && ld > 0.5:
		return true
	case isList && float64(e.linkChars) > 0.45*float64(e.chars):
		// Raw density here: a list of half-linked headlines is a related
		// list even though each item reads like a sentence; unless the
		// article goes on after it (see linklist.go).
		return !r.listInBody(e)
	}
	return false
}

// captionProse reports a block named like a caption that holds paragraphs
// of text: a video's or a story's description, which pages class as the
// "caption" of the player or the card. A picture's caption is a line and
// its credit, seldom two paragraphs of some length.
func captionProse(e *entry) bool {
	return e.paras >= 2 && e.chars >= minBodyPara
}

// holdsProse reports whether at least two children of e are paragraphs of
// prose, long, with few links: more than a teaser's summary line.
func (r *renderer) holdsProse(e *entry) bool {
	i := r.cursor - 1 // enter has moved past e
	if i < 0 || r.entries[i].n != e.n {
		return false
	}
	n := 0
	for c := i + 1; c < e.end; c = r.entries[c].end {
		k := &r.entries[c]
		if k.n.DataAtom == atom.P && k.chars >= proseMinChars && k.linkDensity() < 0.2 && k.hint&(hintJunk|hintAd) == 0 {
			n++
		}
	}
	return n >= 2
}

// captionText gives the text of a caption-like element outside <figure> to
// the latest image, unless that one has a caption already.
func (r *renderer) captionText(e *entry) {
	if len(r.images) == 0 {
		return
	}
	var b []byte
	walk(e.n, func(n *html.Node) bool {
		if n.Type == html.TextNode {
			b = appendCollapsed(b, n.Data)
		}
		return true
	}, nil)
	r.setCaption(len(r.images)-1, strings.TrimSpace(string(b)), "")
}

// dropLead filters blocks before the first real paragraph: the repeated
// headline, and author or date lines.
func (r *renderer) dropLead(b block) bool {
	if b.at == atom.H1 {
		return true
	}
	if r.opts.Title != "" && sameText(b.text, r.opts.Title) {
		return true
	}
	chars, _ := textStats(b.text)
	if chars < minBodyPara && b.byline {
		return true
	}
	if chars < 80 && hasAnyPrefixFold(b.text, bylinePrefixes) {
		return true
	}
	if chars < 120 && !endsProse(b.text) && (r.namesAuthor(b.text) || r.givesDate(b.text)) {
		return true
	}
	return looksLikeDateline(b.text)
}

// namesAuthor reports whether s contains one of the article's authors.
func (r *renderer) namesAuthor(s string) bool {
	for _, a := range r.opts.Authors {
		if utf8.RuneCountInString(a) >= 4 && strings.Contains(strings.ToLower(s), strings.ToLower(a)) {
			return true
		}
	}
	return false
}

// givesDate reports whether s holds the article's publication date: its
// year and its day of the month, in whatever language the month is named.
func (r *renderer) givesDate(s string) bool {
	p := r.opts.Published
	if p.IsZero() {
		return false
	}
	year, day := strconv.Itoa(p.Year()), strconv.Itoa(p.Day())
	hasYear, hasDay := false, false
	for _, w := range strings.FieldsFunc(s, func(c rune) bool { return c < '0' || c > '9' }) {
		w = strings.TrimLeft(w, "0")
		hasYear = hasYear || w == year
		hasDay = hasDay || w == day
	}
	return hasYear && hasDay
}

// endsProse reports whether s ends like a sentence or a quote.
func endsProse(s string) bool {
	s = strings.TrimRightFunc(s, unicode.IsSpace)
	return strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") ||
		strings.HasSuffix(s, "。") || strings.HasSuffix(s, "\"") || strings.HasSuffix(s, "”")
}

// looksLikeDateline reports a short line that is mostly a date or time —
// "Updated 10:01 pm PST, Tuesday, November 19, 2019", "05/10/2018",
// "3 min read" — and not a sentence.
func looksLikeDateline(s string) bool {
	if strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "a.m.") && !strings.HasSuffix(s, "p.m.") ||
		strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "\"") || strings.HasSuffix(s, "”") {
		return false // a sentence or a quote
	}
	if len(s) > 200 {
		return false
	}
	words, digitWords, year, clock, leadingDate := 0, 0, false, false, false
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == ',' || r == '|' || r == '·' }) {
		words++
		digits := 0
		for _, r := range w {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if digits > 0 {
			digitWords++
		}
		if digits == 4 && len(w) <= 6 && (strings.HasPrefix(w, "19") || strings.HasPrefix(w, "20")) {
			year = true
		}
		if digits >= 3 && strings.Contains(w, ":") || digits >= 6 && strings.Count(w, "/")+strings.Count(w, ".")+strings.Count(w, "-") >= 2 {
			clock = true
			leadingDate = leadingDate || words == 1
		}
	}
	// A meta row that opens with the date may go on with author, section
	// and tags: "05/10/2018 - Publicado por: ... - Categoria: ...".
	if words == 0 || words > 12 && !(leadingDate && words <= 20) || words <= 12 && len(s) > 100 {
		return false
	}
	if leadingDate {
		return true
	}
	if (year || clock) && 4*digitWords >= words {
		// Dates are dense with numbers; a line that only mentions a
		// year ("Trump's 2020 plan") is not one.
		return true
	}
	// "5 min read", "Tempo de leitura: 2 minutos".
	return words <= 6 && digitWords >= 1 && strings.Contains(strings.ToLower(s), "min")
}

// creditPhrases end wire copy: who reported and edited it. They are not
// the story and benchmarks leave them out.
var creditPhrases = []string{"reporting by", "editing by", "contributed to this report", "contributed reporting", "additional reporting",
	// Promotions that close a story: newsletters, social accounts.
	"sign up for", "subscribe to", "follow us on", "newsletter",
	"if you enjoyed this article", "support our journalism", "become a member", "subscribe now",
	"share this story", "share it with a friend", "share this article"}

// bylinePrefixes open an author line, in the languages of most news sites.
var bylinePrefixes = []string{"by ", "by:", "posted by ", "written by ", "von ", "por ", "par ", "door ", "escrito por "}

// filingPrefixes open the lines that file a post under categories and tags.
var filingPrefixes = []string{"filed under", "posted in", "categories:", "category:", "tags:", "tagged:", "tagged with", "topics:"}

func hasAnyPrefixFold(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if hasPrefixFold(s, p) {
			return true
		}
	}
	return false
}

// commentWords name a comment section in the languages of most news sites.
var commentWords = []string{"comment", "coment", "komment", "коммент", "reacties", "reply", "respuestas"}

// dropTail cuts trailing credit lines from the rendered text and HTML.
func (r *renderer) dropTail() {
	// A "Comments" heading near the end starts the discussion, not the
	// story: cut from there.
	for k := max(1, len(r.spans)-3); k < len(r.spans); k++ {
		sp := r.spans[k]
		if t := strings.TrimSpace(string(r.text[sp.text:sp.textEnd])); sp.heading && len(t) < 40 &&
			strings.Count(t, " ") < 4 && containsAnyFold(t, commentWords) {
			for len(r.spans) > k {
				r.cutLast()
			}
			break
		}
	}
	for k := 0; k < 3 && len(r.spans) > 1; k++ {
		sp := r.spans[len(r.spans)-1]
		if sp.h {
			// A heading with nothing under it introduced what was cut.
			r.cutLast()
			continue
		}
		block := strings.TrimSpace(string(r.text[sp.text:sp.textEnd])) // sp.text covers the separator
		if len(block) > 400 || !containsAnyFold(block, creditPhrases) && !hasAnyPrefixFold(block, filingPrefixes) &&
			!(len(block) < 300 && hasEmail(block)) {
			return
		}
		r.cutLast()
	}
}

func containsAnyFold(s string, phrases []string) bool {
	l := strings.ToLower(s)
	for _, p := range phrases {
		if strings.Contains(l, p) {
			return true
		}
	}
	return false
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// sameText compares two texts by their letters and digits, case-folded, and
// also accepts a block that is the title without the " - Site name" tail.
func sameText(block, title string) bool {
	bi, ti := 0, 0
	next := func(s string, i int) (rune, int) {
		for i < len(s) {
			r, size := rune(s[i]), 1
			if r >= 0x80 {
				r, size = utf8.DecodeRuneInString(s[i:])
			}
			i += size
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return unicode.ToLower(r), i
			}
		}
		return -1, i
	}
	matched := 0
	for {
		br, nbi := next(block, bi)
		tr, nti := next(title, ti)
		if br < 0 {
			// The block ended: the title may go on with a site-name suffix.
			return tr < 0 || matched >= 20 && (strings.ContainsAny(title[ti:], "|–—") || strings.Contains(title[ti:], " - "))
		}
		if br != tr {
			return false
		}
		matched++
		bi, ti = nbi, nti
	}
}

// figureImages records the images of a picture <figure>, whose text is all
// caption and credit: the figcaption is the caption, any other text (a
// <cite>, a credit line) the credit.
func (r *renderer) figureImages(e *entry) {
	first := len(r.images)
	var caption, credit []byte
	inCaption := 0
	walk(e.n, func(n *html.Node) bool {
		switch n.Type {
		case html.TextNode:
			if inCaption > 0 {
				caption = appendCollapsed(caption, n.Data)
			} else {
				credit = appendCollapsed(credit, n.Data)
			}
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Img:
				r.image(n)
			case atom.Figcaption:
				inCaption++
			}
		}
		return true
	}, func(n *html.Node) {
		if n.Type == html.ElementNode && n.DataAtom == atom.Figcaption {
			inCaption--
		}
	})
	if len(caption) == 0 {
		caption, credit = credit, nil
	}
	cp, cr := splitCredit(string(caption), string(credit))
	for i := first; i < len(r.images); i++ {
		r.setCaption(i, cp, cr)
	}
}

// splitCredit trims a caption and, when no credit was marked up, takes a
// trailing "(Agency)" or "Photo: Name" as the credit.
func splitCredit(caption, credit string) (string, string) {
	caption, credit = strings.TrimSpace(caption), strings.TrimSpace(credit)
	if credit != "" {
		return caption, credit
	}
	if strings.HasSuffix(caption, ")") {
		if i := strings.LastIndexByte(caption, '('); i > 0 && len(caption)-i < 50 {
			return strings.TrimSpace(caption[:i]), strings.TrimSpace(caption[i+1 : len(caption)-1])
		}
	}
	for _, p := range []string{" Photo: ", " Photograph: ", " Credit: ", " Image: "} {
		if i := strings.LastIndex(caption, p); i > 0 && len(caption)-i < 60 {
			return strings.TrimSpace(caption[:i]), strings.TrimSpace(caption[i+len(p):])
		}
	}
	return caption, ""
}

// isCard reports an inline element that is a picture and links and nothing
// else, and is the innermost such: its wrapper may hold the linked name
// that the sentence needs.
func (r *renderer) isCard(e *entry) bool {
	card := func(e *entry) bool {
		return !isBlock(e.n.DataAtom) && e.n.DataAtom != atom.A && e.imgs > 0 && e.chars > 50 && e.linkDensity() > 0.85
	}
	if !card(e) {
		return false
	}
	i := r.cursor - 1 // enter has moved past e
	if i < 0 || r.entries[i].n != e.n {
		return false
	}
	for c := i + 1; c < e.end; c = r.entries[c].end {
		if card(&r.entries[c]) {
			return false
		}
	}
	return true
}

// hasEmail reports an e-mail address in s: a closing "write to me at" line.
func hasEmail(s string) bool {
	for i := strings.IndexByte(s, '@'); i >= 0; {
		end := i + 1
		for end < len(s) && s[end] != ' ' && s[end] != ',' && s[end] != ')' {
			end++
		}
		if i > 0 && s[i-1] != ' ' && strings.IndexByte(s[i+1:end], '.') > 0 {
			return true
		}
		j := strings.IndexByte(s[i+1:], '@')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}
