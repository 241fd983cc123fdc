// Package events is newsflow's contract: the Article v1 document, the raw-page
// message, the subjects and streams they travel on and the CloudEvents
// attributes every publish carries. Producers and consumers import this
// package; nothing else defines a subject or a header name.
package events

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// SchemaVersion is the Article document version this package emits.
const SchemaVersion = 1

// Article is one parsed article (Article v1). Fields that could not be found
// are left empty and omitted from the JSON; nothing is invented.
type Article struct {
	ID            string      `json:"id"`
	URL           string      `json:"url"`
	CanonicalURL  string      `json:"canonical_url,omitempty"`
	AMPURL        string      `json:"amp_url,omitempty"`
	SiteName      string      `json:"site_name,omitempty"`
	Host          string      `json:"host"`
	SourceFeed    string      `json:"source_feed,omitempty"`
	Title         string      `json:"title,omitempty"`
	Description   string      `json:"description,omitempty"`
	Authors       []string    `json:"authors,omitempty"`
	PublishedAt   *time.Time  `json:"published_at,omitempty"`
	ModifiedAt    *time.Time  `json:"modified_at,omitempty"`
	Language      string      `json:"language,omitempty"`
	Section       string      `json:"section,omitempty"`
	Tags          []string    `json:"tags,omitempty"`
	LeadImage     *Image      `json:"lead_image,omitempty"`
	Images        []Image     `json:"images,omitempty"`
	BodyText      string      `json:"body_text"`
	BodyHTML      string      `json:"body_html,omitempty"`
	WordCount     int         `json:"word_count"`
	ReadingTimeS  int         `json:"reading_time_s"`
	ContentHash   string      `json:"content_hash,omitempty"`
	Simhash       string      `json:"simhash,omitempty"`
	Paywalled     *bool       `json:"paywalled,omitempty"`
	FetchedAt     *time.Time  `json:"fetched_at,omitempty"`
	ParsedAt      *time.Time  `json:"parsed_at,omitempty"`
	ParserVersion string      `json:"parser_version,omitempty"`
	Extraction    *Extraction `json:"extraction,omitempty"`
	SchemaVersion int         `json:"schema_version"`
}

// Image is a picture that belongs to the article.
type Image struct {
	URL     string `json:"url,omitempty"`
	Caption string `json:"caption,omitempty"`
	Credit  string `json:"credit,omitempty"`
	Width   int    `json:"width,omitempty"`
	Height  int    `json:"height,omitempty"`
}

// Extraction says how the body was found and how sure the extractor is.
type Extraction struct {
	Method     string  `json:"method"`
	Confidence float64 `json:"confidence"`
}

// ArticleID is the stable id of the article at canonicalURL: the same URL
// always gives the same id, so every consumer can upsert by it.
func ArticleID(canonicalURL string) string {
	sum := sha256.Sum256([]byte(canonicalURL))
	return hex.EncodeToString(sum[:16])
}
