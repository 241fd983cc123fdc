package content

import (
	"strings"
	"testing"
)

// TestPruneByName covers what class and id names may and may not remove.
func TestPruneByName(t *testing.T) {
	tests := []struct {
		name     string
		page     string
		contains []string
		absent   []string
	}{
		{
			name: "an inline element named like a widget inside a sentence is part of it",
			page: `<body><div id="text">` +
				`<p>I am a <a class="popup" href="#" onclick="note(1)">rather elderly</a> man, and the nature of my <span class="share-quote">avocations</span> has brought me into contact with an interesting set of men.</p>` +
				para("Second") + para("Third") + `<div class="share-bar"><a href="#">Share</a> <a href="#">Tweet</a></div></div></body>`,
			contains: []string{"I am a rather elderly man, and the nature of my avocations has brought"},
			absent:   []string{"Tweet"},
		},
		{
			name: "a section whose id is its heading's anchor, with a junk word in it",
			page: `<body><div class="document"><div class="section" id="introduction"><h1>Introduction</h1>` + para("First") + para("Second") + para("Second and a half") + `</div>
<div class="section" id="sharing-with-a-single-developer"><h2><a href="#x">Sharing with a single developer</a><a class="headerlink" href="#sharing-with-a-single-developer">¶</a></h2>` +
				para("Third") + para("Fourth") + `</div>
<div class="section" id="related-work"><h2>Related work</h2>` + para("Fifth") + `</div></div>
<div id="related-stories"><h2>More stories</h2>` + para("Sixth") + `</div></body>`,
			contains: []string{"Third, which", "Fourth, which", "Fifth, which"},
			absent:   []string{"Sixth"},
		},
		{
			name: "a consent dialog is pruned however long its policy",
			page: `<body><div class="cookie-consent-dialog"><h2>We value your privacy</h2>` +
				strings.Repeat(`<p>We and our partners store and access information on your device, such as cookies, and process personal data, such as unique identifiers, for personalised ads and content, measurement, audience insights and product development.</p>`, 4) +
				`</div><div class="story">` + para("First") + para("Second") + `</div></body>`,
			contains: []string{"First, which", "Second, which"},
			absent:   []string{"We and our partners"},
		},
		{
			name: "a recipe for cookies is no cookie notice",
			page: `<body><div class="cookie-recipe">` + para("Cream the butter") + para("Fold in the flour") + para("Bake for twelve minutes") + `</div>` +
				`<div class="sidebar"><p>Other recipes you may like, with links, and more links to follow.</p></div></body>`,
			contains: []string{"Cream the butter", "Bake for twelve minutes"},
		},
		{
			name: "the part of the story behind a paywall-named wrapper is the story",
			page: `<body><div class="story">` + para("First") + para("Second") + para("Third") +
				`<div class="paywall">` + para("Fourth") + para("Fifth") + `</div></div>` +
				`<div class="paywall-prompt"><a href="/subscribe">Subscribe</a> <a href="/login">Log in</a></div></body>`,
			contains: []string{"First, which", "Fourth, which", "Fifth, which"},
			absent:   []string{"Log in"},
		},
		{
			name: "the page's main run of prose inside a boilerplate name is kept, a long comment is not",
			page: `<body><div class="stream"><ul>` + strings.Repeat(`<li class="stream-item"><h3><a href="/s">Another story of the day</a></h3>`+
				`<p>A teaser of another story, long enough to read like a paragraph of prose, with commas, and more words.</p></li>`, 6) + `</ul></div>
<div class="modal-layer"><article><h1>Harbour reopens</h1>` + strings.Repeat(para("One of the paragraphs of the story"), 10) + para("The last paragraph of the story") + `</article></div>
<div class="comments"><div class="comment"><p>` + strings.Repeat("I think the council got this one wrong, honestly, and here is why. ", 12) + `</p></div>
<div class="comment"><p>Agreed, more or less, with the previous reader on this, for what it is worth to anyone.</p></div></div></body>`,
			contains: []string{"One of the paragraphs of the story, which", "The last paragraph of the story, which"},
			absent:   []string{"I think the council", "A teaser of another story"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Extract(parse(t, tt.page), Options{}).Text
			checkText(t, got, tt.contains, tt.absent)
		})
	}
}
