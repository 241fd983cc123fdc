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
