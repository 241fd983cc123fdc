package robots

import (
	"testing"
	"time"
)

const sample = `# example
User-agent: *
Disallow: /private/
Allow: /private/press/
Disallow: /*.pdf$
Crawl-delay: 2

User-agent: badbot
User-agent: otherbot
Disallow: /

User-agent: newsflow
Disallow: /search
Allow: /search/about
Crawl-delay: 0.5
`

func TestRules(t *testing.T) {
	star := Parse([]byte(sample), "somebot")
	mine := Parse([]byte(sample), "newsflow/0.1")
	bad := Parse([]byte(sample), "otherbot")
	tests := []struct {
		r    *Rules
		path string
		want bool
	}{
		{star, "/news/1", true},
		{star, "/private/x", false},
		{star, "/private/press/release", true},
		{star, "/files/report.pdf", false},
		{star, "/files/report.pdf?x=1", true},
		{star, "/robots.txt", true},
		{mine, "/private/x", true}, // our own group replaces "*"
		{mine, "/search?q=x", false},
		{mine, "/search/about", true},
		{bad, "/anything", false},
		{AllowAll, "/x", true},
		{DisallowAll, "/x", false},
		{Parse([]byte("User-agent: *\nDisallow:\n"), "newsflow"), "/x", true},
		{Parse([]byte("garbage\n\x00\xff\nDisallow: /x"), "newsflow"), "/x", true},
		{Parse([]byte("User-agent: *\nDisallow: /a*b$\n"), "n"), "/a/c/b", false},
		{Parse([]byte("User-agent: *\nDisallow: /a*b$\n"), "n"), "/a/c/bc", true},
	}
	for _, tt := range tests {
		if got := tt.r.Allowed(tt.path); got != tt.want {
			t.Errorf("Allowed(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	if star.CrawlDelay != 2*time.Second || mine.CrawlDelay != 500*time.Millisecond {
		t.Errorf("crawl delays %v %v", star.CrawlDelay, mine.CrawlDelay)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(sample), "/private/x")
	f.Fuzz(func(t *testing.T, data []byte, path string) {
		Parse(data, "newsflow").Allowed(path)
	})
}
