package feeds

import (
	"slices"
	"testing"
)

func TestDiscover(t *testing.T) {
	cases := []struct {
		name, html, base string
		want             []string
	}{
		{
			name: "several feeds, relative and absolute, in document order",
			html: `<html><head>
<link rel="stylesheet" href="/s.css">
<link rel="alternate" type="application/rss+xml" title="RSS" href="/feed/">
<link rel="alternate" type="application/atom+xml" href="https://ex.com/atom.xml">
<LINK REL="Alternate" TYPE="application/feed+json" HREF="feed.json">
<link rel="alternate" type="application/json" href="/feed.json?v=1">
</head><body></body></html>`,
			base: "https://ex.com/news/index.html",
			want: []string{"https://ex.com/feed/", "https://ex.com/atom.xml", "https://ex.com/news/feed.json", "https://ex.com/feed.json?v=1"},
		},
		{
			name: "base element, protocol-relative href, type with parameters, rel list",
			html: `<head><base href="https://cdn.ex.com/site/"><link rel="alternate home" type="application/rss+xml; charset=utf-8" href="rss.xml">
<link rel="alternate" type="application/atom+xml" href="//feeds.ex.com/a"/></head>`,
			base: "https://ex.com/",
			want: []string{"https://cdn.ex.com/site/rss.xml", "https://feeds.ex.com/a"},
		},
		{
			name: "duplicates, non-feed alternates and WordPress REST links are ignored",
			html: `<link rel="alternate" type="application/rss+xml" href="/feed">
<link rel="alternate" type="application/rss+xml" href="https://ex.com/feed">
<link rel="alternate" hreflang="de" href="/de/">
<link rel="alternate" type="application/json+oembed" href="/oembed?url=x">
<link rel="alternate" type="application/json" href="https://ex.com/wp-json/wp/v2/posts/1">
<link rel="feed" type="text/html" href="/blog">
<a rel="alternate" type="application/rss+xml" href="/not-a-link-tag">`,
			base: "https://ex.com/",
			want: []string{"https://ex.com/feed"},
		},
		{
			name: "no feeds",
			html: `<!DOCTYPE html><html><head><title>x</title></head><body><p>hello</p></body></html>`,
			base: "https://ex.com/",
		},
		{
			name: "relative href without any base cannot be resolved",
			html: `<link rel="alternate" type="application/rss+xml" href="/feed"><link rel="alternate" type="application/rss+xml" href="http://ex.com/abs">`,
			want: []string{"http://ex.com/abs"},
		},
		{name: "empty page", html: ``, base: "https://ex.com/"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Discover([]byte(c.html), c.base); !slices.Equal(got, c.want) {
				t.Errorf("Discover = %q, want %q", got, c.want)
			}
		})
	}
}

func TestCommonFeedPaths(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range CommonFeedPaths {
		if p == "" || p[0] != '/' || seen[p] {
			t.Errorf("bad or duplicate path %q", p)
		}
		seen[p] = true
	}
	for _, p := range []string{"/feed", "/rss", "/rss.xml", "/atom.xml", "/feed.xml", "/index.xml", "/sitemap.xml", "/news-sitemap.xml"} {
		if !seen[p] {
			t.Errorf("CommonFeedPaths lacks %s", p)
		}
	}
}
