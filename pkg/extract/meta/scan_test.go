package meta

import (
	"reflect"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestTextOfWordBoundaries(t *testing.T) {
	tests := map[string]string{
		`<div>Molly Woo<span class="last-letter">d</span></div>`:     "Molly Wood",
		`<div><span>Fiona MacLeod</span><span>Reporter</span></div>`: "Fiona MacLeod Reporter",
		`<div><b>Mac</b>Leod</div>`:                                  "MacLeod",
		`<div>By<a href="/a">Jane Doe</a></div>`:                     "By Jane Doe",
		`<div>One<div>Two</div>Three</div>`:                          "One Two Three",
		"<div>  spaced \n\t out\u00a0text\u200b </div>":              "spaced out text",
	}
	for src, want := range tests {
		doc, err := html.Parse(strings.NewReader(src))
		if err != nil {
			t.Fatal(err)
		}
		div := findFirst(doc, "div")
		if got := textOf(div, 200); got != want {
			t.Errorf("textOf(%s) = %q, want %q", src, got, want)
		}
	}
	doc, _ := html.Parse(strings.NewReader(`<div>By Jane Doe<br>Feb 23, 2024<p>Updated 13:25</p></div>`))
	if got, want := textLines(findFirst(doc, "div"), 200), []string{"By Jane Doe", "Feb 23, 2024", "Updated 13:25"}; !reflect.DeepEqual(got, want) {
		t.Errorf("textLines = %q, want %q", got, want)
	}
	// The city a byline block names is no line of it, unless the element
	// holds the date as well.
	doc, _ = html.Parse(strings.NewReader(`<div><p>By Jane Doe</p><p class="c-signature__location">São Paulo</p><p class="location-date">London, Feb 23, 2024</p></div>`))
	if got, want := textLines(findFirst(doc, "div"), 200), []string{"By Jane Doe", "London, Feb 23, 2024"}; !reflect.DeepEqual(got, want) {
		t.Errorf("textLines with a location = %q, want %q", got, want)
	}
}

func findFirst(n *html.Node, tag string) *html.Node {
	if n.Type == html.ElementNode && n.Data == tag {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := findFirst(c, tag); f != nil {
			return f
		}
	}
	return nil
}

func TestClassBits(t *testing.T) {
	tests := map[string]uint8{
		"article__byline":      kwAuthor | kwBoth,
		"entry-date published": kwDate,
		"post-meta":            kwBoth,
		"ArticleHeader_Date":   kwDate,
		"related-posts":        kwBoiler,
		"comment-author":       kwAuthor | kwComment | kwBoiler,
		"text-sm font-bold":    0,
		"":                     0,
	}
	for in, want := range tests {
		if got := classBits(in); got != want {
			t.Errorf("classBits(%q) = %b, want %b", in, got, want)
		}
	}
}

func TestIsAuthorHref(t *testing.T) {
	for h, want := range map[string]bool{
		"/author/jane-doe/":                    true,
		"https://example.com/authors/jane":     true,
		"https://example.com/staff/jane-doe":   true,
		"/profiles/chris-cillizza":             false,
		"/topics/people/donald-trump.html":     false,
		"https://example.com/2024/02/23/story": false,
	} {
		if got := isAuthorHref(h); got != want {
			t.Errorf("isAuthorHref(%q) = %v, want %v", h, got, want)
		}
	}
}
