package feeds

import (
	"bytes"
	"fmt"
	"strings"
)

// Limits on internal DTD subsets. Feeds have no business declaring entities;
// the few that do define a handful of HTML names (&nbsp; and friends).
const (
	maxEntityDecls    = 64
	maxEntityValueLen = 4096
)

// cleanProlog vets and strips the prolog (everything before the root
// element) and returns the document with the XML declaration and DOCTYPE
// removed, plus the root element's local name in lower case.
//
// The declaration goes because toUTF8 has already decoded the bytes, so its
// encoding label is now wrong, and because a declaration after a blank line
// or comment is a fatal error for strict parsers. The DOCTYPE goes because
// no XML parser should ever see entity declarations from the network: entity
// bombs are refused outright with ErrEntityExpansion, and what remains
// (plain internal or external entities) is dropped, so references to them
// stay literal text and nothing is ever dereferenced (no XXE).
func cleanProlog(data []byte) (doc []byte, root string, err error) {
	var out []byte // nil until something is cut, so the common path copies nothing
	keepFrom := 0
	cut := func(from, to int) {
		if out == nil {
			out = make([]byte, 0, len(data))
		}
		out = append(out, data[keepFrom:from]...)
		keepFrom = to
	}
	i := 0
	for {
		for i < len(data) && isSpace(data[i]) {
			i++
		}
		rest := data[i:]
		switch {
		case len(rest) == 0:
			return nil, "", fmt.Errorf("no root element: %w", ErrMalformed)
		case bytes.HasPrefix(rest, []byte("<?")):
			// "<?>" is no complete instruction: the end is looked for after "<?".
			end := bytes.Index(rest[2:], []byte("?>"))
			if end < 0 {
				return nil, "", fmt.Errorf("unterminated processing instruction: %w", ErrMalformed)
			}
			end += 2
			if target := piTarget(rest[2:end]); strings.EqualFold(target, "xml") {
				cut(i, i+end+2)
			}
			i += end + 2
		case bytes.HasPrefix(rest, []byte("<!--")):
			end := bytes.Index(rest[4:], []byte("-->"))
			if end < 0 {
				return nil, "", fmt.Errorf("unterminated comment: %w", ErrMalformed)
			}
			i += 4 + end + 3
		case hasPrefixFold(rest, "<!DOCTYPE"):
			n, err := checkDoctype(rest)
			if err != nil {
				return nil, "", err
			}
			cut(i, i+n)
			i += n
		case rest[0] == '<':
			root = rootName(rest[1:])
			if root == "" {
				return nil, "", fmt.Errorf("no element name after '<': %w", ErrMalformed)
			}
			if out == nil {
				return data, root, nil
			}
			return append(out, data[keepFrom:]...), root, nil
		default:
			return nil, "", fmt.Errorf("text %q before the root element: %w", firstRunes(rest, 16), ErrNotFeed)
		}
	}
}

// checkDoctype returns the length of the DOCTYPE declaration at the start of
// b, or ErrEntityExpansion if its internal subset declares entities that
// could expand without bound.
func checkDoctype(b []byte) (int, error) {
	i := len("<!DOCTYPE")
	var quote byte
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[':
			end, err := checkInternalSubset(b[i+1:])
			if err != nil {
				return 0, err
			}
			i += end // the loop increment then lands on the closing ]
		case c == '>':
			return i + 1, nil
		}
	}
	return 0, fmt.Errorf("unterminated DOCTYPE: %w", ErrMalformed)
}

// checkInternalSubset scans a DTD internal subset up to its closing ']' and
// returns that bracket's offset. It refuses parameter entities (the vehicle
// of out-of-band XXE), entities whose values refer to other entities (the
// billion-laughs shape), oversized values (quadratic blowup) and long
// declaration lists.
func checkInternalSubset(b []byte) (int, error) {
	decls := 0
	for i := 0; i < len(b); {
		switch {
		case b[i] == ']':
			return i, nil
		case b[i] == '"' || b[i] == '\'':
			end := bytes.IndexByte(b[i+1:], b[i])
			if end < 0 {
				return 0, fmt.Errorf("unterminated literal in DTD: %w", ErrMalformed)
			}
			i += end + 2
		case bytes.HasPrefix(b[i:], []byte("<!--")):
			end := bytes.Index(b[i+4:], []byte("-->"))
			if end < 0 {
				return 0, fmt.Errorf("unterminated comment in DTD: %w", ErrMalformed)
			}
			i += 4 + end + 3
		case b[i] == '%':
			return 0, fmt.Errorf("parameter entity reference in DTD: %w", ErrEntityExpansion)
		case bytes.HasPrefix(b[i:], []byte("<!ENTITY")):
			decls++
			if decls > maxEntityDecls {
				return 0, fmt.Errorf("more than %d entity declarations: %w", maxEntityDecls, ErrEntityExpansion)
			}
			n, err := checkEntityDecl(b[i:])
			if err != nil {
				return 0, err
			}
			i += n
		default:
			i++
		}
	}
	return 0, fmt.Errorf("unterminated DTD internal subset: %w", ErrMalformed)
}

// checkEntityDecl vets one <!ENTITY ...> and returns its length.
func checkEntityDecl(b []byte) (int, error) {
	i := len("<!ENTITY")
	skip := func() {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
	}
	skip()
	if i < len(b) && b[i] == '%' {
		return 0, fmt.Errorf("parameter entity declaration: %w", ErrEntityExpansion)
	}
	nameStart := i
	for i < len(b) && !isSpace(b[i]) && b[i] != '>' && b[i] != '"' && b[i] != '\'' {
		i++
	}
	name := string(b[nameStart:i])
	for i < len(b) && b[i] != '>' {
		c := b[i]
		if c != '"' && c != '\'' {
			i++
			continue
		}
		end := bytes.IndexByte(b[i+1:], c)
		if end < 0 {
			return 0, fmt.Errorf("unterminated entity value for %q: %w", name, ErrMalformed)
		}
		value := b[i+1 : i+1+end]
		if len(value) > maxEntityValueLen {
			return 0, fmt.Errorf("entity %q value of %d bytes: %w", name, len(value), ErrEntityExpansion)
		}
		if refersToEntity(value) {
			return 0, fmt.Errorf("entity %q refers to other entities: %w", name, ErrEntityExpansion)
		}
		i += end + 2
	}
	if i >= len(b) {
		return 0, fmt.Errorf("unterminated entity declaration %q: %w", name, ErrMalformed)
	}
	return i + 1, nil
}

// refersToEntity reports whether an entity value contains a general or
// parameter entity reference. Character references (&#160;) are fine: they
// expand to one character.
func refersToEntity(v []byte) bool {
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '%':
			return true
		case '&':
			if i+1 < len(v) && v[i+1] != '#' {
				return true
			}
		}
	}
	return false
}

func piTarget(b []byte) string {
	end := 0
	for end < len(b) && !isSpace(b[end]) {
		end++
	}
	return string(b[:end])
}

// rootName returns the lower-cased local name (namespace prefix dropped, so
// rdf:RDF is "rdf") of the element whose name starts b.
func rootName(b []byte) string {
	end := 0
	for end < len(b) && !isSpace(b[end]) && b[end] != '>' && b[end] != '/' {
		end++
	}
	name := b[:end]
	if k := bytes.LastIndexByte(name, ':'); k >= 0 {
		name = name[k+1:]
	}
	return strings.ToLower(string(name))
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && strings.EqualFold(string(b[:len(prefix)]), prefix)
}
