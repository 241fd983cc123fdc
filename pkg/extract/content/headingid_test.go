package content

import (
	"strings"
	"testing"
)

// A subheading's id is an anchor made from its words, not a name for the
// block: "related-…" or "share-…" there must not drop the heading.
func TestHeadingIDIsNoHint(t *testing.T) {
	page := `<html><body><article><h1>Harbour reopens</h1>` +
		para("The council voted on Tuesday") + para("Fishermen welcomed the vote") +
		`<h2 id="related-work-on-the-harbour-walls">Related work on the harbour walls</h2>` +
		para("The walls were repaired last year") + para("The channel was dredged too") +
		`<h2 id="share-of-the-catch">Share of the catch</h2>` +
		para("The mayor said the town had waited long enough") + `</article></body></html>`
	res := Extract(parse(t, page), Options{Title: "Harbour reopens"})
	for _, h := range []string{"Related work on the harbour walls", "Share of the catch"} {
		if !strings.Contains(res.Text, h) {
			t.Errorf("subheading %q dropped:\n%s", h, res.Text)
		}
	}
}

// A heading that links to itself, as documentation generators make them
// (the title a link back to the contents, then a "¶" permalink), is a
// heading, not a run of links.
func TestPermalinkHeadingKept(t *testing.T) {
	page := `<html><body><div class="body"><h1>Shared history</h1>` + para("The first section") + para("More of it") +
		`<h2><a class="toc-backref" href="#id5">Setting up the repositories</a><a class="headerlink" href="#setting-up">¶</a></h2>` +
		para("The second section") + para("And more") +
		`<p><a href="/a">Tags</a> <a href="/b">Mercurial</a> <a href="/c">History</a></p></div></body></html>`
	res := Extract(parse(t, page), Options{Title: "Shared history"})
	if !strings.Contains(res.Text, "Setting up the repositories") {
		t.Errorf("heading dropped:\n%s", res.Text)
	}
	if strings.Contains(res.Text, "Tags") {
		t.Errorf("a run of links kept:\n%s", res.Text)
	}
}
