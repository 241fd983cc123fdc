package trim

import "bytes"

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
