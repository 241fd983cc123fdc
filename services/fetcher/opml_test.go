package fetcher

import (
	"errors"
	"slices"
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
	if _, err := ParseFeedList([]byte("ftp://x.example/feed\n")); err == nil {
		t.Error("ftp URL accepted")
	}
}
