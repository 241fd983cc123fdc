package feeds

import (
	"github.com/newsflow/newsflow/pkg/zones"

	"strings"
	"time"
)

// gofeed's RSS and Atom parsers convert every date to UTC, losing the
// publisher's offset, which downstream wants (published_at is RFC 3339 with
// the feed's offset, and the offset hints at the newsroom's time zone). So
// dates are parsed here from the raw strings, and gofeed's UTC value is only
// a fallback for shapes these layouts miss.

var dateLayouts = []string{
	time.RFC3339Nano,
	time.RFC1123Z,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"Mon, 2 January 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 Z07:00",
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02",
	"2006-01", // W3C Datetime (sitemaps) allows month precision
}

// Layouts with a zone abbreviation; the offset comes from package zones,
// because time.Parse only knows the abbreviations of the host's zone.
var namedZoneLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04 MST",
	"2 Jan 2006 15:04:05 MST",
	"Mon, 2 January 2006 15:04:05 MST",
	"Mon, 2 Jan 06 15:04:05 MST",
	"2 Jan 06 1504 MST", // RSS 0.9x samples: "03 Apr 02 1500 GMT"
	"2 Jan 06 15:04 MST",
	"Mon Jan 2 15:04:05 MST 2006",
}

// foreignMonths maps month abbreviations that non-English CMSs write into
// RFC 822 dates (pt "Set", "Out"; de "Okt", "Dez"; fr "Fév"...) to English.
var foreignMonths = map[string]string{
	"fev": "Feb", "fév": "Feb", "mär": "Mar", "mrz": "Mar", "abr": "Apr", "avr": "Apr",
	"mai": "May", "mei": "May", "juin": "Jun", "juil": "Jul", "ago": "Aug", "aoû": "Aug",
	"set": "Sep", "sept": "Sep", "out": "Oct", "okt": "Oct", "dez": "Dec", "dic": "Dec",
	"déc": "Dec", "ene": "Jan", "janv": "Jan", "févr": "Feb", "mars": "Mar", "avril": "Apr",
	"gen": "Jan", "lug": "Jul", "ott": "Oct", "feb": "Feb", "jan": "Jan", "mar": "Mar",
	"apr": "Apr", "jun": "Jun", "jul": "Jul", "aug": "Aug", "sep": "Sep", "oct": "Oct",
	"nov": "Nov", "dec": "Dec", "may": "May",
}

// parseDate parses a feed date keeping its offset; zero when unparseable.
func parseDate(s string) time.Time {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return time.Time{}
	}
	if t, ok := tryLayouts(s); ok {
		return t
	}
	if n := normaliseForeign(s); n != s {
		if t, ok := tryLayouts(n); ok {
			return t
		}
	}
	return time.Time{}
}

func tryLayouts(s string) (time.Time, bool) {
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	for _, l := range namedZoneLayouts {
		t, err := time.Parse(l, s)
		if err != nil {
			continue
		}
		if name, _ := t.Zone(); name != "" {
			if off, ok := zones.Offset(strings.ToUpper(name)); ok {
				t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.FixedZone(name, off*60))
			}
		}
		return t, true
	}
	return time.Time{}, false
}

// normaliseForeign drops a leading weekday (in any language: "Seg,", "Mo,")
// and translates a foreign month abbreviation, so "Seg, 24 Set 2018 19:42:40
// -0300" becomes "24 Sep 2018 19:42:40 -0300".
func normaliseForeign(s string) string {
	f := strings.Fields(s)
	if len(f) > 0 && strings.HasSuffix(f[0], ",") {
		f = f[1:]
	}
	for i, w := range f {
		if m, ok := foreignMonths[strings.ToLower(strings.TrimSuffix(w, "."))]; ok {
			f[i] = m
			break
		}
	}
	return strings.Join(f, " ")
}

// dateOr parses raw, falling back to gofeed's (UTC) reading of it.
func dateOr(raw string, fallback *time.Time) time.Time {
	if t := parseDate(raw); !t.IsZero() {
		return t
	}
	return derefTime(fallback)
}
