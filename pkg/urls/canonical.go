// Package urls canonicalises article URLs, so one article has one id however
// a feed or a share link spelled its address.
package urls

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// ErrNotHTTP is returned for URLs that are not absolute http(s) URLs.
var ErrNotHTTP = errors.New("urls: not an absolute http(s) URL")

// trackingParams are query parameters that identify a campaign or a click,
// never the document. Names ending in "*" are prefixes.
var trackingParams = []string{
	"utm_*", "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "mc_cid", "mc_eid",
	"yclid", "igshid", "_ga", "_gl", "ref_src", "ref_url", "cmpid", "ocid",
	"ncid", "sr_share", "at_medium", "at_campaign", "at_custom*", "spm", "__twitter_impression",
}

func isTracking(name string) bool {
	name = strings.ToLower(name)
	for _, p := range trackingParams {
		if strings.HasSuffix(p, "*") {
			if strings.HasPrefix(name, p[:len(p)-1]) {
				return true
			}
		} else if name == p {
			return true
		}
	}
	return false
}

// Canonical returns raw with scheme and host in lower case, default ports,
// fragment and tracking parameters removed, remaining query parameters sorted,
// and an empty path written as "/".
func Canonical(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		// url.Error repeats the URL, and with it any password.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("canonicalise %q: %w", Redact(raw), err)
	}
	return CanonicalURL(u)
}

// CanonicalURL is Canonical for a parsed URL; u is not modified.
func CanonicalURL(in *url.URL) (string, error) {
	u := *in
	u.Scheme = strings.ToLower(u.Scheme)
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%w: %q", ErrNotHTTP, in.Redacted())
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	host = strings.TrimRight(host, ".") // every trailing dot, or a second pass would drop another
	if host == "" {
		return "", fmt.Errorf("%w: %q", ErrNotHTTP, in.Redacted())
	}
	if strings.Contains(host, ":") { // IPv6 literal
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" {
		u.Path, u.RawPath = "/", ""
	}
	if u.RawQuery != "" {
		q := u.Query()
		for name := range q {
			if isTracking(name) {
				q.Del(name)
			}
		}
		keys := make([]string, 0, len(q))
		for k := range q {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		for _, k := range keys {
			for _, v := range q[k] {
				if k == "" && v == "" {
					continue // a bare "=" says nothing, and writing it as "" would leave a stray "&"
				}
				if b.Len() > 0 {
					b.WriteByte('&')
				}
				b.WriteString(url.QueryEscape(k))
				if v != "" {
					b.WriteByte('=')
					b.WriteString(url.QueryEscape(v))
				}
			}
		}
		u.RawQuery = b.String()
	}
	u.ForceQuery = false
	return u.String(), nil
}
