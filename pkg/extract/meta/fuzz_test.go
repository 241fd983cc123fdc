package meta

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// The readers below run on arbitrary page text; none may panic. (Extract
// itself recovers, so the internals are fuzzed directly.)

func FuzzFindDates(f *testing.F) {
	for _, s := range []string{"Feb. 23, 2024 - 13:25", "2024년 2월 23일 오후 1:25", "hace 2 horas", "23.02.2024, 13.25 Uhr",
		"Updated 0339 GMT (1139 HKT) November 19, 2019", "11/18/19 11:04 PM EST", "Today, 13:25", "2時間前", "\xff\xfe 23 ф 2024"} {
		f.Add(s)
	}
	now := time.Date(2024, 2, 23, 16, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		findDates(s, dateOpts{now: now})
		findDates(s, dateOpts{mdy: true, ref: now})
		parseMachineDate(s, dateOpts{})
	})
}

func FuzzSplitByline(f *testing.F) {
	for _, s := range []string{"By Anna Smith, Bob Jones and Carla Díaz", "이정주 기자 입력", "新华社记者 张伟", "İİİ Haber: İsmail Kaya", "Автор: Иван", "By"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		splitBylineFor(s, "The Site", "site")
		splitCredit(s)
		cleanCredit(s)
		normalizeLang(s)
		DetectLanguage(s)
	})
}

func FuzzDecodeLD(f *testing.F) {
	for _, s := range []string{`{"@type":"NewsArticle","headline":"A",}`, `<!-- [{"@graph":[{"@id":"#a"}]}] -->`, `{"a":"\'"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := parseLD([]string{s + " @graph"})
		d.article([]string{"https://example.com/"})
	})
}

func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		`<html lang="en"><head><title>A - B</title><meta property="og:title" content="A"><script type="application/ld+json">{"@type":"NewsArticle","author":{"@id":"#p"},"@graph":[{"@id":"#p","name":"Jane Doe"}]}</script></head><body><h1>A</h1><div class="byline">By Jane Doe, Feb. 23, 2024 - 13:25</div><figure><img src="a.jpg"><figcaption>Cap. (AP)</figcaption></figure></body></html>`,
		`<div class="meta"><time datetime="2024-02-23">Today, 13:25</time><a href="/author/x">X Y</a></div>`,
	} {
		f.Add(s)
	}
	u, _ := url.Parse("https://example.com/2024/02/23/story")
	f.Fuzz(func(t *testing.T, s string) {
		doc, err := html.Parse(strings.NewReader(s))
		if err != nil {
			return
		}
		var m Meta
		extract(doc, Input{URL: u, FetchedAt: time.Date(2024, 2, 23, 16, 0, 0, 0, time.UTC), AuthorSelector: ".byline", DateSelector: "time"}, &m)
	})
}
