package meta

import (
	"github.com/newsflow/newsflow/pkg/zones"

	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// stamp is a date read from the page. A wall clock without a zone is kept
// in UTC with zoned=false until the page tells us its offset.
type stamp struct {
	t       time.Time
	zoned   bool
	hasTime bool
	instant bool // a known instant whose offset is unknown ("2 hours ago")
}

func (s stamp) ok() bool { return !s.t.IsZero() }

// dateRole says what a visible date is: "Updated 13:25" is not the
// publication time.
type dateRole uint8

const (
	roleUnknown dateRole = iota
	rolePublished
	roleModified
)

// dateOpts tune how ambiguous text is read.
type dateOpts struct {
	mdy      bool      // 02/03/2024 is February 3 (US pages)
	ymdFirst bool      // 24.02.23 is 2024-02-23 (East Asian pages)
	ref      time.Time // a date known to be near (feed date); resolves 02/03 ambiguity
	now      time.Time // base for "2 hours ago"; zero disables relative dates
	machine  bool      // value from markup: allows 20240223 and Unix seconds
}

type found struct {
	st   stamp
	role dateRole
}

type tokKind uint8

const (
	tNum tokKind = iota + 1
	tWord
	tCJK
	tPunct
)

type token struct {
	kind tokKind
	s    string // lower-cased word
	raw  string // as written (zone abbreviations must be upper case)
	n    int
	nd   int
	r    rune
	sp   bool // whitespace before
}

const maxTokens = 96

// tokenize splits s into numbers, words, CJK date markers and punctuation.
// Han, Kana and Hangul are one token per character because those scripts do
// not separate words with spaces.
func tokenize(s string, buf []token) []token {
	tk := buf[:0]
	sp := false
	i := 0
	for i < len(s) && len(tk) < maxTokens {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case isSpace(r) || r == utf8.RuneError:
			sp = true
			i += size
			continue
		case digitVal(r) >= 0:
			n, nd, j := 0, 0, i
			for j < len(s) {
				r2, sz := utf8.DecodeRuneInString(s[j:])
				v := digitVal(r2)
				if v < 0 {
					break
				}
				if nd < 9 {
					n = n*10 + v
				}
				nd++
				j += sz
			}
			tk = append(tk, token{kind: tNum, n: n, nd: nd, raw: s[i:j], sp: sp})
			i = j
		case isCJKMarker(r):
			tk = append(tk, token{kind: tCJK, r: r, raw: s[i : i+size], s: s[i : i+size], sp: sp})
			i += size
		case isIdeo(r):
			tk = append(tk, token{kind: tWord, raw: s[i : i+size], s: s[i : i+size], sp: sp})
			i += size
		case unicode.IsLetter(r):
			j := i
			for j < len(s) {
				r2, sz := utf8.DecodeRuneInString(s[j:])
				if !(unicode.IsLetter(r2) || unicode.Is(unicode.Mn, r2)) || isIdeo(r2) || isCJKMarker(r2) {
					break
				}
				j += sz
			}
			raw := s[i:j]
			tk = append(tk, token{kind: tWord, raw: raw, s: strings.ToLower(raw), sp: sp})
			i = j
		default:
			if r == '\u2212' || r == '\u2013' || r == '\u2014' {
				r = '-'
			}
			tk = append(tk, token{kind: tPunct, r: r, raw: s[i : i+size], sp: sp})
			i += size
		}
		sp = false
	}
	return tk
}

func digitVal(r rune) int {
	switch {
	case r >= '0' && r <= '9':
		return int(r - '0')
	case r >= 0x660 && r <= 0x669:
		return int(r - 0x660)
	case r >= 0x6f0 && r <= 0x6f9:
		return int(r - 0x6f0)
	case r >= 0xff10 && r <= 0xff19:
		return int(r - 0xff10)
	case r >= 0x966 && r <= 0x96f:
		return int(r - 0x966)
	}
	return -1
}

func isCJKMarker(r rune) bool {
	switch r {
	case '年', '月', '日', '時', '时', '分', '秒', '년', '월', '일', '시', '분', '초':
		return true
	}
	return false
}

func isIdeo(r rune) bool {
	return r >= 0x3040 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r))
}

// months maps month names and abbreviations in the languages news sites
// write datelines in. Abbreviations are listed without their dot.
var months = map[string]int{}

func init() {
	lists := [][]string{
		// en
		{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"},
		{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"},
		// de
		{"januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "dezember"},
		{"jänner", "feber", "maerz", "", "", "", "", "", "sept", "okt", "", "dez"},
		{"", "", "mär", "", "", "", "", "", "", "", "", ""},
		// fr
		{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		{"janv", "févr", "", "avr", "", "", "juil", "aout", "", "", "", "déc"},
		{"", "fevrier", "", "", "", "", "", "", "", "", "", "decembre"},
		// es
		{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
		{"ene", "", "", "abr", "", "", "", "ago", "setiembre", "", "", "dic"},
		// it
		{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"},
		{"gen", "", "", "", "mag", "giu", "lug", "", "set", "ott", "", ""},
		// pt
		{"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"},
		{"", "fev", "marco", "", "", "", "", "", "", "out", "", ""},
		// nl
		{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
		{"", "", "mrt", "", "", "", "", "", "", "", "", ""},
		// sv, da, no
		{"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"},
		{"januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "desember"},
		// fi (genitive and nominative)
		{"tammikuuta", "helmikuuta", "maaliskuuta", "huhtikuuta", "toukokuuta", "kesäkuuta", "heinäkuuta", "elokuuta", "syyskuuta", "lokakuuta", "marraskuuta", "joulukuuta"},
		{"tammikuu", "helmikuu", "maaliskuu", "huhtikuu", "toukokuu", "kesäkuu", "heinäkuu", "elokuu", "syyskuu", "lokakuu", "marraskuu", "joulukuu"},
		// pl
		{"stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września", "października", "listopada", "grudnia"},
		{"styczeń", "luty", "marzec", "kwiecień", "", "czerwiec", "lipiec", "sierpień", "wrzesień", "październik", "listopad", "grudzień"},
		// cs
		{"ledna", "února", "března", "dubna", "května", "června", "července", "srpna", "září", "října", "listopadu", "prosince"},
		{"leden", "únor", "březen", "duben", "květen", "červen", "červenec", "srpen", "", "říjen", "", "prosinec"},
		// tr
		{"ocak", "şubat", "mart", "nisan", "mayıs", "haziran", "temmuz", "ağustos", "eylül", "ekim", "kasım", "aralık"},
		// id
		{"januari", "februari", "maret", "april", "mei", "juni", "juli", "agustus", "september", "oktober", "november", "desember"},
		{"", "", "", "", "", "", "", "agt", "", "", "", "des"},
		// ro
		{"ianuarie", "februarie", "martie", "aprilie", "mai", "iunie", "iulie", "august", "septembrie", "octombrie", "noiembrie", "decembrie"},
		// hu
		{"január", "február", "március", "április", "május", "június", "július", "augusztus", "szeptember", "október", "november", "december"},
		// ru
		{"января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"},
		{"январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь"},
		{"янв", "фев", "мар", "апр", "", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"},
		// uk
		{"січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня", "жовтня", "листопада", "грудня"},
		// el (genitive)
		{"ιανουαρίου", "φεβρουαρίου", "μαρτίου", "απριλίου", "μαΐου", "ιουνίου", "ιουλίου", "αυγούστου", "σεπτεμβρίου", "οκτωβρίου", "νοεμβρίου", "δεκεμβρίου"},
		// ar (Egyptian/Gulf names)
		{"يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"},
		{"", "", "", "ابريل", "", "", "", "اغسطس", "", "اكتوبر", "", ""},
	}
	for _, l := range lists {
		for i, name := range l {
			if name != "" {
				months[name] = i + 1
			}
		}
	}
}

// usZones are the generic US zones, which follow US daylight time; the
// fixed abbreviations are package zones.
var usZones = map[string]int{"ET": -300, "CT": -360, "MT": -420, "PT": -480}

// connectors may sit between a date and its time: "Feb. 23, 2024 at 1:25 PM",
// "23 février 2024 à 13h25", "23.02.2024 um 13:25 Uhr".
var connectors = map[string]bool{
	"at": true, "um": true, "à": true, "a": true, "las": true, "alle": true, "ore": true, "às": true, "kl": true,
	"klo": true, "kello": true, "godz": true, "o": true, "om": true, "t": true, "le": true, "el": true, "den": true, "saat": true,
	"pukul": true, "lúc": true, "в": true, "updated": true,
}

var ordinals = map[string]bool{"st": true, "nd": true, "rd": true, "th": true, "er": true, "e": true, "º": true, "ª": true, "de": false}

var publishedWords = []string{"published", "posted", "publié", "publicado", "publicada", "pubblicato", "veröffentlicht", "gepubliceerd", "publicerad", "publisert", "opublikowano", "publikováno", "yayınlanma", "diterbitkan", "опубликовано", "입력", "등록", "発行", "公開", "发布", "first published", "created", "erstellt", "créé", "creado"}
var modifiedWords = []string{"updated", "update", "modified", "last modified", "modifié", "modifiée", "actualisé", "mise à jour", "aktualisiert", "geändert", "mis à jour", "actualizado", "actualizada", "actualización", "atualizado", "atualizada", "aggiornato", "bijgewerkt", "uppdaterad", "oppdatert", "opdateret", "zaktualizowano", "aktualizováno", "güncelleme", "güncellendi", "diperbarui", "обновлено", "обновлен", "수정", "업데이트", "更新", "最終更新", "editado", "edited", "revised"}

// findDates returns the dates written in s, in order, each with the role
// its label gives it. Relative dates are read when opts.now is set.
func findDates(s string, opts dateOpts) []found {
	if len(s) > 400 {
		s = clip(s, 400)
	}
	var buf [maxTokens]token
	tk := tokenize(s, buf[:])
	var out []found
	lastEnd := 0
	for i := 0; i < len(tk) && len(out) < 4; i++ {
		y, mo, d, end, ok := matchDate(tk, i, opts)
		if !ok {
			continue
		}
		st := stamp{t: time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)}
		h, mi, sec, ns, tEnd, tok := matchTimeAfter(tk, end)
		if !tok && opts.machine {
			h, mi, sec, tEnd, tok = matchBasicTime(tk, end)
		}
		tStart := -1
		if !tok {
			h, mi, sec, ns, tStart, tEnd, tok = matchTimeBefore(tk, i, lastEnd)
		}
		if tok {
			st.hasTime = true
			st.t = time.Date(y, time.Month(mo), d, h, mi, sec, ns, time.UTC)
			if off, zEnd, zok := matchZone(tk, tEnd, st.t); zok {
				st.t = time.Date(y, time.Month(mo), d, h, mi, sec, ns, fixedZone(off))
				st.zoned = true
				tEnd = zEnd
			}
			if tEnd > end {
				end = tEnd
			}
		}
		labelEnd := i
		if tStart >= 0 && tStart < labelEnd {
			labelEnd = tStart
		}
		out = append(out, found{st: st, role: roleOf(tk[lastEnd:labelEnd])})
		lastEnd = end
		i = end - 1
	}
	if len(out) == 0 && !opts.now.IsZero() {
		if f, ok := matchDayWord(tk, opts); ok {
			return append(out, f)
		}
		// "Updated 45 minutes ago · Published 3 hours ago": each with its label.
		for from := 0; from < len(tk) && len(out) < 4; {
			st, start, end, ok := matchRelative(tk, from, opts.now)
			if !ok {
				break
			}
			out = append(out, found{st: st, role: roleOf(tk[from:start])})
			from = end
		}
	}
	return out
}

// roleOf reads the label words before a date.
func roleOf(tk []token) dateRole {
	if len(tk) == 0 {
		return roleUnknown
	}
	var b strings.Builder
	for _, t := range tk {
		if t.kind == tWord || t.kind == tCJK {
			if b.Len() > 0 && (t.sp || t.kind == tWord && len(t.s) > 3) {
				b.WriteByte(' ')
			}
			b.WriteString(t.s)
		}
	}
	label := b.String()
	if label == "" {
		return roleUnknown
	}
	// The label nearest the date wins: "Published ... Updated <date>".
	best, bestPos := roleUnknown, -1
	for _, w := range modifiedWords {
		if p := strings.LastIndex(label, w); p > bestPos {
			best, bestPos = roleModified, p
		}
	}
	for _, w := range publishedWords {
		if p := strings.LastIndex(label, w); p > bestPos {
			best, bestPos = rolePublished, p
		}
	}
	return best
}

func isPunct(t token, rs ...rune) bool {
	if t.kind != tPunct {
		return false
	}
	for _, r := range rs {
		if t.r == r {
			return true
		}
	}
	return false
}

func validYMD(y, m, d int) bool {
	if y < 1990 || y > 2100 || m < 1 || m > 12 || d < 1 {
		return false
	}
	return d <= time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func monthOf(t token) int {
	if t.kind != tWord {
		return 0
	}
	return months[t.s]
}

// matchDate reads a calendar date starting at tk[i].
func matchDate(tk []token, i int, opts dateOpts) (y, m, d, end int, ok bool) {
	t := tk[i]
	at := func(j int) token {
		if j < len(tk) {
			return tk[j]
		}
		return token{}
	}
	switch {
	case t.kind == tNum && t.nd == 4:
		y = t.n
		// 2024-02-23, 2024/02/23, 2024.02.23, 2024. 2. 23.
		if s := at(i + 1); isPunct(s, '-', '/', '.') {
			if a, b, c := at(i+2), at(i+3), at(i+4); a.kind == tNum && a.nd <= 2 && isPunct(b, s.r) && c.kind == tNum && c.nd <= 2 {
				if validYMD(y, a.n, c.n) {
					end = i + 5
					if isPunct(at(end), '.') && s.r == '.' {
						end++
					}
					return y, a.n, c.n, end, true
				}
			}
			// 2024. február 23. (Hungarian)
			if mo := monthOf(at(i + 2)); mo > 0 && s.r == '.' {
				if c := at(i + 3); c.kind == tNum && c.nd <= 2 && validYMD(y, mo, c.n) {
					end = i + 4
					if isPunct(at(end), '.') {
						end++
					}
					return y, mo, c.n, end, true
				}
			}
		}
		// 2024年2月23日, 2024년 2월 23일
		if a, b, c, dd, e := at(i+1), at(i+2), at(i+3), at(i+4), at(i+5); a.kind == tCJK && (a.r == '年' || a.r == '년') &&
			b.kind == tNum && c.kind == tCJK && (c.r == '月' || c.r == '월') && dd.kind == tNum && e.kind == tCJK && (e.r == '日' || e.r == '일') {
			if validYMD(y, b.n, dd.n) {
				return y, b.n, dd.n, i + 6, true
			}
		}
	case t.kind == tNum && t.nd == 8 && opts.machine:
		// 20240223 (ISO 8601 basic format)
		y, m, d = t.n/10000, t.n/100%100, t.n%100
		if validYMD(y, m, d) {
			return y, m, d, i + 1, true
		}
	case t.kind == tNum && t.nd <= 2 && i >= 2 && isCJKMark(at(i+1), '年') && japaneseEra(tk[i-2].s+tk[i-1].s) > 0:
		// 令和6年2月23日: Japanese era years.
		y = japaneseEra(tk[i-2].s+tk[i-1].s) + t.n
		if b, c, dd, e := at(i+2), at(i+3), at(i+4), at(i+5); b.kind == tNum && c.kind == tCJK && c.r == '月' && dd.kind == tNum && e.kind == tCJK && e.r == '日' && validYMD(y, b.n, dd.n) {
			return y, b.n, dd.n, i + 6, true
		}
	case t.kind == tNum && t.nd <= 2:
		// 23.02.2024, 23/02/2024, 02/23/2024, 23-02-2024, 11/18/19 (with a time)
		if s := at(i + 1); isPunct(s, '.', '/', '-') {
			if a, b, c := at(i+2), at(i+3), at(i+4); a.kind == tNum && a.nd <= 2 && isPunct(b, s.r) && c.kind == tNum && (c.nd == 4 || c.nd == 2 && shortYearOK(tk, i+5)) {
				y = c.n
				if c.nd == 2 {
					y += 2000
					// "24.02.23 13:25" on a Korean, Japanese or Chinese page
					// is year first.
					if ymd := 2000 + t.n; opts.ymdFirst && validYMD(ymd, a.n, c.n) {
						return ymd, a.n, c.n, i + 5, true
					}
				}
				dm := validYMD(y, a.n, t.n)
				// Dots mean day first, except where only month first
				// makes a date (11.15.2019).
				md := (s.r != '.' || !dm) && validYMD(y, t.n, a.n)
				switch {
				case dm && md && t.n != a.n:
					if pickMDY(y, t.n, a.n, opts) {
						return y, t.n, a.n, i + 5, true
					}
					return y, a.n, t.n, i + 5, true
				case dm:
					return y, a.n, t.n, i + 5, true
				case md:
					return y, t.n, a.n, i + 5, true
				}
			}
		}
		// 23 February 2024, 23. Februar 2024, 23 de febrero de 2024, 23rd Feb, 2024, 23-Feb-2024
		j := i + 1
		dash := isPunct(at(j), '-', '/') && monthOf(at(j+1)) > 0
		if isPunct(at(j), '.') || dash {
			j++
		}
		if w := at(j); w.kind == tWord && ordinals[w.s] {
			j++
		}
		if w := at(j); w.kind == tWord && (w.s == "de" || w.s == "of") {
			j++
		}
		if mo := monthOf(at(j)); mo > 0 {
			j++
			if isPunct(at(j), '.') {
				j++
			}
			if w := at(j); w.kind == tWord && (w.s == "de" || w.s == "del") || isPunct(w, ',') || dash && isPunct(w, '-', '/') {
				j++
			}
			if c := at(j); c.kind == tNum && c.nd == 4 && validYMD(c.n, mo, t.n) {
				end = j + 1
				// "23 февраля 2024 г.", "23 de febrero de 2024"
				if w := at(end); w.kind == tWord && (w.s == "г" || w.s == "года") {
					end++
					if isPunct(at(end), '.') {
						end++
					}
				}
				return c.n, mo, t.n, end, true
			}
		}
	case t.kind == tWord:
		// February 23, 2024; Feb. 23rd 2024
		mo := monthOf(t)
		if mo == 0 {
			return
		}
		j := i + 1
		if isPunct(at(j), '.') {
			j++
		}
		dd := at(j)
		if dd.kind != tNum || dd.nd > 2 {
			return
		}
		j++
		if w := at(j); w.kind == tWord && ordinals[w.s] {
			j++
		}
		if isPunct(at(j), ',', '.') {
			j++
		}
		if c := at(j); c.kind == tNum && c.nd == 4 && validYMD(c.n, mo, dd.n) {
			return c.n, mo, dd.n, j + 1, true
		}
	}
	return 0, 0, 0, 0, false
}

// shortYearOK allows a two-digit year only when a clock time follows:
// "11/18/19 11:04 PM" is a dateline, a bare "11/18/19" may be anything.
func shortYearOK(tk []token, j int) bool {
	_, _, _, _, _, ok := matchTimeAfter(tk, j)
	return ok
}

func isCJKMark(t token, r rune) bool {
	return t.kind == tCJK && t.r == r
}

// japaneseEra returns the year before year 1 of a Japanese era.
func japaneseEra(name string) int {
	switch name {
	case "令和":
		return 2018
	case "平成":
		return 1988
	}
	return 0
}

// pickMDY resolves 02/03/2024: the reading nearest the feed's date, else
// the page's convention.
func pickMDY(y, a, b int, opts dateOpts) bool {
	if !opts.ref.IsZero() {
		md := time.Date(y, time.Month(a), b, 12, 0, 0, 0, time.UTC)
		dm := time.Date(y, time.Month(b), a, 12, 0, 0, 0, time.UTC)
		return absDur(md.Sub(opts.ref)) < absDur(dm.Sub(opts.ref))
	}
	return opts.mdy
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// skipConnectors steps over separators and words like "at" between a date
// and its time.
func skipConnectors(tk []token, j int) int {
	for k := 0; k < 4 && j < len(tk); k++ {
		t := tk[j]
		switch {
		case isPunct(t, ',', '-', '|', '·', '•', '/', '(', '@', '–', '—', '.'):
		case t.kind == tWord && connectors[t.s]:
		case t.kind == tWord && weekday(t.s):
		default:
			return j
		}
		j++
	}
	return j
}

var weekdays = map[string]bool{
	"mon": true, "tue": true, "tues": true, "wed": true, "thu": true, "thurs": true, "fri": true, "sat": true, "sun": true,
	"monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true, "saturday": true, "sunday": true,
}

func weekday(s string) bool { return weekdays[s] }

// matchTimeAfter reads a clock time at or shortly after tk[j].
func matchTimeAfter(tk []token, j int) (h, m, s, ns, end int, ok bool) {
	k := skipConnectors(tk, j)
	// "kl. 13.25", "klo 13.25": after these words a dot separates hours
	// and minutes.
	for i := j; i < k; i++ {
		if tk[i].kind == tWord && dotClockWords[tk[i].s] {
			return matchClock(tk, k, true)
		}
	}
	return matchTime(tk, k)
}

var dotClockWords = map[string]bool{"kl": true, "klo": true, "kello": true, "godz": true, "um": true, "alle": true, "ore": true, "às": true}

// matchTimeBefore finds a clock time that ends just before the date at
// tk[i] ("1:25 PM EST, Fri February 23, 2024"), not before floor.
func matchTimeBefore(tk []token, i, floor int) (h, m, s, ns, start, end int, ok bool) {
	for k := i - 1; k >= floor && k >= i-8; k-- {
		h, m, s, ns, end, ok = matchTime(tk, k)
		if !ok || end > i {
			continue
		}
		zEnd := end
		if _, ze, zok := matchZone(tk, end, time.Time{}); zok {
			zEnd = ze
		}
		if skipConnectors(tk, zEnd) >= i {
			return h, m, s, ns, k, end, true
		}
	}
	return 0, 0, 0, 0, -1, 0, false
}

// matchTime reads "13:25", "1:25 PM", "1.25pm", "13h25", "13:25:07.123",
// "오후 1:25", "13時25分".
func matchTime(tk []token, j int) (h, m, s, ns, end int, ok bool) {
	return matchClock(tk, j, false)
}

// matchClock is matchTime; dotOK accepts "13.25" without a suffix.
func matchClock(tk []token, j int, dotOK bool) (h, m, s, ns, end int, ok bool) {
	at := func(k int) token {
		if k < len(tk) {
			return tk[k]
		}
		return token{}
	}
	pm, am := false, false
	if at(j).kind == tWord {
		if p, n := ampmPrefix(tk, j); n > 0 {
			pm, am = p, !p
			j += n
		}
	}
	t := at(j)
	// "Updated 0339 GMT": a four-digit clock needs its zone.
	if t.kind == tNum && t.nd == 4 && t.n%100 < 60 && t.n/100 < 24 && !pm && !am {
		if _, isZone := zones.Offset(at(j + 1).raw); isZone {
			return t.n / 100, t.n % 100, 0, 0, j + 1, true
		}
		return
	}
	if t.kind != tNum || t.nd > 2 || t.n > 24 {
		return
	}
	h = t.n
	k := j + 1
	switch sep := at(k); {
	case isPunct(sep, ':') || sep.kind == tWord && sep.s == "h" && !sep.sp:
		mm := at(k + 1)
		if mm.kind != tNum || mm.nd != 2 || mm.n > 59 {
			// "13h" alone is an hour only in French; too weak to use.
			return
		}
		m = mm.n
		k += 2
		if isPunct(at(k), ':') && at(k+1).kind == tNum && at(k+1).nd == 2 && at(k+1).n <= 60 {
			s = at(k + 1).n
			k += 2
			if isPunct(at(k), '.', ',') && at(k+1).kind == tNum && !at(k+1).sp {
				f := at(k + 1)
				ns = fracNanos(f.raw)
				k += 2
			}
		}
	case isPunct(sep, '.'):
		// 1.25pm and 13.25 Uhr: a dot needs a suffix to be a time.
		mm := at(k + 1)
		if mm.kind != tNum || mm.nd != 2 || mm.n > 59 {
			return
		}
		_, n := ampmSuffix(tk, k+2)
		_, isZone := zones.Offset(at(k + 2).raw)
		if n > 0 || isZone || dotOK || (at(k+2).kind == tWord && at(k+2).s == "uhr") {
			m = mm.n
			k += 2
		} else {
			return
		}
	case sep.kind == tCJK && (sep.r == '時' || sep.r == '时' || sep.r == '시'):
		k++
		if mm := at(k); mm.kind == tNum && mm.nd <= 2 && mm.n <= 59 && at(k+1).kind == tCJK && (at(k+1).r == '分' || at(k+1).r == '분') {
			m = mm.n
			k += 2
		} else if at(k).kind == tWord && (at(k).s == "간" || at(k).s == "間") {
			return // "2시간" is a duration
		}
	default:
		return
	}
	if p, n := ampmSuffix(tk, k); n > 0 {
		pm, am = p, !p
		k += n
	}
	if w := at(k); w.kind == tWord && (w.s == "uhr" || w.s == "h" || w.s == "hs" || w.s == "hrs") {
		k++
	}
	if pm || am {
		if h < 1 || h > 12 {
			return
		}
		if pm && h < 12 {
			h += 12
		}
		if am && h == 12 {
			h = 0
		}
	}
	if h == 24 {
		if m != 0 {
			return
		}
		h = 23
		m, s = 59, 59
	}
	return h, m, s, ns, k, true
}

// matchBasicTime reads the ISO 8601 basic time of "20240223T132500+0900".
func matchBasicTime(tk []token, j int) (h, m, s, end int, ok bool) {
	if j+1 >= len(tk) || tk[j].kind != tWord || tk[j].s != "t" || tk[j+1].kind != tNum {
		return
	}
	n := tk[j+1]
	switch n.nd {
	case 4:
		h, m = n.n/100, n.n%100
	case 6:
		h, m, s = n.n/10000, n.n/100%100, n.n%100
	default:
		return
	}
	if h > 23 || m > 59 || s > 60 {
		return 0, 0, 0, 0, false
	}
	return h, m, s, j + 2, true
}

func fracNanos(digits string) int {
	ns, scale := 0, 100000000
	for i := 0; i < len(digits) && scale > 0; i++ {
		ns += int(digits[i]-'0') * scale
		scale /= 10
	}
	return ns
}

// ampmSuffix reads "PM", "p.m.", "pm".
func ampmSuffix(tk []token, k int) (pm bool, n int) {
	if k >= len(tk) || tk[k].kind != tWord {
		return false, 0
	}
	switch tk[k].s {
	case "pm":
		return true, 1
	case "am":
		return false, 1
	case "p", "a":
		if k+2 < len(tk) && isPunct(tk[k+1], '.') && tk[k+2].kind == tWord && tk[k+2].s == "m" {
			n = 3
			if k+3 < len(tk) && isPunct(tk[k+3], '.') {
				n = 4
			}
			return tk[k].s == "p", n
		}
	}
	return false, 0
}

// ampmPrefix reads 오후/오전, 午後/午前, 下午/上午 written before the time.
func ampmPrefix(tk []token, k int) (pm bool, n int) {
	if k+1 >= len(tk) {
		return false, 0
	}
	pair := tk[k].s + tk[k+1].s
	switch pair {
	case "오후", "午後", "下午":
		return true, 2
	case "오전", "午前", "上午":
		return false, 2
	}
	return false, 0
}

// matchZone reads a zone after a time: "+09:00", "-0500", "Z", "KST",
// "GMT+9", "(UTC+05:30)", "ET". date decides US daylight time.
func matchZone(tk []token, k int, date time.Time) (off, end int, ok bool) {
	at := func(j int) token {
		if j < len(tk) {
			return tk[j]
		}
		return token{}
	}
	if isPunct(at(k), '(') {
		k++
	}
	if w := at(k); w.kind == tWord {
		raw := w.raw
		if o, found := zones.Offset(raw); found {
			off, end, ok = o, k+1, true
			if raw == "UTC" || raw == "GMT" || raw == "UT" {
				if o2, e2, ok2 := matchOffset(tk, end, true); ok2 {
					off, end = o2, e2
				}
			}
		} else if o, found := usZones[raw]; found {
			if usDST(date) {
				o += 60
			}
			off, end, ok = o, k+1, true
		} else if raw == "T" || w.s == "z" && raw == "z" {
			return 0, 0, false
		}
		if ok && isPunct(at(end), ')') {
			end++
		}
		return off, end, ok
	}
	off, end, ok = matchOffset(tk, k, false)
	if ok && isPunct(at(end), ')') {
		end++
	}
	return off, end, ok
}

// matchOffset reads "+09:00", "+0900", "-05", and after GMT also "+9".
func matchOffset(tk []token, k int, loose bool) (off, end int, ok bool) {
	if k+1 >= len(tk) || !isPunct(tk[k], '+', '-') || tk[k+1].kind != tNum {
		return
	}
	sign := 1
	if tk[k].r == '-' {
		sign = -1
	}
	n := tk[k+1]
	switch {
	case n.nd == 4:
		off, end = n.n/100*60+n.n%100, k+2
	case n.nd <= 2 && k+3 < len(tk) && isPunct(tk[k+2], ':') && tk[k+3].kind == tNum && tk[k+3].nd == 2:
		off, end = n.n*60+tk[k+3].n, k+4
	case n.nd == 2 || loose && n.nd == 1:
		off, end = n.n*60, k+2
	default:
		return
	}
	if off > 14*60 || (!loose && n.sp) {
		return 0, 0, false
	}
	return sign * off, end, true
}

// usDST says whether US daylight time is in force on date (second Sunday
// of March to first Sunday of November).
func usDST(date time.Time) bool {
	if date.IsZero() {
		return false
	}
	y := date.Year()
	start := nthSunday(y, time.March, 2)
	end := nthSunday(y, time.November, 1)
	d := time.Date(y, date.Month(), date.Day(), 0, 0, 0, 0, time.UTC)
	return !d.Before(start) && d.Before(end)
}

func nthSunday(y int, m time.Month, n int) time.Time {
	d := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	for d.Weekday() != time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	return d.AddDate(0, 0, 7*(n-1))
}

func fixedZone(off int) *time.Location {
	if off == 0 {
		return time.UTC
	}
	return time.FixedZone("", off*60)
}

// relative-date vocabulary: units in seconds and the words that mark a
// duration as past ("ago", "hace", "vor", "il y a", ...).
var relUnits = map[string]int{
	"second": 1, "seconds": 1, "sec": 1, "secs": 1, "segundo": 1, "segundos": 1, "sekunde": 1, "sekunden": 1, "seconde": 1, "secondes": 1,
	"secondi": 1, "seconden": 1, "sekunder": 1, "секунд": 1, "секунду": 1, "секунды": 1, "sekund": 1, "saniye": 1, "detik": 1, "초": 1, "秒": 1,
	"minute": 60, "minutes": 60, "min": 60, "mins": 60, "minuto": 60, "minutos": 60, "minuten": 60, "minuti": 60, "minuut": 60,
	"minut": 60, "minuter": 60, "minutter": 60, "минут": 60, "минуту": 60, "минуты": 60, "minutę": 60, "minuty": 60, "dakika": 60, "menit": 60, "분": 60, "分": 60,
	"hour": 3600, "hours": 3600, "hr": 3600, "hrs": 3600, "h": 3600, "hora": 3600, "horas": 3600, "stunde": 3600, "stunden": 3600, "std": 3600,
	"heure": 3600, "heures": 3600, "ora": 3600, "ore": 3600, "uur": 3600, "timme": 3600, "timmar": 3600, "time": 3600, "timer": 3600,
	"час": 3600, "часа": 3600, "часов": 3600, "godzinę": 3600, "godziny": 3600, "godzin": 3600, "saat": 3600, "jam": 3600, "시간": 3600, "時間": 3600, "小时": 3600,
	"day": 86400, "days": 86400, "día": 86400, "días": 86400, "dia": 86400, "dias": 86400, "tag": 86400, "tagen": 86400, "tage": 86400, "jour": 86400, "jours": 86400,
	"giorno": 86400, "giorni": 86400, "dag": 86400, "dagen": 86400, "dagar": 86400, "dage": 86400, "dager": 86400, "день": 86400, "дня": 86400, "дней": 86400,
	"dzień": 86400, "dni": 86400, "gün": 86400, "hari": 86400, "일": 86400, "日": 86400, "天": 86400,
}

var relOne = map[string]bool{"a": true, "an": true, "one": true, "un": true, "una": true, "uno": true, "einer": true, "einem": true, "une": true, "um": true, "uma": true, "een": true, "en": true, "ett": true, "et": true}

// agoBefore are words written before the duration, agoAfter after it.
var agoBefore = map[string]bool{"hace": true, "vor": true, "há": true, "ha": true, "för": true, "for": true}
var agoAfter = map[string]bool{"ago": true, "fa": true, "geleden": true, "sedan": true, "siden": true, "назад": true, "temu": true, "önce": true, "lalu": true, "전": true, "前": true, "atrás": true, "trước": true}

// matchRelative reads "2 hours ago", "hace 2 horas", "vor 3 Stunden",
// "il y a 2 heures", "2시간 전", "2時間前", "2 часа назад".
func matchRelative(tk []token, from int, now time.Time) (st stamp, start, end int, ok bool) {
	for i := from; i < len(tk); i++ {
		n := 0
		switch t := tk[i]; {
		case t.kind == tNum && t.nd <= 3:
			n = t.n
		case t.kind == tWord && relOne[t.s]:
			n = 1
		default:
			continue
		}
		// unit: one word, or a CJK marker plus 간/間 ("시간", "時間").
		j := i + 1
		if j >= len(tk) {
			break
		}
		unit := tk[j].s
		if (tk[j].kind == tCJK) && j+1 < len(tk) && (tk[j+1].s == "간" || tk[j+1].s == "間") {
			unit += tk[j+1].s
			j++
		} else if tk[j].kind == tCJK {
			unit = string(tk[j].r)
		}
		sec, found := relUnits[unit]
		if !found {
			continue
		}
		past := false
		start, end = i, j+1
		if j+1 < len(tk) && tk[j+1].kind == tWord && agoAfter[tk[j+1].s] {
			past, end = true, j+2
		}
		if j+2 < len(tk) && tk[j+1].kind == tWord && tk[j+1].s == "yang" && tk[j+2].s == "lalu" {
			past, end = true, j+3
		}
		if i > from && tk[i-1].kind == tWord && agoBefore[tk[i-1].s] {
			past, start = true, i-1
		}
		// il y a 2 heures
		if i >= from+3 && tk[i-1].s == "a" && tk[i-2].s == "y" && tk[i-3].s == "il" {
			past, start = true, i-3
		}
		if !past || n > 999 || (sec == 86400 && n > 7) {
			continue
		}
		t := now.Add(-time.Duration(n*sec) * time.Second)
		if sec < 86400 {
			return stamp{t: t.Truncate(time.Minute), instant: true, hasTime: true}, start, end, true
		}
		return stamp{t: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}, start, end, true
	}
	return stamp{}, 0, 0, false
}

// dayWords are "today" and "yesterday" in the languages of the month
// table; datelines say "Today, 13:25" or "вчера в 18:00".
var dayWords = map[string]int{
	"today": 0, "heute": 0, "aujourd": 0, "hoy": 0, "oggi": 0, "hoje": 0, "vandaag": 0, "idag": 0, "dzisiaj": 0, "dziś": 0,
	"dnes": 0, "bugün": 0, "сегодня": 0, "сьогодні": 0, "tänään": 0, "ma": 0, "danes": 0, "astăzi": 0, "azi": 0,
	"yesterday": 1, "gestern": 1, "hier": 1, "ayer": 1, "ieri": 1, "ontem": 1, "gisteren": 1, "igår": 1, "wczoraj": 1,
	"včera": 1, "dün": 1, "kemarin": 1, "вчера": 1, "вчора": 1, "eilen": 1, "tegnap": 1,
}

// matchDayWord reads "Today, 13:25" / "Yesterday at 6:05 PM": a clock time
// on the fetch day (or the day before) in the page's zone, which is not
// known yet, so the day is taken in the zone of opts.ref (the feed's).
func matchDayWord(tk []token, opts dateOpts) (found, bool) {
	for i := 0; i < len(tk); i++ {
		t := tk[i]
		if t.kind != tWord {
			continue
		}
		back, ok := dayWords[t.s]
		if !ok {
			// 오늘 / 어제 / 今日 / 昨日 are split per character.
			if i+1 < len(tk) {
				switch t.s + tk[i+1].s {
				case "오늘", "今日", "今天":
					back, ok = 0, true
				case "어제", "昨日", "昨天":
					back, ok = 1, true
				}
				if ok {
					i++
				}
			}
			if !ok {
				continue
			}
		}
		if t.s == "ma" && !(i+1 < len(tk) && isPunct(tk[i+1], ',')) {
			continue // Hungarian "ma" is too short a word to trust bare
		}
		h, m, sec, _, _, tok := matchTimeAfter(tk, i+1)
		if !tok {
			return found{}, false
		}
		loc := time.UTC
		if !opts.ref.IsZero() {
			loc = opts.ref.Location()
		}
		day := opts.now.In(loc).AddDate(0, 0, -back)
		st := stamp{t: time.Date(day.Year(), day.Month(), day.Day(), h, m, sec, 0, time.UTC), hasTime: true}
		return found{st: st, role: roleOf(tk[:i])}, true
	}
	return found{}, false
}

// parseMachineDate reads a date from markup (meta content, JSON-LD,
// datetime attributes): ISO 8601 first, then anything findDates reads.
func parseMachineDate(s string, opts dateOpts) stamp {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 100 {
		return stamp{}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		if validYMD(t.Year(), int(t.Month()), t.Day()) {
			return stamp{t: t, zoned: true, hasTime: true}
		}
		return stamp{}
	}
	if isAllDigits(s) && (len(s) == 10 || len(s) == 13) {
		n := 0
		for i := 0; i < 10; i++ {
			n = n*10 + int(s[i]-'0')
		}
		if n > 631152000 && n < 4102444800 {
			return stamp{t: time.Unix(int64(n), 0).UTC(), zoned: true, hasTime: true}
		}
	}
	opts.machine = true
	opts.now = time.Time{}
	if f := findDates(s, opts); len(f) > 0 {
		return f[0].st
	}
	return stamp{}
}

func isAllDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
