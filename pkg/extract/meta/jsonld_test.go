package meta

import (
	"reflect"
	"testing"
)

func TestDecodeLDRepairs(t *testing.T) {
	tests := map[string]string{
		"trailing commas": `{"@type":"NewsArticle","headline":"A","author":{"name":"B",},}`,
		"raw newline":     "{\"@type\":\"NewsArticle\",\"headline\":\"A\nB\"}",
		"comment wrapper": `<!-- {"@type":"NewsArticle","headline":"A"} -->`,
		"cdata wrapper": `//<![CDATA[
{"@type":"NewsArticle","headline":"A"}
//]]>`,
		"bad escape":        `{"@type":"NewsArticle","headline":"It\'s A"}`,
		"two objects":       `{"@type":"WebSite","name":"S"} {"@type":"NewsArticle","headline":"A"}`,
		"control character": "{\"@type\":\"NewsArticle\",\"headline\":\"A\x01\"}",
	}
	for name, src := range tests {
		if _, err := decodeLD(src); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := decodeLD(`{"@type": "NewsArticle", "headline": `); err == nil {
		t.Error("truncated JSON decoded")
	}
}

func TestLDArticlePicksThePage(t *testing.T) {
	d := parseLD([]string{`{"@context":"https://schema.org","@graph":[
	 {"@type":"ItemList","itemListElement":[
	   {"@type":"ListItem","item":{"@type":"NewsArticle","headline":"Related one","url":"https://ex.com/related-1","datePublished":"2024-01-01T00:00:00Z","author":{"@type":"Person","name":"Other Writer"}}}]},
	 {"@type":"NewsArticle","@id":"https://ex.com/story#a","headline":"The story","url":"https://ex.com/story","datePublished":"2024-02-23T13:25:00+09:00",
	  "author":[{"@id":"#p1"},{"@type":"Organization","name":"Ex News"},"By Sam Roe"],
	  "image":{"@id":"#img"},"isAccessibleForFree":"false","inLanguage":{"@type":"Language","alternateName":"en"},
	  "publisher":{"@id":"#org"},"articleSection":["World","Asia"],"keywords":["a","b"]},
	 {"@type":"Person","@id":"#p1","name":"Lee Jung-joo"},
	 {"@type":"ImageObject","@id":"#img","url":"https://ex.com/i.jpg","caption":"Cap","creditText":"Cred"},
	 {"@type":"NewsMediaOrganization","@id":"#org","name":"Ex News"}]}`})
	a := d.article([]string{"https://www.ex.com/story/"})
	if a == nil {
		t.Fatal("no article")
	}
	if a.headline != "The story" || a.publisher != "Ex News" || a.section != "World" || a.lang != "en" {
		t.Errorf("got %+v", a)
	}
	if want := []string{"Lee Jung-joo", "By Sam Roe"}; !reflect.DeepEqual(a.authors, want) {
		t.Errorf("authors %q, want %q", a.authors, want)
	}
	if a.image != (ldImage{url: "https://ex.com/i.jpg", caption: "Cap", credit: "Cred"}) {
		t.Errorf("image %+v", a.image)
	}
	if a.free == nil || *a.free {
		t.Errorf("free %v", a.free)
	}
}

func TestCleanBody(t *testing.T) {
	tests := map[string]string{
		"First para.\n\nSecond   para.":               "First para.\n\nSecond para.",
		"<p>One &amp; two</p><p>Three<br>Four</p>":    "One & two\n\nThree\n\nFour",
		"Plain &quot;quoted&quot; text.\r\nNext line": "Plain \"quoted\" text.\n\nNext line",
		"": "",
	}
	for in, want := range tests {
		if got := cleanBody(in); got != want {
			t.Errorf("cleanBody(%q) = %q, want %q", in, got, want)
		}
	}
}
