package robots

import (
	"strings"
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

// Which group applies to "newsflow" (RFC 9309 §2.2.1): the one naming its
// product token as a whole, in any case; else "*"; else none. Every case
// disallows /ours for our group and /star for "*", so the two paths show
// which group was taken.
func TestAgentMatching(t *testing.T) {
	const star = "User-agent: *\nDisallow: /star\n"
	tests := []struct {
		name       string
		txt        string
		ours, star bool // whether /ours and /star are allowed
	}{
		{"exact name", "User-agent: newsflow\nDisallow: /ours\n" + star, false, true},
		{"any case", "User-agent: NewsFlow\nDisallow: /ours\n" + star, false, true},
		{"a version after the token", "User-agent: newsflow/2.0\nDisallow: /ours\n" + star, false, true},
		{"a shorter name is another agent", "User-agent: news\nDisallow: /ours\n" + star, true, false},
		{"a longer name is another agent", "User-agent: newsflowbot\nDisallow: /ours\n" + star, true, false},
		{"a name containing ours is another agent", "User-agent: my-newsflow\nDisallow: /ours\n" + star, true, false},
		{"star fallback", "User-agent: googlebot\nDisallow: /ours\n" + star, true, false},
		{"no group and no star: everything allowed", "User-agent: googlebot\nDisallow: /\n", true, true},
		{"our group after star", star + "\nUser-agent: newsflow\nDisallow: /ours\n", false, true},
		{"one of several agents of a group", "User-agent: googlebot\nUser-agent: newsflow\nDisallow: /ours\n" + star, false, true},
		{"our groups combined", "User-agent: newsflow\nDisallow: /ours\n\nUser-agent: newsflow\nDisallow: /star\n", false, false},
		{"a sitemap line does not split agents from their group",
			"User-agent: googlebot\nSitemap: https://example.com/s.xml\nUser-agent: newsflow\nDisallow: /ours\n" + star, false, true},
		{"rules before any user-agent are no group", "Disallow: /ours\n" + star, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Parse([]byte(tt.txt), "newsflow/0.1 (+https://example.com)")
			if got := r.Allowed("/ours"); got != tt.ours {
				t.Errorf("Allowed(/ours) = %v, want %v", got, tt.ours)
			}
			if got := r.Allowed("/star"); got != tt.star {
				t.Errorf("Allowed(/star) = %v, want %v", got, tt.star)
			}
		})
	}
}

// Line length does not end parsing, and every end-of-line convention counts.
func TestLines(t *testing.T) {
	long := strings.Repeat("x", 100<<10)
	tests := []struct {
		name string
		txt  string
		path string
		want bool
	}{
		{"rules after a 100 KiB comment", "User-agent: *\n# " + long + "\nDisallow: /after\n", "/after", false},
		{"rules after a 100 KiB rule", "User-agent: *\nDisallow: /" + long + "\nDisallow: /after\n", "/after", false},
		{"the 100 KiB rule itself", "User-agent: *\nDisallow: /" + long + "\n", "/" + long + "/more", false},
		{"CRLF", "User-agent: *\r\nDisallow: /a\r\nAllow: /a/b\r\n", "/a/c", false},
		{"CRLF, longest match", "User-agent: *\r\nDisallow: /a\r\nAllow: /a/b\r\n", "/a/b", true},
		{"CR alone", "User-agent: *\rDisallow: /a\r", "/a", false},
		{"no final newline", "User-agent: *\nDisallow: /a", "/a", false},
		{"byte order mark", "\xef\xbb\xbfUser-agent: *\nDisallow: /a\n", "/a", false},
		{"spaces around the colon", "User-agent :  * \n Disallow :   /a  \n", "/a", false},
		{"a comment after the value", "User-agent: * # everyone\nDisallow: /a # not /a\n", "/a", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Parse([]byte(tt.txt), "newsflow").Allowed(tt.path); got != tt.want {
				t.Errorf("Allowed(%.40q) = %v, want %v", tt.path, got, tt.want)
			}
		})
	}
}

func TestProductToken(t *testing.T) {
	for ua, want := range map[string]string{
		"newsflow/0.1 (+https://example.com)": "newsflow",
		"newsflow":                            "newsflow",
		"Googlebot-News":                      "Googlebot-News",
		"my_bot 1.0":                          "my_bot",
		" newsflow":                           "newsflow",
		"":                                    "",
		"/1.0":                                "",
	} {
		if got := ProductToken(ua); got != want {
			t.Errorf("ProductToken(%q) = %q, want %q", ua, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(sample), "/private/x")
	f.Fuzz(func(t *testing.T, data []byte, path string) {
		Parse(data, "newsflow").Allowed(path)
	})
}
