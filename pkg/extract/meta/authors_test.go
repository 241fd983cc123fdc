package meta_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/newsflow/newsflow/pkg/extract/meta"
)

// Each page exercises one way a page names its authors, or one way a
// reader could mistake something else for them.
func TestAuthorSources(t *testing.T) {
	tests := []struct {
		name string
		page string
		want []string
	}{
		{
			// A template's "credit-bar" holds the byline; it is no photo credit.
			name: "byline in a credit bar",
			page: `<html><head><title>Flood waters recede</title></head><body>
<h1>Flood waters recede</h1>
<div class="credit-bar"><div class="credit"><cite class="byline vcard">By <span class="fn">DANA KIM</span> <abbr>March 3, 2024 10:02 AM</abbr></cite></div></div>
<p>The river fell two metres overnight, and residents began returning to their homes on Sunday morning.</p>
</body></html>`,
			want: []string{"Dana Kim"},
		},
		{
			// The article's class says how it is laid out, not that the
			// byline is a photo credit.
			name: "byline in an article classed no-image",
			page: `<html><head><title>Deals on laptops</title></head><body>
<article class="post no-image has-post-thumbnail"><div class="page-header"><h1>Deals on laptops</h1>
<div class="entry-meta"><div class="byline"><div class="author-name"><a href="/author/maren-estrada/">Maren Estrada</a></div></div></div></div>
<p>Laptop prices fell again this week, and the best of the deals run until Sunday night at most shops.</p></article>
</body></html>`,
			want: []string{"Maren Estrada"},
		},
		{
			name: "name line over the dateline",
			page: `<html><head><title>Power shutoff begins</title></head><body>
<h1 class="headline">Power shutoff begins</h1>
<div class="subhead"><span class="subhead-name">JANIE HAR</span><div class="subhead-date">Nov. 20, 2019</div></div>
<p>The utility began cutting power to thousands of customers on Wednesday as strong winds raised the risk of fire.</p>
</body></html>`,
			want: []string{"Janie Har"},
		},
		{
			// Caption lines under the headline name people in the photos.
			name: "name line not under the headline",
			page: `<html><head><title>State swim results</title></head><body>
<h1>State swim results</h1>
<div>Aidan Gantenbein 100 backstroke</div><div>Ben Patton Trinity</div><div>Posted: Feb 16, 2018</div>
<p>The state meet ended on Saturday with three records broken, two of them in the relay events.</p>
</body></html>`,
			want: nil,
		},
		{
			name: "article:author_name meta",
			page: `<html><head><meta name="article:author_name" content="Hazel Sheffield"></head><body>
<h1>Markets rally</h1><p>Shares rose on Monday after the central bank held rates, and bond yields fell for the third day.</p>
</body></html>`,
			want: []string{"Hazel Sheffield"},
		},
		{
			// RDFa: one tag, several properties; Dublin Core spelt with a colon.
			name: "space-separated meta properties",
			page: `<html><head><meta name="author" content="Staff"><meta property="dc:creator twitter:site_name" content="Creator Name"></head><body>
<h1>Markets rally</h1><p>Shares rose on Monday after the central bank held rates, and bond yields fell for the third day.</p>
</body></html>`,
			want: []string{"Creator Name"},
		},
		{
			name: "nickname inside a rel=author name",
			page: `<html><head><title>Uber and the sharing economy</title></head><body>
<h1>Uber and the sharing economy</h1>
<span class="byline"><a href="/writer/richard_eskow/" rel="author">Richard (R.J.) Eskow</a></span>
<p>Disruptive companies talk a good game about sharing, but the business is an under-regulated taxi service.</p>
</body></html>`,
			want: []string{"Richard (R.J.) Eskow"},
		},
		{
			// A signature block names the reporter and, in its own element,
			// the city reported from.
			name: "location in a signature block",
			page: `<html><head><title>Coach regrets trophy visit</title></head><body>
<h1>Coach regrets trophy visit</h1>
<div class="c-signature"><strong class="c-signature__location">São Paulo</strong></div>
<p>The coach said on Friday that he regretted taking the trophy to the former president in 2012.</p>
</body></html>`,
			want: nil,
		},
		{
			// A blog signs with a given name; JSON-LD types it a Person.
			name: "one-word Person name",
			page: `<html><head><script type="application/ld+json">{"@type":"BlogPosting","headline":"Spiced pear jam","author":{"@type":"Person","name":"Regan"}}</script></head><body>
<h1>Spiced pear jam</h1><p>This jam takes an afternoon and a dozen ripe pears, and it keeps through the winter in a cool cellar.</p>
</body></html>`,
			want: []string{"Regan"},
		},
		{
			name: "one-word name without a Person type",
			page: `<html><head><script type="application/ld+json">{"@type":"BlogPosting","headline":"Spiced pear jam","author":"Regan"}</script></head><body>
<h1>Spiced pear jam</h1><p>This jam takes an afternoon and a dozen ripe pears, and it keeps through the winter in a cool cellar.</p>
</body></html>`,
			want: nil,
		},
		{
			name: "one-word Person that is an acronym or the site",
			page: `<html><head><meta property="og:site_name" content="The Pearjam Blog"><script type="application/ld+json">{"@type":"BlogPosting","headline":"Spiced pear jam","author":[{"@type":"Person","name":"HNN"},{"@type":"Person","name":"Pearjam"}]}</script></head><body>
<h1>Spiced pear jam</h1><p>This jam takes an afternoon and a dozen ripe pears, and it keeps through the winter in a cool cellar.</p>
</body></html>`,
			want: nil,
		},
		{
			// The next story's byline, a few elements on, is not this one's.
			name: "byline of a neighbouring story",
			page: `<html><head><title>Rates held</title></head><body>
<h1>Rates held</h1>
<ul><li><p>Rates held</p><p><span class="byline">By <span class="author">Ann Lee</span></span></p></li>
<li><p>Shares rise</p><p><span class="byline">By <span class="author">Bob Roe</span></span></p></li></ul>
<p>The central bank held its rates on Tuesday, as expected, and said it would watch prices into the spring.</p>
</body></html>`,
			want: []string{"Ann Lee"},
		},
		{
			name: "a desk is no author",
			page: `<html><head><script type="application/ld+json">{"@type":"NewsArticle","headline":"Ceasefire holds","creator":["Our Foreign Staff"]}</script></head><body>
<h1>Ceasefire holds</h1>
<div class="byline"><span class="byline__author-name" itemprop="name">Our Foreign Staff</span></div>
<p>The ceasefire held through the night, officials on both sides said on Tuesday morning.</p>
</body></html>`,
			want: nil,
		},
		{
			// The byline line is set in capitals: the names are split and
			// read as their people write them.
			name: "all-caps byline under the headline",
			page: `<html><head><title>Council passes budget</title></head><body>
<h1>Council passes budget</h1>
<div class="dek">BY JANE DOE AND JOHN ROE</div>
<p>The council passed the budget on Tuesday night after a debate that ran for more than six hours.</p>
</body></html>`,
			want: []string{"Jane Doe", "John Roe"},
		},
		{
			// A kicker in capitals over the dateline is no name line.
			name: "all-caps kicker over the dateline",
			page: `<html><head><title>Council passes budget</title></head><body>
<h1>Council passes budget</h1>
<div class="kicker">WORLD NEWS</div><div class="date">Nov. 20, 2019</div>
<p>The council passed the budget on Tuesday night after a debate that ran for more than six hours.</p>
</body></html>`,
			want: nil,
		},
		{
			name: "all-caps label over the dateline",
			page: `<html><head><title>Council passes budget</title></head><body>
<h1>Council passes budget</h1>
<div class="kicker">BREAKING</div><div class="date">Nov. 20, 2019</div>
<p>The council passed the budget on Tuesday night after a debate that ran for more than six hours.</p>
</body></html>`,
			want: nil,
		},
		{
			// "文・" is "text by": a byline, and no part of the name.
			name: "Japanese text credit under the headline",
			page: `<html lang="ja"><head><title>商店街に新しい図書館</title></head><body>
<h1>商店街に新しい図書館</h1>
<div class="credit">文・山田太郎</div>
<p>駅前の商店街に小さな図書館が開館し、初日には多くの家族連れが訪れて本を手に取った。館長は地域の交流の場にしたいと話した。</p>
</body></html>`,
			want: []string{"山田太郎"},
		},
	}
	for _, tc := range tests {
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(tc.page))
		if err != nil {
			t.Fatal(err)
		}
		got := meta.Extract(doc, meta.Input{}).Authors
		if len(got) == 0 {
			got = nil
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: authors %q, want %q", tc.name, got, tc.want)
		}
	}
}
