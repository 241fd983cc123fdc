package content

import (
	"slices"
	"strings"

	"golang.org/x/net/html/atom"
)

// The second merge step. The scorer keeps one container and those of its
// siblings that score; an article is often wider than that: an intro in a
// block of its own before the body, a body split into one wrapper per
// section or page-builder row, each under a wrapper of its own. merge
// climbs a few ancestors of the kept container and adds, at each level,
// only what is built like the article: blocks of the body's own structure
// (the element and leading class name of the container or of a wrapper on
// its branch) that hold prose, before or after it; and before it, an intro
// of several real paragraphs (few links, no boilerplate, byline or caption
// names), looked for inside mixed blocks too; and beside it, lists of the
// article's items (itemlist.go). What sits around an article is as often
// boilerplate as text: a one-line summary, a promotion or a caption before
// the body, and anything after it not built like it, stay out.

// mergeLevels is how many ancestors above the container's parent are looked at.

const mergeLevels = 3

// mergeGrowth bounds an ancestor the climb goes on through: it may hold at
// most this many times the text merged so far, so the climb stops at a
// page-wide wrapper.
const mergeGrowth = 3

// mergeDepth bounds how deep merge looks inside a block beside the branch.
const mergeDepth = 3

// signature is an element's tag and class names without the utility
// classes of layout frameworks (spacing, grid columns, breakpoints: the
// names with a digit or a breakpoint mark), which vary between the
// sections of one article and are shared by unrelated blocks.
type signature struct {
	a     atom.Atom
	class string
}

func signatureOf(e *entry) signature {
	if a := e.n.DataAtom; a == atom.Td || a == atom.Th {
		// Cells of a layout table are its columns, often classed alike:
		// nav, story and sidebar are no sections of one another.
		return signature{a: a}
	}
	var b strings.Builder
	for _, c := range strings.Fields(attr(e.n, "class")) {
		if strings.ContainsAny(c, "0123456789@:") {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(c)
	}
	return signature{a: e.n.DataAtom, class: b.String()}
}

// merge returns parts (the container and its merged siblings, in document
// order) with the blocks around them that are more of the article.
func merge(entries []entry, top int32, parts []int32, title string) []int32 {
	child := top
	var sigs []signature
	var extra []int32
	var covered int32 // characters of parts and extra
	listRoot := int32(-1)
	var listSigs []signature // of the items of lists merged
	for _, c := range parts {
		covered += entries[c].chars
	}
	for level := 0; level <= mergeLevels; level++ {
		if inArticle(entries, child) {
			// The story's own element bounds it.
			break
		}
		a := entries[child].parent
		if a < 0 || entries[a].n.DataAtom == atom.Body || entries[a].n.DataAtom == atom.Html {
			break
		}
		ae := &entries[a]
		sig := signatureOf(&entries[child])
		items, itemChars := repeated(entries, a, child, sig, parts)
		lists, found, listChars := itemLists(entries, a, child)
		if ae.chars-itemChars-listChars > mergeGrowth*covered || ae.linkDensity() > 0.3 {
			break
		}
		extra = append(extra, items...)
		extra = append(extra, lists...)
		covered += itemChars + listChars
		if sig.class != "" && !slices.Contains(sigs, sig) {
			sigs = append(sigs, sig)
		}
		for _, s := range found {
			if !slices.Contains(sigs, s) {
				sigs = append(sigs, s)
			}
			if !slices.Contains(listSigs, s) {
				listSigs = append(listSigs, s)
			}
		}
		if len(found) > 0 {
			listRoot = a
		}
		n := len(extra)
		var before []int32 // siblings before the branch, not merged yet
		for c := a + 1; c < ae.end; c = entries[c].end {
			if c == child || sortedHas(items, c) || holdsAny(entries, c, lists) {
				continue
			}
			if sortedHas(parts, c) {
				if c < child {
					before = append(before, c)
				}
				continue
			}
			m := len(extra)
			extra = sameStructure(entries, c, sigs, extra, 0)
			if len(extra) == m && c < child {
				before = append(before, c)
			}
		}
		// An intro runs up to the body: look back from the branch over
		// intros, parts and what cannot part them (headings, bylines,
		// pictures), and stop at anything else.
		for k := len(before) - 1; k >= 0; k-- {
			c := before[k]
			if sortedHas(parts, c) {
				continue
			}
			m := len(extra)
			extra = proseBlocks(entries, c, extra, 0)
			if len(extra) == m {
				extra = standfirstBlocks(entries, c, title, extra, 0)
			}
			if len(extra) == m && !neutral(&entries[c]) {
				break
			}
		}
		for _, k := range extra[n:] {
			covered += entries[k].chars
		}
		child = a
	}
	if len(extra) == 0 {
		return parts
	}
	out := append(slices.Clone(parts), extra...)
	slices.Sort(out)
	out = slices.Compact(out)
	if listRoot >= 0 {
		out = strayItems(entries, listRoot, listSigs, out)
	}
	return out
}

// minRepeat is how many siblings built alike make a list of the article's
// items: steps, questions, posts, products.
const minRepeat = 3

// repeated returns the children of a other than child that share child's
// signature and hold text, and their characters, when with child they are
// at least minRepeat and outweigh it: the article is a list of short items,
// which on their own never score.
func repeated(entries []entry, a, child int32, sig signature, parts []int32) ([]int32, int32) {
	if sig.class == "" {
		return nil, 0
	}
	var items []int32
	var chars int32
	same := 0
	for c := a + 1; c < entries[a].end; c = entries[c].end {
		e := &entries[c]
		if c == child || signatureOf(e) != sig {
			continue
		}
		same++
		if !sortedHas(parts, c) && e.chars >= minParaChars && e.articles == 0 && e.linkDensity() < 0.3 && e.hint&(hintJunk|hintAd) == 0 {
			items = append(items, c)
			chars += e.chars
		}
	}
	if same+1 < minRepeat || chars < entries[child].chars {
		// Too few to be a list, or the chosen branch is the page's main
		// block and the others are its furniture.
		return nil, 0
	}
	return items, chars
}

// sortedHas reports whether the ascending list s holds c: parts and items
// are in document order, and a flat page can have thousands of them.
func sortedHas(s []int32, c int32) bool {
	_, ok := slices.BinarySearch(s, c)
	return ok
}

// inArticle reports whether i is an <article> or <main>: the climb ends there.
func inArticle(entries []entry, i int32) bool {
	a := entries[i].n.DataAtom
	return a == atom.Article || a == atom.Main
}

// sameStructure appends to out c or the blocks inside it that have one of
// the signatures and hold prose.
func sameStructure(entries []entry, c int32, sigs []signature, out []int32, depth int) []int32 {
	e := &entries[c]
	if e.paras == 0 || e.articles > 0 || e.hint&(hintJunk|hintAd) != 0 || !isBlock(e.n.DataAtom) {
		return out
	}
	if slices.Contains(sigs, signatureOf(e)) {
		if e.linkDensity() < 0.3 && e.chars >= 2*minBodyPara {
			out = append(out, c)
		}
		return out
	}
	if depth >= mergeDepth {
		return out
	}
	for k := c + 1; k < e.end; k = entries[k].end {
		out = sameStructure(entries, k, sigs, out, depth+1)
	}
	return out
}

// proseBlocks appends to out c, when it is an intro of running text, or
// else the intros inside it, when it is a mixed block of no boilerplate name.
func proseBlocks(entries []entry, c int32, out []int32, depth int) []int32 {
	e := &entries[c]
	if e.chars == 0 || e.hint&(hintJunk|hintAd|hintByline|hintCaption) != 0 || e.hint&(hintWeak|hintGood) == hintWeak ||
		e.articles > 0 || !isBlock(e.n.DataAtom) {
		return out
	}
	if e.imgs > 0 && e.paras <= 1 {
		// A picture and its caption.
		return out
	}
	if isIntro(e) {
		if holds(entries, c, hintByline|hintJunk|hintAd) {
			// An author's or a quoted source's box, or a teaser.
			return out
		}
		return append(out, c)
	}
	if depth >= mergeDepth || e.linkDensity() > 0.5 {
		return out
	}
	for k := c + 1; k < e.end; k = entries[k].end {
		out = proseBlocks(entries, k, out, depth+1)
	}
	return out
}

// isIntro reports a block of running text long enough to be part of the
// story rather than a one-line summary of it: several paragraphs, hardly
// any links, no list or heading.
func isIntro(e *entry) bool {
	switch e.n.DataAtom {
	case atom.Ul, atom.Ol, atom.Dl, atom.Li, atom.Table, atom.Form, atom.Nav, atom.Aside, atom.Footer,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return false
	}
	return e.paras >= 2 && e.chars >= 2*minBodyPara && e.linkDensity() < 0.2 && e.lis == 0
}

// neutral reports a block that may sit between an intro and the body
// without parting them: a headline, a byline or date line, a picture.
func neutral(e *entry) bool {
	return e.chars < minBodyPara || isHeading(e.n.DataAtom) || e.hint&(hintByline|hintCaption) != 0 ||
		e.imgs > 0 && e.chars < 2*minBodyPara
}

// holds reports whether an element inside c has one of the hints.
func holds(entries []entry, c int32, hint uint8) bool {
	for k := c + 1; k < entries[c].end; k++ {
		if entries[k].hint&hint != 0 {
			return true
		}
	}
	return false
}
