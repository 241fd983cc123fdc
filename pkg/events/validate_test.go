package events

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"
)

// agree says whether Validate and the schema, over the encoded document,
// reach the same verdict on a; the schema is the contract.
func agree(t *testing.T, a *Article) (valid bool) {
	t.Helper()
	data, err := json.Marshal(a)
	if err != nil {
		return false // not encodable: Msg refuses it either way
	}
	goErr, schemaErr := a.Validate(), ValidateArticleJSON(data)
	if (goErr == nil) != (schemaErr == nil) {
		t.Errorf("Validate says %v, the schema %v, for %s", goErr, schemaErr, data)
	}
	if goErr != nil && !errors.Is(goErr, ErrInvalid) {
		t.Errorf("Validate's error %v does not wrap ErrInvalid", goErr)
	}
	return goErr == nil
}

func TestValidateAgreesWithSchema(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(a *Article)
		valid  bool
	}{
		{"as built", func(a *Article) {}, true},
		{"upper-case id", func(a *Article) { a.ID = "0123456789ABCDEF0123456789abcdef" }, false},
		{"short id", func(a *Article) { a.ID = "abc" }, false},
		{"empty url", func(a *Article) { a.URL = "" }, false},
		{"relative url", func(a *Article) { a.URL = "/news/1" }, false},
		{"url that does not parse", func(a *Article) { a.URL = "https://exa mple.com/%zz" }, false},
		{"mailto url", func(a *Article) { a.URL = "mailto:desk@example.com" }, true},
		{"IPv6 host", func(a *Article) { a.URL = "http://[::1]:8080/x" }, true},
		{"IPv6 host with a zone", func(a *Article) { a.URL = "http://[fe80::1%25eth0]/x" }, false},
		{"bad IPv6 host", func(a *Article) { a.URL = "http://[::g]/x" }, false},
		{"relative canonical", func(a *Article) { a.CanonicalURL = "news/1" }, false},
		{"relative amp", func(a *Article) { a.AMPURL = "//example.com/amp" }, false},
		{"empty author", func(a *Article) { a.Authors = []string{"A", ""} }, false},
		{"space author", func(a *Article) { a.Authors = []string{" "} }, true},
		{"bad language", func(a *Article) { a.Language = "english!" }, false},
		{"three-letter language", func(a *Article) { a.Language = "yue-Hant-HK" }, true},
		{"one-letter language", func(a *Article) { a.Language = "e" }, false},
		{"relative lead image", func(a *Article) { a.LeadImage.URL = "/i.jpg" }, false},
		{"lead image without url", func(a *Article) { a.LeadImage.URL = "" }, true},
		{"negative image width", func(a *Article) { a.Images = []Image{{URL: "https://example.com/j.png", Width: -1}} }, false},
		{"relative second image", func(a *Article) {
			a.Images = []Image{{URL: "https://example.com/j.png"}, {URL: "j.png"}}
		}, false},
		{"negative word count", func(a *Article) { a.WordCount = -1 }, false},
		{"negative reading time", func(a *Article) { a.ReadingTimeS = -5 }, false},
		{"bad content hash", func(a *Article) { a.ContentHash = "xyz" }, false},
		{"upper-case simhash", func(a *Article) { a.Simhash = "0123456789ABCDEF" }, false},
		{"confidence > 1", func(a *Article) { a.Extraction.Confidence = 2 }, false},
		{"confidence < 0", func(a *Article) { a.Extraction.Confidence = -0.1 }, false},
		{"confidence 1", func(a *Article) { a.Extraction.Confidence = 1 }, true},
		{"schema version 2", func(a *Article) { a.SchemaVersion = 2 }, false},
		{"odd offset", func(a *Article) {
			t := time.Date(1890, 1, 1, 0, 0, 0, 0, time.FixedZone("LMT", 561))
			a.ModifiedAt = &t
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := validArticle()
			c.mutate(a)
			if got := agree(t, a); got != c.valid {
				t.Errorf("valid = %v, want %v", got, c.valid)
			}
		})
	}
}

// Whatever the extractor might put in an article's constrained fields,
// Validate and the schema agree on it.
func FuzzValidateAgreesWithSchema(f *testing.F) {
	f.Add("0123456789abcdef0123456789abcdef", "https://example.com/a", "", "A. Writer", "en-GB",
		"https://example.com/i.jpg", -1, 0, "0123456789abcdef", 0.5, int64(1708694700), 540)
	f.Add("x", "http://[::1%en0]/", "//x", "", "e-", "/i", 0, -3, "", math.Inf(1), int64(-62135596800), -1439)
	f.Fuzz(func(t *testing.T, id, url, canonical, author, lang, image string, width, words int,
		simhash string, confidence float64, publishedSec int64, offsetMin int) {
		a := validArticle()
		a.ID, a.URL, a.CanonicalURL, a.Language, a.Simhash = id, url, canonical, lang, simhash
		a.Authors = []string{author}
		a.LeadImage = &Image{URL: image, Width: width}
		a.WordCount = words
		a.Extraction.Confidence = confidence
		pub := time.Unix(publishedSec, 0).In(time.FixedZone("", (offsetMin%(24*60))*60))
		a.PublishedAt = &pub
		agree(t, a)
	})
}

// The fields FuzzValidateAgreesWithSchema leaves fixed: amp_url, the images
// list, heights, tags, content_hash, reading_time_s, and times of any
// instant, offset and fraction.
func FuzzValidateAgreesWithSchemaRest(f *testing.F) {
	f.Add("https://example.com/amp", "https://example.com/j.png", 3, -1, "t", "", 5, int64(0), int64(0), 0, "x")
	f.Add("", "", 0, 0, "", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", -1, int64(253402300799), int64(999999999), 86399, "")
	f.Fuzz(func(t *testing.T, amp, img string, width, height int, tag, hash string, reading int,
		sec, nsec int64, offsetSec int, author string) {
		a := validArticle()
		a.AMPURL, a.ContentHash, a.ReadingTimeS = amp, hash, reading
		a.Images = []Image{{URL: img, Width: width, Height: height}, {URL: amp}}
		a.Tags = []string{tag}
		a.Authors = append(a.Authors, author)
		m := time.Unix(sec, nsec).In(time.FixedZone("", offsetSec%(48*3600)))
		a.ModifiedAt = &m
		a.FetchedAt = &m
		agree(t, a)
	})
}
