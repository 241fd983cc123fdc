package extract

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/transform"
)

// Parse decodes page bytes into UTF-8 — charset from the HTTP Content-Type,
// then a BOM, then <meta charset>, then sniffing — and parses them.
func Parse(page []byte, contentType string) (*goquery.Document, error) {
	if len(page) > MaxPageBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(page), MaxPageBytes)
	}
	enc, name, certain := charset.DetermineEncoding(page, contentType)
	if !certain && name == "windows-1252" {
		// The sniffer gave up (it reads only the first 1 KB): look for a
		// <meta> charset further into the head.
		if e, n := metaCharset(page); e != nil {
			enc, name = e, n
		}
	}
	var text []byte = page
	// Bytes that are valid UTF-8 and not plain ASCII are UTF-8 whatever the
	// header or <meta> claim: text in a legacy single-byte charset almost
	// never forms valid multi-byte sequences, while servers and templates
	// often mislabel UTF-8 (and the sniffer only looks at the first 1 KB).
	if name != "utf-8" && hasHighBit(page) && utf8.Valid(page) {
		name = "utf-8"
	}
	if name != "utf-8" || !utf8.Valid(page) {
		decoded, _, err := transform.Bytes(enc.NewDecoder(), page)
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", name, err)
		}
		text = decoded
	}
	text = bytes.TrimPrefix(text, []byte("\xef\xbb\xbf"))
	root, err := html.Parse(bytes.NewReader(text))
	if err != nil {
		// The parser refuses pages nested deeper than 512 open elements
		// (often a page that never closes its tags). Such a page still holds
		// an article: drop the tags beyond a sane depth, keep their text.
		root, err = html.Parse(bytes.NewReader(flatten(text, maxDepth)))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotHTML, err)
		}
	}
	// A page swallowed whole by an unclosed <title> or comment is parsed
	// again, repaired; a few rounds cover a page broken more than once.
	for range 3 {
		fixed := swallowed(root, text)
		if fixed == nil {
			break
		}
		again, err := html.Parse(bytes.NewReader(fixed))
		if err != nil {
			break
		}
		root, text = again, fixed
	}
	return goquery.NewDocumentFromNode(root), nil
}

// metaCharset finds a charset declared in a <meta> tag within the first
// 64 KB, for pages whose head starts with more than 1 KB of scripts or styles.
func metaCharset(page []byte) (encoding.Encoding, string) {
	head := page[:min(len(page), 64<<10)]
	for off := 0; ; {
		i := indexFold(head[off:], "charset")
		if i < 0 {
			return nil, ""
		}
		at := off + i
		off = at + len("charset")
		lt := bytes.LastIndexByte(head[:at], '<')
		if lt < 0 || bytes.IndexByte(head[lt:at], '>') >= 0 || indexFold(head[lt:min(lt+5, at)], "<meta") != 0 {
			continue
		}
		rest := bytes.TrimLeft(head[off:], " \t\r\n")
		if len(rest) == 0 || rest[0] != '=' {
			continue
		}
		rest = bytes.TrimLeft(rest[1:], " \t\r\n\"'")
		end := bytes.IndexAny(rest, "\"'; \t\r\n>/")
		if end <= 0 {
			continue
		}
		if e, name := charset.Lookup(string(rest[:end])); e != nil {
			return e, name
		}
	}
}

// indexFold is bytes.Index for an ASCII lower-case needle, ignoring case.
func indexFold(b []byte, needle string) int {
	n := len(needle)
	for i := 0; i+n <= len(b); i++ {
		j := 0
		for ; j < n; j++ {
			c := b[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != needle[j] {
				break
			}
		}
		if j == n {
			return i
		}
	}
	return -1
}

func hasHighBit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

const maxDepth = 256

// flatten rewrites page with the start and end tags of elements nested
// deeper than limit removed; text, void elements and shallower tags stay.
func flatten(page []byte, limit int) []byte {
	z := html.NewTokenizer(bytes.NewReader(page))
	var out bytes.Buffer
	out.Grow(len(page))
	depth, skipped := 0, 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return out.Bytes()
		case html.StartTagToken:
			name, _ := z.TagName()
			if voidElements[string(name)] {
				break
			}
			depth++
			if depth > limit {
				skipped++
				continue
			}
		case html.EndTagToken:
			if skipped > 0 {
				skipped--
				depth--
				continue
			}
			if depth > 0 {
				depth--
			}
		}
		out.Write(z.Raw())
	}
}

var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true,
}
