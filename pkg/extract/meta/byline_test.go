package meta

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestSplitByline(t *testing.T) {
	tests := []struct {
		in   string
		site string
		want []string
	}{
		{"By Lee Jung-joo", "", []string{"Lee Jung-joo"}},
		{"Feb. 23, 2024 - 13:25 By Lee Jung-joo", "", []string{"Lee Jung-joo"}},
		{"By Lee Jung-joo Feb. 23, 2024", "", []string{"Lee Jung-joo"}},
		{"By Anna Smith and Bob Jones", "", []string{"Anna Smith", "Bob Jones"}},
		{"By Anna Smith, Bob Jones and Carla Díaz", "", []string{"Anna Smith", "Bob Jones", "Carla Díaz"}},
		{"By Anna Smith, Bob Jones & Carla Díaz", "", []string{"Anna Smith", "Bob Jones", "Carla Díaz"}},
		{"Jane Doe, Reuters", "", []string{"Jane Doe"}},
		{"John Roe | AP", "", []string{"John Roe"}},
		{"By JOHN ROE Associated Press", "", nil},
		{"By John Roe, Associated Press", "", []string{"John Roe"}},
		{"Von Anna Müller und Jonas Weber", "", []string{"Anna Müller", "Jonas Weber"}},
		{"Par Claire Dupont et Marc Lévy", "", []string{"Claire Dupont", "Marc Lévy"}},
		{"Por María José García y Luis Pérez", "", []string{"María José García", "Luis Pérez"}},
		{"di Giulia Bianchi e Marco Rossi", "", []string{"Giulia Bianchi", "Marco Rossi"}},
		{"Door Pieter de Vries", "", []string{"Pieter de Vries"}},
		{"Analysis by Chris Cillizza, CNN Editor-at-large", "", []string{"Chris Cillizza"}},
		{"By Fiona MacLeod Reporter", "", []string{"Fiona MacLeod"}},
		{"Kevin Tran, Staff Writer", "", []string{"Kevin Tran"}},
		{"Finian Cunningham. Sputnik International", "", []string{"Finian Cunningham"}},
		{"Текст: Венера Ерофеева", "", []string{"Венера Ерофеева"}},
		{"이정주 기자", "", []string{"이정주"}},
		{"연합뉴스", "", nil},
		{"新华社记者 张伟", "", []string{"张伟"}},
		{"记者 李明 王芳", "", []string{"李明"}},
		{"أحمد الخطيب", "", []string{"أحمد الخطيب"}},
		{"By Reuters Staff", "", nil},
		{"Reuters", "", nil},
		{"Yonhap", "", nil},
		{"AP", "", nil},
		{"Staff", "", nil},
		{"By The Korea Herald", "The Korea Herald", nil},
		{"Telegraph Sport", "The Telegraph", nil},
		{"admin", "", nil},
		{"Escrito por Maria Silva", "", []string{"Maria Silva"}},
		{"İİİ Haber: İsmail Kaya ve Ayşe Demir", "", []string{"İsmail Kaya", "Ayşe Demir"}},
		{"Автор: Иван Петров", "", []string{"Иван Петров"}},
		{"Yazan: Ahmet Yılmaz", "", []string{"Ahmet Yılmaz"}},
		{"Oleh Budi Santoso", "", []string{"Budi Santoso"}},
		{"Autor: Jan Kowalski", "", []string{"Jan Kowalski"}},
		{"Door onze redactie", "", nil},
		{"Por Redacción", "", nil},
		{"they stand by their man", "", nil},
		{"https://www.facebook.com/janedoe", "", nil},
		{"@janedoe", "", nil},
		{"Share this article", "", nil},
		{"North korea fires missiles", "", nil},
		{"Austria.Leonhard Foeger", "", nil},
		{"Our Foreign Staff", "", nil},
		{"By Our Correspondent", "", nil},
		{"Richard (R.J.) Eskow", "", []string{"Richard (R.J.) Eskow"}},
		{"By Robert (Bob) Smith and Jane Doe", "", []string{"Robert (Bob) Smith", "Jane Doe"}},
		{"By Jane Doe (Reuters) and John Roe", "", []string{"Jane Doe", "John Roe"}},
		{"Bruno (Henrique Zecchin) Rodrigues ", "", []string{"Bruno (Henrique Zecchin) Rodrigues"}},
		{"By Jane Doe For Dailymail.com", "", []string{"Jane Doe"}},
		{"By JANE DOE FOR MAILONLINE", "", []string{"Jane Doe"}},
		{"JANE DOE Special to The Times", "", []string{"Jane Doe"}},
		{"By Jane Doe Updated 3 hours ago", "", []string{"Jane Doe"}},
		{"By Jane Doe in London", "", []string{"Jane Doe"}},
		{"Jane Doe Email", "", []string{"Jane Doe"}},
		{"Sign Up For Our Newsletter", "", nil},
		{"Senior Reporter Jane Doe", "", []string{"Jane Doe"}},
		{"Staff Writer Jane Doe", "", []string{"Jane Doe"}},
		{"Edited by John Roe", "", nil},
		{"Medically reviewed by Dr. John Roe, MD — Written by Jane Doe on March 3, 2020", "", []string{"Jane Doe"}},
		{"Photos by John Roe", "", nil},
		{"By Jane Doe Photos by John Roe", "", []string{"Jane Doe"}},
		{"Sign up for our newsletter", "", nil},
		// All caps is styling: the names are split at a capital "AND" and
		// title-cased; mixed case is left as written.
		{"BY JANE DOE AND JOHN ROE", "", []string{"Jane Doe", "John Roe"}},
		{"BY JANE DOE", "", []string{"Jane Doe"}},
		{"By JANE DOE and JOHN ROE", "", []string{"Jane Doe", "John Roe"}},
		{"BY JANE DOE, JOHN ROE AND ANNA SMITH", "", []string{"Jane Doe", "John Roe", "Anna Smith"}},
		{"VON ANNA MÜLLER UND JONAS WEBER", "", []string{"Anna Müller", "Jonas Weber"}},
		{"BY JEAN-LUC DE LA FONTAINE", "", []string{"Jean-Luc de la Fontaine"}},
		{"BY J.R. SMITH", "", []string{"J.R. Smith"}},
		{"BY CONAN O'BRIEN IN LONDON", "", []string{"Conan O'Brien"}},
		{"BY JOHN A SMITH", "", []string{"John A Smith"}},
		{"BY DAN SMITH", "", []string{"Dan Smith"}},
		// A one-letter "and" splits caps only between two full names.
		{"POR JUAN PÉREZ Y MARÍA GÓMEZ", "", []string{"Juan Pérez", "María Gómez"}},
		{"ТЕКСТ: ИВАН ПЕТРОВ И АННА СМИРНОВА", "", []string{"Иван Петров", "Анна Смирнова"}},
		{"POR MARÍA DEL CARMEN E JOÃO SILVA", "", []string{"María del Carmen", "João Silva"}},
		{"POR JOSÉ ORTEGA Y GASSET", "", []string{"José Ortega Y Gasset"}},
		{"BY MARY J BLIGE", "", []string{"Mary J Blige"}},
		{"BY JANE DOE, ASSOCIATED PRESS", "", []string{"Jane Doe"}},
		{"By Jane McDonald and John de Vries", "", []string{"Jane McDonald", "John de Vries"}},
		{"By DeShawn Smith", "", []string{"DeShawn Smith"}},
		{"WORLD NEWS", "", nil},
		{"BREAKING", "", nil},
		{"BREAKING NEWS", "", nil},
		{"TRAVEL AND LEISURE", "", nil},
		{"BY REUTERS STAFF", "", nil},
		// CJK credit markers run into the name: "文・" is "text by".
		{"文・山田太郎", "", []string{"山田太郎"}},
		{"文／王小明", "", []string{"王小明"}},
		{"文/山田太郎", "", []string{"山田太郎"}},
		{"文：山田太郎", "", []string{"山田太郎"}},
		{"取材・文・山田太郎", "", []string{"山田太郎"}},
		{"2024年5月1日 文・山田太郎", "", []string{"山田太郎"}},
		{"文／記者 王小明", "", []string{"王小明"}},
		{"文・写真：山田太郎", "", []string{"山田太郎"}},
		{"取材・文・写真：山田太郎", "", []string{"山田太郎"}},
		{"文/图 张三", "", []string{"张三"}},
		{"文／圖：王小明", "", []string{"王小明"}},
		{"文子・スミス", "", []string{"文子・スミス"}},
		{"ジョン・スミス", "", []string{"ジョン・スミス"}},
		{"山田 文", "", []string{"山田 文"}},
	}
	for _, tc := range tests {
		got := splitByline(tc.in, tc.site)
		if len(got) == 0 {
			got = nil
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("splitByline(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAddNamesDedupes(t *testing.T) {
	got := addNames([]string{"Jane Doe"}, []string{"jane doe", "John Roe", "JOHN ROE"}, 10)
	if want := []string{"Jane Doe", "John Roe"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	many := []string{"A B", "C D", "E F", "G H"}
	if got := addNames(nil, many, 3); len(got) != 3 {
		t.Fatalf("limit: got %d names", len(got))
	}
}

func TestSplitCredit(t *testing.T) {
	tests := []struct{ in, caption, credit string }{
		{"Ministers attend a meeting in Rio, Thursday. (Foreign Ministry)", "Ministers attend a meeting in Rio, Thursday.", "Foreign Ministry"},
		{"Minister Cho (right) and Blinken (left)", "Minister Cho (right) and Blinken (left)", ""},
		{"The stage during the final (Ansa)", "The stage during the final", "Ansa"},
		{"Fed Chair Jerome Powell. Photo: Kevin Dietsch/Getty Images", "Fed Chair Jerome Powell.", "Kevin Dietsch/Getty Images"},
		{"Protesters in Paris. Credit: Jane Doe", "Protesters in Paris.", "Jane Doe"},
		{"A sunset over the bay © John Smith", "A sunset over the bay", "John Smith"},
		{"Abgeordnete im Plenarsaal. Foto: Michael Kappeler/dpa", "Abgeordnete im Plenarsaal.", "Michael Kappeler/dpa"},
		{"Kristi Noem at the White House. Alex Wong/Getty Images", "Kristi Noem at the White House.", "Alex Wong/Getty Images"},
		{"Image via Getty Images", "", "Getty Images"},
		{"조태열 외교부 장관 [외교부 제공]", "조태열 외교부 장관", "외교부"},
		{"A telephoto: lens", "A telephoto: lens", ""},
		{"Plain caption.", "Plain caption.", ""},
		{"A field. Photo: Jane Roe Jane Roe", "A field.", "Jane Roe"},
		{"İstanbul'da İİİ bir gösteri. Foto: Ahmet Yılmaz", "İstanbul'da İİİ bir gösteri.", "Ahmet Yılmaz"},
		{"Митинг в Москве. Фото: Иван Петров", "Митинг в Москве.", "Иван Петров"},
	}
	for _, tc := range tests {
		c, cr := splitCredit(tc.in)
		if c != tc.caption || cr != tc.credit {
			t.Errorf("splitCredit(%q) = %q, %q; want %q, %q", tc.in, c, cr, tc.caption, tc.credit)
		}
	}
}

func TestStripSite(t *testing.T) {
	x := &extractor{site: "The Korea Herald", in: Input{URL: mustURL(t, "https://www.koreaherald.com/view.php")}}
	tests := []struct{ in, want string }{
		{"Headline here - The Korea Herald", "Headline here"},
		{"Headline here | Korea Herald", "Headline here"},
		{"The Korea Herald | Headline here", "Headline here"},
		{"Headline - with dash - koreaherald.com", "Headline - with dash"},
		{"The Korea Herald view on things: a long editorial headline", "The Korea Herald view on things: a long editorial headline"},
		{"Plain headline", "Plain headline"},
		{"Korea Herald: Headline here", "Headline here"},
		{"Breaking: Headline here", "Breaking: Headline here"},
		{"Headline_koreaherald", "Headline"},
	}
	for _, tc := range tests {
		if got := x.stripSite(tc.in); got != tc.want {
			t.Errorf("stripSite(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// A short last part after a separator reads as a site's name even when no
// og:site_name or host names it; a headline with a dash in it stays whole.
func TestShortSuffixCut(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Lorem ipsum dolor sit amet – My website", "Lorem ipsum dolor sit amet"},
		{"Getting lean with digital ad design | IAB", "Getting lean with digital ad design"},
		{"Brexit – what happens next", "Brexit – what happens next"},
		{"Council passes the budget after a long night - Analysis and opinion from our desk", "Council passes the budget after a long night - Analysis and opinion from our desk"},
		{"A title of five words here :: Site name ::", "A title of five words here :: Site name ::"},
		{"Plain headline with no separator", "Plain headline with no separator"},
		{"Get your frontend code covered | Code | Jane Doe", "Get your frontend code covered"},
		{"Man bites dog in the park - police | Site", "Man bites dog in the park - police"},
	}
	for _, tc := range tests {
		if got := shortSuffixCut(tc.in); got != tc.want {
			t.Errorf("shortSuffixCut(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFeedAuthor(t *testing.T) {
	for in, want := range map[string]string{
		"Jane Doe":                      "Jane Doe",
		"jane@example.com (Jane Doe)":   "Jane Doe",
		"noreply@blogger.com":           "",
		"noreply@blogger.com (Unknown)": "Unknown",
		"":                              "",
	} {
		if got := feedAuthor(in); got != want {
			t.Errorf("feedAuthor(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTitleAffixes(t *testing.T) {
	tests := []struct {
		title, h1 string
		suffix    bool
	}{
		{"Opinion | Republicans Are Following Trump to Nowhere", "Republicans Are Following Trump to Nowhere", true},
		{"Live: Markets slide", "Markets slide", true},
		{"A very long kicker that is not a label | Headline", "Headline", false},
		{"Headline", "Headline", false},
		// A label no shorter than the h1 is the headline, and the h1 the site.
		{"新竹尖石_美樹營地賞楓 (2) @ 史蒂文的家_藍天 :: 痞客邦 PIXNET ::", "痞客邦 PIXNET", false},
	}
	for _, tc := range tests {
		if got := suffixAtSep(tc.title, tc.h1); got != tc.suffix {
			t.Errorf("suffixAtSep(%q, %q) = %v", tc.title, tc.h1, got)
		}
	}
	// "Site: Headline" with the headline given elsewhere: the h1 is the site.
	if !namedAfter("Silicon Exposed: Open Verilog flow for GreenPak4", "Silicon Exposed", "", "Open Verilog flow for GreenPak4") {
		t.Error("namedAfter misses a site name before the og:title headline")
	}
	if namedAfter("Markets slide - Live updates", "Markets slide", "Something else") {
		t.Error("namedAfter takes a headline with a suffix for a site name")
	}
	if !agrees("Só quem se Ama…", "Só quem se Ama...") {
		t.Error("ellipsis forms disagree")
	}
}

func TestImageKey(t *testing.T) {
	tests := map[string]string{
		"https://cdn.example.com/2024/02/23/storm-seattle_1600x900.jpg?q=80": "storm-seattle",
		"/uploads/water-plant-1024x683.jpg":                                  "water-plant",
		"https://img.example.com/4711/image.jpg":                             "4711/image",
		"https://img.example.com/4712/image.jpg?x=1":                         "4712/image",
		"https://img.example.com/a.jpg":                                      "",
	}
	for in, want := range tests {
		if got := imageKey(in); got != want {
			t.Errorf("imageKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// A byline that is the site's name is dropped ("BBC News" on bbc.co.uk),
// unless the site is a person's: a personal blog is named after its author.
func TestSiteNamedBylines(t *testing.T) {
	for _, tc := range []struct {
		byline, site string
		want         string
	}{
		{"BBC News", "BBC News", ""},
		{"The Korea Herald", "Korea Herald", ""},
		{"Haki Benita", "Haki Benita", "Haki Benita"},
		{"By Nicolas Perriault", "Nicolas Perriault", "Nicolas Perriault"},
		{"Jane Doe", "The Daily Planet", "Jane Doe"},
		{"Silicon Exposed", "Silicon Exposed", "Silicon Exposed"}, // name-shaped: the cost of the rule
		{"Tech Daily", "Tech Daily", ""},
	} {
		got := strings.Join(splitBylineFor(tc.byline, tc.site, ""), "|")
		if got != tc.want {
			t.Errorf("byline %q on site %q = %q, want %q", tc.byline, tc.site, got, tc.want)
		}
	}
}
