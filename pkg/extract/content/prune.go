package content

import (
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// keepShare is the share of a page's paragraph text a boilerplate-looking
// subtree must hold to survive pruning: sites that wrap the whole article in
// <header>, <form> or a "main-sidebar-layout" div must not lose it.
const keepShare = 0.5

// pruneBudget bounds the node visits of the guard: some ten times a big page.
const pruneBudget = 1 << 20

// prune removes what is never article text — scripts, styles, hidden and
// interactive elements — and what very likely is not — navigation, asides,
// footers, share bars, related lists — unless that subtree holds most of the
// page's paragraph text. It returns the JSON-LD scripts it saw, the page's
// <base href> and the subtrees it removed as only likely boilerplate.
func prune(root *html.Node, classCache map[string]uint8) (jsonld []string, base string, suspects []removed) {
	var remove []*html.Node
	var likely []*html.Node // boilerplate by name or tag, not certain
	// The page's paragraph text is counted only when a suspicious subtree
	// holds some: most navigation and footers hold none.
	total := -1
	// The guard walks each suspicious subtree; a budget of node visits
	// keeps nested suspicious wrappers from making that quadratic.
	budget := pruneBudget
	inArticle := 0
	var dense *html.Node
	walk(root, func(n *html.Node) bool {
		switch n.Type {
		case html.CommentNode:
			remove = append(remove, n)
			return false
		case html.ElementNode:
		default:
			return n.Type == html.DocumentNode
		}
		switch n.DataAtom {
		case atom.Base:
			if base == "" {
				base = strings.TrimSpace(attr(n, "href"))
			}
			return false
		case atom.Script:
			if t := attr(n, "type"); t == "application/ld+json" && n.FirstChild != nil {
				jsonld = append(jsonld, n.FirstChild.Data)
			}
			remove = append(remove, n)
			return false
		case atom.Annotation, atom.AnnotationXml:
			// A formula's source (TeX) beside its MathML, which is the text.
			remove = append(remove, n)
			return false
		case atom.Style, atom.Noscript, atom.Iframe, atom.Template, atom.Svg, atom.Object,
			atom.Embed, atom.Canvas, atom.Button, atom.Input, atom.Select, atom.Textarea, atom.Link,
			atom.Meta, atom.Dialog, atom.Audio, atom.Video, atom.Map, atom.Label:
			remove = append(remove, n)
			return false
		case atom.Article:
			inArticle++
			return true
		case atom.Html, atom.Body, atom.Main:
			return true
		}
		suspicious := isHidden(n)
		overlay := false
		if !suspicious {
			h := hints(n, classCache)
			overlay = h&hintOverlay != 0
			switch n.DataAtom {
			case atom.Aside:
				// Inside an <article> an aside is often a pull quote, which
				// is article text; related boxes there carry junk names.
				suspicious = inArticle == 0 || h&hintJunk != 0
			case atom.Nav, atom.Footer, atom.Header, atom.Form:
				suspicious = true
			default:
				// An inline element inside a sentence is part of it,
				// whatever its name ("popup" notes, "share" quotes).
				suspicious = h&hintJunk != 0 && (h&hintGood == 0 || h&hintAd != 0) && !inSentence(n) && !isFormula(n)
			}
		}
		if !suspicious {
			return true
		}
		if budget > 0 && !overlay {
			// A consent dialog is never the article, however long its
			// policy text; other boilerplate names can be wrong.
			if inside := paraText(n, &budget); inside > 0 {
				if total < 0 {
					total = paraText(root, nil)
				}
				if float64(inside) >= keepShare*float64(total) {
					return true // the article lives in here after all
				}
				if inside >= proseMinPage && !isHidden(n) && holdsNode(n, densest(root, &dense)) {
					return true // the page's main run of prose lives in here
				}
			}
		}
		if overlay || isHidden(n) {
			// Certain, so no second look puts it back.
			remove = append(remove, n)
		} else {
			likely = append(likely, n)
		}
		return false
	}, func(n *html.Node) {
		if n.DataAtom == atom.Article && n.Type == html.ElementNode {
			inArticle--
		}
	})
	for _, n := range remove {
		if n.Parent != nil {
			n.Parent.RemoveChild(n)
		}
	}
	for _, n := range likely {
		if n.Parent != nil {
			suspects = append(suspects, removed{n: n, parent: n.Parent, next: n.NextSibling})
			n.Parent.RemoveChild(n)
		}
	}
	return jsonld, base, suspects
}

// removed is a subtree prune took out for its name or tag, and where it was,
// so a page whose article hid under such a name can be extracted again.
type removed struct {
	n, parent, next *html.Node
}

// restore puts the subtrees back where they were, last removed first, so
// every recorded next sibling is in place again when it is needed.
func restore(rs []removed) {
	for i := len(rs) - 1; i >= 0; i-- {
		r := rs[i]
		if r.n.Parent != nil {
			continue
		}
		next := r.next
		if next != nil && next.Parent != r.parent {
			next = nil // moved meanwhile: append rather than corrupt the list
		}
		r.parent.InsertBefore(r.n, next)
	}
}

// paraText counts the characters of running text in n's subtree: inside
// <p> elements, or in text of a paragraph's length outside links (old
// pages write paragraphs as text between <br>s); spending one unit of
// *budget per node when budget is not nil.
func paraText(n *html.Node, budget *int) int {
	chars, inP, inA := 0, 0, 0
	walk(n, func(c *html.Node) bool {
		if budget != nil {
			*budget--
		}
		switch c.Type {
		case html.TextNode:
			k, _ := textStats(c.Data)
			if inP > 0 || inA == 0 && k >= proseMinChars {
				chars += k
			}
		case html.ElementNode:
			switch c.DataAtom {
			case atom.Script, atom.Style:
				return false
			case atom.P:
				inP++
			case atom.A:
				inA++
			}
		}
		return true
	}, func(c *html.Node) {
		if c.Type == html.ElementNode {
			switch c.DataAtom {
			case atom.P:
				inP--
			case atom.A:
				inA--
			}
		}
	})
	return chars
}

// inSentence reports an inline element with text of its own between words
// of running text: a text node with letters on either side of it.
func inSentence(n *html.Node) bool {
	if isBlock(n.DataAtom) || n.FirstChild == nil {
		return false
	}
	words := func(s *html.Node) bool {
		return s != nil && s.Type == html.TextNode && strings.IndexFunc(s.Data, unicode.IsLetter) >= 0
	}
	return words(n.PrevSibling) || words(n.NextSibling)
}

// densest returns, computing it into *memo on first use, the element whose
// own paragraphs hold the most prose on the page, of those that are not
// one of a run of items built alike (a comment of a thread, a teaser).
func densest(root *html.Node, memo **html.Node) *html.Node {
	if *memo != nil {
		return *memo
	}
	sums := map[*html.Node]int{}
	var order []*html.Node // parents in document order, for a stable choice
	walk(root, func(n *html.Node) bool {
		if n.Type != html.ElementNode {
			return n.Type == html.DocumentNode
		}
		switch n.DataAtom {
		case atom.Script, atom.Style:
			return false
		case atom.P:
			if c := proseChars(n); c > 0 && n.Parent != nil {
				if _, ok := sums[n.Parent]; !ok {
					order = append(order, n.Parent)
				}
				sums[n.Parent] += c
			}
			return false
		}
		return true
	}, nil)
	*memo = root
	best := proseMinPage - 1 // a run shorter than a short page's prose proves nothing
	for _, n := range order {
		if c := sums[n]; c > best && !inRepeated(n) {
			best, *memo = c, n
		}
	}
	return *memo
}

// inRepeated reports whether n or an ancestor is one of a run of siblings
// built alike.
func inRepeated(n *html.Node) bool {
	for ; n != nil && n.DataAtom != atom.Body; n = n.Parent {
		if repeatedSibling(n) {
			return true
		}
	}
	return false
}

// holdsNode reports whether d is n or inside it.
func holdsNode(n, d *html.Node) bool {
	for ; d != nil; d = d.Parent {
		if d == n {
			return true
		}
	}
	return false
}

// repeatedSibling reports whether an element of n's tag and leading class
// name (a class there must be; the rest varies: "odd", "even", ids) stands
// next to it.
func repeatedSibling(n *html.Node) bool {
	class := leadingClass(n)
	if class == "" {
		return false
	}
	alike := func(s *html.Node) bool {
		return s != nil && s.Data == n.Data && leadingClass(s) == class
	}
	prev, next := n.PrevSibling, n.NextSibling
	for prev != nil && prev.Type != html.ElementNode {
		prev = prev.PrevSibling
	}
	for next != nil && next.Type != html.ElementNode {
		next = next.NextSibling
	}
	return alike(prev) || alike(next)
}

func leadingClass(n *html.Node) string {
	c, _, _ := strings.Cut(strings.TrimSpace(attr(n, "class")), " ")
	return c
}

// proseChars is the text length of paragraph p when it reads as prose: at
// least proseMinChars, under 30% of it in links; else 0.
func proseChars(p *html.Node) int {
	chars, links := charsInLinks(p, nil)
	if chars < proseMinChars || 10*links >= 3*chars {
		return 0
	}
	return chars
}

// isFormula reports an element with a MathML formula among its children
// or theirs: a math renderer's wrapper, whatever its class names say
// ("CtxtMenu_Attached" reads as a menu).
func isFormula(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if c.DataAtom == atom.Math {
			return true
		}
		for g := c.FirstChild; g != nil; g = g.NextSibling {
			if g.Type == html.ElementNode && g.DataAtom == atom.Math {
				return true
			}
		}
	}
	return false
}
