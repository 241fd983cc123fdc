package meta_test

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsflow/newsflow/pkg/extract/meta"
)

// Hostile pages must neither panic nor take long; these are shaped like the
// worst the crawler meets: absurd nesting, invalid UTF-8, huge attributes
// and JSON-LD bombs.
func TestHostilePages(t *testing.T) {
	pages := map[string]string{
		"invalid utf8":   "<html lang=\"\xff\xfe\"><head><title>\xff\xfe\xfd bad</title><meta property=\"og:title\" content=\"\xc3\x28\"></head><body><h1>\xe2\x82</h1><div class=date>23 \xff février 2024</div></body></html>",
		"huge attribute": "<html><head><meta property=\"og:image\" content=\"" + strings.Repeat("a", 1<<20) + "\"><link rel=canonical href=\"/" + strings.Repeat("x", 1<<20) + "\"></head><body><div class=\"" + strings.Repeat("byline ", 1<<17) + "\">By Jane Doe</div></body></html>",
		"json-ld bomb":   "<html><head><script type=application/ld+json>" + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "</script><script type=application/ld+json>{\"@graph\":[" + strings.Repeat("{\"@type\":\"NewsArticle\",\"author\":{\"@id\":\"x\"},\"@id\":\"x\"},", 5000) + "{}]}</script></head><body></body></html>",
		"many times":     "<html><body><h1>T</h1>" + strings.Repeat("<time datetime=\"2024-02-23T13:25:00Z\">x</time><div class=\"date\">Feb 23, 2024</div>", 20000) + "</body></html>",
		"empty":          "",
		"text only":      "just some text, no tags at all",
		"self ref graph": `<html><head><script type="application/ld+json">{"@graph":[{"@id":"#a","@type":"NewsArticle","author":{"@id":"#a"},"image":{"@id":"#a"},"publisher":{"@id":"#a"},"headline":"Loop"}]}</script></head></html>`,
		"long dateline":  "<html><body><h1>T</h1><div class=date>" + strings.Repeat("23 février 2024 13:25 ", 10000) + "</div></body></html>",
	}
	for name, page := range pages {
		t.Run(name, func(t *testing.T) {
			doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
			if err != nil {
				t.Fatal(err)
			}
			// A hang shows up as the test binary's timeout.
			meta.Extract(doc, meta.Input{FetchedAt: time.Date(2024, 2, 23, 16, 0, 0, 0, time.UTC)})
		})
	}
}

// The HTML parser caps nesting at 512, but a tree built by other code need
// not be; Extract walks iteratively and must cope.
func TestDeepTree(t *testing.T) {
	root := &html.Node{Type: html.DocumentNode}
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	root.AppendChild(body)
	h1 := &html.Node{Type: html.ElementNode, Data: "h1", DataAtom: atom.H1}
	h1.AppendChild(&html.Node{Type: html.TextNode, Data: "Headline"})
	body.AppendChild(h1)
	parent := body
	for i := 0; i < 200000; i++ {
		n := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div, Attr: []html.Attribute{{Key: "class", Val: "byline"}}}
		parent.AppendChild(n)
		parent = n
	}
	parent.AppendChild(&html.Node{Type: html.TextNode, Data: "By Jane Doe, February 23, 2024"})
	m := meta.Extract(goquery.NewDocumentFromNode(root), meta.Input{})
	if m.Title != "Headline" {
		t.Fatalf("title %q", m.Title)
	}
}

// Extract reads the document; the body extractor runs on the same tree
// afterwards, so nothing may change.
func TestExtractDoesNotModify(t *testing.T) {
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(`<html><head><title>A - B</title></head><body><h1>A</h1><div class="byline">By Jane Doe</div><figure><img src="x.jpg"><figcaption>Cap (AP)</figcaption></figure><p>Text.</p></body></html>`))
	if err != nil {
		t.Fatal(err)
	}
	before, _ := goquery.OuterHtml(doc.Selection)
	meta.Extract(doc, meta.Input{})
	after, _ := goquery.OuterHtml(doc.Selection)
	if before != after {
		t.Fatal("Extract modified the document")
	}
}

func TestExtractNilDoc(t *testing.T) {
	if m := meta.Extract(nil, meta.Input{}); m.Title != "" {
		t.Fatal("nil doc gave a title")
	}
	if m := meta.Extract(&goquery.Document{}, meta.Input{}); m.Title != "" {
		t.Fatal("empty doc gave a title")
	}
}

// The parser runs Extract from many goroutines at once; run it under -race.
func TestExtractConcurrent(t *testing.T) {
	data, err := os.ReadFile("testdata/sidebar_wrapper.html")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			doc, err := goquery.NewDocumentFromReader(bytes.NewReader(data))
			if err != nil {
				t.Error(err)
				return
			}
			if m := meta.Extract(doc, meta.Input{AuthorSelector: ".post-byline a", DateSelector: ".post-date"}); len(m.Authors) == 0 {
				t.Error("no authors")
			}
		}()
	}
	wg.Wait()
}
