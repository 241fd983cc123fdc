package events

import (
	"testing"
	"time"
)

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
