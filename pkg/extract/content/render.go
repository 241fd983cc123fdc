package content

import (
	"bytes"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsflow/newsflow/pkg/events"
)

// frame is an element the renderer is inside. Tags that make it into the
// HTML output are written lazily, when content first appears inside them,
// so dropped blocks leave no empty shells behind.
type frame struct {
	n       *html.Node
	kind    uint8
	open    string // opening tag, "" when the element is not emitted
	close   string
	written bool
	skip    bool // subtree not rendered
	byline  bool // an author/date element
	data    bool // a table of data, rendered whole (datatable.go)
	// linkLines is set on a list when a line of links in one of its
	// items was dropped: if none of its items is written, the heading
	// before the list only introduced those links.
	linkLines bool
	// sentences is set on a list most of whose items are sentences: an
	// item that is a bare link is one of its points, not a "more" link.
	sentences bool
	runs      int // text runs written directly inside this element
}

const (
	kindInline  = iota
	kindWrapper // p, h2-h6, pre: wraps its own text run
	kindBox     // emitted container: ul, ol, li, blockquote, table, tr, td, th, dl, dt, dd
	kindBlock   // not emitted; its text runs become <p>
	kindCell    // a table cell of inline content: part of its row's line
)

type block struct {
	text    string
	heading bool
	byline  bool // inside an author/date element
	at      atom.Atom
}

// span locates one written block, so trailing credits can be cut out.
type span struct {
	text, textEnd int
	html, htmlEnd int
	heading       bool // a heading or a label line
	h             bool // an <h1>-<h6>
}

type renderer struct {
	entries   []entry
	cursor    int32
	root      int32 // the entry being rendered
	frames    []frame
	line      []byte // current text run, whitespace collapsed
	lineH     []byte // the current run as HTML
	space     bool   // a space is due before the next word of the run
	html      []byte
	text      []byte
	spans     []span // where each block is in text and html
	keep      bool   // the subtree being rendered is kept whatever drop says
	blocks    int
	paras     int // blocks of at least minBodyPara characters so far
	opts      *Options
	images    []events.Image
	figure    int // index into images of the current figure's first image, -1 outside
	inByline  int
	inA       int // depth inside <a>
	inData    int // depth inside tables of data, whose cells are not judged one by one
	lineLink  int // characters of the current run inside links
	lineA     int // links with text in the current run
	lastA     *html.Node
	lineWords int // words of the current run outside links
	inPre     int // depth inside <pre>, where whitespace is kept
	// afterImage is set while nothing but an image has come since the last
	// block, so a short line next may be its caption.
	afterImage bool
	cells      int // data cells written in the current table row
	// imageParent is the element holding the latest image: a <br> beside
	// the image or its wrapper still leads to its caption.
	imageParent *html.Node
	lastImage   int    // index in images of the latest <img>, -1 when it was not listed
	altCaption  []bool // per image: its caption is only the alt text
	lineBold    bool   // every word of the run so far is bold (tracked after images only)
}

// minBodyPara is the length from which a block is surely article text, so
// title and byline filtering stop.
const minBodyPara = 120

// render writes the subtree of entry i. Boilerplate inside it is dropped;
// so is the subtree itself unless it is the chosen candidate (keep).
func (r *renderer) render(i int32, keep bool) {
	e := &r.entries[i]
	r.cursor = i
	r.root = i
	r.keep = keep
	walk(e.n, r.enter, r.leave)
	r.flush()
}

func (r *renderer) enter(n *html.Node) bool {
	switch n.Type {
	case html.TextNode:
		r.addText(n.Data)
		return false
	case html.ElementNode:
	default:
		return false
	}
	idx := r.cursor
	if idx >= int32(len(r.entries)) || r.entries[idx].n != n {
		// Out of step with the scoring pass: cannot happen unless the tree
		// changed; render the text without structure rather than nothing.
		r.frames = append(r.frames, frame{n: n, kind: kindInline})
		return true
	}
	e := &r.entries[idx]
	r.cursor++
	if n.Namespace == "math" {
		// MathML writes a formula as one token per element, with no
		// spaces between: each token is a word of its own.
		r.space = true
	}
	a := n.DataAtom
	data := r.inData == 0 && a == atom.Table && e.linkChars > 0 && r.dataTable(e)
	if !data && r.inData == 0 && (len(r.frames) > 0 || !r.keep) && r.drop(e) {
		if e.chars > 0 && (e.linkDensity() > 0.5 || a == atom.Ul || a == atom.Ol) {
			r.dropOrphanHeading()
		}
		r.cursor = e.end
		r.frames = append(r.frames, frame{n: n, skip: true})
		return false
	}
	f := frame{n: n, data: data}
	if data {
		r.inData++
	}
	if a == 0 && n.Data == "amp-img" {
		a = atom.Img // AMP pages' images
	}
	switch a {
	case atom.Img:
		r.image(n)
		r.frames = append(r.frames, frame{n: n, skip: true})
		return false
	case atom.Br:
		if p := r.imageParent; n.Parent != p && (p == nil || n.Parent != p.Parent) {
			// A caption sits right under its picture; a line break
			// elsewhere starts ordinary text.
			r.afterImage = false
		}
		if n := len(r.line); n > 0 && r.line[n-1] == '\n' && bytes.HasSuffix(r.lineH, []byte("<br>")) {
			// A blank line ends a paragraph, as on screen: text written
			// with <br><br> becomes blocks like text written with <p>.
			r.line = r.line[:n-1]
			r.lineH = r.lineH[:len(r.lineH)-len("<br>")]
			r.flush()
		} else {
			r.flushInline()
			r.writeLineTag("<br>")
			r.line = append(r.line, '\n')
		}
		r.space = false
		r.frames = append(r.frames, frame{n: n, skip: true})
		return false
	case atom.Figcaption:
		r.caption(n)
		// The picture has its caption: the next short line is text.
		r.afterImage = false
		r.cursor = e.end
		r.frames = append(r.frames, frame{n: n, skip: true})
		return false
	case atom.Figure:
		f.kind = kindBlock
		r.flush()
		r.figure = len(r.images)
	case atom.P, atom.Pre, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		f.kind = kindWrapper
		f.open, f.close = tags(a)
	case atom.Td, atom.Th:
		f.open, f.close = tags(a)
		if e.blocks > 0 || !r.inRow() {
			f.kind = kindBox // a layout cell, or a stray one
			break
		}
		// A data cell: the row is one line, "a | b | c", one <tr> of cells.
		f.kind = kindCell
		if r.cells > 0 {
			// The separator is text only: the HTML has the cell tags.
			if !bytes.HasSuffix(r.line, []byte("| ")) {
				r.line = append(r.line, ' ')
			}
			r.line = append(r.line, "| "...)
			r.space = false
		}
		r.cells++
		r.lineH = append(r.lineH, f.open...)
	case atom.Tr:
		f.kind = kindBox
		f.open, f.close = tags(a)
		r.cells = 0
	case atom.Ul, atom.Ol, atom.Li, atom.Blockquote, atom.Table, atom.Dl, atom.Dt, atom.Dd:
		f.kind = kindBox
		f.open, f.close = tags(a)
		f.sentences = (a == atom.Ul || a == atom.Ol) && r.sentenceList(e)
	case atom.A:
		f.kind = kindInline
		if isLink(n) {
			r.inA++
		}
		if href := strings.TrimSpace(attr(n, "href")); safeHref(href) {
			f.open, f.close = `<a href="`+html.EscapeString(r.absolute(href))+`">`, "</a>"
		}
	case atom.Em, atom.I:
		f.kind, f.open, f.close = kindInline, "<em>", "</em>"
	case atom.Strong, atom.B:
		f.kind, f.open, f.close = kindInline, "<strong>", "</strong>"
	case atom.Code:
		f.kind, f.open, f.close = kindInline, "<code>", "</code>"
	default:
		if isBlock(a) {
			f.kind = kindBlock
		} else {
			f.kind = kindInline
		}
	}
	if f.kind != kindInline && f.kind != kindCell {
		r.flush()
	}
	if e.hint&hintByline != 0 {
		f.byline = true
		r.inByline++
	}
	if a == atom.Pre {
		r.inPre++
	}
	r.frames = append(r.frames, f)
	return true
}

func (r *renderer) leave(n *html.Node) {
	if n.Type != html.ElementNode || len(r.frames) == 0 || r.frames[len(r.frames)-1].n != n {
		return
	}
	f := r.frames[len(r.frames)-1]
	if f.skip {
		r.frames = r.frames[:len(r.frames)-1]
		return
	}
	if f.kind == kindCell {
		// The cell's inline elements were closed by their own leave.
		r.lineH = append(r.lineH, f.close...)
		r.frames = r.frames[:len(r.frames)-1]
		return
	}
	if f.kind != kindInline {
		r.flush()
		f = r.frames[len(r.frames)-1] // flush may have written its opening tag
	}
	r.frames = r.frames[:len(r.frames)-1]
	if f.written {
		if f.kind == kindInline {
			r.lineH = append(r.lineH, f.close...)
		} else {
			r.html = append(r.html, f.close...)
		}
	}
	if f.n.DataAtom == atom.Figure {
		r.figure = -1
	}
	if f.byline {
		r.inByline--
	}
	if f.data {
		r.inData--
	}
	if f.linkLines && !f.written {
		r.dropOrphanHeading()
	}
	if n.DataAtom == atom.Pre {
		r.inPre--
	}
	if isLink(n) {
		r.inA--
	}
}

// addText appends a text node to the current run, collapsing whitespace.
func (r *renderer) addText(s string) {
	if r.inPre > 0 {
		r.preText(s)
		return
	}
	if strings.ContainsAny(s, invisible) {
		// Soft hyphens and zero-width characters only steer line breaking;
		// in text they split or glue words wrongly.
		s = strings.Map(dropInvisible, s)
	}
	first := true
	escape := strings.ContainsAny(s, `<>&"'`) // once per text node, not per word
	for i := 0; i < len(s); {
		c, size := rune(s[i]), 1
		if c >= utf8.RuneSelf {
			c, size = utf8.DecodeRuneInString(s[i:])
		}
		if c <= ' ' || isSpace(c) {
			r.space = true
			i += size
			continue
		}
		j := i + size
		for j < len(s) {
			c, size := rune(s[j]), 1
			if c >= utf8.RuneSelf {
				c, size = utf8.DecodeRuneInString(s[j:])
			}
			if c <= ' ' || isSpace(c) {
				break
			}
			j += size
		}
		r.word(s[i:j], first, escape)
		first = false
		i = j
	}
}

// preText appends preformatted text as it is.
func (r *renderer) preText(s string) {
	if strings.TrimSpace(s) == "" && len(r.line) == 0 {
		return
	}
	r.flushInline()
	r.line = append(r.line, s...)
	r.lineWords += strings.Count(s, " ") + 1
	r.lineH = append(r.lineH, html.EscapeString(s)...)
	r.space = false
}

// word appends one word of a text node; first says it is the node's first,
// when inline tags opened since the last text may need writing, and escape
// that the node has characters HTML must escape.
func (r *renderer) word(w string, first, escape bool) {
	if len(r.line) > 0 && r.space && r.line[len(r.line)-1] != '\n' {
		// The space goes before any tag opened since: "with <a>link</a>".
		r.line = append(r.line, ' ')
		r.lineH = append(r.lineH, ' ')
	}
	r.space = false
	if first {
		r.flushInline()
		if r.inA > 0 {
			if a := r.innerA(); a != r.lastA {
				r.lastA = a
				r.lineA++
			}
		}
	}
	if r.afterImage {
		if len(r.line) == 0 {
			r.lineBold = true
		}
		r.lineBold = r.lineBold && r.inBold()
	}
	r.line = append(r.line, w...)
	if r.inA == 0 {
		r.lineWords++
	} else {
		r.lineLink += len(w)
	}
	if escape && strings.ContainsAny(w, `<>&"'`) {
		r.lineH = append(r.lineH, html.EscapeString(w)...)
	} else {
		r.lineH = append(r.lineH, w...)
	}
}

// inRow reports whether the innermost block being rendered is a <tr>.
func (r *renderer) inRow() bool {
	for i := len(r.frames) - 1; i >= 0; i-- {
		if f := &r.frames[i]; f.kind != kindInline && !f.skip {
			return f.n.DataAtom == atom.Tr
		}
	}
	return false
}

// inBold reports whether the text being written is inside <strong> or <b>.
func (r *renderer) inBold() bool {
	for i := len(r.frames) - 1; i >= 0 && r.frames[i].kind == kindInline; i-- {
		if a := r.frames[i].n.DataAtom; a == atom.Strong || a == atom.B {
			return true
		}
	}
	return false
}

// innerA returns the innermost <a> the renderer is in.
func (r *renderer) innerA() *html.Node {
	for i := len(r.frames) - 1; i >= 0; i-- {
		if isLink(r.frames[i].n) {
			return r.frames[i].n
		}
	}
	return nil
}

// flushInline writes the opening tags of inline elements that have content now.
func (r *renderer) flushInline() {
	for i := len(r.frames) - 1; i >= 0; i-- {
		if r.frames[i].kind != kindInline {
			// Only the innermost run of inline frames belongs to this line.
			for j := i + 1; j < len(r.frames); j++ {
				f := &r.frames[j]
				if f.open != "" && !f.written {
					r.lineH = append(r.lineH, f.open...)
					f.written = true
				}
			}
			return
		}
	}
	for j := range r.frames {
		f := &r.frames[j]
		if f.kind == kindInline && f.open != "" && !f.written {
			r.lineH = append(r.lineH, f.open...)
			f.written = true
		}
	}
}

func (r *renderer) writeLineTag(t string) {
	if len(r.line) > 0 {
		r.lineH = append(r.lineH, t...)
	}
}

// flush ends the current text run: it becomes a block of the text and, in
// the HTML, a paragraph or the content of its wrapper element.
func (r *renderer) flush() {
	// line and lineH alias the run buffers, which are reused once the block
	// is written; nothing below keeps them.
	line := bytes.TrimSpace(r.line)
	lineH := r.lineH
	links, linkChars, words := r.lineA, r.lineLink, r.lineWords
	r.line = r.line[:0]
	r.lineH = r.lineH[:0]
	r.space = false
	r.lineA, r.lineLink, r.lastA, r.lineWords = 0, 0, nil, 0
	lineBold := r.lineBold
	r.lineBold = false
	// Inline tags opened in this run are closed with it and reopened by
	// the next run if it is still inside them.
	for i := len(r.frames) - 1; i >= 0 && r.frames[i].kind == kindInline; i-- {
		if r.frames[i].written {
			lineH = append(lineH, r.frames[i].close...)
			r.frames[i].written = false
		}
	}
	if len(line) == 0 {
		return
	}
	wrapper := -1
	for i := len(r.frames) - 1; i >= 0; i-- {
		if r.frames[i].kind != kindInline && r.frames[i].kind != kindCell && !r.frames[i].skip {
			wrapper = i
			break
		}
	}
	var b block
	if wrapper >= 0 {
		b.at = r.frames[wrapper].n.DataAtom
		b.heading = isHeading(b.at)
	}
	b.byline = r.inByline > 0
	// In a table of data (r.inData) a cell is a linked name or a bare
	// figure: the rules for link lines and counters do not apply.
	if r.inData == 0 && links >= 2 && float64(linkChars) > 0.6*float64(len(line)) && !(b.heading && links == 2 && permalink(line)) {
		// A run of links (tags, "more on this") inside the article; not
		// a heading that links to itself ("Setup ¶", "Setup #").
		r.droppedLinkLine()
		return
	}
	if r.inData == 0 && !r.inSentenceList() && !b.heading && links >= 1 && words <= 3 && 2*linkChars >= len(line) && (words == 0 || !bytes.HasSuffix(line, []byte("."))) {
		// A link with at most a label: "Related: ...", "READ MORE: ...";
		// but "<a>Smith</a> said." is a sentence.
		r.droppedLinkLine()
		return
	}
	if isURL(line) || isAdLabel(line) || r.inData == 0 && isCounter(line) || !hasWordRune(line) {
		return
	}
	if r.afterImage && !b.heading && !lineBold && len(line) < 100 && isCaptionLine(line) {
		// A short unpunctuated line right under a picture is its caption;
		// set in bold it is more likely a subheading.
		r.afterImage = false
		if r.lastImage >= 0 {
			r.setCaption(r.lastImage, string(line), "")
		}
		return
	}
	r.afterImage = false
	if r.paras == 0 {
		b.text = string(line)
		if r.dropLead(b) {
			return
		}
	}
	chars := 0
	for _, c := range string(line) { // ranging over a conversion does not copy
		if c > ' ' && !isSpace(c) {
			chars++
		}
	}
	if chars >= minBodyPara {
		r.paras++
	}
	for i := 0; i < len(r.frames); i++ {
		f := &r.frames[i]
		if f.kind != kindInline && f.kind != kindWrapper && f.open != "" && !f.written {
			r.html = append(r.html, f.open...)
			f.written = true
		}
	}
	sp := span{html: len(r.html), heading: b.heading || isLabel(line), h: b.heading}
	switch {
	case wrapper >= 0 && r.frames[wrapper].kind == kindWrapper:
		r.html = append(append(append(r.html, r.frames[wrapper].open...), lineH...), r.frames[wrapper].close...)
	case wrapper >= 0 && r.frames[wrapper].kind == kindBox && r.frames[wrapper].n.DataAtom != atom.Blockquote && r.frames[wrapper].runs == 0:
		// The first run of a list item or cell is its content; later runs
		// are paragraphs of it.
		r.html = append(r.html, lineH...)
		r.frames[wrapper].runs++
	default:
		r.html = append(append(append(r.html, "<p>"...), lineH...), "</p>"...)
	}
	sp.htmlEnd = len(r.html)
	sp.text = len(r.text)
	if r.blocks > 0 {
		r.text = append(r.text, "\n\n"...)
	}
	r.text = append(r.text, line...)
	sp.textEnd = len(r.text)
	r.spans = append(r.spans, sp)
	r.blocks++
}

// image records an <img> as one of the article's images.
func (r *renderer) image(n *html.Node) {
	src := ""
	for _, k := range [...]string{"data-src", "data-lazy-src", "data-original", "src", "srcset", "data-srcset"} {
		v := strings.TrimSpace(attr(n, k))
		if strings.HasSuffix(k, "srcset") {
			// "a.jpg 1x, b.jpg 2x": the first candidate will do.
			v, _, _ = strings.Cut(v, ",")
			v, _, _ = strings.Cut(strings.TrimSpace(v), " ")
		}
		// Skip inline images and script data some sites park in data-src.
		if v != "" && !strings.HasPrefix(v, "data:") && !strings.ContainsAny(v, "{}[] \n\"") {
			src = v
			break
		}
	}
	if src == "" || isPixel(attr(n, "width")) || isPixel(attr(n, "height")) {
		return // no address, or a tracking pixel
	}
	// A picture is on the page even when it cannot be listed: a short line
	// under it is still its caption, not text.
	r.afterImage = len(bytes.TrimSpace(r.line)) == 0
	r.imageParent = n.Parent
	r.lastImage = -1
	src = r.absolute(src)
	if !strings.HasPrefix(src, "https://") && !strings.HasPrefix(src, "http://") {
		// Article v1 image URLs are absolute; a relative one needs
		// Options.BaseURL, and guessing the site would invent it.
		return
	}
	for _, im := range r.images {
		if im.URL == src {
			return
		}
	}
	if len(r.images) >= 100 {
		return
	}
	// The alt text stands in for a caption until a real one turns up.
	r.images = append(r.images, events.Image{URL: src, Caption: strings.TrimSpace(attr(n, "alt")),
		Width: dimension(attr(n, "width")), Height: dimension(attr(n, "height"))})
	r.altCaption = append(r.altCaption, true)
	r.lastImage = len(r.images) - 1
}

// caption gives the figure's images the figcaption's text, split into
// caption and credit when the credit is marked up.
func (r *renderer) caption(n *html.Node) {
	var cap, credit []byte
	inCredit := 0
	walk(n, func(c *html.Node) bool {
		switch c.Type {
		case html.TextNode:
			if inCredit > 0 {
				credit = appendCollapsed(credit, c.Data)
			} else {
				cap = appendCollapsed(cap, c.Data)
			}
		case html.ElementNode:
			if c != n && classify(attr(c, "class"))&hintCaption != 0 && strings.Contains(strings.ToLower(attr(c, "class")), "credit") {
				inCredit++
			}
		}
		return true
	}, func(c *html.Node) {
		if c.Type == html.ElementNode && c != n && inCredit > 0 && strings.Contains(strings.ToLower(attr(c, "class")), "credit") {
			inCredit--
		}
	})
	if r.figure < 0 || r.figure >= len(r.images) {
		return
	}
	cp, cr := splitCredit(string(cap), string(credit))
	for i := r.figure; i < len(r.images); i++ {
		r.setCaption(i, cp, cr)
	}
}

func appendCollapsed(b []byte, s string) []byte {
	space := len(b) > 0
	for _, c := range s {
		if c <= ' ' || isSpace(c) {
			space = len(b) > 0
			continue
		}
		if space {
			b = append(b, ' ')
			space = false
		}
		b = append(b, string(c)...)
	}
	if space && len(b) > 0 && b[len(b)-1] != ' ' {
		b = append(b, ' ')
	}
	return b
}

// isURL reports a block that is nothing but web and mail addresses.
func isURL(s []byte) bool {
	if len(s) == 0 || !bytes.Contains(s, []byte("http")) && !bytes.Contains(s, []byte("www.")) &&
		bytes.IndexByte(s, '@') < 0 && !bytes.Contains(s, []byte(".com/")) {
		return false // the common case, decided without splitting
	}
	for len(s) > 0 {
		i := bytes.IndexAny(s, " \n\t")
		f := s
		if i >= 0 {
			f, s = s[:i], s[i+1:]
		} else {
			s = nil
		}
		if len(f) > 0 && !(bytes.HasPrefix(f, []byte("http://")) || bytes.HasPrefix(f, []byte("https://")) ||
			bytes.HasPrefix(f, []byte("www.")) || bytes.IndexByte(f, '@') > 0 && bytes.IndexByte(f, '.') > 0 ||
			bytes.Contains(f, []byte(".com/"))) {
			return false
		}
	}
	return true
}

// dropOrphanHeading removes the last block when it is a heading that only
// introduced the link list just dropped: "More:", "Related articles".
func (r *renderer) dropOrphanHeading() {
	if len(r.spans) == 0 || r.flushPending() {
		return
	}
	sp := r.spans[len(r.spans)-1]
	if !sp.heading || sp.textEnd-sp.text > 100 || sp.htmlEnd != len(r.html) {
		return
	}
	r.cutLast()
}

// droppedLinkLine is called when a line of links is left out. Outside a
// list the heading before it introduced it. In a list item it introduced
// the list, which may go on with items of text ("Highlights": a link to a
// post, then notes): the list decides when it ends.
func (r *renderer) droppedLinkLine() {
	for i := len(r.frames) - 1; i >= 0; i-- {
		switch r.frames[i].n.DataAtom {
		case atom.Ul, atom.Ol:
			r.frames[i].linkLines = true
			return
		}
	}
	r.dropOrphanHeading()
}

// inSentenceList reports whether the run is in an item of a list of sentences.
func (r *renderer) inSentenceList() bool {
	for i := len(r.frames) - 1; i >= 0; i-- {
		switch r.frames[i].n.DataAtom {
		case atom.Ul, atom.Ol:
			return r.frames[i].sentences
		}
	}
	return false
}

// flushPending reports text not yet written as a block.
func (r *renderer) flushPending() bool { return len(bytes.TrimSpace(r.line)) > 0 }

// cutLast removes the last written block.
func (r *renderer) cutLast() {
	sp := r.spans[len(r.spans)-1]
	r.text = r.text[:sp.text]
	r.html = append(r.html[:sp.html], r.html[sp.htmlEnd:]...)
	r.spans = r.spans[:len(r.spans)-1]
	r.blocks--
}

// isLabel reports a short line that introduces what follows rather than
// saying something: "More:", "DON'T MISS", "You may also like...".
func isLabel(s []byte) bool {
	if len(s) >= 40 || bytes.IndexFunc(s, unicode.IsLetter) < 0 {
		return false // "___" and "* * *" separate, they do not introduce
	}
	if bytes.HasSuffix(s, []byte("...")) || bytes.HasSuffix(s, []byte("…")) || bytes.HasSuffix(s, []byte(":")) {
		return true
	}
	last, _ := utf8.DecodeLastRune(s)
	return !strings.ContainsRune(".!?\"”»)", last)
}

// tags returns the output tags of a structural element. The page's h1 is the
// article's title, kept apart, so one inside the body becomes an h2.
func tags(a atom.Atom) (open, close string) {
	switch a {
	case atom.P:
		return "<p>", "</p>"
	case atom.Pre:
		return "<pre>", "</pre>"
	case atom.H1, atom.H2:
		return "<h2>", "</h2>"
	case atom.H3:
		return "<h3>", "</h3>"
	case atom.H4:
		return "<h4>", "</h4>"
	case atom.H5:
		return "<h5>", "</h5>"
	case atom.H6:
		return "<h6>", "</h6>"
	case atom.Ul:
		return "<ul>", "</ul>"
	case atom.Ol:
		return "<ol>", "</ol>"
	case atom.Li:
		return "<li>", "</li>"
	case atom.Blockquote:
		return "<blockquote>", "</blockquote>"
	case atom.Table:
		return "<table>", "</table>"
	case atom.Tr:
		return "<tr>", "</tr>"
	case atom.Td:
		return "<td>", "</td>"
	case atom.Th:
		return "<th>", "</th>"
	case atom.Dl:
		return "<dl>", "</dl>"
	case atom.Dt:
		return "<dt>", "</dt>"
	case atom.Dd:
		return "<dd>", "</dd>"
	}
	return "", ""
}

// safeHref accepts relative links and http(s), mailto and tel ones, so the
// sanitized HTML carries no javascript: or data: URLs.
func safeHref(href string) bool {
	if href == "" {
		return false
	}
	colon := strings.IndexByte(href, ':')
	if colon < 0 || strings.ContainsAny(href[:colon], "/?#") {
		return true
	}
	switch strings.ToLower(href[:colon]) {
	case "http", "https", "mailto", "tel":
		return true
	}
	return false
}

// isCaptionLine reports a short line that does not read as a sentence:
// two to twelve words, with no sentence punctuation at its end.
func isCaptionLine(s []byte) bool {
	// Words are counted by spaces, so text without them (Chinese,
	// Japanese) never qualifies: a cut-off sentence there looks the same.
	if spaces := bytes.Count(s, []byte(" ")); spaces == 0 || spaces >= 12 || mostlyHan(s) {
		// Spaces in Chinese or Japanese text part phrases, not words.
		return false
	}
	last, _ := utf8.DecodeLastRune(s)
	return !strings.ContainsRune(".!?:\"”»。」』！？", last)
}

// setCaption gives image i a caption found in the page, unless it already
// has one that is not just its alt text.
func (r *renderer) setCaption(i int, caption, credit string) {
	if caption == "" && credit == "" {
		return
	}
	if !r.altCaption[i] && r.images[i].Caption != "" {
		return
	}
	r.images[i].Caption, r.images[i].Credit = caption, credit
	r.altCaption[i] = false
}

// adLabels are the words sites print over an ad slot, and the labels of
// page controls; a block that says only that is not text.
var adLabels = map[string]bool{
	"text size": true, "font size": true, "print": true, "share": true, "share this": true, "email": true,
	"listen": true, "save": true, "subscribe": true, "sign in": true, "log in": true, "menu": true,
	"close": true, "comments": true, "read more": true, "show more": true, "load more": true,
	"advertisement": true, "advertisements": true, "advertising": true, "ad": true, "ads": true,
	"sponsored": true, "sponsored content": true, "story continues below advertisement": true,
	"article continues below advertisement": true, "continue reading below": true,
	"anzeige": true, "werbung": true, "publicité": true, "publicidad": true, "pubblicità": true,
	"publicidade": true, "advertentie": true, "reklama": true, "реклама": true, "広告": true, "광고": true,
}

func isAdLabel(s []byte) bool {
	if len(s) > 40 {
		return false
	}
	return adLabels[strings.ToLower(strings.Trim(string(s), " -–—:.()[]"))]
}

// absolute resolves ref against Options.BaseURL; without one, or when ref
// does not parse, it stays as it is.
func (r *renderer) absolute(ref string) string {
	if r.opts == nil || r.opts.BaseURL == nil || strings.HasPrefix(ref, "#") {
		return ref
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return r.opts.BaseURL.ResolveReference(u).String()
}

// counterWords make up gallery counters: "Image 1 of 5", "Photo 3/10".
var counterWords = map[string]bool{"image": true, "photo": true, "slide": true, "picture": true, "of": true,
	"foto": true, "bild": true, "imagen": true, "von": true, "de": true, "di": true, "/": true}

// isCounter reports a line made only of gallery counters.
func isCounter(s []byte) bool {
	if len(s) > 200 || !bytes.ContainsAny(s, "0123456789") {
		return false
	}
	of := false
	for _, f := range strings.Fields(strings.ToLower(string(s))) {
		if counterWords[f] {
			of = of || f == "of" || f == "von" || f == "de" || f == "di" || f == "/"
			continue
		}
		of = of || strings.Contains(f, "/")
		for _, part := range strings.Split(f, "/") {
			for _, c := range part {
				if c < '0' || c > '9' {
					return false
				}
			}
		}
	}
	return of
}

// isPixel reports a width or height of at most two pixels.
func isPixel(v string) bool {
	v = strings.TrimSuffix(strings.TrimSpace(v), "px")
	return v == "0" || v == "1" || v == "2"
}

// dimension reads a width or height attribute in pixels; 0 when it is not
// a plain number (percentages, "auto").
func dimension(v string) int {
	v = strings.TrimSuffix(strings.TrimSpace(v), "px")
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 100000 {
		return 0
	}
	return n
}

// invisible lists the characters addText removes: soft hyphen, zero-width
// space, word joiner and the zero-width no-break space (a stray BOM).
const invisible = "\u00ad\u200b\u2060\ufeff"

func dropInvisible(r rune) rune {
	if strings.ContainsRune(invisible, r) {
		return -1
	}
	return r
}

// hasWordRune reports whether s has a letter, digit or underscore: a block
// of only "..." or "•" is ornament.
func hasWordRune(s []byte) bool {
	for _, c := range string(s) {
		if c == '_' || unicode.IsLetter(c) || unicode.IsDigit(c) {
			return true
		}
	}
	return false
}

// permalink reports a line that ends in a permalink mark: the anchor a
// documentation generator puts after each heading.
func permalink(line []byte) bool {
	line = bytes.TrimSpace(line)
	for _, m := range []string{"¶", "#", "§", "🔗"} {
		if bytes.HasSuffix(line, []byte(m)) {
			return true
		}
	}
	return false
}

// mostlyHan reports text with more Han or kana characters than other
// letters (Korean, which puts spaces between words, is not counted).
func mostlyHan(s []byte) bool {
	han, other := 0, 0
	for _, r := range string(s) {
		switch {
		case unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r):
			han++
		case unicode.IsLetter(r):
			other++
		}
	}
	return han > other
}
