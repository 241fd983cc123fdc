package content

import (
	"strings"
	"testing"
)

// TestCMSLayouts runs one story through page layouts common on news sites
// and blogs (a WordPress theme, a news-publisher template, a Medium-like
// post): the body must come out whole and the furniture around it must not.
func TestCMSLayouts(t *testing.T) {
	p := func(s string) string {
		return "<p>" + s + " " + strings.Repeat("The council met on Tuesday, and members argued for hours about the budget. ", 2) + "</p>"
	}
	body := p("One.") + p("Two.") + "<h2>Reaction</h2>" + p("Three.") +
		"<blockquote><p>We are thrilled, said the mayor, about the vote.</p></blockquote>" + p("Four.")
	comment := `<li class="comment"><article class="comment-body"><div class="comment-content"><p>` +
		strings.Repeat("I think the council got this one wrong, honestly, and here is why. ", 5) + `</p></div></article></li>`
	layouts := map[string]string{
		"wordpress": `<body class="post-template-default single single-post"><div id="page" class="site">
<header id="masthead" class="site-header"><p class="site-title"><a href="/">My Blog</a></p><nav id="site-navigation" class="main-navigation"><ul><li><a href="/">Home</a></li><li><a href="/about">About</a></li></ul></nav></header>
<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">
<article id="post-1" class="post-1 post type-post status-publish format-standard hentry category-news">
<header class="entry-header"><h1 class="entry-title">Council passes the budget</h1><div class="entry-meta"><span class="posted-on">Posted on <a href="/x"><time class="entry-date published">May 1, 2020</time></a></span><span class="byline"> by <span class="author vcard"><a href="/a">admin</a></span></span></div></header>
<div class="entry-content">` + body + `
<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social"><h3 class="sd-title">Share this:</h3><ul><li><a href="#">Twitter</a></li><li><a href="#">Facebook</a></li></ul></div></div>
<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline"><em>Related</em></h3></div>
</div><footer class="entry-footer"><span class="cat-links">Posted in <a href="/c">News</a></span></footer></article>
<nav class="navigation post-navigation"><h2 class="screen-reader-text">Post navigation</h2><div class="nav-links"><a href="/prev">Previous post: Something else happened in town</a></div></nav>
<div id="comments" class="comments-area"><h2 class="comments-title">3 thoughts on "Council passes the budget"</h2><ol class="comment-list">` + strings.Repeat(comment, 6) + `</ol></div>
</main></div><aside id="secondary" class="widget-area"><section class="widget"><h2>Recent Posts</h2><ul><li><a href="/r1">Recent one</a></li></ul></section></aside></div>
<footer id="colophon" class="site-footer">Proudly powered by WordPress</footer></div></body>`,
		"publisher": `<body><div id="app"><header class="site-header"><nav><a href="/">News</a> <a href="/sports">Sports</a></nav></header><main>
<article class="article-body-wrapper"><div class="headline"><h1>Council passes the budget</h1></div>
<div class="byline-container"><span class="byline">By Jane Roe</span> <time datetime="2020-05-01">May 1, 2020 at 9:00 a.m. EDT</time></div>
<figure><img src="/x.jpg"><figcaption>The council chamber. (Photo: City Hall)</figcaption></figure>
<div class="article-body">` + body + `</div>
<div class="article-tags"><a href="/t/a">Budget</a> <a href="/t/b">Council</a></div>
<div class="newsletter-signup"><h3>Sign up for our newsletter</h3><p>Get the news in your inbox every morning, with all the stories that matter.</p></div></article>
<section class="related-content"><h2>More from News</h2><ul><li><a href="/1">Another story about the budget and the council vote</a></li><li><a href="/2">Yet another story</a></li></ul></section>
</main><footer>© 2020 The Paper</footer></div></body>`,
		"medium": `<body><div id="root"><nav>Sign in</nav><article><div><section><div><div><h1>Council passes the budget</h1>
<div><a href="/@jane">Jane Roe</a> <span>5 min read</span> <span>May 1, 2020</span></div>` +
			strings.ReplaceAll(body, "<p>", `<p class="pw-post-body-paragraph">`) + `</div></div></section></div></article>
<div><h2>More from Jane Roe</h2><div><a href="/a">Other post title</a><p>A teaser of the other post, which goes on a bit...</p></div></div></div></body>`,
	}
	for name, page := range layouts {
		t.Run(name, func(t *testing.T) {
			got := Extract(parse(t, page), Options{Title: "Council passes the budget"})
			if !strings.HasPrefix(got.Text, "One. The council") {
				t.Errorf("body starts %.60q", got.Text)
			}
			if !strings.HasSuffix(got.Text, "Four. The council met on Tuesday, and members argued for hours about the budget. The council met on Tuesday, and members argued for hours about the budget.") {
				t.Errorf("body ends %q", got.Text[max(0, len(got.Text)-80):])
			}
			for _, s := range []string{"\n\nReaction\n\n", "We are thrilled", "Three. The council"} {
				if !strings.Contains(got.Text, s) {
					t.Errorf("body lacks %q", s)
				}
			}
			for _, s := range []string{"Share this", "Related", "Posted", "council got this one wrong", "Recent", "Sign up", "More from", "Jane Roe", "min read", "Budget\n", "Photo"} {
				if strings.Contains(got.Text, s) {
					t.Errorf("body has %q", s)
				}
			}
		})
	}
}

// TestNextStoryBelow is an "infinite scroll" page: the next story follows
// the page's own. Of two near-equal candidates the first is taken, alone.
func TestNextStoryBelow(t *testing.T) {
	p := func(s string) string {
		return "<p>" + s + " " + strings.Repeat("The council met on Tuesday, and members argued for hours about the budget. ", 2) + "</p>"
	}
	story := func(id, word string) string {
		return `<article class="story" id="` + id + `"><h1>` + word + ` headline</h1><div class="story-body">` +
			p(word+" one.") + p(word+" two, which is a little longer than the other story's paragraph.") + p(word+" three.") + `</div></article>`
	}
	flat := func(id, word string) string { // paragraphs straight in the <article>
		return `<article class="story" id="` + id + `"><h1>` + word + ` headline</h1>` + p(word+" one.") + p(word+" two.") + p(word+" three.") + `</article>`
	}
	for _, page := range []string{
		`<body><main class="stream">` + story("a1", "First") + story("a2", "Second") + `</main></body>`,
		`<body><main class="stream">` + flat("a1", "First") + flat("a2", "Second") + `</main></body>`,
		`<body><main class="stream">` + story("a1", "First") + `<div class="next-story">` + story("a2", "Second") + `</div></main></body>`,
	} {
		got := Extract(parse(t, page), Options{Title: "First headline"})
		if !strings.HasPrefix(got.Text, "First one.") || strings.Contains(got.Text, "Second") {
			t.Errorf("want only the first story, got:\n%s", got.Text)
		}
	}
}
