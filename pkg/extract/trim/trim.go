// Package trim removes from an HTML page the bytes extraction never reads:
// the text of <style> elements and of scripts that run. On news pages they
// are half the bytes (26% styles, 27% scripts on the extraction benchmark),
// and every stage after the fetcher pays for them: compression, JetStream's
// caches and disk, the parser's tokenizer.
//
// Tags, attributes, comments and data scripts (JSON-LD, JSON, templates)
// stay, so the page parses to the same tree less those texts. The scanner
// follows the tokenizing rules of the HTML standard (as golang.org/x/net/html
// implements them) wherever they decide where a style or script ends; where
// it cannot be sure — after an SVG other than a simple icon, from the first
// MathML element on, in a script that opens "<!--" and then "<script", in a
// page that is not ASCII-compatible — it leaves the rest of the page as it is.
package trim

import (
	"bytes"
	"strings"
)

// Page trims page in place and returns it, shortened. The bytes past the
// returned length are garbage.
func Page(page []byte) []byte {
	if !asciiCompatible(page) {
		return page
	}
	s := scanner{b: page}
	s.run()
	return s.finish()
}

// scanner copies the page onto itself, leaving out the cut ranges: b[:w] is
// output, b[from:] is input not yet copied.
type scanner struct {
	b       []byte
	w, from int
	trimmed int
}

// cut leaves b[start:end] out of the output.
func (s *scanner) cut(start, end int) {
	if end <= start {
		return
	}
	s.w += copy(s.b[s.w:], s.b[s.from:start])
	s.from = end
	s.trimmed += end - start
}

func (s *scanner) finish() []byte {
	if s.trimmed == 0 {
		return s.b
	}
	s.w += copy(s.b[s.w:], s.b[s.from:])
	return s.b[:s.w]
}

// run walks the page tag by tag. Text between tags is skipped with
// IndexByte; only tags are read byte by byte.
func (s *scanner) run() {
	b := s.b
	i := 0
	for i < len(b) {
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 || i+j+1 >= len(b) {
			return
		}
		i += j
		switch c := b[i+1]; {
		case c == '!':
			i = s.markup(i)
		case c == '?':
			i = closeAngle(b, i+2)
		case c == '/':
			i = s.endTag(i)
		case isLetter(c):
			i = s.startTag(i)
		default:
			i++ // a '<' of the text
		}
	}
}

// markup skips a comment, a doctype or a bogus comment starting at b[i] =
// "<!", and returns where the page goes on. (A CDATA section is one only in
// SVG and MathML, where trimming has stopped.)
func (s *scanner) markup(i int) int {
	b := s.b
	if bytes.HasPrefix(b[i:], []byte("<!--")) {
		return commentEnd(b, i+4)
	}
	return closeAngle(b, i+2)
}

// endTag skips the end tag at b[i] = "</".
func (s *scanner) endTag(i int) int {
	b := s.b
	if i+2 >= len(b) || !isLetter(b[i+2]) {
		// "</>" or a bogus comment: both end at the next '>'.
		return closeAngle(b, i+2)
	}
	_, end := readTag(b, i+2)
	return end
}

// startTag reads the start tag at b[i] and, for a raw-text element, its text.
func (s *scanner) startTag(i int) int {
	b := s.b
	name, end := readTag(b, i+1)
	if end >= len(b) {
		return len(b) // a tag cut off by the end of the page is no tag
	}
	switch {
	case equalFold(name, "svg"):
		if after, ok := svgEnd(b, i, end); ok {
			return after
		}
		return len(b)
	case equalFold(name, "math"):
		return len(b)
	case equalFold(name, "style"):
		textEnd := rawTextEnd(b, end, "style")
		s.cut(end, textEnd)
		return textEnd
	case equalFold(name, "script"):
		textEnd, sure := scriptEnd(b, end)
		if !sure {
			return len(b)
		}
		if runs(b[i:end]) {
			s.cut(end, textEnd)
		}
		return textEnd
	case equalFold(name, "plaintext"):
		return len(b)
	}
	for _, raw := range rawElements {
		if equalFold(name, raw) {
			return rawTextEnd(b, end, raw)
		}
	}
	return end
}

// svgEnd is where an inline SVG, whose start tag is b[i:end], ends — if it is
// one the parser leaves at its </svg> for sure: SVG elements only, and text
// only in its <title>, <desc>, <style> and <script>. In SVG a <style> is
// markup, and where the parser leaves SVG depends on its stack of open
// elements: an HTML element inside (a <p> breaks out of the SVG, a <div> in
// a <foreignObject> makes an </svg> close nothing) or a tag it cannot read
// gives ok false, and the caller leaves the rest of the page alone. Icons
// and logos, the inline SVG of news pages, are of the simple kind.
func svgEnd(b []byte, i, end int) (after int, ok bool) {
	if selfClosing(b[i:end]) {
		return end, true
	}
	if b[end-2] == '/' {
		return 0, false // "<svg a=b/>": the tokenizer's reading depends on the value
	}
	depth := 1
	for i = end; ; {
		k := bytes.IndexByte(b[i:], '<')
		if k < 0 || i+k+1 >= len(b) {
			return 0, false
		}
		i += k
		switch c := b[i+1]; {
		case c == '!' && bytes.HasPrefix(b[i:], []byte("<!--")):
			i = commentEnd(b, i+4)
		case c == '/':
			if i+2 >= len(b) || !isLetter(b[i+2]) {
				return 0, false
			}
			name, end := readTag(b, i+2)
			if !svgElement(name) || end >= len(b) {
				return 0, false
			}
			if equalFold(name, "svg") {
				if depth--; depth == 0 {
					return end, true
				}
			}
			i = end
		case isLetter(c):
			name, end := readTag(b, i+1)
			if !svgElement(name) || end >= len(b) {
				return 0, false
			}
			switch {
			case equalFold(name, "svg") && !selfClosing(b[i:end]):
				if b[end-2] == '/' {
					return 0, false
				}
				depth++
			case textOnly(name):
				// Its text, up to its own end tag, and no tag inside.
				k := bytes.IndexByte(b[end:], '<')
				if k < 0 || !endTagAt(b, end+k, strings.ToLower(string(name))) {
					return 0, false
				}
				end += k
			}
			i = end
		default:
			return 0, false // "<!x", "<?x" or a '<' of the text: not for an icon
		}
	}
}

// svgElements are the SVG elements of icons, logos and charts, lower case;
// and any filter primitive (fe…).
var svgElements = []string{"svg", "g", "path", "use", "defs", "symbol", "circle", "rect", "ellipse",
	"line", "polyline", "polygon", "lineargradient", "radialgradient", "stop", "clippath", "mask",
	"pattern", "text", "tspan", "textpath", "image", "filter", "marker", "animate",
	"animatetransform", "animatemotion", "set", "switch", "view", "title", "desc", "style", "script"}

func svgElement(name []byte) bool {
	if len(name) > 2 && equalFold(name[:2], "fe") {
		return true
	}
	for _, e := range svgElements {
		if equalFold(name, e) {
			return true
		}
	}
	return false
}

// textOnly are the SVG elements whose content must be text for svgEnd: an
// HTML tag in a <title> or <desc> (HTML integration points) is HTML, and in
// SVG a <style> or <script> is no raw text.
func textOnly(name []byte) bool {
	return equalFold(name, "title") || equalFold(name, "desc") || equalFold(name, "style") || equalFold(name, "script")
}

// selfClosing says whether a start tag ends in "/>" as the tokenizer reads
// it: the '/' is not the last byte of the last attribute's unquoted value
// ("<svg a=b/>", "<svg a= />"). A repeated attribute name, which the
// tokenizer drops, can only make this say false where it says true.
func selfClosing(tag []byte) bool {
	n := len(tag)
	if n < 3 || tag[n-2] != '/' {
		return false
	}
	i := 1
	for i < n && !isSpace(tag[i]) && tag[i] != '/' && tag[i] != '>' {
		i++
	}
	inValue := false
	scanAttrs(tag, i, func(_, val []byte) bool {
		end := cap(tag) - cap(val) + len(val) // val is a slice of tag
		inValue = len(val) > 0 && end == n-1
		return true
	})
	return !inValue
}

// rawElements hold text up to their end tag whose markup is not markup: a
// "<style>" in a title is text. (With scripting on, as the extractor parses,
// <noscript> is one of them.)
var rawElements = []string{"title", "textarea", "xmp", "iframe", "noembed", "noframes", "noscript"}

// readTag reads a tag's name from b[i] and its attributes up to the closing
// '>'. It returns the name and the index after the '>' (len(b) when the page
// ends first).
func readTag(b []byte, i int) (name []byte, end int) {
	start := i
	for i < len(b) && !isSpace(b[i]) && b[i] != '/' && b[i] != '>' {
		i++
	}
	return b[start:i], scanAttrs(b, i, nil)
}

// scanAttrs reads attributes from b[i] to the tag's '>' exactly as the
// tokenizer does — a '>' in a quoted value does not end the tag, a quote
// opens a value only after '=', a '=' that starts a name belongs to it — and
// returns the index after the '>' (len(b) when the page ends first). It
// calls f, if not nil, with each attribute until f returns false.
func scanAttrs(b []byte, i int, f func(key, val []byte) bool) int {
	for {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i >= len(b) {
			return len(b)
		}
		if b[i] == '>' {
			return i + 1
		}
		k := i
		if b[i] == '=' {
			i++
		}
		for i < len(b) && !isSpace(b[i]) && b[i] != '/' && b[i] != '>' && b[i] != '=' {
			i++
		}
		key := b[k:i]
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		var val []byte
		switch {
		case i >= len(b):
			return len(b)
		case b[i] == '/':
			i++
		case b[i] == '=':
			i++
			for i < len(b) && isSpace(b[i]) {
				i++
			}
			switch {
			case i >= len(b):
				return len(b)
			case b[i] == '"' || b[i] == '\'':
				e := bytes.IndexByte(b[i+1:], b[i])
				if e < 0 {
					return len(b)
				}
				val, i = b[i+1:i+1+e], i+e+2
			case b[i] == '>':
			default:
				v := i
				for i < len(b) && !isSpace(b[i]) && b[i] != '>' {
					i++
				}
				val = b[v:i]
			}
		}
		if f != nil && len(key) > 0 && !f(key, val) {
			f = nil
		}
	}
}

// rawTextEnd is where the text of a raw-text element opened before b[i]
// ends: at "</name" followed by a space, '/' or '>', or at the page's end.
func rawTextEnd(b []byte, i int, name string) int {
	for {
		k := bytes.Index(b[i:], []byte("</"))
		if k < 0 {
			return len(b)
		}
		i += k
		if endTagAt(b, i, name) {
			return i
		}
		i += 2
	}
}

// endTagAt says whether b[i:] starts the end tag "</name" (any case) with a
// delimiter after it.
func endTagAt(b []byte, i int, name string) bool {
	if i+2 > len(b) || b[i] != '<' || b[i+1] != '/' {
		return false
	}
	rest := b[i+2:]
	if len(rest) <= len(name) || !equalFold(rest[:len(name)], name) {
		return false
	}
	switch rest[len(name)] {
	case ' ', '\n', '\r', '\t', '\f', '/', '>':
		return true
	}
	return false
}

// scriptEnd is where a script's text ends. A script that opens "<!--" and
// then "<script" can enter the standard's double-escaped state, where the
// first "</script>" does not end it: sure is false for those, and the caller
// leaves the rest of the page alone rather than follow those rules.
func scriptEnd(b []byte, i int) (end int, sure bool) {
	end = rawTextEnd(b, i, "script")
	text := b[i:end]
	open := bytes.Index(text, []byte("<!--"))
	if open < 0 {
		return end, true
	}
	return end, indexFold(text[open:], "<script") < 0
}

// runs says whether a script start tag is of a script a browser runs (no
// type, a JavaScript type or "module") rather than a data block such as
// JSON-LD, which the extractor reads.
func runs(tag []byte) bool {
	t, ok := attrValue(tag, "type")
	if !ok {
		return true
	}
	t = bytes.TrimSpace(t)
	if len(t) == 0 || equalFold(t, "module") {
		return true
	}
	if k := bytes.IndexByte(t, ';'); k >= 0 {
		t = bytes.TrimSpace(t[:k])
	}
	for _, js := range jsTypes {
		if equalFold(t, js) {
			return true
		}
	}
	return false
}

// jsTypes are the JavaScript MIME types of the HTML standard.
var jsTypes = []string{
	"application/ecmascript", "application/javascript", "application/x-ecmascript",
	"application/x-javascript", "text/ecmascript", "text/javascript", "text/javascript1.0",
	"text/javascript1.1", "text/javascript1.2", "text/javascript1.3", "text/javascript1.4",
	"text/javascript1.5", "text/jscript", "text/livescript", "text/x-ecmascript",
	"text/x-javascript",
}

// attrValue finds an attribute in a start tag ("<script ...>"); the first
// of a repeated name counts, as in the tokenizer.
func attrValue(tag []byte, name string) (val []byte, found bool) {
	i := 1
	for i < len(tag) && !isSpace(tag[i]) && tag[i] != '/' && tag[i] != '>' {
		i++
	}
	scanAttrs(tag, i, func(k, v []byte) bool {
		if equalFold(k, name) {
			val, found = v, true
		}
		return !found
	})
	return val, found
}

// commentEnd is where a comment whose text starts at b[i] ends, by the
// tokenizer's rules: "-->", "--!>", or a first '>' with only dashes before it
// ("<!-->", "<!--->"). An unclosed comment runs to the page's end.
func commentEnd(b []byte, i int) int {
	start := i
	for {
		k := bytes.IndexByte(b[i:], '>')
		if k < 0 {
			return len(b)
		}
		gt := i + k
		text := b[start:gt]
		if (i == start && len(bytes.TrimLeft(text, "-")) == 0) ||
			bytes.HasSuffix(text, []byte("--")) || bytes.HasSuffix(text, []byte("--!")) {
			return gt + 1
		}
		i = gt + 1
	}
}

// closeAngle is the index after the next '>' from b[i], or len(b).
func closeAngle(b []byte, i int) int {
	if i >= len(b) {
		return len(b)
	}
	k := bytes.IndexByte(b[i:], '>')
	if k < 0 {
		return len(b)
	}
	return i + k + 1
}

// asciiCompatible rules out pages whose '<' may not be a '<': UTF-16 (NUL
// bytes) and the ISO-2022 encodings (ESC), whose two-byte characters can
// contain the bytes of "<style".
func asciiCompatible(b []byte) bool {
	return bytes.IndexByte(b, 0) < 0 && bytes.IndexByte(b, 0x1b) < 0
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f'
}

func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

func indexFold(b []byte, s string) int {
	for i := 0; i+len(s) <= len(b); i++ {
		if equalFold(b[i:i+len(s)], s) {
			return i
		}
	}
	return -1
}
