package main

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/newsflow/newsflow/internal/fixtures"
)

// seedPage builds a realistic news page around testdata/seed/article.txt:
// site header and navigation, a share widget, headline, dateline and byline,
// a photo with its caption, the body, related links and a footer. Like many
// wire pages it has no machine-readable date: the dateline is all there is.
func seedPage(t testing.TB) string {
	raw := fixtures.Read(t, "seed", "article.txt")
	blocks := strings.Split(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n\n")
	// blocks: "Send to", title, "dateline By author\ncaption", paragraphs...
	title := strings.TrimSpace(blocks[1])
	metaLines := strings.SplitN(strings.TrimSpace(blocks[2]), "\n", 2)
	dateline, byline, _ := strings.Cut(metaLines[0], " By ")
	caption := metaLines[1]
	var body strings.Builder
	for _, p := range blocks[3:] {
		if p = strings.TrimSpace(p); p != "" {
			fmt.Fprintf(&body, "      <p>%s</p>\n", html.EscapeString(p))
		}
	}
	e := html.EscapeString
	return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>` + e(title) + ` - The Korea Herald</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta property="og:type" content="article">
  <meta property="og:title" content="` + e(title) + `">
  <meta property="og:site_name" content="The Korea Herald">
  <meta property="og:image" content="/images/20240223/trilateral.jpg">
  <link rel="stylesheet" href="/css/site.css">
  <script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);}</script>
</head>
<body>
  <div class="cookie-notice">We use cookies to improve your experience. <button>Accept</button></div>
  <header class="header">
    <a class="logo" href="/">The Korea Herald</a>
    <nav class="gnb"><ul>
      <li><a href="/National">National</a></li><li><a href="/Business">Business</a></li>
      <li><a href="/Life">Life &amp; Style</a></li><li><a href="/Entertainment">Entertainment</a></li>
      <li><a href="/Sports">Sports</a></li><li><a href="/World">World</a></li><li><a href="/Opinion">Opinion</a></li>
    </ul></nav>
    <form class="search"><input type="text" name="q" placeholder="Search"></form>
  </header>
  <main class="main">
    <div class="breadcrumb"><a href="/National">National</a> &gt; <a href="/National/Diplomacy">Diplomacy</a></div>
    <article class="view">
      <div class="view_top">
        <div class="share_box">
          <span class="share_tit">Send to</span>
          <ul class="sns_list">
            <li><a href="https://www.facebook.com/sharer" class="fb">Facebook</a></li>
            <li><a href="https://twitter.com/intent/tweet" class="tw">Twitter</a></li>
            <li><a href="mailto:" class="mail">Email</a></li>
          </ul>
        </div>
        <h1 class="news_title">` + e(title) + `</h1>
        <div class="news_date">` + e(dateline) + `</div>
        <div class="news_byline">By ` + e(byline) + `</div>
      </div>
      <div class="view_con" id="articleText">
        <figure class="view_img">
          <img src="/images/20240223/trilateral.jpg" alt="">
          <figcaption>` + e(caption) + `</figcaption>
        </figure>
` + body.String() + `      </div>
      <div class="view_tag"><a href="/tag/north-korea">#North Korea</a> <a href="/tag/g20">#G20</a></div>
    </article>
    <aside class="related">
      <h3>Related Articles</h3>
      <ul>
        <li><a href="/view/1">Yoon, Kishida agree to boost security ties amid NK threats</a></li>
        <li><a href="/view/2">N. Korea fires cruise missiles into Yellow Sea</a></li>
        <li><a href="/view/3">Blinken to visit Seoul for democracy summit</a></li>
      </ul>
    </aside>
    <section class="most_viewed"><h3>Most Viewed</h3><ol><li><a href="/view/4">Top story one</a></li><li><a href="/view/5">Top story two</a></li></ol></section>
  </main>
  <footer class="footer">
    <p>The Korea Herald, Huam-ro 4-gil, Yongsan-gu, Seoul. Copyright Herald Corporation. All rights reserved.</p>
    <ul><li><a href="/about">About us</a></li><li><a href="/privacy">Privacy policy</a></li></ul>
  </footer>
</body>
</html>
`
}

const jsonLDPage = `<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Harbour reopens after storm | Coastal Times</title>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":"Harbour reopens after storm",
"datePublished":"2024-03-01T08:30:00+00:00","author":[{"@type":"Person","name":"Ann Smith"},{"@type":"Person","name":"Bob Jones"}],
"publisher":{"@type":"Organization","name":"Coastal Times"}}</script></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Harbour reopens after storm</h1>
<p>The harbour reopened to shipping on Friday morning after three days of closure caused by the storm that hit the coast earlier this week.</p>
<p>Harbour master Tom Reed said crews had cleared debris from the main channel overnight and that the first ferry had left on schedule at seven.</p>
<p>Fishing boats, which had sheltered in the inner basin, were expected to return to sea by the afternoon as the wind eased.</p>
</article><footer>Coastal Times 2024</footer></body></html>`

const plainPage = `<html><head><title>Library extends opening hours</title></head>
<body><div id="menu"><a href="/">Home</a> | <a href="/events">Events</a></div>
<div id="content"><h2>Library extends opening hours</h2>
<p>The central library will open until nine in the evening on weekdays from next month, the city council announced on Tuesday.</p>
<p>The change follows a survey in which most members asked for later hours, especially students preparing for examinations.</p>
<p>Weekend hours remain unchanged, and the reading rooms will stay open during the renovation of the east wing.</p>
</div></body></html>`

// origin is a news site: an RSS feed listing three article pages.
type origin struct {
	*httptest.Server
	feedHits atomic.Int32
	pages    map[string]string
}

func newOrigin(t testing.TB) *origin {
	o := &origin{pages: map[string]string{
		"/news/2024/02/23/concur-on-stern-response": seedPage(t),
		"/news/harbour-reopens":                     jsonLDPage,
		"/news/library-hours":                       plainPage,
	}}
	mux := http.NewServeMux()
	mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
		o.feedHits.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Test News</title><link>%[1]s/</link><description>test</description>
<item><title>S. Korea, US, Japan concur on 'stern' response to NK-Russia arms deal</title>
  <link>%[1]s/news/2024/02/23/concur-on-stern-response?utm_source=rss</link><pubDate>Fri, 23 Feb 2024 13:25:00 +0900</pubDate></item>
<item><title>Harbour reopens after storm</title><link>%[1]s/news/harbour-reopens</link><pubDate>Fri, 01 Mar 2024 08:30:00 +0000</pubDate></item>
<item><title>Library extends opening hours</title><link>/news/library-hours</link></item>
</channel></rss>`, o.URL)
	})
	mux.HandleFunc("/news/", func(w http.ResponseWriter, r *http.Request) {
		page, ok := o.pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	})
	o.Server = httptest.NewServer(mux)
	t.Cleanup(o.Close)
	return o
}
