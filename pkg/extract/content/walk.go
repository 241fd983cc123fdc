package content

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// walk visits the subtree at root in document order without recursion, so a
// page of 100k nested elements costs no stack. enter returns whether to visit
// n's children; leave, when not nil, runs after n's subtree for every node
// that enter was called on.
func walk(root *html.Node, enter func(*html.Node) bool, leave func(*html.Node)) {
	if root == nil {
		return
	}
	n := root
	for {
		if enter(n) && n.FirstChild != nil {
			n = n.FirstChild
			continue
		}
		for {
			if leave != nil {
				leave(n)
			}
			if n == root {
				return
			}
			if n.NextSibling != nil {
				n = n.NextSibling
				break
			}
			n = n.Parent
		}
	}
}

func attr(n *html.Node, key string) string {
	for i := range n.Attr {
		if n.Attr[i].Key == key && n.Attr[i].Namespace == "" {
			return n.Attr[i].Val
		}
	}
	return ""
}

// isHidden reports markup that keeps an element from being seen: the hidden
// attribute or an inline display:none / visibility:hidden. aria-hidden is
// not among them: it hides from screen readers what is on screen, such as
// pull quotes that repeat the text.
func isHidden(n *html.Node) bool {
	for i := range n.Attr {
		a := &n.Attr[i]
		switch a.Key {
		case "hidden":
			return true
		case "style":
			if hiddenStyle(a.Val) {
				return true
			}
		}
	}
	return false
}

func hiddenStyle(s string) bool {
	if !strings.Contains(s, "none") && !strings.Contains(s, "hidden") {
		return false
	}
	// Compact and lower-case into a stack buffer: "display: none" and
	// "DISPLAY:none" are the same rule.
	var b [128]byte
	compact := b[:0]
	for i := 0; i < len(s) && len(compact) < cap(b); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		compact = append(compact, c)
	}
	return bytes.Contains(compact, []byte("display:none")) || bytes.Contains(compact, []byte("visibility:hidden"))
}

// isSpace is HTML's ASCII whitespace plus the no-break space.
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\f', '\u00a0', '\u2009', '\u200a', '\u2002', '\u2003', '\u202f', '\u3000':
		return true
	}
	return false
}

// textStats counts the characters (runes that are not whitespace) and
// commas in s without allocating.
func textStats(s string) (chars, commas int) {
	for _, r := range s {
		switch {
		case r == ',' || r == '，' || r == '、' || r == '،':
			commas++
			chars++
		case r <= ' ' || isSpace(r):
		default:
			chars++
		}
	}
	return chars, commas
}

func isHeading(a atom.Atom) bool {
	switch a {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return true
	}
	return false
}

// isLink reports an <a> that links somewhere. An <a name> is an anchor,
// and old pages often leave one open, so that a parser carries it over
// every paragraph after it: its text is no link text.
func isLink(n *html.Node) bool {
	if n.Type != html.ElementNode || n.DataAtom != atom.A {
		return false
	}
	for i := range n.Attr {
		if n.Attr[i].Key == "href" && n.Attr[i].Namespace == "" {
			return true
		}
	}
	return false
}

// charsInLinks counts the text characters under n and how many of them lie
// inside links; visit, when not nil, sees every node on the way in.
func charsInLinks(n *html.Node, visit func(*html.Node)) (chars, links int) {
	inA := 0
	walk(n, func(c *html.Node) bool {
		if visit != nil {
			visit(c)
		}
		switch {
		case c.Type == html.TextNode:
			k, _ := textStats(c.Data)
			chars += k
			if inA > 0 {
				links += k
			}
		case isLink(c):
			inA++
		}
		return true
	}, func(c *html.Node) {
		if isLink(c) {
			inA--
		}
	})
	return chars, links
}
