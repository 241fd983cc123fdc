package content

import (
	"strings"
	"testing"
)

// When the chosen body is a small part of the page's prose, the net renders
// the smallest element holding most of it; when the body already holds the
// prose, or the page has little, it changes nothing.
func TestWiden(t *testing.T) {
	var story strings.Builder
	for _, w := range []string{"One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten"} {
		story.WriteString("<div class=\"row\">" + para(w+" of the ten parts of the story told at length") + "</div>")
	}
	page := `<html><body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<div class="summary">` + para("Teaser") + `</div><main>` + story.String() + `</main>
<footer>` + para("Footer note about cookies") + `</footer></body></html>`
	body := findBody(parse(t, page).Nodes[0])
	entries := score(body, nil, map[string]uint8{})
	opts := &Options{}

	teaser := Result{Text: "Teaser, which is a sentence long enough, with commas, to be article text and not a label or a link.", Method: MethodDOM}
	got := widen(entries, teaser, opts)
	for _, w := range []string{"One of", "Five of", "Ten of"} {
		if !strings.Contains(got.Text, w) {
			t.Errorf("widened body lacks %q:\n%s", w, got.Text)
		}
	}
	if strings.Contains(got.Text, "cookies") || strings.Contains(got.Text, "Home") {
		t.Errorf("widened body holds page chrome:\n%s", got.Text)
	}
	if got.Confidence > 0.5 {
		t.Errorf("a widened body is trusted %.2f; the scorer did not choose it", got.Confidence)
	}

	whole := Result{Text: strings.Repeat("x", 1000), Method: MethodDOM, Confidence: 0.9}
	if got := widen(entries, whole, opts); got.Text != whole.Text {
		t.Error("a body holding the page's prose was replaced")
	}
	small := parse(t, `<html><body><div>`+para("Only")+`</div><p>Note</p></body></html>`)
	entries = score(findBody(small.Nodes[0]), nil, map[string]uint8{})
	if got := widen(entries, Result{Text: "Note", Method: MethodDOM}, opts); got.Text != "Note" {
		t.Errorf("a short page was widened to %q", got.Text)
	}
}
