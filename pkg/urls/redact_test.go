package urls

import "testing"

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:s3cret@feeds.example/rss?a=1,2": "https://user:xxxxx@feeds.example/rss?a=1,2",
		"https://feeds.example/rss":                   "https://feeds.example/rss",
		"https://user@feeds.example/rss":              "https://user@feeds.example/rss",
		"not a url @ all":                             "not a url @ all",
		"http://u:s3cret@x y/feed":                    "http://u:xxxxx@x y/feed",
		"http://u:s3:cret@h%zz/feed?at=@":             "http://u:xxxxx@h%zz/feed?at=@",
		"http://u@h%zz/":                              "http://u@h%zz/",
		"ht tp://a@b":                                 "ht tp://a@b",
		"":                                            "",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
