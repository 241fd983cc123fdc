package content

import (
	"strings"
	"testing"
)

// TestCaptionProse: a video's description in a block the page classes as
// the player's "caption" is text of the story; a picture's caption is not.
func TestCaptionProse(t *testing.T) {
	p := `<p>The council met on Tuesday, and members argued for hours about the budget, the harbour and the roads before the vote.</p>`
	page := `<body><div class="story"><h1>Girl found safe</h1><div class="body">` + p + p +
		`<figure><img src="/a.jpg"><div class="caption">The harbour wall at dawn on Tuesday.</div></figure>` + p +
		`<div class="video"><img src="/v.jpg"><div class="caption"><h4>Video shows the dramatic rescue of the kidnapped girl</h4>` +
		`<p>A video showing the moment the girl was rescued by police was released on Monday. It was edited to protect her.</p></div></div>` +
		p + p + `</div></div></body>`
	got := Extract(parse(t, page), Options{}).Text
	if !strings.Contains(got, "A video showing the moment the girl was rescued") {
		t.Errorf("missing the video's description in:\n%s", got)
	}
	if strings.Contains(got, "The harbour wall at dawn") {
		t.Errorf("kept the picture's caption in:\n%s", got)
	}
}
