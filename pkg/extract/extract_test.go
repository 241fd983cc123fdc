package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/fixtures"

	"github.com/newsflow/newsflow/pkg/events"
)

type seedExpected struct {
	Title       string   `json:"title"`
	PublishedAt string   `json:"published_at"`
	Authors     []string `json:"authors"`
	Language    string   `json:"language"`
	LeadImage   struct {
		Caption string `json:"caption"`
		Credit  string `json:"credit"`
	} `json:"lead_image"`
	BodyStartsWith  string   `json:"body_starts_with"`
	BodyEndsWith    string   `json:"body_ends_with"`
	BodyParagraphs  int      `json:"body_paragraphs"`
	BodyMustNotHave []string `json:"body_must_not_contain"`
}

// The seed wire story (testdata/seed) comes out exactly as expected.json
// says, both from the dateline-only page (the offset comes from the feed
// entry's date) and from the page with full metadata.
func TestSeedArticle(t *testing.T) {
	testdata := fixtures.Path(t)
	data, err := os.ReadFile(filepath.Join(testdata, "seed", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want seedExpected
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	kst := time.FixedZone("", 9*3600)
	for _, tc := range []struct {
		file  string
		hints events.EntryHints
	}{
		{"seed.html", events.EntryHints{Published: time.Date(2024, 2, 23, 13, 25, 0, 0, kst)}},
		{"seed_meta.html", events.EntryHints{}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			page, err := os.ReadFile(filepath.Join("meta", "testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			a, err := Extract(Input{HTML: page, URL: "https://www.koreaherald.com/view.php?ud=20240223000555",
				FetchedAt: time.Date(2024, 2, 23, 6, 0, 0, 0, time.UTC), Hints: tc.hints})
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Validate(); err != nil {
				t.Error(err)
			}
			if a.Title != want.Title {
				t.Errorf("title %q, want %q", a.Title, want.Title)
			}
			if a.PublishedAt == nil || a.PublishedAt.Format(time.RFC3339) != want.PublishedAt {
				t.Errorf("published_at %v, want %s", a.PublishedAt, want.PublishedAt)
			}
			if strings.Join(a.Authors, "|") != strings.Join(want.Authors, "|") {
				t.Errorf("authors %q, want %q", a.Authors, want.Authors)
			}
			if a.Language != want.Language {
				t.Errorf("language %q, want %q", a.Language, want.Language)
			}
			if a.LeadImage == nil || a.LeadImage.Caption != want.LeadImage.Caption || a.LeadImage.Credit != want.LeadImage.Credit {
				t.Errorf("lead image %+v, want caption %q credit %q", a.LeadImage, want.LeadImage.Caption, want.LeadImage.Credit)
			}
			if !strings.HasPrefix(a.BodyText, want.BodyStartsWith) {
				t.Errorf("body starts %q", a.BodyText[:min(len(a.BodyText), 120)])
			}
			if !strings.HasSuffix(a.BodyText, want.BodyEndsWith) {
				t.Errorf("body ends %q", a.BodyText[max(0, len(a.BodyText)-120):])
			}
			if n := len(strings.Split(a.BodyText, "\n\n")); n != want.BodyParagraphs {
				t.Errorf("%d body paragraphs, want %d", n, want.BodyParagraphs)
			}
			for _, s := range append(want.BodyMustNotHave, want.LeadImage.Caption) {
				if strings.Contains(a.BodyText, s) {
					t.Errorf("body contains %q", s)
				}
			}
			if a.WordCount < 500 || a.ReadingTimeS <= 0 || len(a.ContentHash) != 64 || len(a.Simhash) != 16 {
				t.Errorf("word_count %d reading_time_s %d content_hash %q simhash %q", a.WordCount, a.ReadingTimeS, a.ContentHash, a.Simhash)
			}
		})
	}
}

// Hostile pages give a result or a clear error, never a panic or a hang.
func TestHostilePages(t *testing.T) {
	deep := strings.Repeat("<div>", 200000) + "<p>deep text here</p>" + strings.Repeat("</div>", 200000)
	var big bytes.Buffer
	big.WriteString("<html><body>")
	for big.Len() < 15<<20 {
		big.WriteString("<p>Lots of filler text in a very large page that goes on and on.</p>")
	}
	big.WriteString("</body></html>")
	tests := []struct {
		name    string
		page    []byte
		wantErr error
	}{
		{"deep nesting", []byte(deep), nil},
		{"15 MB page", big.Bytes(), nil},
		{"over the size limit", bytes.Repeat([]byte("a"), MaxPageBytes+1), ErrTooLarge},
		{"invalid UTF-8", []byte("<html><body><p>caf\xe9 \xff\xfe bad \xc3\x28 bytes in a paragraph of text</p></body></html>"), nil},
		{"binary garbage", bytes.Repeat([]byte{0, 1, 2, 0xff, '<', '>'}, 10000), nil},
		{"empty", nil, nil},
		{"huge attribute", []byte("<html><body><p title=\"" + strings.Repeat("x", 4<<20) + "\">text</p></body></html>"), nil},
		{"unclosed everything", []byte(strings.Repeat("<table><tr><td><ul><li><p><b><i>", 5000)), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Extract(Input{HTML: tt.page, URL: "https://example.com/x"})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			data, _ := json.Marshal(a)
			if err := events.ValidateArticleJSON(data); err != nil {
				t.Errorf("result fails the schema: %v", err)
			}
		})
	}
}

// Charsets: the HTTP header wins, then a BOM, then <meta charset>, then sniffing.
func TestCharsets(t *testing.T) {
	latin1 := []byte("<html><head><title>Caf\xe9 cr\xe8me</title></head><body><p>Un caf\xe9 tr\xe8s cr\xe9meux servi \xe0 la terrasse du boulevard.</p></body></html>")
	metaLatin1 := append([]byte(`<html><head><meta charset="iso-8859-1">`), latin1[12:]...)
	bom := append([]byte("\xef\xbb\xbf"), []byte("<html><head><title>Café crème</title></head><body><p>Un café.</p></body></html>")...)
	sjis := []byte("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\"><title>\x93\xfa\x96\x7b</title></head><body><p>\x93\xfa\x96\x7b</p></body></html>")
	tests := []struct {
		name, ctype string
		page        []byte
		title       string
	}{
		{"header", "text/html; charset=ISO-8859-1", latin1, "Café crème"},
		{"meta", "text/html", metaLatin1, "Café crème"},
		{"bom", "", bom, "Café crème"},
		{"shift_jis meta", "", sjis, "日本"},
	}
	for _, tt := range tests {
		a, err := Extract(Input{HTML: tt.page, ContentType: tt.ctype, URL: "https://example.com/"})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if a.Title != tt.title {
			t.Errorf("%s: title %q, want %q", tt.name, a.Title, tt.title)
		}
	}
}

func TestSiteRules(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rules.json")
	os.WriteFile(path, []byte(`{"sites": {"example.com": {"body": "div.story", "remove": [".promo"], "author": ".who"}}}`), 0o644)
	rules, err := LoadRules(path)
	if err != nil {
		t.Fatal(err)
	}
	page := []byte(`<html><body><div class="who">Jane Roe</div>
<div class="teaser"><p>A long teaser paragraph that an automatic extractor might well take for the body of the story, with many words.</p>
<p>Another long teaser paragraph with plenty of words that looks like article text to a scorer.</p></div>
<div class="story"><p>The real story is here.</p><p class="promo">Subscribe now!</p></div></body></html>`)
	a, err := Extract(Input{HTML: page, URL: "https://news.example.com/a", Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	if a.BodyText != "The real story is here." {
		t.Errorf("body %q", a.BodyText)
	}
	if strings.Join(a.Authors, "|") != "Jane Roe" {
		t.Errorf("authors %q", a.Authors)
	}
	os.WriteFile(path, []byte(`{"sites": {"x.com": {"body": "div[["}}}`), 0o644)
	if _, err := LoadRules(path); err == nil || !strings.Contains(err.Error(), "x.com") {
		t.Errorf("bad selector: %v", err)
	}
}

func FuzzExtract(f *testing.F) {
	f.Add([]byte(`<html><head><script type="application/ld+json">{"@type":"NewsArticle","headline":"x","author":[{"name":"A"}]}</script></head><body><article><p>Hello world.</p></article></body></html>`), "text/html")
	f.Add([]byte("<p>caf\xe9</p>"), "text/html; charset=latin1")
	f.Add([]byte(strings.Repeat("<div>", 1000)), "")
	f.Fuzz(func(t *testing.T, page []byte, ctype string) {
		a, err := Extract(Input{HTML: page, ContentType: ctype, URL: "https://example.com/a"})
		if err != nil {
			return
		}
		data, _ := json.Marshal(a)
		if err := events.ValidateArticleJSON(data); err != nil {
			t.Fatalf("invalid article: %v\n%s", err, data)
		}
	})
}

// A <meta charset> after more than 1 KB of head is still found.
func TestLateMetaCharset(t *testing.T) {
	page := []byte("<html><head><script>" + strings.Repeat("var x = 1;\n", 300) + "</script>" +
		`<meta http-equiv="Content-Type" content="text/html; charset=windows-1251"><title>` + "\xcf\xf0\xe8\xe2\xe5\xf2" + "</title></head><body><p>\xcf\xf0\xe8\xe2\xe5\xf2</p></body></html>")
	a, err := Extract(Input{HTML: page, URL: "https://example.ru/"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "Привет" {
		t.Errorf("title %q, want Привет", a.Title)
	}
}

// A copy on another site that names the original as canonical keeps an id
// of its own; a canonical on the page's own site (another subdomain) gives the id.
func TestCanonicalOnlyOnOwnSite(t *testing.T) {
	page := func(canonical string) []byte {
		return []byte(`<html><head><link rel="canonical" href="` + canonical + `"><title>Story</title></head><body><p>Text of the story.</p></body></html>`)
	}
	orig := "https://www.bbc.co.uk/news/world-123"
	partner, err := Extract(Input{HTML: page(orig), URL: "https://partner.example/bbc/world-123"})
	if err != nil {
		t.Fatal(err)
	}
	if partner.ID == events.ArticleID(orig) || partner.CanonicalURL != orig {
		t.Errorf("partner copy: id %s, canonical %q", partner.ID, partner.CanonicalURL)
	}
	own, err := Extract(Input{HTML: page(orig), URL: "https://m.bbc.co.uk/news/world-123?utm_source=x"})
	if err != nil {
		t.Fatal(err)
	}
	if own.ID != events.ArticleID(orig) {
		t.Errorf("same-site canonical not used for the id")
	}
}
