package extract

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/transform"
)

// Parse decodes page bytes into UTF-8 — charset from the HTTP Content-Type,
// then a BOM, then <meta charset>, then sniffing — and parses them.
func Parse(page []byte, contentType string) (*goquery.Document, error) {
	if len(page) > MaxPageBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(page), MaxPageBytes)
	}
	enc, name, _ := charset.DetermineEncoding(page, contentType)
	var text []byte = page
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
		return nil, fmt.Errorf("%w: %v", ErrNotHTML, err)
	}
	return goquery.NewDocumentFromNode(root), nil
}
