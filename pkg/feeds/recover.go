package feeds

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// recoverPrefix handles feeds that break off or go bad part-way (a body cut
// by a dropped connection or a size limit, one item with a stray "<"): it
// finds where the XML first fails, keeps the document up to the last
// complete </item> or </entry> before that point, and closes the elements
// still open there, so the format parser can read the items before the
// break. It returns nil when no complete item precedes the break, which
// leaves the caller's ErrMalformed standing.
func recoverPrefix(doc []byte, endTags ...string) []byte {
	failAt, ok := firstSyntaxError(doc)
	if !ok {
		return nil
	}
	cut := -1
	head := doc[:failAt]
	for _, tag := range endTags {
		if i := lastIndexFold(head, tag); i >= 0 && i+len(tag) > cut {
			cut = i + len(tag)
		}
	}
	if cut < 0 {
		return nil
	}
	open := openElements(doc[:cut])
	if len(open) == 0 {
		return nil
	}
	out := make([]byte, 0, cut+64)
	out = append(out, doc[:cut]...)
	for i := len(open) - 1; i >= 0; i-- {
		out = append(out, "</"...)
		out = append(out, open[i]...)
		out = append(out, '>')
	}
	return out
}

// firstSyntaxError returns the input offset at which a lenient decoder
// (the same settings gofeed uses) first fails, or false if it never does.
func firstSyntaxError(doc []byte) (int, bool) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = false
	for {
		_, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			// An unclosed root also ends in a clean EOF at the token level.
			return len(doc), true
		}
		if err != nil {
			return int(d.InputOffset()), true
		}
	}
}

// openElements lists the qualified names of the elements open at the end of
// doc, outermost first.
func openElements(doc []byte) []string {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = false
	var stack []string
	for {
		tok, err := d.RawToken()
		if err != nil {
			return stack
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, qname(t.Name))
		case xml.EndElement:
			if n := qname(t.Name); len(stack) > 0 && stack[len(stack)-1] == n {
				stack = stack[:len(stack)-1]
			}
		}
	}
}

func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

// lastIndexFold is an ASCII case-insensitive LastIndex. (bytes.ToLower
// would not do: Unicode lowering can change byte lengths, and so offsets.)
func lastIndexFold(b []byte, s string) int {
	lower := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	return bytes.LastIndex(lower, []byte(strings.ToLower(s)))
}
