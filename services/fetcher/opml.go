package fetcher

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/newsflow/newsflow/pkg/urls"
)

// ErrNoFeeds means an import file held no feed URL.
var ErrNoFeeds = errors.New("fetcher: no feed URLs found")

// ParseFeedList reads feed URLs from an OPML document (every outline's
// xmlUrl, at any depth) or from a plain list (one URL per line, "#" comments).
func ParseFeedList(data []byte) ([]string, error) {
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	var out []string
	if bytes.HasPrefix(trimmed, []byte("<")) {
		dec := xml.NewDecoder(bytes.NewReader(trimmed))
		dec.Strict = false
		dec.Entity = xml.HTMLEntity
		dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
		for {
			tok, err := dec.Token()
			if err != nil {
				if len(out) == 0 && !errors.Is(err, io.EOF) {
					return nil, fmt.Errorf("opml: %w", err)
				}
				break
			}
			se, ok := tok.(xml.StartElement)
			if !ok || !strings.EqualFold(se.Name.Local, "outline") {
				continue
			}
			for _, a := range se.Attr {
				if strings.EqualFold(a.Name.Local, "xmlUrl") && a.Value != "" {
					out = append(out, strings.TrimSpace(a.Value))
				}
			}
		}
	} else {
		// The whole file is in memory already: lines of any length, where a
		// Scanner would stop quietly at its first line over 64 KiB.
		for line := range strings.Lines(string(trimmed)) {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			out = append(out, strings.Fields(line)[0])
		}
	}
	var valid []string
	for _, u := range out {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return nil, fmt.Errorf("feed list: %q is not an http(s) URL", shorten(urls.Redact(u)))
		}
		valid = append(valid, u)
	}
	if len(valid) == 0 {
		return nil, ErrNoFeeds
	}
	return valid, nil
}

// shorten keeps an error message about one entry readable when the entry
// is a whole file's worth of text on one line.
func shorten(s string) string {
	const most = 200
	if len(s) <= most {
		return s
	}
	return strings.ToValidUTF8(s[:most], "") + "…"
}
