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

import "bytes"

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
// output, b[from:] is input not yet copied (from is 0 until the first cut).
type scanner struct {
	b       []byte
	w, from int
}

// cut leaves b[start:end] out of the output.
func (s *scanner) cut(start, end int) {
	if end <= start {
		return
	}
	s.w += copy(s.b[s.w:], s.b[s.from:start])
	s.from = end
}

func (s *scanner) finish() []byte {
	if s.from == 0 {
		return s.b // nothing cut
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

// rawElements hold text up to their end tag whose markup is not markup: a
// "<style>" in a title is text. (With scripting on, as the extractor parses,
// <noscript> is one of them.)
var rawElements = []string{"title", "textarea", "xmp", "iframe", "noembed", "noframes", "noscript"}

// asciiCompatible rules out pages whose '<' may not be a '<': UTF-16 (NUL
// bytes) and the ISO-2022 encodings (ESC), whose two-byte characters can
// contain the bytes of "<style".
func asciiCompatible(b []byte) bool {
	return bytes.IndexByte(b, 0) < 0 && bytes.IndexByte(b, 0x1b) < 0
}
