package trim

import "bytes"

// The tokenizer's syntax of tags, comments and raw text, as far as trimming
// needs it.

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
