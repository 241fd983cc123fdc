package meta

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

func TestFindDates(t *testing.T) {
	now := time.Date(2024, 2, 23, 16, 0, 0, 0, time.UTC)
	tests := []struct {
		in      string
		opts    dateOpts
		want    string // RFC 3339 of the wall clock (UTC location when naive), "" for none
		zoned   bool
		hasTime bool
		role    dateRole
	}{
		{"Feb. 23, 2024 - 13:25", dateOpts{}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"Feb. 23, 2024 - 13:25 By Lee Jung-joo", dateOpts{}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"February 23, 2024 1:25 PM", dateOpts{}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"February 23rd, 2024 at 12:05 a.m.", dateOpts{}, "2024-02-23T00:05:00Z", false, true, roleUnknown},
		{"23.02.2024 13:25", dateOpts{}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"23.02.2024, 13.25 Uhr", dateOpts{}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"23/02/2024", dateOpts{}, "2024-02-23T00:00:00Z", false, false, roleUnknown},
		{"02/03/2024", dateOpts{mdy: true}, "2024-02-03T00:00:00Z", false, false, roleUnknown},
		{"02/03/2024", dateOpts{}, "2024-03-02T00:00:00Z", false, false, roleUnknown},
		{"02/03/2024", dateOpts{ref: time.Date(2024, 3, 2, 9, 0, 0, 0, time.UTC), mdy: true}, "2024-03-02T00:00:00Z", false, false, roleUnknown},
		{"2024-02-23 13:25", dateOpts{}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"2024-02-23T13:25:00+09:00", dateOpts{}, "2024-02-23T13:25:00+09:00", true, true, roleUnknown},
		{"2024-02-23T13:25:07.123-0500", dateOpts{}, "2024-02-23T13:25:07-05:00", true, true, roleUnknown},
		{"2024년 2월 23일", dateOpts{}, "2024-02-23T00:00:00Z", false, false, roleUnknown},
		{"입력 2024년 2월 23일 오후 1:25", dateOpts{}, "2024-02-23T13:25:00Z", false, true, rolePublished},
		{"2024.02.23 13:25", dateOpts{}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"2024年2月23日 13時25分", dateOpts{}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"2024年2月23日", dateOpts{}, "2024-02-23T00:00:00Z", false, false, roleUnknown},
		{"令和6年2月23日 13時25分", dateOpts{}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"平成31年4月30日", dateOpts{}, "2019-04-30T00:00:00Z", false, false, roleUnknown},
		{"Publié le 23 février 2024 à 13h25", dateOpts{}, "2024-02-23T13:25:00Z", false, true, rolePublished},
		{"23. Februar 2024", dateOpts{}, "2024-02-23T00:00:00Z", false, false, roleUnknown},
		{"23 de febrero de 2024", dateOpts{}, "2024-02-23T00:00:00Z", false, false, roleUnknown},
		{"23 февраля 2024, 13:25", dateOpts{}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"2024. február 23.", dateOpts{}, "2024-02-23T00:00:00Z", false, false, roleUnknown},
		{"23 lutego 2024", dateOpts{}, "2024-02-23T00:00:00Z", false, false, roleUnknown},
		{"Updated 1:25 PM EST, Fri February 23, 2024", dateOpts{}, "2024-02-23T13:25:00-05:00", true, true, roleModified},
		{"Published 02/03/2024 7:45 p.m. ET", dateOpts{mdy: true}, "2024-02-03T19:45:00-05:00", true, true, rolePublished},
		{"June 3, 2024 7:45 p.m. ET", dateOpts{}, "2024-06-03T19:45:00-04:00", true, true, roleUnknown},
		{"Sat 24 Feb 2024 09.41 GMT", dateOpts{}, "2024-02-24T09:41:00Z", true, true, roleUnknown},
		{"23 Feb 2024 13:25 KST", dateOpts{}, "2024-02-23T13:25:00+09:00", true, true, roleUnknown},
		{"23 Feb 2024 13:25 (GMT+5:30)", dateOpts{}, "2024-02-23T13:25:00+05:30", true, true, roleUnknown},
		{"Fri, 23 Feb 2024 13:25:00 +0900", dateOpts{}, "2024-02-23T13:25:00+09:00", true, true, roleUnknown},
		{"Aktualisiert am 23.02.2024", dateOpts{}, "2024-02-23T00:00:00Z", false, false, roleModified},
		// French "et" and German "ist" are words, not zones.
		{"le 23 février 2024 à 13h25 et mis à jour", dateOpts{}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"11.15.2019 10:09 AM", dateOpts{}, "2019-11-15T10:09:00Z", false, true, roleUnknown},
		{"11/18/19 11:04 PM EST", dateOpts{mdy: true}, "2019-11-18T23:04:00-05:00", true, true, roleUnknown},
		{"24.02.23 13:25", dateOpts{ymdFirst: true}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"24.02.23 13:25", dateOpts{}, "2023-02-24T13:25:00Z", false, true, roleUnknown},
		{"Updated 0339 GMT (1139 HKT) November 19, 2019", dateOpts{}, "2019-11-19T11:39:00+08:00", true, true, roleModified}, // the same instant
		{"19 Nov 2019 05:44 GMT", dateOpts{}, "2019-11-19T05:44:00Z", true, true, roleUnknown},
		{"Friday 23 February 2024 13.25 GMT", dateOpts{}, "2024-02-23T13:25:00Z", true, true, roleUnknown},
		{"13:25, 23.02.2024", dateOpts{}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"23.02.2024 | 13:25", dateOpts{}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"Veröffentlicht am 23.02.2024 um 13:25 Uhr", dateOpts{}, "2024-02-23T13:25:00Z", false, true, rolePublished},
		{"23/02/2024 - 13h25", dateOpts{}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"Mis à jour le 23 février 2024 à 15h02", dateOpts{}, "2024-02-23T15:02:00Z", false, true, roleModified},
		{"Publicado em 23 de fevereiro de 2024, 13h25", dateOpts{}, "2024-02-23T13:25:00Z", false, true, rolePublished},
		{"2024.02.23. 13:25", dateOpts{}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"23. února 2024 13:25", dateOpts{}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"23 Şubat 2024 13:25", dateOpts{}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"Jumat, 23 Feb 2024 13:25 WIB", dateOpts{}, "2024-02-23T13:25:00+07:00", true, true, roleUnknown},
		{"February 23, 2024 at 1:25 p.m. EST", dateOpts{}, "2024-02-23T13:25:00-05:00", true, true, roleUnknown},
		{"February 23, 2024 at 1:25 p.m. CST", dateOpts{}, "2024-02-23T13:25:00-06:00", true, true, roleUnknown}, // the same lexicon as feeds: RFC 822 CST
		{"Feb 23 2024 1:25PM", dateOpts{}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"23-Feb-2024 13:25 IST", dateOpts{}, "2024-02-23T13:25:00+05:30", true, true, roleUnknown},
		{"Last Updated: 23rd February, 2024 13:25 IST", dateOpts{}, "2024-02-23T13:25:00+05:30", true, true, roleModified},
		{"2024年02月23日 13:25", dateOpts{}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"2024-02-23 13:25:00 +0800", dateOpts{}, "2024-02-23T13:25:00+08:00", true, true, roleUnknown},
		{"Thursday, February 22nd 2024, 11:45 pm", dateOpts{}, "2024-02-22T23:45:00Z", false, true, roleUnknown},
		{"23 februari 2024 kl. 13.25", dateOpts{}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"23.2.2024 klo 13.25", dateOpts{}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"23. februar 2024 kl. 13.25", dateOpts{}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"23 februari 2024 om 13:25", dateOpts{}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"23.02.2024, godz. 13:25", dateOpts{}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"23.02.2024 12.5 million", dateOpts{}, "2024-02-23T00:00:00Z", false, false, roleUnknown},
		// Not dates.
		{"11/18/19", dateOpts{}, "", false, false, 0},
		{"Call 0339 now", dateOpts{}, "", false, false, 0},
		{"Call 555-1234 today", dateOpts{}, "", false, false, 0},
		{"31/02/2024", dateOpts{}, "", false, false, 0},
		{"13:25", dateOpts{}, "", false, false, 0},
		{"The 2024 election", dateOpts{}, "", false, false, 0},
		{"Feb 30, 2024", dateOpts{}, "", false, false, 0},
		// Relative.
		{"hace 2 horas", dateOpts{now: now}, "2024-02-23T14:00:00Z", false, true, roleUnknown},
		{"2 hours ago", dateOpts{now: now}, "2024-02-23T14:00:00Z", false, true, roleUnknown},
		{"vor 3 Stunden", dateOpts{now: now}, "2024-02-23T13:00:00Z", false, true, roleUnknown},
		{"il y a 45 minutes", dateOpts{now: now}, "2024-02-23T15:15:00Z", false, true, roleUnknown},
		{"há 1 hora", dateOpts{now: now}, "2024-02-23T15:00:00Z", false, true, roleUnknown},
		{"2 ore fa", dateOpts{now: now}, "2024-02-23T14:00:00Z", false, true, roleUnknown},
		{"2 часа назад", dateOpts{now: now}, "2024-02-23T14:00:00Z", false, true, roleUnknown},
		{"2시간 전", dateOpts{now: now}, "2024-02-23T14:00:00Z", false, true, roleUnknown},
		{"2時間前", dateOpts{now: now}, "2024-02-23T14:00:00Z", false, true, roleUnknown},
		{"Updated an hour ago", dateOpts{now: now}, "2024-02-23T15:00:00Z", false, true, roleModified},
		{"3 days ago", dateOpts{now: now}, "2024-02-20T00:00:00Z", false, false, roleUnknown},
		{"Today, 13:25", dateOpts{now: now}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"Сегодня, 13:25", dateOpts{now: now}, "2024-02-23T13:25:00Z", false, true, roleUnknown},
		{"вчера в 18:05", dateOpts{now: now}, "2024-02-22T18:05:00Z", false, true, roleUnknown},
		{"Yesterday at 6:05 PM", dateOpts{now: now}, "2024-02-22T18:05:00Z", false, true, roleUnknown},
		{"Gestern, 18:05 Uhr", dateOpts{now: now}, "2024-02-22T18:05:00Z", false, true, roleUnknown},
		{"어제 18:05", dateOpts{now: now}, "2024-02-22T18:05:00Z", false, true, roleUnknown},
		{"Updated today", dateOpts{now: now}, "", false, false, 0},
		{"2 hours ago", dateOpts{}, "", false, false, 0}, // no reference time
		{"20 years ago", dateOpts{now: now}, "", false, false, 0},
	}
	for _, tc := range tests {
		got := findDates(tc.in, tc.opts)
		if tc.want == "" {
			if len(got) > 0 {
				t.Errorf("%q: got %v, want no date", tc.in, got[0].st.t)
			}
			continue
		}
		if len(got) == 0 {
			t.Errorf("%q: no date, want %s", tc.in, tc.want)
			continue
		}
		f := got[0]
		gotS := f.st.t.Format(time.RFC3339)
		if f.st.instant {
			gotS = f.st.t.UTC().Format(time.RFC3339)
		}
		if gotS != tc.want || f.st.zoned != tc.zoned || f.st.hasTime != tc.hasTime || f.role != tc.role {
			t.Errorf("%q: got %s zoned=%v time=%v role=%d; want %s zoned=%v time=%v role=%d",
				tc.in, gotS, f.st.zoned, f.st.hasTime, f.role, tc.want, tc.zoned, tc.hasTime, tc.role)
		}
	}
}

func TestFindDatesRoles(t *testing.T) {
	got := findDates("입력 2024.02.23 13:25 수정 2024.02.23 15:00", dateOpts{})
	if len(got) != 2 || got[0].role != rolePublished || got[1].role != roleModified || got[1].st.t.Hour() != 15 {
		t.Fatalf("got %+v", got)
	}
	now := time.Date(2024, 2, 23, 18, 40, 0, 0, time.UTC)
	got = findDates("Updated 45 minutes ago Published 3 hours ago", dateOpts{now: now})
	if len(got) != 2 || got[0].role != roleModified || got[1].role != rolePublished || got[1].st.t.Hour() != 15 {
		t.Fatalf("relative: got %+v", got)
	}
}

func TestParseMachineDate(t *testing.T) {
	tests := []struct {
		in, want string
		zoned    bool
	}{
		{"2024-02-23T13:25:00+09:00", "2024-02-23T13:25:00+09:00", true},
		{"2024-02-23T04:25:00Z", "2024-02-23T04:25:00Z", true},
		{"2024-02-23T13:25:00.000+0900", "2024-02-23T13:25:00+09:00", true},
		{"2024-02-23T13:25+09:00", "2024-02-23T13:25:00+09:00", true},
		{"2024-02-23 13:25:00", "2024-02-23T13:25:00Z", false},
		{"2024-02-23", "2024-02-23T00:00:00Z", false},
		{"20240223", "2024-02-23T00:00:00Z", false},
		{"20240223T132500+0900", "2024-02-23T13:25:00+09:00", true},
		{"20240223T1325Z", "2024-02-23T13:25:00Z", true},
		{"1708662300", "2024-02-23T04:25:00Z", true},
		{"Fri, 23 Feb 2024 13:25:00 GMT", "2024-02-23T13:25:00Z", true},
		{"not a date", "", false},
		{"0000-00-00 00:00:00", "", false},
		{"", "", false},
	}
	for _, tc := range tests {
		st := parseMachineDate(tc.in, dateOpts{})
		got := ""
		if st.ok() {
			got = st.t.Format(time.RFC3339)
		}
		if got != tc.want || (st.ok() && st.zoned != tc.zoned) {
			t.Errorf("%q: got %q zoned=%v, want %q zoned=%v", tc.in, got, st.zoned, tc.want, tc.zoned)
		}
	}
}

func TestURLDate(t *testing.T) {
	tests := []struct{ path, want string }{
		{"/2024/02/23/story-slug/", "2024-02-23"},
		{"/news/2024-02-23/story", "2024-02-23"},
		{"/20240223/story.html", "2024-02-23"},
		{"/story-20240223", ""},
		{"/2024/02/story", ""},
		{"/article/12345678901", ""},
		{"/2024/13/45/x", ""},
	}
	for _, tc := range tests {
		u := mustURL(t, "https://example.com"+tc.path)
		st := urlDate(u)
		got := ""
		if st.ok() {
			got = st.t.Format("2006-01-02")
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.path, got, tc.want)
		}
	}
}

// JSON-LD in UTC and the page's own tag in the publisher's offset name the
// same instant: the offset one keeps the local calendar day.
func TestPublishedKeepsLocalOffset(t *testing.T) {
	page := `<html><head><meta property="article:published_time" content="2017-02-23T17:18:13-08:00">
<script type="application/ld+json">{"@type":"NewsArticle","headline":"Late game","datePublished":"2017-02-24T01:18:13Z"}</script></head>
<body><h1>Late game</h1><p>The game ran late into the evening, and the home side won in extra time.</p></body></html>`
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var m Meta
	extract(doc, Input{}, &m)
	if got := m.Published.Format(time.RFC3339); got != "2017-02-23T17:18:13-08:00" {
		t.Errorf("published %s, want 2017-02-23T17:18:13-08:00", got)
	}
}
