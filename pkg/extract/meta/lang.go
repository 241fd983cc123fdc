package meta

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// normalizeLang turns a language attribute into a BCP 47 tag with the
// usual casing: "EN-us" → "en-US", "en_GB" → "en-GB", "zh-hans-cn" →
// "zh-Hans-CN". Values that are not a language ("x-default", "und",
// "*") give "".
func normalizeLang(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, ",; "); i >= 0 {
		s = s[:i]
	}
	if s == "" || len(s) > 35 {
		return ""
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' })
	if len(parts) == 0 {
		return ""
	}
	for _, p := range parts {
		if len(p) > 8 || !isAlnumASCII(p) {
			return ""
		}
	}
	prim := strings.ToLower(parts[0])
	if len(prim) < 2 || len(prim) > 3 || !isAlphaASCII(prim) {
		return ""
	}
	switch prim {
	case "und", "mul", "zxx", "mis":
		return ""
	case "iw":
		prim = "he"
	case "in":
		prim = "id"
	case "ji":
		prim = "yi"
	}
	out := []string{prim}
	for i, p := range parts[1:] {
		switch {
		case len(p) == 4 && isAlphaASCII(p) && i == 0:
			out = append(out, strings.ToUpper(p[:1])+strings.ToLower(p[1:]))
		case len(p) == 2 && isAlphaASCII(p), len(p) == 3 && isDigitASCII(p):
			out = append(out, strings.ToUpper(p))
		default:
			out = append(out, strings.ToLower(p))
		}
	}
	return strings.Join(out, "-")
}

func isAlphaASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func isDigitASCII(s string) bool { return isAllDigits(s) }

func isAlnumASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || (c|0x20) >= 'a' && (c|0x20) <= 'z') {
			return false
		}
	}
	return true
}

// primary returns the language subtag of a BCP 47 tag.
func primary(tag string) string {
	if i := strings.IndexByte(tag, '-'); i >= 0 {
		return tag[:i]
	}
	return tag
}

// stopwords are the most frequent function words of each Latin-script
// language; a few words that tell close languages apart (da "af", no "av")
// are kept on purpose.
var stopwords = map[string][]string{
	"en": strings.Fields("the of and to in is that for it as was with on be by are this at from have an not but or which his has they their were been will would said who its after"),
	"de": strings.Fields("der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über so zum oder vor"),
	"fr": strings.Fields("de la le et les des en un une du est que dans qui pour pas par au sur il avec ne se plus sont ce aux elle été son mais ont cette ses leur"),
	"es": strings.Fields("de la que el en y los del se las por un para con no una su al lo es como más pero sus le ya fue este ha sobre entre también muy"),
	"it": strings.Fields("di e il la che in per un del è non una le si con della al sono da dei gli alla anche nel più ha ma come delle questo"),
	"pt": strings.Fields("de a o que e do da em um para com não uma os no se na por mais as dos como mas foi ao ele das à seu sua ou ser quando também"),
	"nl": strings.Fields("de het een en van in is dat op te zijn voor met die niet aan er ook als bij door maar om dan nog wordt uit worden naar hij werd"),
	"sv": strings.Fields("och att det i som en på är av för med till den har de inte om ett var men jag sig från vi så kan man när också efter"),
	"da": strings.Fields("og i at det en den til er som på de med af for ikke der var har et sig men om han efter også blev kan fra hvad"),
	"no": strings.Fields("og i det som på en er til at av for med har ikke de den et var om seg men fra også kan etter ble hadde vi hva"),
	"fi": strings.Fields("ja on ei se että oli hän ovat mutta kuin myös tai sen joka kun ole niin vain hänen jos mukaan kanssa voi sekä"),
	"pl": strings.Fields("i w na z się nie do to że jest o jak po co ale przez od jego za dla tak są już być czy który przy"),
	"cs": strings.Fields("a v se na je že s z do o to i jako pro by jsou ale po od jeho které už tak při který za jak bylo"),
	"tr": strings.Fields("ve bir bu da de için ile olarak daha çok gibi en ne o ama kadar sonra olan var değil ise her şey"),
	"id": strings.Fields("yang dan di dari ini itu dengan untuk dalam tidak akan pada juga ke ada adalah oleh karena bisa telah sudah mereka saat"),
	"ro": strings.Fields("și de la în cu pe a o un care nu să din este mai pentru se au fost ca sau dar sunt"),
	"hu": strings.Fields("a az és hogy nem is egy van de meg el már csak mint volt még ez ki azt fel sem"),
	"vi": strings.Fields("của và là có các trong được cho không những với một người này đã khi về cũng"),
	"sk": strings.Fields("a v sa na je že s z do o to sú ako pre by ale po od jeho ktoré už tak pri ktorý za aj alebo podľa bol bola"),
	"hr": strings.Fields("i u je da se na za su od s o kao ne koji što to a iz će bi ali ili po koja nije sve samo"),
	"sl": strings.Fields("in je v se na da za so z ki pa s o ne bi tudi po od kot še bo ali iz ter pri"),
	"ca": strings.Fields("de la i el que a les en l els per d un amb del una és no es al va més com"),
	"lt": strings.Fields("ir kad yra į su iš o bet kaip tai jis apie už buvo taip per ar nuo jo dar tik"),
	"lv": strings.Fields("un ir ka no par uz ar bet tas kas lai arī pēc to vai jau kā tā viņš"),
	"et": strings.Fields("ja on ei et see ka oli ta kui mis aga ning siis veel oma nii või nagu kes pärast"),
	"af": strings.Fields("die van en in is dat nie te het op vir met wat was sy n hy om aan word ook by sal"),
	"tl": strings.Fields("ang ng sa na at mga ay si ni para hindi kay ito siya may nang kung pero rin din"),
	"sw": strings.Fields("na ya wa kwa ni la katika za kuwa hiyo pia alisema hii huo au lakini kama wakati"),
}

// stopIndex maps a function word to the indices (in latinLangs) of the
// languages that use it.
var stopIndex = func() map[string][]uint8 {
	pos := map[string]uint8{}
	for i, l := range latinLangs {
		pos[l] = uint8(i)
	}
	idx := map[string][]uint8{}
	for lang, words := range stopwords {
		for _, w := range words {
			idx[w] = append(idx[w], pos[lang])
		}
	}
	return idx
}()

var latinLangs = []string{"en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "no", "fi", "pl", "cs", "tr", "id", "ro", "hu", "vi",
	"sk", "hr", "sl", "ca", "lt", "lv", "et", "af", "tl", "sw"}

// scriptLang maps scripts used by essentially one language.
var scriptLang = []struct {
	tab  *unicode.RangeTable
	lang string
}{
	{unicode.Hebrew, "he"}, {unicode.Greek, "el"}, {unicode.Thai, "th"}, {unicode.Devanagari, "hi"},
	{unicode.Bengali, "bn"}, {unicode.Tamil, "ta"}, {unicode.Telugu, "te"}, {unicode.Gujarati, "gu"},
	{unicode.Gurmukhi, "pa"}, {unicode.Kannada, "kn"}, {unicode.Malayalam, "ml"}, {unicode.Georgian, "ka"},
	{unicode.Armenian, "hy"}, {unicode.Khmer, "km"}, {unicode.Lao, "lo"}, {unicode.Myanmar, "my"},
	{unicode.Sinhala, "si"}, {unicode.Ethiopic, "am"},
}

// DetectLanguage guesses the BCP 47 language of text; "" when unsure.
// Scripts that belong to one language decide at once; Latin-script text
// is told apart by how often each language's function words occur.
func DetectLanguage(text string) string { return detectLanguage(text, false) }

// detectLanguage is DetectLanguage; strict asks for more evidence, for
// overruling what the markup says.
func detectLanguage(text string, strict bool) string {
	var latin, cyr, arab, han, kana, hangul, other, total int
	var otherLang string
	var ukr, bgHard, ruOnly, srb, fa, ur int
	n := 0
	for _, r := range text {
		if n++; n > 4000 {
			break
		}
		if r < 0x80 {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
				latin++
				total++
			}
			continue
		}
		// The common blocks by range first: unicode.Is on every rune of a
		// CJK page costs more than the rest of the metadata.
		switch {
		case r >= 0xac00 && r <= 0xd7a3:
			hangul++
			total++
			continue
		case r >= 0x4e00 && r <= 0x9fff:
			han++
			total++
			continue
		case r >= 0x3041 && r <= 0x30ff && r != 0x30fb && r != 0x30fc:
			kana++
			total++
			continue
		case r >= 0xc0 && r <= 0x24f && r != 0xd7 && r != 0xf7:
			latin++
			total++
			continue
		}
		if !unicode.IsLetter(r) {
			continue
		}
		total++
		switch {
		case unicode.Is(unicode.Latin, r):
			latin++
		case unicode.Is(unicode.Cyrillic, r):
			cyr++
			switch r {
			case 'і', 'ї', 'є', 'ґ', 'І', 'Ї', 'Є':
				ukr++
			case 'ъ':
				bgHard++
			case 'ы', 'э', 'ё':
				ruOnly++
			case 'ђ', 'ј', 'љ', 'њ', 'ћ', 'џ':
				srb++
			}
		case unicode.Is(unicode.Arabic, r):
			arab++
			switch r {
			case 'پ', 'چ', 'ژ', 'گ', 'ی', 'ک':
				fa++
			case 'ے', 'ں', 'ٹ', 'ڈ', 'ڑ':
				ur++
			}
		case unicode.Is(unicode.Hangul, r):
			hangul++
		case unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r):
			kana++
		case unicode.Is(unicode.Han, r):
			han++
		default:
			other++
			if otherLang == "" {
				for _, s := range scriptLang {
					if unicode.Is(s.tab, r) {
						otherLang = s.lang
						break
					}
				}
			}
		}
	}
	if total < 12 {
		return ""
	}
	// A script that writes two fifths of the letters decides, even beside
	// Latin URLs, names and tags.
	major := func(c int) bool { return c*5 > total*2 }
	switch {
	case hangul*3 > total:
		return "ko"
	case kana*10 > total && (kana+han)*2 > total:
		return "ja"
	case major(han + kana):
		return "zh"
	case major(cyr):
		switch {
		case ukr*100 > cyr && ruOnly == 0:
			return "uk"
		case srb*100 > cyr:
			return "sr"
		case bgHard*100 > cyr*2 && ruOnly == 0:
			return "bg"
		}
		return "ru"
	case major(arab):
		switch {
		case ur*100 > arab:
			return "ur"
		case fa*50 > arab:
			return "fa"
		}
		return "ar"
	case major(other) && otherLang != "":
		return otherLang
	case latin*2 > total:
		return latinLang(text, strict)
	}
	return ""
}

// latinLang scores function words; it needs a clear winner.
func latinLang(text string, strict bool) string {
	// A word shared by k languages counts 1/k for each: the words that
	// tell close languages apart (es "y", ca "i") weigh the most.
	var score [32]float64
	hits := 0
	words := 0
	var buf [16]byte
	// A few hundred words decide as well as a whole article does.
	for len(text) > 0 && words < 400 {
		// Skip to the next letter.
		i := 0
		for i < len(text) {
			c := text[i]
			if c < utf8.RuneSelf {
				if c|0x20 >= 'a' && c|0x20 <= 'z' || c == '\'' {
					break
				}
				i++
				continue
			}
			r, sz := utf8.DecodeRuneInString(text[i:])
			if unicode.IsLetter(r) {
				break
			}
			i += sz
		}
		text = text[i:]
		// Read the word, lower-casing ASCII into buf as we go.
		j, n, ascii := 0, 0, true
		for j < len(text) {
			c := text[j]
			if c < utf8.RuneSelf {
				if !(c|0x20 >= 'a' && c|0x20 <= 'z') && !(j == 0 && c == '\'') {
					break
				}
				if n < len(buf) {
					buf[n] = c | 0x20
				}
				n++
				j++
				continue
			}
			r, sz := utf8.DecodeRuneInString(text[j:])
			if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) {
				break
			}
			ascii = false
			j += sz
		}
		if j == 0 {
			_, sz := utf8.DecodeRuneInString(text)
			text = text[sz:]
			continue
		}
		w := text[:j]
		text = text[j:]
		words++
		if len(w) > 12 {
			continue
		}
		var ls []uint8
		if ascii {
			ls = stopIndex[string(buf[:n])] // no allocation for the lookup
		} else {
			ls = stopIndex[strings.ToLower(w)]
		}
		if len(ls) > 0 {
			hits++
		}
		for _, l := range ls {
			score[l] += 1 / float64(len(ls))
		}
	}
	var best, second float64
	bi := -1
	for i := range latinLangs {
		switch s := score[i]; {
		case s > best:
			best, second, bi = s, best, i
		case s > second:
			second = s
		}
	}
	if bi < 0 || best < 1.5 || hits < 3 || hits*8 < words || best < second*1.25 {
		return ""
	}
	if strict && (hits < 8 || best < 4 || best < second*2) {
		return ""
	}
	return latinLangs[bi]
}
