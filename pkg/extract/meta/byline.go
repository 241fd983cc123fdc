package meta

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// bylineMarkers open a byline: "By A and B", "Por A", "Von A".
var bylineMarkers = []string{
	"written by", "reporting by", "words by", "story by", "text by", "posted by", "by",
	"por", "von", "par", "di", "door", "av", "af", "przez", "autor", "autora", "auteur", "author", "text", "texto", "testo",
	"від", "автор", "текст", "tekst", "yazar", "yazan", "oleh", "bởi", "escrito por", "publicado por", "publié par", "scritto da",
}

// cjkCreditMarkers open a Japanese or Chinese byline: "文・山田太郎",
// "文／王小明", "取材・文：山田太郎", "文/图 张三" ("text by", "reporting
// and text by", "text and pictures by"). A credit that takes in the
// pictures is listed whole, longest first, so that its picture word is not
// read as part of the name.
var cjkCreditMarkers = []string{"取材・文・写真", "取材・文", "文・写真", "文/图", "文／图", "文/圖", "文／圖", "文"}

// cjkCreditSeps end a CJK credit marker. A bare "文" needs one of them: it
// is also a common word and a given name ("山田 文"), so a space after it
// says nothing.
const cjkCreditSeps = "・／/：:＝"

// afterCJKCredit returns the name after the CJK credit marker s opens with.
func afterCJKCredit(s string) (string, bool) {
	for _, m := range cjkCreditMarkers {
		if !strings.HasPrefix(s, m) {
			continue
		}
		sep, size := utf8.DecodeRuneInString(s[len(m):])
		if size == 0 || !strings.ContainsRune(cjkCreditSeps, sep) && (sep != ' ' || m == "文") {
			continue
		}
		if rest := strings.TrimLeft(s[len(m)+size:], " "); rest != "" {
			return rest, true
		}
	}
	return "", false
}

// nameJoiners separate names in a byline: "A, B and C", "A und B", "A y B".
var nameJoiners = []string{" and ", " & ", " und ", " et ", " y ", " e ", " en ", " och ", " og ", " ve ", " dan ", " и ", " i ", " a ", " with "}

// orgWords mark a byline part as an organisation, desk or role, not a
// person. Bylines like "Jane Doe, Reuters" or "AP Staff" carry them.
var orgWords = map[string]bool{
	"news": true, "press": true, "agency": true, "agencies": true, "staff": true, "desk": true, "team": true, "newsroom": true,
	"editorial": true, "editors": true, "editor": true, "reporter": true, "reporters": true, "correspondent": true, "correspondents": true,
	"writer": true, "writers": true, "contributor": true, "contributors": true, "contributing": true, "times": true, "herald": true,
	"post": true, "daily": true, "journal": true, "tribune": true, "media": true, "network": true, "group": true, "inc": true,
	"ltd": true, "llc": true, "gmbh": true, "service": true, "services": true, "online": true, "magazine": true, "gazette": true,
	"wire": true, "wires": true, "associated": true, "reuters": true, "afp": true, "ap": true, "upi": true, "dpa": true, "efe": true,
	"ansa": true, "yonhap": true, "xinhua": true, "kyodo": true, "pti": true, "ians": true, "ani": true, "bloomberg": true, "cnn": true,
	"bbc": true, "tass": true, "ria": true, "interfax": true, "admin": true, "administrator": true, "redaktion": true, "rédaction": true,
	"redacción": true, "redazione": true, "redação": true, "redactie": true, "bureau": true, "sports": true, "foundation": true,
	"university": true, "institute": true, "ministry": true, "department": true, "office": true, "council": true, "committee": true,
	"company": true, "corporation": true, "the": true, "online-redaktion": true, "nachrichten": true, "noticias": true, "agencia": true,
	"agence": true, "agentur": true, "newsdesk": true, "webdesk": true, "web": true, "digital": true, "partner": true, "sponsored": true,
	"photo": true, "photos": true, "video": true, "updated": true, "published": true, "share": true, "follow": true, "email": true,
	"more": true, "read": true, "view": true, "print": true, "send": true, "comments": true, "and": true, "of": true, "for": true,
	"senior": true, "chief": true, "political": true, "business": true, "associate": true, "special": true, "guest": true, "opinion": true,
	"columnist": true, "analyst": true, "producer": true, "journalist": true, "author": true, "authors": true, "contact": true,
	"agência": true, "agenzia": true, "conteúdo": true, "contenidos": true, "redacao": true, "redaccion": true,
	"portal": true, "notícias": true, "zeitung": true, "periódico": true, "diario": true, "gazeta": true, "gazzetta": true, "jornal": true,
	"presse": true, "prensa": true, "stampa": true, "desk.": true, "bot": true, "newswire": true, "syndicated": true, "sponsor": true,
	"assessoria": true, "coordenadoria": true, "secretaria": true, "comunicação": true, "communications": true, "prefeitura": true,
	"gobierno": true, "government": true, "ministerio": true, "ayuntamiento": true, "municipality": true, "coordinación": true,
	"haber": true, "merkezi": true, "редакция": true, "редакции": true, "новости": true, "служба": true, "redakcja": true,
	// "our": "Our Foreign Staff", "Our Correspondent" are a desk speaking of itself.
	"redaktionen": true, "redaksi": true, "centrale": true, "central": true, "our": true,
	"subscribe": true, "newsletter": true, "images": true, "getty": true, "photography": true, "shutterstock": true, "istock": true, "sport": true, "international": true, "channel": true, "radio": true, "tv": true, "is": true, "has": true, "was": true, "in": true, "on": true, "at": true, "to": true,
}

// trailStops follow a name in a byline and end it: a publication it is
// written for, a date's label, a profile link's label.
var trailStops = map[string]string{
	"special": "label", "updated": "label", "published": "label", "posted": "label", "modified": "label", "last": "label",
	"twitter": "label", "facebook": "label", "instagram": "label", "linkedin": "label", "email": "label", "e-mail": "label",
	"follow": "label", "contact": "label", "photos": "label", "photo": "label", "video": "label", "illustration": "label",
	"graphics": "label",
	"for":      "prep", "in": "prep", "from": "prep", "at": "prep",
}

// nameParticles may be lower case inside a name: "Ludwig van Beethoven".
var nameParticles = map[string]bool{
	"van": true, "von": true, "de": true, "der": true, "den": true, "da": true, "das": true, "dos": true, "du": true, "del": true,
	"della": true, "di": true, "le": true, "la": true, "bin": true, "binti": true, "al": true, "el": true, "ibn": true, "ter": true,
	"ten": true, "zu": true, "y": true, "st.": true, "e": true, "dei": true, "degli": true, "af": true, "op": true, "'t": true,
}

// cjkOrgSuffixes end the names of news organisations: 연합뉴스, 朝日新聞.
var cjkOrgSuffixes = []string{"뉴스", "일보", "신문", "통신", "방송", "新聞", "新闻", "通信", "日报", "日報", "电视台", "放送", "社", "部"}

func cjkOrg(s string) bool {
	for _, o := range cjkOrgSuffixes {
		if strings.HasSuffix(s, o) {
			return true
		}
	}
	return false
}

// roleWords trail a name in bylines: "Jane Doe, Staff Writer" or
// "Jane Doe Reporter" when the role sits in its own element.
var roleWords = map[string]bool{
	"reporter": true, "correspondent": true, "writer": true, "editor": true, "staff": true, "contributor": true,
	"columnist": true, "analyst": true, "producer": true, "journalist": true, "senior": true, "chief": true,
	"contributing": true, "political": true, "business": true, "special": true, "associate": true, "guest": true,
	"redakteur": true, "redakteurin": true, "korrespondent": true, "korrespondentin": true, "journaliste": true,
	"correspondant": true, "periodista": true, "redactor": true, "redactora": true, "giornalista": true, "repórter": true,
}

// cjkTitles follow a name in Korean, Japanese and Chinese bylines.
var cjkTitles = []string{"선임기자", "특파원", "기자", "記者", "特派員", "編集委員", "记者", "通讯员", "特约记者", "編集部"}

// splitByline turns a byline into person names: "By A, B and C" gives
// [A B C]; "A, Reuters" and "A | AP" give [A]; dates, roles and
// organisations are dropped. site is the publication's name, which never
// counts as a person.
func splitByline(s, site string) []string {
	return splitBylineFor(s, site, "")
}

// splitBylineFor is splitByline knowing also the host's name ("floridatoday"),
// for pages without a site name.
func splitBylineFor(s, site, host string) []string {
	s = collapse(clip(s, 400))
	if s == "" {
		return nil
	}
	if s = dropCredits(s); s == "" {
		return nil
	}
	s = afterMarker(s)
	var out []string
	for _, seg := range splitSegments(s) {
		for _, part := range splitNames(seg) {
			if name, ok := cleanName(part, site, host); ok {
				out = append(out, name)
			}
		}
	}
	return out
}

// creditVerbs name work on a story other than writing it: "Edited by",
// "Medically reviewed by", "Photos by" credit no author.
var creditVerbs = map[string]bool{
	"edited": true, "reviewed": true, "checked": true, "fact-checked": true, "photographed": true, "photos": true,
	"photo": true, "photography": true, "illustrated": true, "illustration": true, "illustrations": true,
	"translated": true, "translation": true, "produced": true, "designed": true, "graphics": true, "video": true,
	"curated": true, "moderated": true, "narrated": true, "sponsored": true, "presented": true, "powered": true,
}

// dropCredits removes the parts of a byline that credit other work than
// the writing: "Medically reviewed by Dr. A — Written by B" keeps
// "Written by B". The parts are cut at separators no name holds.
func dropCredits(s string) string {
	if !strings.Contains(strings.ToLower(s), "by") {
		return s
	}
	var keep []string
	dropped := false
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '|' || r == '—' || r == '–' || r == ';' || r == '•' || r == '·' }) {
		before, _, ok := strings.Cut(" "+strings.ToLower(strings.TrimSpace(part))+" ", " by ")
		credit := false
		if f := strings.Fields(before); ok && len(f) > 0 && len(f) <= 3 {
			credit = creditVerbs[strings.Trim(f[len(f)-1], ".,:")]
		}
		if credit {
			dropped = true
			continue
		}
		keep = append(keep, strings.TrimSpace(part))
	}
	if !dropped {
		return s
	}
	return strings.Join(keep, " | ")
}

// afterMarker returns s from just after its "By"; s itself when it has
// none. The marker must start s or follow a non-word ("13:25 By Lee").
// Markers are matched case-insensitively in s itself: lower-casing first
// could change byte offsets (Turkish "İ").
func afterMarker(s string) string {
	for pos := 0; pos < len(s); {
		for _, m := range bylineMarkers {
			if !hasPrefixFold(s[pos:], m) {
				continue
			}
			end := pos + len(m)
			if end < len(s) && s[end] != ' ' && s[end] != ':' {
				continue
			}
			if pos > 0 {
				before, _ := utf8.DecodeLastRuneInString(strings.TrimRight(s[:pos], " "))
				// Mid-text markers need a non-letter before them, a capital
				// "By", or a label or time before ("Analysis by", "7:45 am
				// PST by"), else "stand by me" would be a byline.
				if unicode.IsLetter(before) && !(m == "by" && s[pos] == 'B') && lowerWordBefore(s[:pos]) {
					continue
				}
			}
			if rest := strings.TrimLeft(s[end:], " :"); rest != "" {
				return rest
			}
		}
		if rest, ok := afterCJKCredit(s[pos:]); ok {
			return rest
		}
		// advance to the next word start
		next := strings.IndexByte(s[pos:], ' ')
		if next < 0 {
			break
		}
		pos += next + 1
	}
	return s
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// lowerWordBefore says the word before the end of s is an ordinary
// lower-case word (not "Analysis", "PST" or "am").
func lowerWordBefore(s string) bool {
	f := strings.Fields(s)
	if len(f) == 0 {
		return false
	}
	w := f[len(f)-1]
	if w == "am" || w == "pm" || w == "a.m." || w == "p.m." {
		return false
	}
	for _, r := range w {
		if !unicode.IsLower(r) {
			return false
		}
	}
	return true
}

// splitSegments cuts a byline at separators that never sit inside a name.
func splitSegments(s string) []string {
	inner := innerParens(s)
	f := strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case '(', ')':
			return !inner
		case '|', '•', '·', '–', '—', '\n', '[', ']', '/', ';', '；', '、', '，':
			return true
		}
		return false
	})
	var out []string
	for _, x := range f {
		for _, y := range splitSentences(x) {
			// A date or time ends the names: "Lee Jung-joo Feb. 23, 2024".
			if i := strings.IndexFunc(y, unicode.IsDigit); i >= 0 {
				y = y[:i]
			}
			if y = strings.TrimSpace(y); y != "" {
				out = append(out, y)
			}
		}
	}
	return out
}

// innerParens says every parenthesis in s encloses a short part inside a
// name, a nickname or initials between given name and surname ("Richard
// (R.J.) Eskow"): a name follows it. "Jane Doe (Reuters)" ends with its
// parenthesis, so it is cut there as before.
func innerParens(s string) bool {
	found := false
	for rest := s; ; {
		i := strings.IndexByte(rest, '(')
		if i < 0 {
			return found && strings.IndexByte(rest, ')') < 0
		}
		j := strings.IndexByte(rest[i:], ')')
		if j < 0 || strings.IndexByte(rest[:i], ')') >= 0 {
			return false
		}
		before := strings.TrimRight(rest[:i], " ")
		inside := rest[i+1 : i+j]
		after := strings.TrimLeft(rest[i+j+1:], " ")
		b, _ := utf8.DecodeLastRuneInString(before)
		a, _ := utf8.DecodeRuneInString(after)
		if !unicode.IsLetter(b) || !unicode.IsUpper(a) || inside == "" || len(strings.Fields(inside)) > 2 || strings.ContainsFunc(inside, unicode.IsDigit) {
			return false
		}
		found = true
		rest = rest[i+j+1:]
	}
}

// splitSentences splits at " - " and at ". " after a word (not an
// initial): "Finian Cunningham. Sputnik International".
func splitSentences(s string) []string {
	var out []string
	for _, part := range strings.Split(s, " - ") {
		start := 0
		for i := 0; i+1 < len(part); i++ {
			if part[i] == '.' && part[i+1] == ' ' {
				w := part[start:i]
				if j := strings.LastIndexByte(w, ' '); j >= 0 {
					w = w[j+1:]
				}
				if utf8.RuneCountInString(w) > 2 && !strings.Contains(w, ".") {
					out = append(out, part[start:i])
					start = i + 2
				}
			}
		}
		out = append(out, part[start:])
	}
	return out
}

func splitNames(seg string) []string {
	parts := strings.Split(seg, ",")
	joiners := nameJoiners
	if allCaps(seg) {
		joiners = shoutedJoiners
	}
	var out []string
	for _, p := range parts {
		p = " " + strings.TrimSpace(p) + " "
		for _, j := range joiners {
			p = strings.ReplaceAll(p, j, ",")
		}
		for _, q := range strings.Split(p, ",") {
			if q = strings.TrimSpace(q); q != "" {
				out = append(out, splitShoutedLetter(q)...)
			}
		}
	}
	return out
}

// cleanName trims a candidate and says whether it is a person's name.
func cleanName(s, site, host string) (string, bool) {
	s = strings.TrimSpace(s)
	s = strings.Trim(s, " .,:;-–—|*•·\"'“”‘’")
	ls := lowerASCII(s) // same byte offsets as s
	for _, p := range []string{"by ", "and ", "por ", "von ", "par "} {
		if strings.HasPrefix(ls, p) {
			s, ls = strings.TrimSpace(s[len(p):]), ls[len(p):]
		}
	}
	// "Text: Jane Doe", "Reportage: Jane Doe"
	if i := strings.IndexByte(s, ':'); i >= 0 && i < 30 {
		s = strings.TrimSpace(s[i+1:])
		ls = lowerASCII(s)
	}
	if s == "" || len(s) > 80 || strings.ContainsAny(s, "@<>{}=#?!+\\") || strings.Contains(ls, "http") || strings.Contains(ls, "www.") {
		return "", false
	}
	if site != "" && (strings.EqualFold(s, site) || strings.EqualFold(trimThe(s), trimThe(site))) {
		// The site's name is no byline ("BBC News")... unless the site is
		// a person's: a personal blog is named after its author.
		if !personShaped(s) {
			return "", false
		}
		site, host = "", ""
	}
	if cjkOnly(s) {
		// Korean puts the title after the name ("이정주 기자 입력"), Chinese
		// before it ("新华社记者 张伟"): take the side that is a name.
		for _, t := range cjkTitles {
			i := strings.Index(s, t)
			if i < 0 {
				continue
			}
			before, after := strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+len(t):])
			switch {
			case before != "" && !cjkOrg(before):
				s = before
			case after != "":
				s = after
				if j := strings.IndexByte(s, ' '); j > 0 && utf8.RuneCountInString(s[:j]) >= 2 {
					s = s[:j]
				}
			default:
				s = before
			}
			break
		}
		if cjkOrg(s) {
			return "", false
		}
		n := utf8.RuneCountInString(strings.ReplaceAll(s, " ", ""))
		if n < 2 || n > 8 {
			return "", false
		}
		return s, true
	}
	words := strings.Fields(s)
	// "By Jane Doe in London", "By Jane Doe For MailOnline", "By Jane Doe
	// Updated 3 hours ago": the name ends at a word that labels what
	// follows it. A preposition does so only before a name ("Sign Up for
	// our newsletter" is no byline).
	for k := 2; k < len(words); k++ {
		lw := strings.ToLower(strings.Trim(words[k], ".,:"))
		stop, ok := trailStops[lw]
		if !ok {
			continue
		}
		if stop == "prep" {
			if k+1 >= len(words) {
				continue
			}
			next := strings.ToLower(strings.Trim(words[k+1], ".,:"))
			if r, _ := utf8.DecodeRuneInString(words[k+1]); !unicode.IsUpper(r) || orgWords[next] && next != "the" {
				continue
			}
		}
		words = words[:k]
		s = strings.Join(words, " ")
		break
	}
	// "Lee Jung-joo Feb. 23" was cut at the digit; drop the month left over.
	for len(words) > 2 {
		lw := strings.ToLower(strings.Trim(words[len(words)-1], ".,"))
		if months[lw] == 0 && !weekday(lw) && lw != "on" && lw != "at" && lw != "am" && lw != "le" {
			break
		}
		words = words[:len(words)-1]
		s = strings.Join(words, " ")
	}
	for len(words) > 2 && roleWords[strings.ToLower(strings.Trim(words[len(words)-1], ".,"))] {
		words = words[:len(words)-1]
		s = strings.Join(words, " ")
	}
	// "Senior Reporter Jane Doe": the role may lead as well.
	for len(words) > 2 && roleWords[strings.ToLower(strings.Trim(words[0], ".,:"))] {
		words = words[1:]
		s = strings.Join(words, " ")
	}
	// "Kevin McCoy USA TODAY": the publication trails the name.
	for _, sq := range []string{squash(site), host} {
		if sq == "" {
			continue
		}
		for k := len(words) - 1; k >= 2; k-- {
			if squash(strings.Join(words[k:], "")) == sq {
				words = words[:k]
				s = strings.Join(words, " ")
				break
			}
		}
	}
	if host != "" && squash(s) == host {
		return "", false
	}
	if len(words) < 2 || len(words) > 5 {
		return "", false
	}
	dateWords := 0
	for _, w := range words {
		lw := strings.ToLower(strings.Trim(w, ".,"))
		if months[lw] > 0 || weekday(lw) {
			dateWords++
		}
	}
	if dateWords == len(words) {
		return "", false // "Monday November"
	}
	upper := 0
	siteWords := strings.Fields(strings.ToLower(site))
	for _, w := range words {
		// A parenthesis left in a name encloses a nickname or initials
		// ("Richard (R.J.) Eskow", "Bruno (Henrique Zecchin) Rodrigues"),
		// splitSegments having cut at all others: judge what it encloses.
		if p := strings.Trim(w, "()"); p != w && p != "" {
			w = p
			if strings.Count(w, ".") > 1 {
				upper++ // initials, not two words run together
				continue
			}
		}
		// "Austria.Leonhard" is two words run together, not an initial.
		if i := strings.IndexByte(w, '.'); i > 1 && i < len(w)-2 {
			return "", false
		}
		for _, sw := range siteWords {
			if len(sw) >= 5 && strings.EqualFold(strings.Trim(w, ".,"), sw) {
				return "", false
			}
		}
		lw := strings.ToLower(strings.Trim(w, ".,"))
		if orgWords[lw] {
			return "", false
		}
		r, _ := utf8.DecodeRuneInString(w)
		switch {
		case unicode.IsUpper(r) || unicode.IsTitle(r):
			upper++
		case unicode.IsLetter(r) && !unicode.IsLower(r):
			// Arabic, Hebrew, Devanagari...: no case to check.
			upper++
		case nameParticles[lw]:
		case !unicode.IsLetter(r):
			if r != '\'' && r != '’' {
				return "", false
			}
		default:
			return "", false
		}
		for _, c := range w {
			if unicode.IsDigit(c) {
				return "", false
			}
		}
	}
	if upper == 0 {
		return "", false
	}
	if allCaps(s) {
		s = titleCaseName(s)
	}
	return s, true
}

func trimThe(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 4 && strings.EqualFold(s[:4], "the ") {
		return s[4:]
	}
	return s
}

func cjkOnly(s string) bool {
	seen := false
	for _, r := range s {
		switch {
		case r == ' ':
		case isIdeo(r) || isCJKMarker(r) || r == '・':
			seen = true
		default:
			return false
		}
	}
	return seen
}

// hasBylineMarker says whether line opens like a byline, so free text near
// the headline can be read as one.
func hasBylineMarker(line string) bool {
	for _, m := range bylineMarkers {
		if hasPrefixFold(line, m) && len(line) > len(m) && (line[len(m)] == ' ' || line[len(m)] == ':') {
			return true
		}
	}
	if _, ok := afterCJKCredit(line); ok {
		return true
	}
	for _, t := range cjkTitles {
		if strings.Contains(line, t) {
			return true
		}
	}
	return false
}

// hasAgency says whether the line names a wire service or desk, as in
// "Jane Doe, Reuters" or "John Roe | AP".
func hasAgency(line string) bool {
	for _, w := range strings.FieldsFunc(line, func(r rune) bool { return !unicode.IsLetter(r) }) {
		switch strings.ToLower(w) {
		case "reuters", "ap", "afp", "upi", "dpa", "efe", "ansa", "yonhap", "xinhua", "kyodo", "pti", "ians", "ani", "bloomberg", "tass":
			return true
		}
	}
	return false
}

// addNames appends names not yet in list (case-insensitive), up to max.
func addNames(list []string, names []string, max int) []string {
	for _, n := range names {
		if len(list) >= max {
			break
		}
		dup := false
		for _, e := range list {
			if strings.EqualFold(e, n) {
				dup = true
				break
			}
		}
		if !dup {
			list = append(list, n)
		}
	}
	return list
}

// personShaped says whether s reads as a person's name: two to four
// capitalised words, none of them an organisation word or a number.
func personShaped(s string) bool {
	words := strings.Fields(s)
	if len(words) < 2 || len(words) > 4 {
		return false
	}
	for _, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) || orgWords[strings.ToLower(strings.Trim(w, ".,"))] || strings.ContainsAny(w, "0123456789") {
			return false
		}
	}
	return true
}
