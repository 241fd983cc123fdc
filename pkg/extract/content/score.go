package content

import (
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
	direct    int32 // characters of text nodes that are direct children
	linkChars int32 // characters inside <a>
	commas    int32
	paras     int32 // paragraph-like descendants with text
	imgs      int32
	lis       int32
	blocks    int32 // block-level children
	score     float32
	hint      uint8
	scored    bool // received score from a paragraph, so it is a candidate
}

func (e *entry) linkDensity() float64 {
	if e.chars == 0 {
		return 0
	}
	return float64(e.linkChars) / float64(e.chars)
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

// score builds the entries of root's subtree and gives every element that
// holds paragraphs a readability-style content score: each paragraph adds
// 1 + commas + up to 3 for length to its parent, half that to its
// grandparent and less further up.
func score(root *html.Node, entries []entry) []entry {
	entries = entries[:0]
	var stack []int32
	inA := 0
	walk(root, func(n *html.Node) bool {
		switch n.Type {
		case html.TextNode:
			if len(stack) == 0 {
				return false
			}
			c, commas := textStats(n.Data)
			e := &entries[stack[len(stack)-1]]
			e.chars += int32(c)
			e.direct += int32(c)
			e.commas += int32(commas)
			if inA > 0 {
				e.linkChars += int32(c)
			}
			return false
		case html.ElementNode:
		default:
			return n == root
		}
		parent := int32(-1)
		if len(stack) > 0 {
			parent = stack[len(stack)-1]
			if isBlock(n.DataAtom) {
				entries[parent].blocks++
			}
		}
		idx := int32(len(entries))
		entries = append(entries, entry{n: n, parent: parent, hint: hints(n)})
		stack = append(stack, idx)
		switch n.DataAtom {
		case atom.A:
			inA++
		case atom.Img:
			entries[idx].imgs++
		case atom.Li:
			entries[idx].lis++
		}
		return true
	}, func(n *html.Node) {
		if n.Type != html.ElementNode || len(stack) == 0 || entries[stack[len(stack)-1]].n != n {
			return
		}
		idx := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		e := &entries[idx]
		e.end = int32(len(entries))
		if n.DataAtom == atom.A {
			inA--
		}
		// A paragraph: <p>, <pre>, or a container whose own text is
		// substantial (a div written as a paragraph, or text between blocks).
		text := int32(0)
		switch n.DataAtom {
		case atom.P, atom.Pre, atom.Td, atom.Blockquote, atom.Li, atom.Dd:
			if n.DataAtom != atom.Li || e.blocks == 0 {
				text = e.chars
			}
		case atom.A, atom.Span, atom.Em, atom.Strong, atom.B, atom.I, atom.U, atom.Font, atom.Small, atom.Sup, atom.Sub:
		default:
			if e.blocks == 0 {
				text = e.chars
			} else {
				text = e.direct
			}
		}
		if text >= minParaChars && len(stack) > 0 {
			e.paras++
			s := 1 + float32(e.commas) + min(float32(text/100), 3)
			for level := 0; level < 5 && len(stack)-1-level >= 0; level++ {
				a := &entries[stack[len(stack)-1-level]]
				if !a.scored {
					a.scored = true
					a.score += tagWeight(a.n.DataAtom) + float32(hintWeight(a.hint))
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
		if e.parent >= 0 {
			p := &entries[e.parent]
			p.chars += e.chars
			p.linkChars += e.linkChars
			p.commas += e.commas
			p.paras += e.paras
			p.imgs += e.imgs
			p.lis += e.lis
		}
	})
	return entries
}
