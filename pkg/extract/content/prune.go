package content

import (
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// keepShare is the share of a page's paragraph text a boilerplate-looking
// subtree must hold to survive pruning: sites that wrap the whole article in
// <header>, <form> or a "main-sidebar-layout" div must not lose it.
const keepShare = 0.5

type pruneCandidate struct {
	n        *html.Node
	paraText int
}

// prune removes what is never article text — scripts, styles, hidden and
// interactive elements — and what very likely is not — navigation, asides,
// footers, share bars, related lists — unless that subtree holds most of the
// page's paragraph text. It returns the JSON-LD scripts it saw.
func prune(root *html.Node) (jsonld []string) {
	var always []*html.Node
	var maybe []pruneCandidate
	keptParaText := 0
	inP := 0 // depth inside <p>, to count paragraph text
	walk(root, func(n *html.Node) bool {
		switch n.Type {
		case html.CommentNode:
			always = append(always, n)
			return false
		case html.TextNode:
			if inP > 0 {
				c, _ := textStats(n.Data)
				keptParaText += c
			}
			return false
		case html.ElementNode:
		default:
			return true
		}
		switch n.DataAtom {
		case atom.Script:
			if t := attr(n, "type"); t == "application/ld+json" && n.FirstChild != nil {
				jsonld = append(jsonld, n.FirstChild.Data)
			}
			always = append(always, n)
			return false
		case atom.Style, atom.Noscript, atom.Iframe, atom.Template, atom.Svg, atom.Math, atom.Object,
			atom.Embed, atom.Canvas, atom.Button, atom.Input, atom.Select, atom.Textarea, atom.Link,
			atom.Meta, atom.Dialog, atom.Audio, atom.Video, atom.Map, atom.Label:
			always = append(always, n)
			return false
		case atom.Html, atom.Body:
			return true
		case atom.P:
			inP++
		}
		if isHidden(n) {
			maybe = append(maybe, pruneCandidate{n: n, paraText: paraText(n)})
			return false
		}
		switch n.DataAtom {
		case atom.Nav, atom.Aside, atom.Footer, atom.Header, atom.Form:
			maybe = append(maybe, pruneCandidate{n: n, paraText: paraText(n)})
			return false
		case atom.Article, atom.Main:
			return true
		}
		if h := hints(n); h&hintJunk != 0 && h&hintGood == 0 {
			maybe = append(maybe, pruneCandidate{n: n, paraText: paraText(n)})
			return false
		}
		return true
	}, func(n *html.Node) {
		if n.Type == html.ElementNode && n.DataAtom == atom.P && inP > 0 {
			inP--
		}
	})
	total := keptParaText
	for _, c := range maybe {
		total += c.paraText
	}
	for _, n := range always {
		if n.Parent != nil {
			n.Parent.RemoveChild(n)
		}
	}
	for _, c := range maybe {
		if total > 0 && float64(c.paraText) >= keepShare*float64(total) {
			continue
		}
		if c.n.Parent != nil {
			c.n.Parent.RemoveChild(c.n)
		}
	}
	return jsonld
}

// paraText counts the characters inside <p> elements of n's subtree.
func paraText(n *html.Node) int {
	chars, inP := 0, 0
	walk(n, func(c *html.Node) bool {
		switch c.Type {
		case html.TextNode:
			if inP > 0 {
				k, _ := textStats(c.Data)
				chars += k
			}
		case html.ElementNode:
			switch c.DataAtom {
			case atom.Script, atom.Style:
				return false
			case atom.P:
				inP++
			}
		}
		return true
	}, func(c *html.Node) {
		if c.Type == html.ElementNode && c.DataAtom == atom.P {
			inP--
		}
	})
	return chars
}
