package content

import (
	"strings"
	"testing"
)

// standfirstBody is an article body of several paragraphs, for the pages
// below: long enough to be chosen, none of it an intro.
var standfirstBody = strings.Repeat(`<p>Members of the council argued for hours about the budget, the harbour wall and the state of the roads before the late vote.</p>`, 4) +
	`<p>The mayor said the new plan would be published in the spring, after a consultation with residents and businesses.</p>`

// TestStandfirst: the intro a story opens with, in its own <header> or in a
// block of its own right before the body, is text of the story; what else
// a header holds (the headline, bylines, dates, share links, labels), a
// site's masthead and the header of another story's teaser are not.
func TestStandfirst(t *testing.T) {
	const intro = "The town's council voted late on Tuesday to rebuild the harbour wall, ending a decade of argument over its cost."
	tests := []struct {
		name             string
		page             string
		title            string
		contains, absent []string
		once             string // in the text exactly once
	}{{
		name: "news article, standfirst in its header",
		page: `<body><header class="site-header"><a href="/">Daily Harbour</a><nav><a href="/news">News</a></nav></header>
<main><article><header><div class="label"><a href="/news">Local news</a></div><h1>Council backs harbour plan</h1>
<p class="standfirst">` + intro + `</p>
<div class="byline">By Jane Smith</div><time datetime="2024-03-05">5 March 2024</time><span>4 min read</span>
<ul class="share"><li><a href="/s/fb">Share on Facebook</a></li><li><a href="/s/x">Share on X</a></li></ul></header>
<div class="article-body">` + standfirstBody + `</div></article></main></body>`,
		title:    "Council backs harbour plan",
		contains: []string{intro, "Members of the council argued"},
		absent:   []string{"Council backs harbour plan", "Jane Smith", "4 min read", "Share on", "Local news", "Daily Harbour"},
	}, {
		name: "standfirst comes first, before the body",
		page: `<body><article><header><h1>Council backs harbour plan</h1><p>` + intro + `</p></header>
<div class="body">` + standfirstBody + `</div></article></body>`,
		title:    "Council backs harbour plan",
		contains: []string{intro + "\n\nMembers of the council argued"},
	}, {
		name: "headline and standfirst in a hero of their own, a video between them and the body",
		page: `<body><div class="hero"><div class="hero-text"><header class="hero-header"><div class="section"><a href="/world">World</a></div>
<h1>Council backs harbour plan</h1><div class="hero-dek">` + intro + `</div></header></div>
<div class="hero-media"><div class="video"><a href="/live">Watch the latest news and live coverage from the harbour on our channel</a><img src="/v.jpg"></div>
<div class="caption">The harbour wall at dawn, seen from the ferry terminal on the north side of the bay</div></div></div>
<div class="layout"><div class="col-main"><div class="article-body">` + standfirstBody + `</div></div><div class="col-side"><a href="/x">Most read</a></div></div></body>`,
		title:    "Council backs harbour plan",
		contains: []string{intro + "\n\nMembers of the council argued"},
		absent:   []string{"Watch the latest news", "The harbour wall at dawn", "World"},
	}, {
		name: "blog, intro in a div of its own before the body",
		page: `<body><div class="post"><h1 class="post-title">Why I switched editors</h1>
<div class="post-intro"><p>After ten years with the same editor I tried three others this winter, and one of them finally stuck.</p></div>
<div class="post-meta">Posted by Sam on 3 January</div>
<div class="post-content"><div class="entry">` + standfirstBody + `</div><div class="entry-footer"><p>Filed under editors.</p></div></div></div></body>`,
		title:    "Why I switched editors",
		contains: []string{"After ten years with the same editor I tried three others this winter, and one of them finally stuck.\n\nMembers of the council"},
		absent:   []string{"Posted by Sam"},
	}, {
		name: "a dek without a full stop, named so, beside the headline in a block of its own",
		page: `<body><article><div class="heading-block"><h1>Council backs harbour plan</h1>
<p class="section-label">Opinion and analysis from our correspondents</p>
<p itemprop="description">Rebuilding the wall will cost more than the council says, and the town will pay for it for a generation</p></div>
<section class="text">` + standfirstBody + `</section></article></body>`,
		title:    "Council backs harbour plan",
		contains: []string{"Rebuilding the wall will cost more than the council says, and the town will pay for it for a generation\n\nMembers of the council"},
		absent:   []string{"Opinion and analysis"},
	}, {
		name: "the body repeats the standfirst",
		page: `<body><article><header><h1>Council backs harbour plan</h1><p class="dek">` + intro + `</p></header>
<div class="body"><p>` + intro + `</p>` + standfirstBody + `</div></article></body>`,
		title:    "Council backs harbour plan",
		contains: []string{intro},
		once:     intro,
	}, {
		name: "a header of only byline, date and share links",
		page: `<body><article><header><h1>Council backs harbour plan</h1><p class="byline">By Jane Smith and Tom Brown, Harbour Correspondents, in Portsmouth</p>
<p><time>Published Tuesday 5 March 2024, 10:31 GMT, updated Wednesday 6 March 2024, 08:02 GMT</time></p>
<p><a href="/s/fb">Share this story on Facebook</a> <a href="/s/x">Share this story on X</a> <a href="/s/m">Email this story to a friend</a></p>
<p>Reporting from the harbour, where the council met</p></header>
<div class="body">` + standfirstBody + `</div></article></body>`,
		title:  "Council backs harbour plan",
		absent: []string{"Jane Smith", "Published Tuesday", "Share this story", "Reporting from the harbour"},
	}, {
		name: "the teaser header of another story",
		page: `<body><main><article class="story"><h1>Council backs harbour plan</h1><div class="body">` + standfirstBody + `</div></article>
<section class="more"><article class="card"><header><h2><a href="/other">Ferry fares to rise in May</a></h2>
<p>The ferry company said on Monday that fares on all its routes would rise by a tenth from the first of May.</p></header></article>
<article class="card"><header><h2><a href="/other2">School reopens after the floods</a></h2>
<p>Pupils returned to the primary school on Monday, three weeks after the floods forced it to close its doors.</p></header></article></section></main></body>`,
		title:  "Council backs harbour plan",
		absent: []string{"ferry company", "Pupils returned"},
	}, {
		name: "a site's masthead before the article",
		page: `<body><header class="masthead"><h1>The Harbour Gazette</h1><p>The independent voice of the harbour towns since 1887, published every week by its readers.</p></header>
<main><h2>Council backs harbour plan</h2><div class="body">` + standfirstBody + `</div></main></body>`,
		title:  "Council backs harbour plan",
		absent: []string{"independent voice"},
	}, {
		name: "a header's newsletter promotion, picture credit and cookie notice",
		page: `<body><article><header><h1>Council approves new budget for city parks</h1>
<p class="intro">Sign up for our free newsletter to get the latest local news in your inbox every morning.</p>
<p>Photo: Jane Doe / Example Daily. The council met on Tuesday evening in the town hall to vote.</p>
<p class="standfirst">We use cookies to improve your experience of our site and to show you relevant news.</p></header>
<div class="body">` + standfirstBody + `</div></article></body>`,
		title:  "Council approves new budget for city parks",
		absent: []string{"Sign up", "Photo: Jane Doe", "We use cookies"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Extract(parse(t, tt.page), Options{Title: tt.title}).Text
			checkText(t, got, tt.contains, tt.absent)
			if k := strings.Count(got, tt.once); tt.once != "" && k != 1 {
				t.Errorf("%q %d times in:\n%s", tt.once, k, got)
			}
		})
	}
}

// TestInsertIntros: blocks written in before the body keep the spans of
// every block right, so cutting the last ones (dropTail) leaves the text
// and HTML whole.
func TestInsertIntros(t *testing.T) {
	write := func(r *renderer, s string) {
		sp := span{text: len(r.text), html: len(r.html)}
		if r.blocks > 0 {
			r.text = append(r.text, "\n\n"...)
		}
		r.text = append(r.text, s...)
		r.html = append(r.html, "<p>"+s+"</p>"...)
		sp.textEnd, sp.htmlEnd = len(r.text), len(r.html)
		r.spans = append(r.spans, sp)
		r.blocks++
	}
	tests := []struct {
		name      string
		before    int // body blocks written before the intro's place
		text, cut string
	}{
		{"first", 0, "I\n\nA\n\nB", "I\n\nA"},
		{"after a block", 1, "A\n\nI\n\nB", "A\n\nI"},
		{"last", 2, "A\n\nB\n\nI", "A\n\nB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &renderer{}
			var m mark
			for i, s := range []string{"A", "B"} {
				if i == tt.before {
					m = mark{text: len(r.text), html: len(r.html), span: len(r.spans)}
				}
				write(r, s)
			}
			if tt.before == 2 {
				m = mark{text: len(r.text), html: len(r.html), span: len(r.spans)}
			}
			r.insertIntros([]intro{{blocks: []string{"I"}}}, []mark{m})
			if string(r.text) != tt.text {
				t.Fatalf("text %q, want %q", r.text, tt.text)
			}
			r.cutLast()
			if string(r.text) != tt.cut {
				t.Errorf("after cutting the last block: text %q, want %q", r.text, tt.cut)
			}
			for len(r.spans) > 0 {
				r.cutLast()
			}
			if len(r.text) != 0 || len(r.html) != 0 {
				t.Errorf("after cutting every block: text %q, html %q", r.text, r.html)
			}
		})
	}
}
