package events

import (
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
)

// Validate checks a against Article v1 without a JSON round trip: only the
// rules of article.v1.schema.json that a Go value can break (the struct
// already fixes the types and the set of fields, and encoding/json writes
// times as RFC 3339 with an offset). Validating the encoded document took
// four fifths of the parser's publish; TestValidateAgreesWithSchema and
// FuzzValidateAgreesWithSchema hold this to the schema.
func (a *Article) Validate() error {
	var errs []string
	bad := func(field, format string, args ...any) {
		errs = append(errs, field+": "+fmt.Sprintf(format, args...))
	}
	match := func(field, v string, re *regexp.Regexp) {
		if !re.MatchString(v) {
			bad(field, "%q does not match %s", v, re)
		}
	}
	absURL := func(field, v string) {
		if err := checkURI(v); err != nil {
			bad(field, "%v", err)
		}
	}
	match("id", a.ID, idPattern)
	absURL("url", a.URL)
	if a.CanonicalURL != "" {
		absURL("canonical_url", a.CanonicalURL)
	}
	if a.AMPURL != "" {
		absURL("amp_url", a.AMPURL)
	}
	for i, n := range a.Authors {
		if n == "" {
			bad(fmt.Sprintf("authors/%d", i), "empty")
		}
	}
	if a.Language != "" {
		match("language", a.Language, languagePattern)
	}
	image := func(field string, im Image) {
		if im.URL != "" {
			absURL(field+"/url", im.URL)
		}
		if im.Width < 0 || im.Height < 0 {
			bad(field, "negative size %dx%d", im.Width, im.Height)
		}
	}
	if a.LeadImage != nil {
		image("lead_image", *a.LeadImage)
	}
	for i, im := range a.Images {
		image(fmt.Sprintf("images/%d", i), im)
	}
	if a.WordCount < 0 || a.ReadingTimeS < 0 {
		bad("word_count", "negative counts %d, %d s", a.WordCount, a.ReadingTimeS)
	}
	if a.ContentHash != "" {
		match("content_hash", a.ContentHash, contentHashPattern)
	}
	if a.Simhash != "" {
		match("simhash", a.Simhash, simhashPattern)
	}
	if e := a.Extraction; e != nil && !(e.Confidence >= 0 && e.Confidence <= 1) {
		bad("extraction/confidence", "%v is not within [0, 1]", e.Confidence)
	}
	if a.SchemaVersion != SchemaVersion {
		bad("schema_version", "%d, want %d", a.SchemaVersion, SchemaVersion)
	}
	if errs != nil {
		return fmt.Errorf("%w: article %s: %s", ErrInvalid, a.URL, strings.Join(errs, "; "))
	}
	return nil
}

// The schema's patterns, as it writes them.
var (
	idPattern          = regexp.MustCompile(`^[0-9a-f]{32}$`)
	languagePattern    = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
	contentHashPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)
	simhashPattern     = regexp.MustCompile(`^[0-9a-f]{16}$`)
)

// checkURI is the schema's "uri" format as its validator reads it: a URL Go
// parses, with a scheme, whose IPv6 host is bracketed and has no zone.
func checkURI(s string) error {
	if s == "" {
		return fmt.Errorf("empty URI")
	}
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if h := u.Hostname(); strings.Contains(h, ":") {
		if !strings.Contains(u.Host, "[") || !strings.Contains(u.Host, "]") {
			return fmt.Errorf("%q: IPv6 address not in brackets", s)
		}
		if addr, err := netip.ParseAddr(h); err != nil || addr.Zone() != "" {
			return fmt.Errorf("%q: bad IPv6 address", s)
		}
	}
	if !u.IsAbs() {
		return fmt.Errorf("%q: relative URI", s)
	}
	return nil
}
