package content

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// entry is what the scoring pass knows about one element. Entries are in
// document order, so an element's subtree is entries[i:end] and the render
// pass can find an element's entry by walking the same tree in step.
type entry struct {
	n         *html.Node
	end       int32 // index after the last descendant
	parent    int32 // -1 for the root
	chars     int32 // text characters in the subtree, whitespace not counted
	linkChars int32 // characters inside <a>
	forgiven  int32 // link characters inside running text, which do not make navigation
	commas    int32
	paras     int32 // paragraph-like descendants with text
	imgs      int32
	lis       int32
	articles  int32 // <article> descendants, itself excluded
	blocks    int32 // block-level children
	score     float32
	hint      uint8
	scored    bool // received score from a paragraph, so it is a candidate
}

func (e *entry) linkDensity() float64 {
	if e.chars == 0 {
		return 0
	}
	return float64(e.linkChars-e.forgiven) / float64(e.chars)
}

// isBlock lists elements that start a new block of text.
func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Section, atom.Article, atom.Main, atom.Header, atom.Footer, atom.Nav, atom.Aside,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Ul, atom.Ol, atom.Li, atom.Dl, atom.Dt, atom.Dd,
		atom.Blockquote, atom.Pre, atom.Table, atom.Tr, atom.Td, atom.Th, atom.Thead, atom.Tbody, atom.Tfoot,
		atom.Caption, atom.Figure, atom.Figcaption, atom.Hr, atom.Address, atom.Center, atom.Details,
		atom.Summary, atom.Form, atom.Fieldset, atom.Body, atom.Html, atom.Br:
		return true
	}
	return false
}

// tagWeight is readability's prior on which elements hold articles.
func tagWeight(a atom.Atom) float32 {
	switch a {
	case atom.Div, atom.Article, atom.Main, atom.Section:
		return 5
	case atom.Pre, atom.Td, atom.Blockquote:
		return 3
	case atom.Address, atom.Ol, atom.Ul, atom.Dl, atom.Dd, atom.Dt, atom.Li, atom.Form:
		return -3
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Th:
		return -5
	}
	return 0
}

// minParaChars is the shortest text that counts as a paragraph.
const minParaChars = 25

// paragraphTag lists the elements that are a paragraph themselves: their
// text scores their parent first. Text anywhere else is an implicit
// paragraph of its nearest block container, which it scores first.
func paragraphTag(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Pre, atom.Td, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return true
	}
	return false
}

type run struct {
	block  int32 // the block element whose inline text this is
	chars  int32
	commas int32
	links  int32
	// teaser is set when the run's text so far ends in an ellipsis: an
	// excerpt of another article, not a paragraph of this one.
	teaser bool
}

// scorer holds the state of the scoring pass.
type scorer struct {
	entries []entry
	stack   []int32 // open elements
	runs    []run   // open block elements' current text runs
	inA     int
	// classCache remembers the hints of class and id values seen.
	classCache map[string]uint8
}

// score builds the entries of root's subtree and gives every element that
// holds paragraphs a readability-style content score: each paragraph (a
// text run of at least minParaChars between blocks or line breaks) adds
// 1 + commas + up to 3 for length to its parent, half that to its
// grandparent and a third or less further up.
func score(root *html.Node, entries []entry, classCache map[string]uint8) []entry {
	sc := &scorer{entries: entries[:0], classCache: classCache}
	walk(root, sc.enter, sc.leave)
	return sc.entries
}

func (sc *scorer) enter(n *html.Node) bool {
	switch n.Type {
	case html.TextNode:
		if len(sc.stack) == 0 {
			return false
		}
		c, commas := textStats(n.Data)
		e := &sc.entries[sc.stack[len(sc.stack)-1]]
		e.chars += int32(c)
		e.commas += int32(commas)
		if sc.inA > 0 {
			e.linkChars += int32(c)
		}
		if len(sc.runs) > 0 {
			r := &sc.runs[len(sc.runs)-1]
			r.chars += int32(c)
			r.commas += int32(commas)
			if sc.inA > 0 {
				r.links += int32(c)
			}
			if c > 0 {
				r.teaser = endsWithEllipsis(n.Data)
			}
		}
		return false
	case html.ElementNode:
	default:
		return n.Type == html.DocumentNode
	}
	parent := int32(-1)
	block := isBlock(n.DataAtom)
	if len(sc.stack) > 0 {
		parent = sc.stack[len(sc.stack)-1]
		if block {
			sc.entries[parent].blocks++
		}
	}
	if block && len(sc.runs) > 0 {
		// A block child or a line break ends the container's text run; a
		// single break inside a short run does not.
		if r := &sc.runs[len(sc.runs)-1]; n.DataAtom != atom.Br || r.chars >= minParaChars {
			sc.endRun(r)
		}
	}
	idx := int32(len(sc.entries))
	sc.entries = append(sc.entries, entry{n: n, parent: parent, hint: hints(n, sc.classCache)})
	sc.stack = append(sc.stack, idx)
	switch n.DataAtom {
	case atom.A:
		if isLink(n) {
			sc.inA++
		}
	case atom.Img:
		sc.entries[idx].imgs++
	case atom.Li:
		sc.entries[idx].lis++
	}
	if block && n.DataAtom != atom.Br {
		sc.runs = append(sc.runs, run{block: idx})
	}
	return true
}

func (sc *scorer) leave(n *html.Node) {
	if n.Type != html.ElementNode || len(sc.stack) == 0 || sc.entries[sc.stack[len(sc.stack)-1]].n != n {
		return
	}
	idx := sc.stack[len(sc.stack)-1]
	if len(sc.runs) > 0 && sc.runs[len(sc.runs)-1].block == idx {
		sc.endRun(&sc.runs[len(sc.runs)-1])
		sc.runs = sc.runs[:len(sc.runs)-1]
	}
	sc.stack = sc.stack[:len(sc.stack)-1]
	e := &sc.entries[idx]
	e.end = int32(len(sc.entries))
	if isLink(n) {
		sc.inA--
	}
	if e.parent >= 0 {
		p := &sc.entries[e.parent]
		p.chars += e.chars
		p.linkChars += e.linkChars
		p.forgiven += e.forgiven
		p.commas += e.commas
		p.paras += e.paras
		p.imgs += e.imgs
		p.lis += e.lis
		p.articles += e.articles
		if n.DataAtom == atom.Article {
			p.articles++
		}
	}
}

// endRun scores a finished text run as a paragraph if it is long enough.
func (sc *scorer) endRun(r *run) {
	chars, commas, links, teaser := r.chars, r.commas, r.links, r.teaser
	r.chars, r.commas, r.links, r.teaser = 0, 0, 0, false
	if chars < minParaChars || teaser {
		return
	}
	b := &sc.entries[r.block]
	b.paras++
	if 2*links < chars {
		// Links inside a paragraph of prose are citations, not navigation.
		b.forgiven += links
	}
	s := 1 + float32(commas) + min(float32(chars/100), 3)
	// Find the block on the element stack; the run's paragraph is the block
	// itself for <p>-like elements, else an implicit paragraph inside it.
	pos := len(sc.stack) - 1
	for pos >= 0 && sc.stack[pos] != r.block {
		pos--
	}
	if pos < 0 {
		return
	}
	if paragraphTag(b.n.DataAtom) {
		pos--
	}
	for level := 0; level < 5 && pos-level >= 0; level++ {
		a := &sc.entries[sc.stack[pos-level]]
		if !a.scored {
			a.scored = true
			a.score += tagWeight(a.n.DataAtom)
		}
		switch level {
		case 0:
			a.score += s
		case 1:
			a.score += s / 2
		default:
			a.score += s / float32(level*3)
		}
	}
}

// endsWithEllipsis reports text ending in "…", "...", "[…]" or "[...]".
func endsWithEllipsis(s string) bool {
	end := len(s)
	for end > 0 && (s[end-1] == ' ' || s[end-1] == '\n' || s[end-1] == '\t' || s[end-1] == '\r' || s[end-1] == ']' || s[end-1] == ')') {
		end--
	}
	s = s[:end]
	return strings.HasSuffix(s, "…") || strings.HasSuffix(s, "...")
}
