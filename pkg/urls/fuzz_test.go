package urls

import (
	"net/url"
	"strings"
	"testing"
)

// Canonical forms are article ids' input: whatever a feed or a share link
// holds, Canonical either refuses it or returns an absolute http(s) URL
// without fragment, user or tracking parameters that is its own canonical
// form, so an id never depends on how many times a URL went through it.
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{
		"HTTPS://WWW.Example.COM:443/a/b?utm_source=x&b=2&a=1#frag",
		"http://user:pw@example.com./p",
		"http://example.com..//x?a=1;b=2",
		"http://[::1]:80/?q",
		"https://example.com/%7Efoo/%2F?a=%20&a=+&UTM_Medium=1",
		"http://ex.com/a b?c=d e#f",
		"https://example.com/news?id=5&fbclid=abc&at_custom1=x",
		"http://EXAMPLE.com:0443/%zz",
		"//example.com/x",
		" http://example.com/\t",
		"http://./",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := Canonical(raw)
		if err != nil {
			if c != "" {
				t.Fatalf("Canonical(%q) = %q and %v", raw, c, err)
			}
			return
		}
		again, err := Canonical(c)
		if err != nil {
			t.Fatalf("Canonical(%q) = %q, which it refuses: %v", raw, c, err)
		}
		if again != c {
			t.Fatalf("not idempotent: %q → %q → %q", raw, c, again)
		}
		u, err := url.Parse(c)
		if err != nil {
			t.Fatalf("Canonical(%q) = %q, not a URL: %v", raw, c, err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || strings.Contains(c, "#") {
			t.Errorf("Canonical(%q) = %q: want an absolute http(s) URL without user or fragment", raw, c)
		}
		for name := range u.Query() {
			if isTracking(name) {
				t.Errorf("Canonical(%q) = %q keeps the tracking parameter %q", raw, c, name)
			}
		}
	})
}
