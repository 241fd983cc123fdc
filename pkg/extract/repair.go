package extract

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Old and hand-written pages break in ways that make an HTML5 parser, which
// follows the standard to the letter, swallow the whole page into one node:
// a <title> that is never closed takes everything after it as its text, and
// a comment that is never closed takes the rest of the page. Browsers of the
// time (and lenient parsers such as libxml2's) showed those pages; so must we.
// swallowed finds such a node in the parsed tree and returns the page's text
// repaired where it went wrong, or nil when nothing was swallowed.

// swallowMarkers are tags whose presence in a title's or a comment's text
// shows that the rest of the page went into it.
var swallowMarkers = []string{"</head", "<body", "</body", "</html"}

func swallowed(root *html.Node, text []byte) []byte {
	// Byte checks first, so that the tree is walked only on pages that may
	// be broken: a swallowing title is never closed, and a swallowing
	// comment opens after the last "-->".
	openTitle := indexFold(text, "<title") >= 0 && indexFold(text, "</title") < 0
	lastClose := bytes.LastIndex(text, []byte("-->")) // comments tend to sit near the end: a short scan
	openComment := bytes.Contains(text[lastClose+1:], []byte("<!--"))
	if !openTitle && !openComment {
		return nil
	}
	var fix []byte
	walkNodes(root, func(n *html.Node) bool {
		switch {
		case openTitle && n.Type == html.ElementNode && n.DataAtom == atom.Title:
			if n.FirstChild != nil && hasMarker(n.FirstChild.Data) {
				fix = closeTitle(text)
			}
		case openComment && n.Type == html.CommentNode && hasMarker(n.Data):
			fix = reopenComment(text, n.Data)
		}
		return fix == nil
	})
	return fix
}

func hasMarker(s string) bool {
	if len(s) < 16 {
		return false
	}
	lower := strings.ToLower(s)
	for _, m := range swallowMarkers {
		if strings.Contains(lower, m) {
			return true
		}
	}
	return false
}

// closeTitle ends the first <title> where its text meets the first tag.
func closeTitle(text []byte) []byte {
	start := indexFold(text, "<title")
	if start < 0 {
		return nil
	}
	gt := bytes.IndexByte(text[start:], '>')
	if gt < 0 {
		return nil
	}
	body := start + gt + 1
	lt := bytes.IndexByte(text[body:], '<')
	if lt < 0 {
		return nil
	}
	at := body + lt
	out := make([]byte, 0, len(text)+8)
	out = append(out, text[:at]...)
	out = append(out, "</title>"...)
	return append(out, text[at:]...)
}

// reopenComment drops the "<!--" of a comment that nothing in the page
// closes, so what it swallowed is markup again. Such a comment runs to the
// end of the page, so it opens after the last "-->" (or "--!>"); data, the
// parsed comment, must start as the page's text does there.
func reopenComment(text []byte, data string) []byte {
	from := 0
	for _, closer := range []string{"-->", "--!>"} {
		if i := bytes.LastIndex(text, []byte(closer)); i >= 0 {
			from = max(from, i+len(closer))
		}
	}
	i := bytes.Index(text[from:], []byte("<!--"))
	if i < 0 {
		return nil
	}
	start := from + i
	rest := text[start+4:]
	prefix, _, _ := strings.Cut(data[:min(len(data), 64)], "\n")
	prefix, _, _ = strings.Cut(prefix, "\r")
	if !bytes.HasPrefix(rest, []byte(prefix)) {
		return nil
	}
	out := make([]byte, 0, len(text))
	out = append(out, text[:start]...)
	return append(out, rest...)
}

// walkNodes visits n and its descendants in document order, iteratively
// (pages can be deep), while visit returns true.
func walkNodes(n *html.Node, visit func(*html.Node) bool) {
	for c := n; c != nil; {
		if !visit(c) {
			return
		}
		if c.FirstChild != nil {
			c = c.FirstChild
			continue
		}
		for c != n && c.NextSibling == nil {
			c = c.Parent
		}
		if c == n {
			return
		}
		c = c.NextSibling
	}
}
