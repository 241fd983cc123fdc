package feeds

import (
	"bytes"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// toUTF8 returns data as valid UTF-8 with a UTF-8 BOM and XML-illegal control
// characters removed. Everything downstream (gofeed, encoding/xml, JSON)
// then reads plain UTF-8 and never consults an encoding declaration, which is
// where most real-world feed breakage comes from: declarations that lie
// ("ISO-8859-1" over UTF-8 bytes), names no library knows ("invalid"), and
// Latin-1 bytes with no declaration at all.
func toUTF8(data []byte, contentType string) []byte {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{'<', 0}):
		data = decodeWith(unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), data)
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}), bytes.HasPrefix(data, []byte{0, '<'}):
		data = decodeWith(unicode.UTF16(unicode.BigEndian, unicode.UseBOM), data)
	default:
		// Valid UTF-8 wins over any declaration: Latin-1 or windows-125x text
		// with non-ASCII letters is practically never valid UTF-8 by accident,
		// while "declared ISO-8859-1, actually UTF-8" is common.
		if !utf8.Valid(data) {
			data = decodeWith(legacyEncoding(data, contentType), data)
		}
	}
	if !utf8.Valid(data) {
		data = bytes.ToValidUTF8(data, []byte("\uFFFD"))
	}
	return stripControl(data)
}

// legacyEncoding picks the decoder for bytes that are not UTF-8. The XML
// declaration is preferred to the HTTP header because servers attach a
// default charset (Apache's iso-8859-1, frameworks' utf-8) to whatever they
// serve, whereas the declaration was written by whoever produced the bytes.
// With neither usable, windows-1252 is the best guess: it is what
// "ISO-8859-1" means on the web, and it decodes every byte.
func legacyEncoding(data []byte, contentType string) encoding.Encoding {
	for _, label := range []string{declaredEncoding(data), headerCharset(contentType)} {
		if e := lookupSingleOrMultiByte(label); e != nil {
			return e
		}
	}
	return charmap.Windows1252
}

// lookupSingleOrMultiByte resolves a charset label, ignoring labels that
// cannot describe bytes that failed UTF-8 validation (UTF-8 itself, and
// UTF-16 without a BOM, which the caller has already ruled out).
func lookupSingleOrMultiByte(label string) encoding.Encoding {
	if label == "" {
		return nil
	}
	e, name := charset.Lookup(label)
	if e == nil || name == "utf-8" || strings.HasPrefix(name, "utf-16") || name == "replacement" {
		return nil
	}
	return e
}

func decodeWith(e encoding.Encoding, data []byte) []byte {
	out, err := e.NewDecoder().Bytes(data)
	if err != nil {
		// x/text decoders substitute U+FFFD rather than fail; an error here
		// means a transformer limit, so keep what is salvageable.
		return bytes.ToValidUTF8(data, []byte("\uFFFD"))
	}
	return out
}

// declaredEncoding returns the encoding pseudo-attribute of the XML
// declaration, looked for in the first KB because some feeds put comments or
// blank lines before it.
func declaredEncoding(data []byte) string {
	head := data[:min(len(data), 1024)]
	i := bytes.Index(head, []byte("<?xml"))
	if i < 0 {
		return ""
	}
	decl := head[i:]
	if end := bytes.Index(decl, []byte("?>")); end >= 0 {
		decl = decl[:end]
	}
	j := bytes.Index(decl, []byte("encoding"))
	if j < 0 {
		return ""
	}
	rest := bytes.TrimLeft(decl[j+len("encoding"):], " \t\r\n")
	if len(rest) == 0 || rest[0] != '=' {
		return ""
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	q := rest[0]
	rest = rest[1:]
	if k := bytes.IndexByte(rest, q); k >= 0 {
		return strings.TrimSpace(string(rest[:k]))
	}
	return ""
}

func headerCharset(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return params["charset"]
}

// stripControl drops C0 control characters other than tab, LF and CR: they
// are illegal in XML 1.0 and in JSON strings, yet CMS exports are full of
// them (form feeds, vertical tabs pasted from word processors), and one is
// enough to make a strict tokenizer give up on the whole feed.
func stripControl(data []byte) []byte {
	bad := func(c byte) bool { return c < 0x20 && c != '\t' && c != '\n' && c != '\r' }
	first := -1
	for i, c := range data {
		if bad(c) {
			first = i
			break
		}
	}
	if first < 0 {
		return data
	}
	out := make([]byte, first, len(data))
	copy(out, data[:first])
	for _, c := range data[first:] {
		if !bad(c) {
			out = append(out, c)
		}
	}
	return out
}
