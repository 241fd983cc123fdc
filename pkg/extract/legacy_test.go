package extract

import (
	"strings"
	"testing"

	"github.com/newsflow/newsflow/internal/fixtures"
)

// Old pages broken so that a standards parser swallows them whole still give
// their story (testdata/legacy/README.md says how each is broken).
func TestLegacyMarkup(t *testing.T) {
	story := []string{
		"The city council voted on Tuesday to reopen the old harbour",
		"Council members said the harbour walls had been repaired",
		"Local fishermen welcomed the vote",
		"will review the arrangement after one year",
	}
	for _, name := range []string{"unclosed-title.html", "unclosed-comment.html", "script-writes-script.html", "unclosed-anchor.html", "form-wraps-story.html"} {
		t.Run(name, func(t *testing.T) {
			a, err := Extract(Input{HTML: fixtures.Read(t, "legacy", name), URL: "http://coastal.example/news/harbour"})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(a.Title, "Harbour reopens") || strings.Contains(a.Title, "<") {
				t.Errorf("title %q", a.Title)
			}
			for _, s := range story {
				if !strings.Contains(a.BodyText, s) {
					t.Errorf("body lacks %q:\n%s", s, a.BodyText)
				}
			}
			if strings.Contains(a.BodyText, "Copyright") || strings.Contains(a.BodyText, "Home |") {
				t.Errorf("body holds page chrome:\n%s", a.BodyText)
			}
		})
	}
}

// A page commented out on purpose, and closed, stays a comment.
func TestClosedCommentStaysComment(t *testing.T) {
	page := `<html><head><title>Harbour reopens</title></head><body><h1>Harbour reopens</h1>
<p>The city council voted on Tuesday to reopen the old harbour to fishing boats after a decade of closure, a decision fishermen had sought for years.</p>
<!-- old layout: <div><p>An old draft of the story that must not come back, with many words in it to look like a paragraph.</p></div></body></html> -->
</body></html>`
	a, err := Extract(Input{HTML: []byte(page), URL: "http://coastal.example/news/harbour"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(a.BodyText, "old draft") {
		t.Errorf("a closed comment came back as text:\n%s", a.BodyText)
	}
}
