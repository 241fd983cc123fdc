package meta

import (
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// pubMetaKeys and modMetaKeys are the meta names and properties that carry
// dates, in order of trust.
var pubMetaKeys = []string{
	"article:published_time", "og:article:published_time", "og:published_time", "published_time", "article:published",
	"datepublished", "pubdate", "publishdate", "publish-date", "publish_date", "publication_date", "date.release",
	"dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date", "dcterms.created", "dc.date.created", "date",
	"sailthru.date", "parsely-pub-date", "article.published", "cxenseparse:recs:publishtime", "original-publish-date",
	"displaydate", "article_date_original", "og:pubdate", "citation_publication_date", "release_date",
	"published", "publication-date", "pub_date", "date_published", "article:published_date", "article.created",
}

var modMetaKeys = []string{
	"article:modified_time", "og:article:modified_time", "og:updated_time", "modified_time", "article:modified",
	"datemodified", "dc.date.modified", "dcterms.modified", "last-modified", "lastmod", "article.updated", "updated_time",
	"article:updated_time", "modified", "last_updated", "lastmodified", "date.updated",
}

type dateCands struct {
	pub, mod []stamp
}

// dates reads published and modified: JSON-LD, meta tags, itemprop and
// <time> elements, the URL, visible datelines, then the feed's date. A
// winner without a time of day borrows it from a later candidate on the
// same day; one without a zone gets the page's offset (see zoneFor).
func (x *extractor) dates(lang string) (pub, mod time.Time) {
	now := x.in.FetchedAt
	if now.IsZero() {
		now = time.Now()
	}
	opts := dateOpts{ref: x.in.Hints.Published, now: now, mdy: x.monthFirst(lang)}
	switch primary(lang) {
	case "ko", "ja", "zh", "hu":
		opts.ymdFirst = true
	}
	var c dateCands
	add := func(list *[]stamp, st stamp) {
		// A date days after the fetch is an embargo or expiry date, or a
		// template placeholder, not when the article appeared.
		if st.ok() && len(*list) < 40 && !st.t.After(now.Add(48*time.Hour)) {
			*list = append(*list, st)
		}
	}
	add(&c.pub, parseMachineDate(unescape(x.art.published), opts))
	add(&c.mod, parseMachineDate(unescape(x.art.modified), opts))
	for _, k := range pubMetaKeys {
		add(&c.pub, parseMachineDate(x.s.meta(k), opts))
	}
	for _, k := range modMetaKeys {
		add(&c.mod, parseMachineDate(x.s.meta(k), opts))
	}
	if opts.ref.IsZero() && len(c.pub) > 0 {
		opts.ref = c.pub[0].t
	}
	if x.in.DateSelector != "" {
		// A pinned rule overrides the automatic reading: its dates go first.
		if sel, err := compileSelector(x.in.DateSelector); err == nil {
			var pinned dateCands
			for i, n := range sel.MatchAll(x.s.root) {
				if i >= 5 {
					break
				}
				x.nodeDates(&pinned, n, opts, now)
			}
			c.pub = append(pinned.pub, c.pub...)
			c.mod = append(pinned.mod, c.mod...)
		}
	}
	// <time> and dateline-classed elements compete by closeness to the
	// headline: a <time> in the page header is today's date, not the
	// article's. A container of a <time> defers to it, which is exact.
	hasTime := map[*html.Node]bool{}
	for _, e := range x.s.times {
		for a, d := e.n.Parent, 0; a != nil && d < 8; a, d = a.Parent, d+1 {
			hasTime[a] = true
		}
	}
	visible := make([]element, 0, len(x.s.times)+len(x.s.dateNodes))
	visible = append(visible, x.s.times...)
	for _, e := range x.s.dateNodes {
		if !hasTime[e.n] {
			visible = append(visible, e)
		}
	}
	if x.h1 == nil {
		slices.SortStableFunc(visible, func(a, b element) int { return a.idx - b.idx })
	}
	// With an exact published and a modified date from the markup, the
	// visible ones would change nothing.
	exact := len(c.pub) > 0 && c.pub[0].zoned && c.pub[0].hasTime && len(c.mod) > 0
	if !exact {
		seen := 0
		for _, e := range x.byDistance(visible) {
			n := len(c.pub)
			x.nodeDates(&c, e.n, opts, now)
			if seen > 0 || len(c.pub) > n && c.pub[len(c.pub)-1].hasTime && c.pub[len(c.pub)-1].zoned {
				// An exact dateline is found; a few more candidates may
				// still carry its "Updated" sibling. (A zoneless one keeps
				// the search going: a later signal may tell the offset.)
				if seen++; seen > 6 {
					break
				}
			}
		}
	}
	if st := urlDate(x.in.URL); st.ok() {
		add(&c.pub, st)
	}
	if !exact {
		for _, line := range x.nearLines() {
			x.lineDates(&c, line, roleUnknown, opts, now)
		}
	}
	if h := x.in.Hints.Published; !h.IsZero() {
		add(&c.pub, stamp{t: h, zoned: true, hasTime: true})
	}
	pub = x.pick(c.pub, c)
	mod = x.pick(c.mod, c)
	if !pub.IsZero() && !mod.IsZero() && mod.Before(pub.Add(-time.Minute)) {
		mod = time.Time{}
	}
	return pub, mod
}

// dmyTLDs are English-language countries that write the day first.
var dmyTLDs = map[string]bool{"uk": true, "ie": true, "au": true, "nz": true, "in": true, "za": true, "ng": true, "pk": true,
	"sg": true, "my": true, "ke": true, "gh": true, "lk": true, "bd": true, "np": true, "jm": true, "tt": true, "mt": true, "cy": true}

// monthFirst says whether 02/03/2024 on this page means February 3: US
// English, or English without a region on a host not known to be
// day-first.
func (x *extractor) monthFirst(lang string) bool {
	if lang == "en-US" {
		return true
	}
	if lang != "en" && lang != "" {
		return false
	}
	if x.in.URL != nil {
		h := strings.ToLower(x.in.URL.Hostname())
		if i := strings.LastIndexByte(h, '.'); i >= 0 && dmyTLDs[h[i+1:]] {
			return false
		}
	}
	return lang == "en"
}

// nodeDates reads the dates of a <time>, itemprop or dateline element.
func (x *extractor) nodeDates(c *dateCands, n *html.Node, opts dateOpts, now time.Time) {
	role := roleUnknown
	ip := strings.ToLower(attr(n, "itemprop"))
	cls := lowerASCII(attr(n, "class") + " " + attr(n, "id"))
	switch {
	case strings.Contains(ip, "datemodified") || containsAny(cls, "updated", "modified", "update"):
		role = roleModified
	case strings.Contains(ip, "datepublished") || strings.Contains(ip, "datecreated") || containsAny(cls, "publish", "publica", "posted", "created") || hasAttr(n, "pubdate"):
		role = rolePublished
	}
	if v := attr(n, "datetime"); v != "" || n.DataAtom == atom.Time || ip != "" {
		if v == "" {
			v = attr(n, "content")
		}
		if st := parseMachineDate(v, opts); st.ok() {
			if role == roleUnknown {
				// The label is in the text, <time datetime=...>Updated 3 PM</time>,
				// or just before it: "Updated <time ...>".
				label := precedingText(n, 40) + " " + textOf(n, 80)
				role = roleOf(tokenize(label, make([]token, 0, 24)))
			}
			// A zoneless datetime whose visible text carries a zone:
			// <time datetime="2019-11-13T15:28:18">Nov 13, 2019, 10:28am EST</time>.
			if !st.zoned && st.hasTime {
				for _, f := range findDates(textOf(n, 120), opts) {
					if !f.st.zoned || !f.st.hasTime {
						continue
					}
					if f.st.t.Equal(st.t) { // the attribute was UTC
						st = stamp{t: st.t, zoned: true, hasTime: true}
					} else if sameClock(f.st.t, st.t) {
						st = f.st
					}
					break
				}
			}
			if role == roleModified {
				c.mod = append(c.mod, st)
			} else {
				c.pub = append(c.pub, st)
			}
			return
		}
	}
	for i, line := range textLines(n, 400) {
		if i >= 6 {
			break
		}
		x.lineDates(c, line, role, opts, now)
	}
}

func sameClock(a, b time.Time) bool {
	return a.Year() == b.Year() && a.YearDay() == b.YearDay() && a.Hour() == b.Hour() && a.Minute() == b.Minute()
}

// precedingText is the text of the siblings just before n, at most max
// bytes, nearest last: the "Updated" in "Updated <time>...".
func precedingText(n *html.Node, max int) string {
	var parts []string
	size := 0
	for p := n.PrevSibling; p != nil && size < max && len(parts) < 3; p = p.PrevSibling {
		t := textOf(p, max)
		if p.Type == html.TextNode {
			t = collapse(p.Data)
		}
		if t == "" {
			continue
		}
		parts = append(parts, t)
		size += len(t)
	}
	slices.Reverse(parts)
	out := strings.Join(parts, " ")
	if len(out) > max {
		out = out[len(out)-max:]
		for len(out) > 0 && !utf8.RuneStart(out[0]) {
			out = out[1:]
		}
	}
	return out
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// lineDates reads the dates written in one line of visible text.
func (x *extractor) lineDates(c *dateCands, line string, role dateRole, opts dateOpts, now time.Time) {
	if len(line) > 300 || len(c.pub)+len(c.mod) > 60 {
		return
	}
	for _, f := range findDates(line, opts) {
		// A visible date in the future is an event date, not a dateline.
		if f.st.t.After(now.Add(48 * time.Hour)) {
			continue
		}
		r := f.role
		if r == roleUnknown {
			r = role
		}
		if r == roleModified {
			c.mod = append(c.mod, f.st)
		} else {
			c.pub = append(c.pub, f.st)
		}
	}
}

// pick returns the first candidate, with a time of day borrowed from a
// later candidate on the same day and a zone from zoneFor.
func (x *extractor) pick(list []stamp, all dateCands) time.Time {
	if len(list) == 0 {
		return time.Time{}
	}
	best := list[0]
	if !best.hasTime {
		for _, c := range list[1:] {
			if c.hasTime && sameDay(c, best) {
				best = c
				break
			}
		}
	}
	if best.zoned {
		// Systems write UTC where the page's own tags give the same instant
		// in the publisher's offset: that one keeps the local calendar day.
		if _, off := best.t.Zone(); off == 0 {
			for _, c := range list[1:] {
				if _, o := c.t.Zone(); c.zoned && o != 0 && c.t.Equal(best.t) {
					return c.t
				}
			}
		}
		return best.t
	}
	loc := x.zoneFor(best, list, all)
	if best.instant {
		return best.t.In(loc)
	}
	w := best.t
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc)
}

// realOffset says whether some inhabited zone uses offset d, so an
// inferred offset from an inconsistent page ("22:31" against 10:31Z) does
// not invent -12:00.
func realOffset(d time.Duration) bool {
	m := int(d / time.Minute)
	if m%60 == 0 {
		return m >= -10*60 && m <= 14*60
	}
	switch m {
	case 330, 345, 570, 630, 210, 270, -210, -570, 390, 525, 765, 825:
		return true
	}
	return false
}

func sameDay(a, b stamp) bool {
	ay, am, ad := a.t.Date()
	by, bm, bd := b.t.Date()
	return ay == by && am == bm && ad == bd
}

// zoneFor finds the offset for a wall-clock date. First, an offset that
// makes it the very instant another signal for the same event states (the
// feed's date is one): "13:25" on the page and 04:25Z in the feed mean
// +09:00. Else another dated signal on the page with a real (non-UTC)
// offset; else the feed's date's offset when it is within 36 hours; else
// UTC.
func (x *extractor) zoneFor(st stamp, same []stamp, all dateCands) *time.Location {
	if st.hasTime && !st.instant {
		w := st.t
		asUTC := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), time.UTC)
		for _, c := range same {
			if !c.zoned || c.instant {
				continue
			}
			d := asUTC.Sub(c.t)
			r := d.Round(15 * time.Minute)
			if absDur(d-r) < time.Minute && realOffset(r) {
				if _, off := c.t.Zone(); time.Duration(off)*time.Second == r {
					return c.t.Location()
				}
				return fixedZone(int(r / time.Minute))
			}
		}
		// Signals of the other event (modified for published) can only
		// confirm their own offset or UTC, not suggest a new one.
		for _, list := range [][]stamp{all.pub, all.mod} {
			for _, c := range list {
				if !c.zoned || c.instant {
					continue
				}
				loc := c.t.Location()
				if cand := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc); absDur(cand.Sub(c.t)) < time.Minute {
					return loc
				}
				if absDur(asUTC.Sub(c.t)) < time.Minute {
					return time.UTC
				}
			}
		}
	}
	for _, list := range [][]stamp{all.mod, all.pub} {
		for _, c := range list {
			if !c.zoned || c.instant {
				continue
			}
			if _, off := c.t.Zone(); off != 0 {
				return c.t.Location()
			}
		}
	}
	if h := x.in.Hints.Published; !h.IsZero() {
		w := st.t
		local := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, h.Location())
		if st.instant || absDur(local.Sub(h)) <= 36*time.Hour {
			return h.Location()
		}
	}
	return time.UTC
}

// urlDate reads /2024/02/23/, /2024-02-23/ or /20240223/ from the path.
func urlDate(u *url.URL) stamp {
	if u == nil {
		return stamp{}
	}
	p := u.Path
	if len(p) > 400 {
		p = p[:400]
	}
	for i := 0; i+8 <= len(p); i++ {
		if p[i] != '/' && p[i] != '-' && p[i] != '_' {
			continue
		}
		s := p[i+1:]
		if y, ok := digitsAt(s, 0, 4); ok && (y >= 1995 && y <= 2100) && len(s) >= 10 && (s[4] == '/' || s[4] == '-' || s[4] == '_') {
			if m, ok := digitsAt(s, 5, 2); ok && s[7] == s[4] {
				if d, ok := digitsAt(s, 8, 2); ok && validYMD(y, m, d) && (len(s) == 10 || !isDigit(s[10])) {
					return stamp{t: time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)}
				}
			}
		}
		if len(s) >= 8 && (len(s) == 8 || s[8] == '/' || s[8] == '-' || s[8] == '_' || s[8] == '.') {
			if n, ok := digitsAt(s, 0, 8); ok && (i == 0 || p[i] == '/') {
				y, m, d := n/10000, n/100%100, n%100
				if validYMD(y, m, d) {
					return stamp{t: time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)}
				}
			}
		}
	}
	return stamp{}
}

func digitsAt(s string, i, n int) (int, bool) {
	if i+n > len(s) {
		return 0, false
	}
	v := 0
	for j := i; j < i+n; j++ {
		if !isDigit(s[j]) {
			return 0, false
		}
		v = v*10 + int(s[j]-'0')
	}
	return v, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
