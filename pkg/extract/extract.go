// Package extract turns one HTML page into an Article v1: it decodes the page,
// reads its metadata (package meta) and finds its body (package content).
package extract

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"
	"unicode"

	"golang.org/x/net/publicsuffix"

	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/extract/content"
	"github.com/newsflow/newsflow/pkg/extract/meta"
	"github.com/newsflow/newsflow/pkg/urls"
)

// Version is the extractor version recorded in every article.
const Version = "newsflow-extract/0.1"

// MaxPageBytes is the largest page Extract accepts.
const MaxPageBytes = events.MaxPageBytes

// Errors.
var (
	ErrTooLarge = errors.New("extract: page too large")
	ErrNotHTML  = errors.New("extract: not an HTML page")
	ErrBadURL   = errors.New("extract: bad page URL")
)

// Input is one page to extract.
type Input struct {
	HTML        []byte
	URL         string // where the page was fetched from; may be empty offline
	ContentType string // HTTP Content-Type, for the charset
	FetchedAt   time.Time
	Hints       events.EntryHints
	Rules       *Rules // optional per-site rules
}

// Extract returns the article in the page. Fields it cannot find stay empty.
func Extract(in Input) (*events.Article, error) {
	var pageURL *url.URL
	if in.URL != "" {
		u, err := url.Parse(in.URL)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("%w: %q", ErrBadURL, in.URL)
		}
		pageURL = u
	}
	doc, err := Parse(in.HTML, in.ContentType)
	if err != nil {
		return nil, err
	}
	rule := in.Rules.For(pageURL)
	rule.removeFrom(doc)

	m := meta.Extract(doc, meta.Input{
		URL: pageURL, FetchedAt: in.FetchedAt, Hints: in.Hints,
		AuthorSelector: rule.Author, DateSelector: rule.Date,
	})
	body := content.Extract(doc, content.Options{
		BodySelector: rule.Body, FallbackText: m.ArticleBody, Title: m.Title, BaseURL: pageURL,
		Authors: m.Authors, Published: m.Published,
	})

	a := &events.Article{
		URL:           in.URL,
		SiteName:      m.SiteName,
		Title:         m.Title,
		Description:   m.Description,
		Authors:       m.Authors,
		Language:      m.Language,
		Section:       m.Section,
		Tags:          m.Tags,
		LeadImage:     m.LeadImage,
		Images:        body.Images,
		BodyText:      body.Text,
		BodyHTML:      body.HTML,
		Paywalled:     m.Paywalled,
		ParserVersion: Version,
		SchemaVersion: events.SchemaVersion,
		Extraction:    &events.Extraction{Method: body.Method, Confidence: clamp01(body.Confidence)},
	}
	if !m.Published.IsZero() {
		t := m.Published
		a.PublishedAt = &t
	}
	if !m.Modified.IsZero() {
		t := m.Modified
		a.ModifiedAt = &t
	}
	if a.Language == "" {
		a.Language = meta.DetectLanguage(body.Text)
	}
	setURLs(a, pageURL, m)
	a.LeadImage = resolveImage(a.LeadImage, pageURL)
	images := a.Images[:0]
	for i := range a.Images {
		if img := resolveImage(&a.Images[i], pageURL); img != nil {
			images = append(images, *img)
		}
	}
	a.Images = images
	a.WordCount = countWords(body.Text)
	a.ReadingTimeS = int(math.Round(float64(a.WordCount) / 230 * 60))
	if body.Text != "" {
		a.ContentHash = events.ContentHash([]byte(body.Text))
		a.Simhash = Simhash(body.Text)
	}
	return a, nil
}

// setURLs fills url, canonical_url, amp_url, host and the id. The id comes
// from the page's canonical URL when it is on http(s), else from the fetched URL.
func setURLs(a *events.Article, pageURL *url.URL, m meta.Meta) {
	if pageURL != nil {
		a.Host = strings.ToLower(pageURL.Hostname())
	}
	idURL := ""
	if c, err := urls.Canonical(m.CanonicalURL); err == nil {
		a.CanonicalURL = c
		// A page may only name a canonical URL on its own site for its id:
		// a partner's copy that points at the original must not take (and
		// overwrite) the original's record; it stays a copy of its own.
		if pageURL == nil || sameSite(pageURL, c) {
			idURL = c
		}
	}
	if m.AMPURL != "" {
		if u, err := url.Parse(m.AMPURL); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
			a.AMPURL = u.String()
		}
	}
	if idURL == "" && pageURL != nil {
		if c, err := urls.CanonicalURL(pageURL); err == nil {
			idURL = c
		}
	}
	if a.Host == "" && a.CanonicalURL != "" {
		if u, err := url.Parse(a.CanonicalURL); err == nil {
			a.Host = u.Hostname()
		}
	}
	if idURL == "" {
		// Offline extraction without a URL: the id is derived from the
		// content, so the same page still gets the same id.
		idURL = "urn:content:" + events.ContentHash([]byte(a.Title+"\n"+a.BodyText))
	}
	a.ID = events.ArticleID(idURL)
}

// resolveImage makes img's URL absolute against the page; an image whose URL
// cannot be made an absolute http(s) URL keeps its caption only when it has one.
func resolveImage(img *events.Image, pageURL *url.URL) *events.Image {
	if img == nil {
		return nil
	}
	out := *img
	if out.URL != "" {
		u, err := url.Parse(strings.TrimSpace(out.URL))
		if err == nil && pageURL != nil {
			u = pageURL.ResolveReference(u)
		}
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			out.URL = ""
		} else {
			out.URL = u.String()
		}
	}
	if out.URL == "" && out.Caption == "" {
		return nil
	}
	return &out
}

// sameSite reports whether canonical is on the registrable domain of the page
// (news.example.co.uk and www.example.co.uk are; example.com and partner.com
// are not).
func sameSite(page *url.URL, canonical string) bool {
	c, err := url.Parse(canonical)
	if err != nil {
		return false
	}
	a, errA := publicsuffix.EffectiveTLDPlusOne(strings.ToLower(page.Hostname()))
	b, errB := publicsuffix.EffectiveTLDPlusOne(strings.ToLower(c.Hostname()))
	if errA != nil || errB != nil {
		return strings.EqualFold(page.Hostname(), c.Hostname())
	}
	return a == b
}

func countWords(s string) int {
	n, in := 0, false
	for _, r := range s {
		w := unicode.IsLetter(r) || unicode.IsDigit(r)
		if w && !in {
			n++
		}
		in = w
	}
	return n
}

func clamp01(f float64) float64 { return math.Max(0, math.Min(1, f)) }
