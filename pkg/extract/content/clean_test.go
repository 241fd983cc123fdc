package content

import (
	"testing"
)

// A link-dense block inside the body is judged by its children: prose in
// it stays, its links go; a teaser (a linked headline over one summary
// line) still goes whole.
func TestMixedBlockJudgedByChildren(t *testing.T) {
	links := `<ul><li><a href="/a">The council's budget in full, with every line item and its history</a></li>` +
		`<li><a href="/b">How each member voted on the budget, and what they said</a></li>` +
		`<li><a href="/c">The mayor's statement on the budget vote, in full</a></li></ul>`
	page := `<body><div class="story-body">` + para("First") + para("Second") +
		`<div class="box">` + para("Inside one") + para("Inside two") + links + `</div>` +
		`<div class="card"><h3><a href="/d">Another story about the harbour walls and the council vote on them</a></h3><p>A summary of the other story, long enough to read as a sentence of prose here.</p></div>` +
		para("Third") + `</div></body>`
	got := Extract(parse(t, page), Options{}).Text
	checkText(t, got, []string{"First, which", "Inside one, which", "Inside two, which", "Third, which"}, []string{"every line item", "A summary of the other story"})
}
