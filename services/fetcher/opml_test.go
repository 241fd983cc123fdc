package fetcher

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseFeedList(t *testing.T) {
	opml := `<?xml version="1.0" encoding="ISO-8859-1"?>
<opml version="2.0"><head><title>subs</title></head><body>
<outline text="News"><outline text="A" type="rss" xmlUrl="https://a.example/feed.xml"/>
<outline text="B &amp; C" xmlUrl="https://b.example/rss"/></outline>
<outline text="folder only"/></body></opml>`
	plain := "# my feeds\nhttps://a.example/feed.xml\n\n  https://b.example/rss  trailing words\n"
	for name, in := range map[string]string{"opml": opml, "plain": plain} {
		got, err := ParseFeedList([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want := []string{"https://a.example/feed.xml", "https://b.example/rss"}; !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	if _, err := ParseFeedList([]byte("# nothing\n")); !errors.Is(err, ErrNoFeeds) {
		t.Errorf("empty list: %v", err)
	}
	if _, err := ParseFeedList([]byte("ftp://u:s3cret@x.example/feed\n")); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("a non-http entry with a password: %v, want an error without the password", err)
	}
	if _, err := ParseFeedList([]byte("ftp://x.example/feed\n")); err == nil {
		t.Error("ftp URL accepted")
	}
	// A line longer than a bufio.Scanner's 64 KiB used to end the list
	// there, so the file read as having no feeds at all.
	long := "https://a.example/feed.xml?q=" + strings.Repeat("x", 70<<10)
	got, err := ParseFeedList([]byte(long + "\nhttps://b.example/rss\n"))
	if err != nil || len(got) != 2 || got[0] != long {
		t.Errorf("a 70 KiB line: %d URLs, %v", len(got), err)
	}
	_, err = ParseFeedList([]byte(strings.Repeat("y", 70<<10) + "\n"))
	if err == nil || errors.Is(err, ErrNoFeeds) || len(err.Error()) > 300 {
		t.Errorf("a 70 KiB line that is no URL: %.300v", err)
	}
}
