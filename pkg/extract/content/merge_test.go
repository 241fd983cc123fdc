package content

import (
	"strings"
	"testing"
)

// TestMerge covers the second merge step: what around the chosen container
// is more of the article, and what is not.
func TestMerge(t *testing.T) {
	p := func(s string) string {
		return "<p>" + s + " " + strings.Repeat("The council met on Tuesday, and members argued for hours about the budget. ", 2) + "</p>"
	}
	tests := []struct {
		name     string
		page     string
		contains []string
		absent   []string
	}{
		{
			name: "a body split into section wrappers, each under a wrapper of its own",
			page: `<body><div class="page"><div class="piece">
<div class="piece-part part-1"><div class="copy copy-1">` + p("One.") + p("Two.") + `</div></div>
<div class="piece-part part-2"><div class="inline-promo"><a href="/x">Listen to this piece</a></div><div class="copy copy-2">` +
				p("Three.") + p("Four.") + p("Five.") + p("Six.") + p("Seven.") + p("Eight.") + `</div></div>
</div></div></body>`,
			contains: []string{"One. The council", "Two. The council", "Three. The council", "Six. The council"},
		},
		{
			name: "page-builder rows whose utility classes differ",
			page: `<body><main><div class="layout">
<div class="row-wrap"><div class="text-block mt-4 pb-2">` + p("One.") + p("Two.") + `</div></div>
<div class="row-wrap"><div class="ad-slot">Advertisement</div></div>
<div class="row-wrap"><div class="row-tools"><a href="/print">Print</a></div><div class="text-block mt-0">` +
				p("Three.") + p("Four.") + p("Five.") + p("Six.") + p("Seven.") + p("Eight.") + `</div></div>
</div></main></body>`,
			contains: []string{"One. The council", "Three. The council", "Seven. The council"},
			absent:   []string{"Advertisement"},
		},
		{
			name: "an intro of several paragraphs in a block of its own before the body",
			page: `<body><div class="wrap"><h1>Council passes the budget</h1>
<div class="intro-box"><div class="lede">` + p("Intro one.") + p("Intro two.") + `</div></div>
<div class="main-col"><div class="body-copy">` + p("One.") + p("Two.") + p("Three.") + p("Four.") + p("Five.") + `</div></div>
</div></body>`,
			contains: []string{"Intro one. The council", "Intro two. The council", "One. The council", "Five. The council"},
		},
		{
			name: "a one-line summary, a promotion and a caption before the body stay out",
			page: `<body><div class="wrap"><h1>Council passes the budget</h1>
<div class="dek"><p>Members argued for hours before the vote on Tuesday night.</p></div>
<div class="messenger"><p>Chat with us on the messenger. Find out what is happening as it unfolds.</p></div>
<div class="image top"><img src="/a.jpg"><p>In this photo, the council chamber on Tuesday, with members seated around the table, waiting for the vote.</p></div>
<div class="main-col"><div class="body-copy">` + p("One.") + p("Two.") + p("Three.") + p("Four.") + p("Five.") + `</div></div>
</div></body>`,
			contains: []string{"One. The council", "Five. The council"},
			absent:   []string{"Members argued for hours before", "Chat with us", "In this photo"},
		},
		{
			name: "comments and a related block after the body stay out",
			page: `<body><div class="wrap">
<div class="main-col"><div class="body-copy">` + p("One.") + p("Two.") + p("Three.") + p("Four.") + p("Five.") + `</div></div>
<div class="after"><div class="discussion"><h3>Reader responses</h3>` +
				`<div class="entry-reply"><p>I think the council got this one wrong, honestly, and here is why, at some length, with reasons.</p></div>` +
				`<div class="entry-reply"><p>I disagree with the previous reader: the budget was fair, and the vote was the right one, in my view.</p></div></div>
<div class="more"><h3>More news</h3><ul><li><a href="/a">Another story about the budget and the council vote</a></li><li><a href="/b">Yet another story about the mayor</a></li></ul></div></div>
</div></body>`,
			contains: []string{"One. The council", "Five. The council"},
			absent:   []string{"I think the council got", "I disagree", "Another story"},
		},
		{
			name: "a how-to whose steps are short blocks built alike",
			page: `<body><div class="page"><div class="howto">
<div class="part step"><div class="intro-content">` + p("Glass cloches are easy to plant.") + p("They keep their own moisture.") + `</div></div>
<div class="part step"><h3>Step 1</h3><p>Soak the foam in water until it sinks. Then dig a hole in it.</p></div>
<div class="part step"><h3>Step 2</h3><p>Insert your plant into the hole. Press the foam around it.</p></div>
<div class="part step"><h3>Step 3</h3><p>Pin the moss around the foam with wire. Cover all of it.</p></div>
<div class="part step"><h3>Step 4</h3><p>Add small stones if you wish. Keep them away from the leaves.</p></div>
<div class="part step"><h3>Step 5</h3><p>Trim the leaves that touch the glass. They rot if they stay wet.</p></div>
<div class="part step"><h3>Step 6</h3><p>Set the saucer on a shelf out of the sun. A north window is best.</p></div>
<div class="part step"><h3>Step 7</h3><p>Place the cloche over the plant, gently. Water it once a month.</p></div>
</div></div>
<div class="more"><ul><li><a href="/a">How to grow orchids in a jar</a></li><li><a href="/b">Ten succulents for a dark room</a></li></ul></div></body>`,
			contains: []string{"Glass cloches", "Soak the foam in water", "Insert your plant", "Place the cloche over"},
			absent:   []string{"How to grow orchids"},
		},
		{
			name: "a recipe keeps its card of ingredient and method lists",
			page: `<body><div class="nav"><a href="/">Home</a> <a href="/recipes">Recipes</a></div>
<div class="site-main"><article class="post"><h1>Harbour fish stew</h1><div class="entry-content">` + p("This is the stew the families made on the quay.") + p("My grandmother made it every Friday.") + `</div>
<div class="recipe-card"><h2>Harbour fish stew</h2><div class="recipe-ingredients"><h3>Ingredients</h3>
<ul><li>500 g white fish</li><li>2 onions</li><li>3 potatoes</li><li>1 tin of tomatoes</li><li>A bay leaf</li></ul></div>
<div class="recipe-instructions"><h3>Instructions</h3><ul><li><div class="instruction">Chop the onions and soften them in oil.</div></li><li><div class="instruction">Add the potatoes and tomatoes.</div></li><li><div class="instruction">Simmer for twenty minutes.</div></li></ul></div></div>
</article></div><div class="related"><h3>More recipes</h3><ul><li><a href="/a">Crab cakes with a lemon and caper sauce</a></li><li><a href="/b">Mussels in cider with bread</a></li></ul></div></body>`,
			contains: []string{"This is the stew", "Ingredients", "500 g white fish", "A bay leaf", "Chop the onions", "Simmer for twenty minutes."},
			absent:   []string{"Crab cakes"},
		},
		{
			name: "a forum thread keeps every post",
			page: `<body><div class="nav"><a href="/">Forum</a> <a href="/local">Local news</a></div><h1>Harbour reopens</h1><div class="thread">` +
				strings.Repeat(`<div class="message"><div class="message-author"><a href="/u/x">harbourfan</a> <span class="date">12 March 2009</span></div>`+
					`<div class="message-body"><p>I went down to the harbour on Tuesday and the boats were already back, which surprised me a lot.</p></div></div>`, 2) +
				`<div class="message"><div class="message-author"><a href="/u/y">oldsalt</a></div><div class="message-body"><p>The walls look solid now. I remember when the east side collapsed in the storm.</p></div></div>` +
				`</div><div class="footer">Powered by a forum engine</div></body>`,
			contains: []string{"I went down to the harbour", "The walls look solid now."},
			absent:   []string{"Powered by"},
		},
		{
			name: "prose parted from the body by a block of another kind is no intro",
			page: `<body><div class="wrap">
<div class="about"><p>About this site. We write about the coast and the people who live on it and we have done so for many years now from a small office above the old harbour master's house.</p>` +
				`<p>We write about the coast. Our writers live in the towns they write about and they know the harbours and the boats and the people by name and by the boats they sail.</p></div>
<div class="links"><ul><li><a href="/a">The harbour in winter, a photo essay</a></li><li><a href="/b">The lighthouse keepers of the north coast</a></li><li><a href="/c">Tide tables for the month</a></li><li><a href="/d">The ferry timetable for the islands</a></li><li><a href="/e">Letters to the editor this week</a></li></ul></div>
<div class="main-col"><div class="body-copy">` + p("One.") + p("Two.") + p("Three.") + p("Four.") + p("Five.") + `</div></div>
</div></body>`,
			contains: []string{"One. The council", "Five. The council"},
			absent:   []string{"About this site", "We write about"},
		},
		{
			name: "the columns of a layout table, classed alike, are no sections of the story",
			page: `<body><table><tr>
<td class="col"><p>Our weekly column on the coast. We have written it since the first issue and we will go on writing it for as long as readers want it.</p>` +
				`<p>Letters to the column go to the office by the harbour. We read every one of them and we answer as many as we can in the column itself.</p></td>
<td class="col">` + p("One.") + p("Two.") + p("Three.") + p("Four.") + p("Five.") + `</td>
<td class="col"><p>The weather for the week ahead is mild with some rain. The wind will come from the west and the sea will be calm for most of the days.</p>` +
				`<p>The tide tables for the month are printed on the back page. The ferry runs to the islands on every day of the week except on Sundays.</p></td>
</tr></table></body>`,
			contains: []string{"One. The council", "Five. The council"},
			absent:   []string{"Our weekly column", "The weather for the week"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Extract(parse(t, tt.page), Options{Title: "Council passes the budget"}).Text
			checkText(t, got, tt.contains, tt.absent)
		})
	}
}
