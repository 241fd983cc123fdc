package content

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/fixtures"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

func parse(t testing.TB, page string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// para is a paragraph long enough to count as article text.
func para(s string) string {
	return "<p>" + s + ", which is a sentence long enough, with commas, to be article text and not a label or a link.</p>"
}

func TestExtract(t *testing.T) {
	article := para("First") + para("Second") + para("Third")
	tests := []struct {
		name     string
		page     string
		opts     Options
		want     string // exact Text, when set
		contains []string
		absent   []string
		method   string
	}{
		{
			name: "boilerplate around an article",
			page: `<html><body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
				<div class="share-bar">Share on Facebook, Twitter, email</div>
				<article><h1>The headline</h1><p class="byline">By Jane Doe</p>` + article + `
				<div class="related-stories"><h3>Related</h3><ul><li><a href="/a">A story about something else entirely</a></li><li><a href="/b">Another story</a></li></ul></div>
				</article><footer>Copyright 2026, Example Corp, all rights reserved.</footer></body></html>`,
			opts:     Options{Title: "The headline"},
			contains: []string{"First, which", "Third, which"},
			absent:   []string{"Home", "Share on", "The headline", "Jane Doe", "another story", "Copyright"},
			method:   MethodDOM,
		},
		{
			name: "paragraphs separated by a blank line, whitespace collapsed",
			page: `<body><div id="story"><p>One   two,
				three and four, five, six and more words here.</p><p>Seven <b>eight</b>, nine and ten, eleven, twelve and more words.</p></div></body>`,
			want:   "One two, three and four, five, six and more words here.\n\nSeven eight, nine and ten, eleven, twelve and more words.",
			method: MethodDOM,
		},
		{
			name:     "headings, lists and quotes in reading order",
			page:     `<body><div class="post-body">` + para("Intro") + `<h2>A subheading</h2><ul><li>first item of the list</li><li>second item of the list</li></ul><blockquote><p>A quoted sentence, from someone, said in public.</p></blockquote>` + para("Outro") + `</div></body>`,
			contains: []string{"Intro, which", "\n\nA subheading\n\nfirst item of the list\n\nsecond item of the list\n\nA quoted sentence", "Outro, which"},
		},
		{
			name:     "captions are not body text",
			page:     `<body><div class="article-body">` + para("Before") + `<figure><img src="/a.jpg"><figcaption>A cat on a mat <span class="credit">Photo: Someone</span></figcaption></figure>` + para("After") + `</div></body>`,
			contains: []string{"Before, which", "After, which"},
			absent:   []string{"cat on a mat", "Photo"},
		},
		{
			name:     "hidden elements are not text",
			page:     `<body><article class="content">` + article + `<div style="display: none">Secret hidden words here</div><p hidden>Also hidden, with commas, and long enough to be a paragraph of text.</p><aside class="pull-quote" aria-hidden="true">A pulled quote</aside></article></body>`,
			absent:   []string{"Secret", "Also hidden"},
			contains: []string{"A pulled quote"}, // aria-hidden is for screen readers, the quote is on screen
		},
		{
			name:   "body selector from a site rule",
			page:   `<body><div class="story">` + para("Ruled") + `</div><div class="other">` + article + `</div></body>`,
			opts:   Options{BodySelector: "div.story"},
			want:   "Ruled, which is a sentence long enough, with commas, to be article text and not a label or a link.",
			method: MethodRule,
		},
		{
			name:   "nested rule matches render once",
			page:   `<body><div class="story"><div class="story">` + para("Once") + `</div></div></body>`,
			opts:   Options{BodySelector: ".story"},
			want:   "Once, which is a sentence long enough, with commas, to be article text and not a label or a link.",
			method: MethodRule,
		},
		{
			name:   "JSON-LD body when the page shows only a teaser",
			page:   `<body><div class="content"><p>Only the first lines of the story are visible here, the rest is paywalled.</p></div></body>`,
			opts:   Options{FallbackText: strings.Repeat("The full story is in the structured data, and it is long. ", 20) + "\nSecond paragraph of it."},
			method: MethodJSONLD,
			absent: []string{"paywalled"},
		},
		{
			name:     "JSON-LD from the page when meta gave none",
			page:     `<html><head><script type="application/ld+json">{"@type":"NewsArticle","articleBody":"` + strings.Repeat("Words of the real body, long enough to beat the teaser. ", 20) + `"}</script></head><body><p>Short teaser only.</p></body></html>`,
			method:   MethodJSONLD,
			contains: []string{"Words of the real body"},
		},
		{
			name:   "JSON-LD body written in HTML",
			page:   `<body><p>Teaser.</p></body>`,
			opts:   Options{FallbackText: "<p>" + strings.Repeat("First paragraph of the HTML body &amp; more. ", 10) + "</p><p>Second <b>paragraph</b>.</p><script>x()</script>"},
			method: MethodJSONLD,
			want:   strings.TrimSpace(strings.Repeat("First paragraph of the HTML body & more. ", 10)) + "\n\nSecond paragraph.",
		},
		{
			name: "preformatted text keeps its lines",
			page: `<body><div class="post-body">` + para("Code below") + `<pre><code>func main() {
	fmt.Println("hi")
}</code></pre>` + para("Code above") + `</div></body>`,
			contains: []string{"\n\nfunc main() {\n\tfmt.Println(\"hi\")\n}\n\n"},
		},
		{
			name:     "a short line under a picture is its caption",
			page:     `<body><div class="entry">` + para("Before") + `<div><img src="/a.jpg"></div><div><em>Kate Henshaw at the event</em></div>` + para("After") + `</div></body>`,
			contains: []string{"Before, which", "After, which"},
			absent:   []string{"Kate Henshaw"},
		},
		{
			name: "a line of Chinese under a picture, its phrases parted by spaces, is text",
			page: `<body><div class="entry">` + para("Before") + `<p><img src="/a.jpg"></p><p><span>每年12月向來是攝影班外拍的絕佳場所之一 楓紅期間入園費50元</span></p>` +
				`<p><img src="/b.jpg"></p><p>來到現場已是落葉飄飄堆疊滿地 不時隨著風吹雨襲而葉落垂地</p>` + para("After") + `</div></body>`,
			contains: []string{"每年12月向來是攝影班外拍的絕佳場所之一", "來到現場已是落葉飄飄堆疊滿地"},
		},
		{
			name: "a short line after a picture that has its caption is text",
			page: `<body><div class="entry">` + para("Before") +
				`<div class="step"><span class="headline">Step 1</span><p>Soak the foam in water until it sinks to the bottom.</p><figure><img src="/a.jpg"></figure><div class="small caption">A jar of moss (Photo: Lucy)</div></div>` +
				`<div class="step"><span class="headline">Step 2</span><p>Insert your plant into the hole in the foam.</p></div>` + para("After") + `</div></body>`,
			contains: []string{"Step 1", "Step 2", "Insert your plant"},
			absent:   []string{"A jar of moss"},
		},
		{
			name:     "hover cards inside a sentence",
			page:     `<body><div class="entry">` + para("Before") + `<p>Rep. <span class="person"><a href="/p/jo">Jo Smith</a><span class="card"><img src="/jo.jpg"><a href="/a1">Jo Smith votes on the budget bill today</a> <a href="/a2">Smith asks court for mercy in a case</a></span></span> (D-Minn.) said so on Monday, in a statement.</p>` + para("After") + `</div></body>`,
			contains: []string{"Rep. Jo Smith (D-Minn.) said so on Monday, in a statement."},
			absent:   []string{"budget bill"},
		},
		{
			name:     "a bold line under a picture is a subheading",
			page:     `<body><div class="entry">` + para("Before") + `<p><img src="/a.jpg"></p><p><strong>The early years</strong></p>` + para("After") + `</div></body>`,
			contains: []string{"\n\nThe early years\n\n"},
		},
		{
			name:   "ad slot labels",
			page:   `<body><div class="entry">` + para("Before") + `<p>ADVERTISEMENT</p><div>Story continues below advertisement</div>` + para("After") + `</div></body>`,
			absent: []string{"advertisement"},
		},
		{
			name:     "subheadings between sibling sections",
			page:     `<body><div id="wrap"><section class="part">` + article + `</section><h2>What comes next</h2><section class="part">` + para("Later") + para("Last") + `</section></div><div class="foot">Copyright</div></body>`,
			contains: []string{"Third, which", "\n\nWhat comes next\n\nLater, which", "Last, which"},
		},
		{
			name:   "a comments heading ends the story",
			page:   `<body><div class="entry">` + article + `<h3>Comments</h3><p><span>12</span> comments</p></div></body>`,
			absent: []string{"comments"},
		},
		{
			name:   "filing lines end the story",
			page:   `<body><div class="entry">` + article + `<p class="postinfo">Filed under: <a href="/c/k">Khawarij</a> |</p></div></body>`,
			absent: []string{"Filed under"},
		},
		{
			name:     "a caption after a line break beside its picture",
			page:     `<body><div class="entry">` + para("Before") + `<div align="center"><div class="img"><img src="/k.jpg"></div><br><span class="small gray">Inverted T design for arrow keys</span></div><br><br>` + para("After") + `</div></body>`,
			contains: []string{"Before, which", "After, which"},
			absent:   []string{"Inverted"},
		},
		{
			name:     "linked headings of a list article",
			page:     `<body><div class="entry">` + para("Intro") + `<h3><a href="https://shop.test/a">Satechi USB-C Car Charger</a></h3>` + para("About it") + `</div></body>`,
			contains: []string{"\n\nSatechi USB-C Car Charger\n\nAbout it"},
		},
		{
			name: "invisible characters go",
			page: "<body><div class=\"content\"><p>Extra\u00adordinary news\u200b today, and with commas, a sentence long enough to count.</p></div></body>",
			want: "Extraordinary news today, and with commas, a sentence long enough to count.",
		},
		{
			name:   "nothing to extract",
			page:   `<html><body><nav><a href="/">Home</a></nav></body></html>`,
			want:   "",
			method: MethodNone,
		},
		{
			name:   "lead dateline and trailing credit",
			page:   `<body><div class="content"><div>Updated 10:01 pm PST, Tuesday, November 19, 2019</div>` + article + `<p>Reporting by Jane Doe; Editing by John Roe</p></div></body>`,
			absent: []string{"Updated", "Reporting by"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Extract(parse(t, tt.page), tt.opts)
			if tt.want != "" || tt.method == MethodNone {
				if got.Text != tt.want {
					t.Errorf("Text = %q, want %q", got.Text, tt.want)
				}
			}
			for _, s := range tt.contains {
				if !strings.Contains(got.Text, s) {
					t.Errorf("Text lacks %q:\n%s", s, got.Text)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(strings.ToLower(got.Text), strings.ToLower(s)) {
					t.Errorf("Text has %q:\n%s", s, got.Text)
				}
			}
			if tt.method != "" && got.Method != tt.method {
				t.Errorf("Method = %q, want %q", got.Method, tt.method)
			}
			if got.Confidence < 0 || got.Confidence > 1 {
				t.Errorf("Confidence = %v, out of 0..1", got.Confidence)
			}
		})
	}
}

func TestImageSources(t *testing.T) {
	page := `<body><div class="article-body">` + para("Before") +
		`<p><img srcset="https://x.test/s.jpg 1x, https://x.test/l.jpg 2x"> <img src="data:image/gif;base64,R0l" data-src="https://x.test/lazy.jpg"> <img data-src='{"default":{"src":"//x"}}' src="https://x.test/plain.jpg"> <amp-img src="https://x.test/amp.jpg"></amp-img><img src="https://t.test/p.gif" width="1" height="1"></p>` +
		para("After") + `</div></body>`
	got := Extract(parse(t, page), Options{})
	var urls []string
	for _, im := range got.Images {
		urls = append(urls, im.URL)
	}
	if want := "https://x.test/s.jpg https://x.test/lazy.jpg https://x.test/plain.jpg https://x.test/amp.jpg"; strings.Join(urls, " ") != want {
		t.Errorf("image URLs = %q, want %q", urls, want)
	}
}

func TestExtractImages(t *testing.T) {
	page := `<body><div class="article-body">` + para("Before") +
		`<figure><img src="https://x.test/a.jpg" alt="alt text" width="640" height="50%"><figcaption>A cat on a mat</figcaption><cite>Jane Photographer</cite></figure>` +
		para("After") + `</div></body>`
	got := Extract(parse(t, page), Options{})
	if len(got.Images) != 1 {
		t.Fatalf("Images = %+v, want one", got.Images)
	}
	im := got.Images[0]
	if im.URL != "https://x.test/a.jpg" || im.Caption != "A cat on a mat" || im.Credit != "Jane Photographer" || im.Width != 640 || im.Height != 0 {
		t.Errorf("image = %+v", im)
	}
}

func TestExtractHTML(t *testing.T) {
	page := `<body><div class="article-body" onclick="evil()">
		<p style="color:red" class="x">Text with <a href="/rel?a=1&amp;b=2" onclick="x()">a link</a>, <em>emphasis</em>, <strong>bold</strong>, and a &lt;tag&gt; &amp; more words, enough words.</p>
		<h2 id="h">Section heading</h2>
		<ul><li>item one of the list</li><li>item <i>two</i> of it</li></ul>
		<p>Another paragraph, long enough, with commas, to count as article text.<script>alert(1)</script></p>
		<p><a href="javascript:alert(1)">bad link</a> in a paragraph with enough other words to stay, <a href=" JavaScript:x">and</a> <a href="data:text/html,x">more</a>.</p>
	</div></body>`
	got := Extract(parse(t, page), Options{})
	want := `<p>Text with <a href="/rel?a=1&amp;b=2">a link</a>, <em>emphasis</em>, <strong>bold</strong>, and a &lt;tag&gt; &amp; more words, enough words.</p>` +
		`<h2>Section heading</h2><ul><li>item one of the list</li><li>item <em>two</em> of it</li></ul>` +
		`<p>Another paragraph, long enough, with commas, to count as article text.</p>` +
		`<p>bad link in a paragraph with enough other words to stay, and more.</p>`
	if got.HTML != want {
		t.Errorf("HTML =\n%s\nwant\n%s", got.HTML, want)
	}
	for _, bad := range []string{"onclick", "style", "class", "script", "javascript"} {
		if strings.Contains(got.HTML, bad) {
			t.Errorf("HTML keeps %q", bad)
		}
	}
}

// TestHostileNesting checks that deep nesting costs no stack: every pass is
// iterative.
func TestHostileNesting(t *testing.T) {
	// x/net/html refuses to parse more than 512 open elements, so the tree
	// is built by hand, as a future parser or a rule could produce it.
	const depth = 100000
	doc := parse(t, "<html><body></body></html>")
	n := doc.Find("body").Nodes[0]
	for i := 0; i < depth; i++ {
		// Boilerplate names on every level exercise the prune guard's
		// budget and the second look.
		c := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div,
			Attr: []html.Attribute{{Key: "class", Val: "sidebar"}}}
		n.AppendChild(c)
		n = c
	}
	p := parse(t, "<body>"+para("Deep")+"</body>").Find("p").Nodes[0]
	p.Parent.RemoveChild(p)
	n.AppendChild(p)
	got := Extract(doc, Options{})
	if !strings.Contains(got.Text, "Deep, which") {
		t.Errorf("deeply nested paragraph lost: %q", got.Text)
	}
}

func TestSameText(t *testing.T) {
	tests := []struct {
		block, title string
		want         bool
	}{
		{"The Headline", "The headline", true},
		{"The headline!", "the headline", true},
		{"The headline of the story here", "The headline of the story here | Example News", true},
		{"The headline of the story here", "The headline of the story here - Example News", true},
		{"The", "The headline of the story here", false},
		{"Another text", "The headline", false},
		{"", "The headline", false},
	}
	for _, tt := range tests {
		if got := sameText(tt.block, tt.title); got != tt.want {
			t.Errorf("sameText(%q, %q) = %v, want %v", tt.block, tt.title, got, tt.want)
		}
	}
}

func TestLooksLikeDateline(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"Updated 10:01 pm PST, Tuesday, November 19, 2019", true},
		{"Wednesday 20 November 2019 9:22 am", true},
		{"05/10/2018", true},
		{"3 min read", true},
		{"05/10/2018 - Publicado por: Clarissa Borba - Categoria: Saúde - Tags: sad arrombamento veiculo", true},
		{"In 2019 the city grew faster than in any year before and nobody in the council had expected that at all", false},
		{"Tempo de leitura: 2 minutos", true},
		{"In 2019, the city grew faster than in any year before.", false},
		{"Our ruling", false},
		{`Trump tweeted: "Great win in 2019!"`, false},
		{"The 2020 race for the White House begins in earnest", false},
		{"Feb. 23, 2024 - 13:25 By Lee Jung-joo", true},
		{"A subheading about the 2020 race and what comes next in the campaign trail for all of them", false},
	}
	for _, tt := range tests {
		if got := looksLikeDateline(tt.s); got != tt.want {
			t.Errorf("looksLikeDateline(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		v    string
		want uint8
	}{
		{"article-body", hintGood},
		{"head", hintWeak},
		{"download-link", 0},
		{"ad-slot", hintJunk | hintAd},
		{"dfp-ad-incontent", hintJunk | hintAd | hintGood}, // prune: ads beat good names
		{"relatedArticles", hintJunk | hintGood},           // good wins in prune: keep the stems broad
		{"social-share", hintJunk},
		{"wp-caption-text", hintWeak | hintCaption | hintGood},
		{"author-bio", hintWeak | hintByline},
		{"content-with-sidebar", hintGood | hintJunk},
		{"superlist_item image_hit no_caption", 0}, // says what is absent
		{"layout-without-sidebar", 0},
		{"cookie-consent-banner", hintJunk | hintOverlay},
		{"cookie-recipe", hintJunk},
	}
	for _, tt := range tests {
		if got := classify(tt.v); got != tt.want {
			t.Errorf("classify(%q) = %05b, want %05b", tt.v, got, tt.want)
		}
	}
}

// TestSeedArticle lays the seed story (testdata/seed) out the way a typical
// news site does and checks what testdata/seed/expected.json asks of the body.
func TestSeedArticle(t *testing.T) {
	testdata := fixtures.Path(t)
	raw, err := os.ReadFile(filepath.Join(testdata, "seed", "article.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		Title          string   `json:"title"`
		StartsWith     string   `json:"body_starts_with"`
		EndsWith       string   `json:"body_ends_with"`
		Paragraphs     int      `json:"body_paragraphs"`
		MustNotContain []string `json:"body_must_not_contain"`
		LeadImage      struct {
			Caption string `json:"caption"`
			Credit  string `json:"credit"`
		} `json:"lead_image"`
	}
	data, err := os.ReadFile(filepath.Join(testdata, "seed", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	// article.txt: share widget, title, dateline+byline, caption, then the body.
	var body strings.Builder
	for _, l := range lines[5:] {
		if l = strings.TrimSpace(l); l != "" {
			body.WriteString("<p>" + html.EscapeString(l) + "</p>\n")
		}
	}
	page := `<html><head><title>` + html.EscapeString(want.Title) + ` - The Korea Herald</title></head><body>
<header class="site-header"><a href="/">The Korea Herald</a><ul class="menu"><li><a href="/national">National</a></li><li><a href="/business">Business</a></li></ul></header>
<div class="share-tools"><a href="#">` + html.EscapeString(strings.TrimSpace(lines[0])) + `</a><a href="#">Facebook</a><a href="#">X</a></div>
<div class="view">
  <h1 class="view-title">` + html.EscapeString(strings.TrimSpace(lines[2])) + `</h1>
  <div class="view-info">` + html.EscapeString(strings.TrimSpace(lines[4])) + `</div>
  <div id="articleText" class="view-con">
    <figure><img src="https://www.koreaherald.com/photo/2024/02/23/a.jpg"><figcaption>` + html.EscapeString(strings.TrimSpace(lines[5])) + `</figcaption></figure>
` + body.String()[strings.Index(body.String(), "\n")+1:] + `
  </div>
  <div class="related-news"><h3>Related articles</h3><ul><li><a href="/1">Yoon, Kishida agree to step up cooperation</a></li><li><a href="/2">N. Korea fires cruise missiles</a></li></ul></div>
</div>
<footer><p>Copyright Herald Corporation. All rights reserved.</p></footer>
</body></html>`
	got := Extract(parse(t, page), Options{Title: want.Title})
	if !strings.HasPrefix(got.Text, want.StartsWith) {
		t.Errorf("body starts %.80q, want %.80q", got.Text, want.StartsWith)
	}
	if !strings.HasSuffix(got.Text, want.EndsWith) {
		t.Errorf("body ends %q, want %q", got.Text[max(0, len(got.Text)-80):], want.EndsWith)
	}
	if n := strings.Count(got.Text, "\n\n") + 1; n != want.Paragraphs {
		t.Errorf("%d paragraphs, want %d", n, want.Paragraphs)
	}
	for _, s := range want.MustNotContain {
		if strings.Contains(got.Text, s) {
			t.Errorf("body contains %q", s)
		}
	}
	if len(got.Images) != 1 || got.Images[0].Caption != want.LeadImage.Caption || got.Images[0].Credit != want.LeadImage.Credit {
		t.Errorf("images = %+v, want caption %q credit %q", got.Images, want.LeadImage.Caption, want.LeadImage.Credit)
	}
}

func TestHasEmail(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"Write to Al Root at allen.root@dowjones.com", true},
		{"Email jane@x.test, or call", true},
		{"— Jane Doe (@janedoe) November 18, 2019", false},
		{"Meet @ the station", false},
		{"no address here", false},
	}
	for _, tt := range tests {
		if got := hasEmail(tt.s); got != tt.want {
			t.Errorf("hasEmail(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestIsCounter(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"Image 1 of 5 Image 2 of 5 Image 3 of 5", true},
		{"Photo 3/10", true},
		{"1 of 12", true},
		{"Image credit: NASA", false},
		{"Of 5 players, 3 scored", false},
		{"2019", false},
	}
	for _, tt := range tests {
		if got := isCounter([]byte(tt.s)); got != tt.want {
			t.Errorf("isCounter(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestIsURL(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"", false},
		{"https://x.test/a", true},
		{"jane.doe@x.test twitter.com/janedoe", true},
		{"www.x.test\nhttp://y.test", true},
		{"Read more at https://x.test", false},
		{"plain words", false},
	}
	for _, tt := range tests {
		if got := isURL([]byte(tt.s)); got != tt.want {
			t.Errorf("isURL(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestRawBodyLen(t *testing.T) {
	tests := []struct {
		scripts []string
		want    int
	}{
		{nil, 0},
		{[]string{`{"headline": "x"}`}, 0},
		{[]string{`{"articleBody": "abc"}`}, 3},
		{[]string{`{"articleBody":"a\"b\\c"}`}, 7},
		{[]string{`[{"articleBody": "ab"}, {"articleBody" : "abcdef"}]`, `{"articleBody": "abcd"}`}, 6},
		{[]string{`{"articleBody": 5}`}, 0},
	}
	for _, tt := range tests {
		if got := rawBodyLen(tt.scripts); got != tt.want {
			t.Errorf("rawBodyLen(%q) = %d, want %d", tt.scripts, got, tt.want)
		}
	}
}

func TestBaseURL(t *testing.T) {
	base, err := url.Parse("https://news.example/2024/02/story.html")
	if err != nil {
		t.Fatal(err)
	}
	page := `<body><div class="article-body">` + para("Before") +
		`<p>See <a href="../other.html">the other story</a> and <a href="#notes">the notes</a>, which explain it all in detail.</p><figure><img src="/img/a.jpg"><figcaption>A picture</figcaption></figure>` +
		para("After") + `</div></body>`
	got := Extract(parse(t, page), Options{BaseURL: base})
	if !strings.Contains(got.HTML, `<a href="https://news.example/2024/other.html">the other story</a>`) ||
		!strings.Contains(got.HTML, `<a href="#notes">`) {
		t.Errorf("links not resolved: %s", got.HTML)
	}
	if len(got.Images) != 1 || got.Images[0].URL != "https://news.example/img/a.jpg" {
		t.Errorf("images = %+v", got.Images)
	}
}

func TestTables(t *testing.T) {
	page := `<body><div class="article-body">` + para("Before") +
		`<table><thead><tr><th>Player</th><th>Plays</th><th></th></tr></thead><tbody><tr><td>Myles <b>Garrett</b></td><td>63</td><td>100%</td></tr><tr><td>Olivier Vernon</td><td>50</td><td>79%</td></tr></tbody></table>` +
		para("After") + `</div></body>`
	got := Extract(parse(t, page), Options{})
	if !strings.Contains(got.Text, "\n\nPlayer | Plays |\n\nMyles Garrett | 63 | 100%\n\nOlivier Vernon | 50 | 79%\n\n") {
		t.Errorf("rows not one line each:\n%s", got.Text)
	}
	want := `<table><tr><th>Player</th><th>Plays</th><th></th></tr><tr><td>Myles <strong>Garrett</strong></td><td>63</td><td>100%</td></tr><tr><td>Olivier Vernon</td><td>50</td><td>79%</td></tr></table>`
	if !strings.Contains(got.HTML, want) {
		t.Errorf("HTML = %s\nwant it to contain %s", got.HTML, want)
	}
	if msg := checkHTML(got.HTML); msg != "" {
		t.Error(msg)
	}
}

// TestRelativeImagesNeedBase: Article v1 image URLs are absolute, so a
// relative one is listed only when Options.BaseURL can resolve it.
func TestRelativeImagesNeedBase(t *testing.T) {
	page := `<body><div class="article-body">` + para("Before") + `<figure><img src="/img/a.jpg"><figcaption>A picture</figcaption></figure>` + para("After") + `</div></body>`
	if got := Extract(parse(t, page), Options{}); len(got.Images) != 0 || strings.Contains(got.Text, "A picture") {
		t.Errorf("without a base: images %+v, text %q", got.Images, got.Text)
	}
}

func TestBaseElement(t *testing.T) {
	page := `<html><head><base href="https://static.example/news/"></head><body><div class="article-body">` + para("Before") +
		`<figure><img src="img/a.jpg"><figcaption>A picture</figcaption></figure><p>See <a href="other.html">this</a>, a story about the same thing, told at length.</p>` + para("After") + `</div></body></html>`
	for _, base := range []*url.URL{nil, {Scheme: "https", Host: "www.example", Path: "/a/b.html"}} {
		got := Extract(parse(t, page), Options{BaseURL: base})
		if len(got.Images) != 1 || got.Images[0].URL != "https://static.example/news/img/a.jpg" {
			t.Errorf("base %v: images = %+v", base, got.Images)
		}
		if !strings.Contains(got.HTML, `href="https://static.example/news/other.html"`) {
			t.Errorf("base %v: HTML = %s", base, got.HTML)
		}
	}
}

// TestSecondLook: when pruning by name leaves next to nothing, the article
// was under a boilerplate-looking name; the subtrees go back for a second
// look, and the result is trusted less.
func TestSecondLook(t *testing.T) {
	links := strings.Repeat(`<a href="/x">A link to another section of the site</a> `, 6)
	page := `<body><div class="share-tools-wrapper">` + para("One") + para("Two") + `</div>
		<footer>` + strings.Repeat("<p>"+links+"</p>", 6) + `</footer></body>`
	got := Extract(parse(t, page), Options{})
	if !strings.Contains(got.Text, "One, which") || !strings.Contains(got.Text, "Two, which") || strings.Contains(got.Text, "A link") {
		t.Errorf("second look found %q", got.Text)
	}
	if got.Confidence > 0.5 {
		t.Errorf("confidence %v, want at most 0.5 after a second look", got.Confidence)
	}
}

// Bylines and datelines in any language go when the metadata reader has
// named the author or the date; prose that mentions them stays.
func TestLeadBylineAndDatelineFromMetadata(t *testing.T) {
	published := time.Date(2024, 2, 23, 13, 25, 0, 0, time.UTC)
	body := `<p>Le Premier ministre a détaillé vendredi une série de mesures destinées aux agriculteurs touchés par la crise, dont des aides d'urgence.</p>
<p>Les syndicats ont salué des annonces qu'ils jugent encore insuffisantes pour les exploitations les plus fragiles du pays.</p>`
	tests := []struct {
		name, lead string
		dropped    bool
	}{
		{"italian byline", "di Giulia Bianchi e Marco Rossi", true},
		{"japanese dateline and byline", "2024年2月23日 13時25分 佐藤 健一", true},
		{"french dateline", "Publié le 23 février 2024 à 13h25, modifié le 23 février 2024 à 15h02", true},
		{"indonesian byline", "Oleh: Giulia Bianchi", true},
		{"prose naming the author", "Giulia Bianchi reports.", false},
		{"the day without the year", "Le 23, les agriculteurs bloquent les routes", false},
	}
	for _, tt := range tests {
		page := `<html><body><article><div class="x">` + tt.lead + `</div>` + body + `</article></body></html>`
		got := Extract(parse(t, page), Options{Authors: []string{"Giulia Bianchi", "佐藤 健一"}, Published: published})
		if kept := strings.Contains(got.Text, tt.lead); kept == tt.dropped {
			t.Errorf("%s: lead kept=%v, want kept=%v\n%s", tt.name, kept, !tt.dropped, got.Text)
		}
	}
}

// checkText fails t for each of contains missing from got and each of
// absent found in it.
func checkText(t testing.TB, got string, contains, absent []string) {
	t.Helper()
	for _, s := range contains {
		if !strings.Contains(got, s) {
			t.Errorf("missing %q in:\n%s", s, got)
		}
	}
	for _, s := range absent {
		if strings.Contains(got, s) {
			t.Errorf("kept %q in:\n%s", s, got)
		}
	}
}
