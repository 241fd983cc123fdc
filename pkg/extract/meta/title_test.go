package meta_test

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/newsflow/newsflow/pkg/extract/meta"
)

// When the meta titles and the visible headline disagree, the reader's
// headline wins, unless the h1 is a logo, a section label or the site's name;
// the site's name is never the title.
func TestTitleVisibleHeadline(t *testing.T) {
	body := `<p>The ministry said on Monday that the new rules would apply from January, after months of talks with the industry.</p>`
	tests := []struct {
		name, page, want string
	}{
		{
			name: "SEO meta title, visible headline",
			page: `<head><title>The most popular food blogs and food bloggers on Instagram according to Wday: list — www.example.ru</title>
<meta property="og:title" content="The most popular food blogs and food bloggers on Instagram according to Wday: list"></head>
<body><article><h1 class="entry-title">Masters of taste: 23 coolest food bloggers according to Wday</h1>` + body + `</article></body>`,
			want: "Masters of taste: 23 coolest food bloggers according to Wday",
		},
		{
			// A bare h1 may head the page rather than the story.
			name: "unmarked h1",
			page: `<head><title>Ministry sets new rules for the industry</title></head>
<body><h1>The ministry and the industry in 2024</h1>` + body + `</body>`,
			want: "Ministry sets new rules for the industry",
		},
		{
			name: "logo h1 linking home",
			page: `<head><meta property="og:title" content="Ministry sets new rules for the industry"></head>
<body><h1 class="site-title"><a href="/">Ministry Watch Daily Online</a></h1><h2>Ministry sets new rules</h2>` + body + `</body>`,
			want: "Ministry sets new rules for the industry",
		},
		{
			name: "section label h1",
			page: `<head><meta property="og:title" content="Ministry sets new rules for the industry"></head>
<body><h1 class="section-title">Industry</h1>` + body + `</body>`,
			want: "Ministry sets new rules for the industry",
		},
		{
			// A template that fills the titles with the site's name.
			name: "site name in the meta titles",
			page: `<head><title>Example News</title><meta property="og:site_name" content="Example News"><meta property="og:title" content="Example News">
<script type="application/ld+json">{"@type":"NewsArticle","headline":"Example News"}</script></head>
<body><h1>Ministry sets new rules</h1>` + body + `</body>`,
			want: "Ministry sets new rules",
		},
		{
			name: "site name h1",
			page: `<head><title>Ministry sets new rules for the industry :: Pixel Blog Network Portal ::</title></head>
<body><h1>Pixel Blog Network Portal</h1>` + body + `</body>`,
			want: "Ministry sets new rules for the industry",
		},
	}
	for _, tc := range tests {
		doc, err := goquery.NewDocumentFromReader(strings.NewReader("<html>" + tc.page + "</html>"))
		if err != nil {
			t.Fatal(err)
		}
		if got := meta.Extract(doc, meta.Input{}).Title; got != tc.want {
			t.Errorf("%s: title %q, want %q", tc.name, got, tc.want)
		}
	}
}
