package meta

import (
	"slices"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Candidates further than this many elements from the headline belong to
// other stories (teasers, sidebars) more often than to this one.
const (
	windowBefore = 25
	windowAfter  = 600
	groupSpan    = 30 // byline parts split over sibling nodes
)

// byDistance orders candidates by closeness to the headline, those after it
// first (bylines and datelines follow headlines far more often than they
// precede them), and drops those outside the window. Without a headline the
// document order stands.
func (x *extractor) byDistance(list []element) []element {
	if x.h1 == nil || len(list) == 0 {
		return list
	}
	// Before the headline only its own header block counts: a date in the
	// masthead is today's.
	block := x.h1
	for i := 0; i < 3 && block.Parent != nil && block.Parent.DataAtom != atom.Body && block.Parent.Type == html.ElementNode; i++ {
		block = block.Parent
	}
	out := make([]element, 0, len(list))
	for _, e := range list {
		if e.idx < x.h1idx-windowBefore || e.idx > x.h1idx+windowAfter {
			continue
		}
		if e.idx < x.h1idx && !contains(block, e.n) {
			continue
		}
		out = append(out, e)
	}
	key := func(e element) int {
		if e.idx < x.h1idx {
			return (x.h1idx - e.idx) * 3
		}
		return e.idx - x.h1idx
	}
	slices.SortStableFunc(out, func(a, b element) int { return key(a) - key(b) })
	return out
}

// nearLines are the short text lines right after the headline, where
// templates without class names put the byline and the dateline. Reading
// stops at the first long (body) paragraph.
func (x *extractor) nearLines() []string {
	if x.nearD {
		return x.near
	}
	x.nearD = true
	if x.h1 == nil {
		return nil
	}
	var b strings.Builder
	var space gap
	var lines []string
	flush := func() bool {
		if b.Len() > 0 {
			line := b.String()
			b.Reset()
			if len(line) > 250 {
				return false
			}
			lines = append(lines, line)
		}
		space = gapNone
		return len(lines) < 12
	}
	// Start after the h1's subtree.
	n := x.h1
	for n != nil && n.NextSibling == nil {
		n = n.Parent
	}
	if n != nil {
		n = n.NextSibling
	}
	for steps := 0; n != nil && steps < 150; steps++ {
		descend := false
		switch n.Type {
		case html.TextNode:
			appendText(&b, n.Data, &space, 300)
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Svg, atom.Iframe, atom.Select, atom.Button, atom.Figure, atom.Figcaption, atom.Nav, atom.Aside:
			case atom.Br:
				if !flush() {
					n = nil
					continue
				}
			default:
				if isBlock(n.DataAtom) && !flush() {
					n = nil
					continue
				}
				// Photo captions and credits name photographers, not authors.
				descend = !containsAny(lowerASCII(attr(n, "class")), "caption", "credit", "copyright")
				space = space.join(elementGap(n.DataAtom))
			}
		}
		if descend && n.FirstChild != nil {
			n = n.FirstChild
			continue
		}
		for n != nil && n.NextSibling == nil {
			n = n.Parent
			if n != nil && n.Type == html.ElementNode && isBlock(n.DataAtom) && !flush() {
				n = nil
			}
		}
		if n != nil {
			n = n.NextSibling
		}
	}
	flush()
	x.near = lines
	return lines
}
