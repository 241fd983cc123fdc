package urls

import (
	"errors"
	"strings"
	"testing"
)

func TestCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{"HTTPS://WWW.Example.COM:443/a/b?utm_source=x&b=2&a=1#frag", "https://www.example.com/a/b?a=1&b=2"},
		{"http://example.com", "http://example.com/"},
		{"http://example.com:8080/x?fbclid=1", "http://example.com:8080/x"},
		{"http://example.com:80/x?q", "http://example.com/x?q"},
		{"https://example.com/news/1?id=5&utm_medium=rss&gclid=abc", "https://example.com/news/1?id=5"},
		{"http://user:pw@example.com./p", "http://example.com/p"},
	}
	for _, tt := range tests {
		got, err := Canonical(tt.in)
		if err != nil {
			t.Errorf("Canonical(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Canonical(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{"ftp://example.com/x", "/relative", "mailto:a@b.c", "http://"} {
		if _, err := Canonical(bad); !errors.Is(err, ErrNotHTTP) {
			t.Errorf("Canonical(%q) error = %v, want ErrNotHTTP", bad, err)
		}
	}
}

// An error about a URL never shows its password: the CLI and the fetcher's
// logs print it.
func TestCanonicalErrorsHidePasswords(t *testing.T) {
	for _, raw := range []string{"ftp://u:s3cret@x.example/feed", "http://u:s3cret@x y/feed", "http://u:s3cret@.../feed"} {
		_, err := Canonical(raw)
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Canonical(%q) = %v; want an error without the password", raw, err)
		}
	}
}
