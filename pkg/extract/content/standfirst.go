package content

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The standfirst. A story often opens with an intro of a sentence or two
// under its headline: in the story's own <header> beside the headline, the
// byline and the date, or in a block of its own right before the body. prune
// removes every <header>, for most of them are a site's masthead, and merge
// takes only intros of several paragraphs before the body, for a one-line
// block there is as often a promotion or a caption. So the standfirst is
// looked for apart: in a header that belongs to the chosen article (it sits
// before the body's branch and holds the article's headline, or it is the
// header of the <article> the body is in), only its paragraphs of real
// sentences; and in a block before the body that publishing systems' own
// vocabulary names an intro (hintIntro), under the same test of prose.

// standfirstWords is how many words a standfirst has at least: a byline, a
// dateline, a label or "4 min read" has fewer.
const standfirstWords = 12

// standfirstGap bounds the text that may stand between a standfirst and
// the body: a headline, a byline, a date, a label.
const standfirstGap = 2 * minBodyPara

// intro is a header's prose, to be written before the body at pos, the
// entry the header stood before.
type intro struct {
	pos    int32
	blocks []string
}

// headerIntros returns the prose of the removed headers that belong to the
// article made of parts, top its chosen container.
func headerIntros(entries []entry, top int32, parts []int32, suspects []removed, opts *Options, cache map[string]uint8) []intro {
	var out []intro
	for _, s := range suspects {
		if s.n.DataAtom != atom.Header || s.n.Parent != nil || hints(s.n, cache)&(hintJunk|hintAd|hintOverlay) != 0 {
			continue // not a header, put back, or a share bar's
		}
		titled, own := ownHeader(entries, s, top, opts.Title)
		if !titled && !own {
			continue
		}
		pos, ok := headerPos(entries, s, suspects)
		if !ok || !beforeBody(entries, pos, parts, titled) {
			continue
		}
		if blocks := headerProse(s.n, nil, 0, false, opts.Title, cache); len(blocks) > 0 {
			out = append(out, intro{pos: pos, blocks: blocks})
		}
	}
	return out
}

// headerPos returns the entry a removed subtree stood before: its next
// sibling still in the tree, or the end of its parent.
func headerPos(entries []entry, s removed, suspects []removed) (int32, bool) {
	next := s.next
	for next != nil && next.Parent != s.parent {
		// Removed too: where it stood is where the header stood.
		k := slices.IndexFunc(suspects, func(r removed) bool { return r.n == next })
		if k < 0 || suspects[k].parent != s.parent {
			next = nil
			break
		}
		next = suspects[k].next
	}
	for next != nil && next.Type != html.ElementNode {
		next = next.NextSibling
	}
	for i := range entries {
		if next != nil && entries[i].n == next {
			return int32(i), true
		}
		if next == nil && entries[i].n == s.parent {
			return entries[i].end, true
		}
	}
	return 0, false
}

// beforeBody reports whether pos is where the article starts: before its
// first part, or inside it, with no more than headline, byline and the like
// between pos and the body's text, and where the header's parent holds the
// body (it is no box of a column beside it). A header that holds the
// headline may stand further off, with a picture or a video between it and
// the body, in a hero wrapper of its own.
func beforeBody(entries []entry, pos int32, parts []int32, titled bool) bool {
	gap := int32(0)
	for _, p := range parts {
		e := &entries[p]
		if pos >= e.end {
			gap += e.chars // a part before the header
			continue
		}
		if pos > p {
			return gap+textBefore(entries, p, pos) < standfirstGap
		}
		if titled {
			return gap < standfirstGap
		}
		// pos is before part p, outside it: the text between them counts,
		// but not the wrappers the part is in.
		for c := pos; c < p; {
			if entries[c].end <= p {
				gap += entries[c].chars
				c = entries[c].end
			} else {
				c++
			}
		}
		return gap < standfirstGap && ancestorAt(entries, p, pos)
	}
	return false
}

// ancestorAt reports whether the parent of entry pos (where a removed
// subtree stood) is also an ancestor of entry p.
func ancestorAt(entries []entry, p, pos int32) bool {
	var parent int32 = -1
	if pos < int32(len(entries)) {
		parent = entries[pos].parent
	}
	for a := p; a >= 0; a = entries[a].parent {
		if a == parent || parent < 0 && entries[a].end == pos {
			return true
		}
	}
	return false
}

// textBefore is the text inside entry i that comes before entry pos.
func textBefore(entries []entry, i, pos int32) int32 {
	var chars int32
	for cur := i; ; {
		c := cur + 1
		for c < entries[cur].end && entries[c].end <= pos {
			chars += entries[c].chars
			c = entries[c].end
		}
		if c >= entries[cur].end || c >= pos {
			return chars
		}
		cur = c // pos is inside c
	}
}

// ownHeader reports whether the header is the article's own: it holds the
// article's headline (titled), or it is the header of an <article> the
// body is in (own).
func ownHeader(entries []entry, s removed, top int32, title string) (titled, own bool) {
	if title != "" {
		found := false
		walk(s.n, func(n *html.Node) bool {
			if found || n.Type != html.ElementNode {
				return false
			}
			if a := n.DataAtom; a == atom.H1 || a == atom.H2 || a == atom.H3 {
				found = sameText(nodeText(n), title)
				return false
			}
			return true
		}, nil)
		if found {
			return true, false
		}
	}
	var art *html.Node
	for a := s.parent; a != nil; a = a.Parent {
		if a.DataAtom == atom.Article {
			art = a
			break
		}
	}
	if art == nil {
		return false, false
	}
	for n := entries[top].n; n != nil; n = n.Parent {
		if n == art {
			return false, true
		}
	}
	return false, false
}

// headerProse appends to out the header's blocks that read as prose,
// leaving out the headline, bylines and dates, share and category links,
// pictures and captions.
// named says n or an ancestor inside the header is named an intro.
func headerProse(n *html.Node, out []string, depth int, named bool, title string, cache map[string]uint8) []string {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || notProse(c, cache) {
			continue
		}
		named := named || hints(c, cache)&hintIntro != 0
		if c.DataAtom == atom.P || !hasBlockChild(c) {
			if t, ok := standfirstText(c, named, title); ok {
				out = append(out, t)
			}
			continue
		}
		if depth < mergeDepth {
			out = headerProse(c, out, depth+1, named, title, cache)
		}
	}
	return out
}

// notProse reports an element of a header that is never its standfirst.
func notProse(n *html.Node, cache map[string]uint8) bool {
	switch n.DataAtom {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Figure, atom.Figcaption, atom.Picture, atom.Img,
		atom.Nav, atom.Aside, atom.Footer, atom.Ul, atom.Ol, atom.Dl, atom.Table, atom.Form, atom.Time, atom.Address,
		atom.Blockquote:
		return true
	}
	if isHidden(n) {
		return true
	}
	h := hints(n, cache)
	return h&(hintJunk|hintAd|hintByline|hintCaption|hintOverlay) != 0 || h&(hintWeak|hintGood|hintIntro) == hintWeak
}

func hasBlockChild(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && isBlock(c.DataAtom) && c.DataAtom != atom.Br {
			return true
		}
	}
	return false
}

// standfirstText returns n's text, whitespace collapsed, when it reads as
// a standfirst: sentences of some length, hardly any links, no byline or
// dateline, not the headline again. Many publications end a standfirst
// without a full stop: one named so (named) need not end like a sentence.
func standfirstText(n *html.Node, named bool, title string) (string, bool) {
	var b []byte
	chars, links := charsInLinks(n, func(c *html.Node) {
		switch {
		case c.Type == html.TextNode:
			b = appendCollapsed(b, c.Data)
		case c.DataAtom == atom.Br && len(b) > 0 && b[len(b)-1] != ' ':
			b = append(b, ' ')
		}
	})
	t := strings.TrimSpace(string(b))
	if chars == 0 || 5*links >= chars || !named && !endsProse(t) && !strings.HasSuffix(t, "…") || !enoughWords(t) ||
		hasAnyPrefixFold(t, bylinePrefixes) || hasAnyPrefixFold(t, pictureCreditPrefixes) || containsAnyFold(t, creditPhrases) ||
		containsAnyFold(t, noticePhrases) || looksLikeDateline(t) || title != "" && sameText(t, title) {
		return "", false
	}
	return t, true
}

// enoughWords reports a text of at least standfirstWords words; in a
// script written without spaces, of as many characters as such words.
func enoughWords(t string) bool {
	words, spaces := 0, 0
	for _, w := range strings.Fields(t) {
		spaces++
		if strings.IndexFunc(w, unicode.IsLetter) >= 0 {
			words++
		}
	}
	return words >= standfirstWords || utf8.RuneCountInString(t) >= 4*standfirstWords && spaces < standfirstWords/2
}

func nodeText(n *html.Node) string {
	var b []byte
	walk(n, func(c *html.Node) bool {
		if c.Type == html.TextNode {
			b = appendCollapsed(b, c.Data)
		}
		return true
	}, nil)
	return string(b)
}

// standfirstBlocks appends to out c, when it is a block before the body
// named an intro that reads as one (a paragraph or two of sentences, no
// list, picture or boilerplate in it), or else such blocks inside c, when it
// is a mixed block of no boilerplate name (a headline and its dek).
func standfirstBlocks(entries []entry, c int32, title string, out []int32, depth int) []int32 {
	e := &entries[c]
	if e.chars == 0 || e.articles > 0 || isHeading(e.n.DataAtom) || !isBlock(e.n.DataAtom) ||
		e.hint&(hintJunk|hintAd|hintByline|hintCaption|hintOverlay) != 0 {
		return out
	}
	if e.hint&hintIntro == 0 {
		if depth >= mergeDepth || e.chars > 8*minBodyPara {
			return out
		}
		for k := c + 1; k < e.end; k = entries[k].end {
			out = standfirstBlocks(entries, k, title, out, depth+1)
		}
		return out
	}
	if e.chars > 4*minBodyPara || e.imgs > 0 || e.lis > 0 {
		return out
	}
	for k := c + 1; k < e.end; k++ {
		if entries[k].hint&(hintJunk|hintAd|hintByline|hintCaption|hintOverlay) != 0 {
			return out
		}
	}
	if _, ok := standfirstText(e.n, true, title); ok {
		out = append(out, c)
	}
	return out
}

// insertIntros writes the intros' blocks before the body's text at the
// offsets the text and HTML had when the part they precede was begun,
// leaving out a block the body repeats.
func (r *renderer) insertIntros(intros []intro, at []mark) {
	for k := len(intros) - 1; k >= 0; k-- { // last first: earlier offsets stay valid
		m := at[k]
		var text, h []byte
		var spans []span
		for _, b := range intros[k].blocks {
			if strings.Contains(string(r.text), b) {
				continue
			}
			sp := span{text: m.text + len(text), html: m.html + len(h)}
			if m.text > 0 || len(text) > 0 {
				text = append(text, "\n\n"...)
			}
			text = append(text, b...)
			h = append(append(append(h, "<p>"...), html.EscapeString(b)...), "</p>"...)
			sp.textEnd, sp.htmlEnd = m.text+len(text), m.html+len(h)
			spans = append(spans, sp)
		}
		if len(spans) == 0 {
			continue
		}
		sep := m.text == 0 && len(r.text) > 0
		if sep {
			// The body's first block now follows one: it needs the
			// separator, which its span covers.
			text = append(text, "\n\n"...)
		}
		r.text = slices.Insert(r.text, m.text, text...)
		r.html = slices.Insert(r.html, m.html, h...)
		for i := m.span; i < len(r.spans); i++ {
			sp := &r.spans[i]
			sp.text += len(text)
			sp.textEnd += len(text)
			sp.html += len(h)
			sp.htmlEnd += len(h)
		}
		if sep && m.span < len(r.spans) {
			r.spans[m.span].text -= len("\n\n")
		}
		r.spans = slices.Insert(r.spans, m.span, spans...)
		r.blocks += len(spans)
	}
}

// mark is where the renderer's output stood at one moment.
type mark struct{ text, html, span int }

// pictureCreditPrefixes open the credit line of a header's picture ("Photo:
// Jane Doe / Agency. The council met…"): prose-shaped, yet no standfirst.
var pictureCreditPrefixes = []string{"photo:", "photo by", "photos:", "photograph:", "image:", "credit:", "pictured:", "foto:", "bild:"}

// noticePhrases mark the site's notices a header may carry in a
// paragraph: cookies and consent.
var noticePhrases = []string{"we use cookies", "uses cookies", "cookie policy", "your consent"}
