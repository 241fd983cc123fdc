package trim

import (
	"bytes"
	"strings"
)

// svgEnd is where an inline SVG, whose start tag is b[i:end], ends — if it is
// one the parser leaves at its </svg> for sure: SVG elements only, and text
// only in its <title>, <desc>, <style> and <script>. In SVG a <style> is
// markup, and where the parser leaves SVG depends on its stack of open
// elements: an HTML element inside (a <p> breaks out of the SVG, a <div> in
// a <foreignObject> makes an </svg> close nothing) or a tag it cannot read
// gives ok false, and the caller leaves the rest of the page alone. Icons
// and logos, the inline SVG of news pages, are of the simple kind.
func svgEnd(b []byte, i, end int) (after int, ok bool) {
	switch opens, sure := svgOpens(b[i:end]); {
	case !sure:
		return 0, false
	case !opens:
		return end, true
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
			case equalFold(name, "svg"):
				opens, sure := svgOpens(b[i:end])
				if !sure {
					return 0, false
				}
				if opens {
					depth++
				}
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

// svgOpens says whether an <svg> start tag opens an element ("<svg/>" does
// not), and whether that is sure: a tag ending in "/>" whose '/' this reads
// as the end of the last attribute's value might be self-closing after all
// to the tokenizer, if that attribute repeats a name (the tokenizer keeps
// only the first).
func svgOpens(tag []byte) (opens, sure bool) {
	if selfClosing(tag) {
		return false, true
	}
	return true, tag[len(tag)-2] != '/'
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
