package meta

import (
	"strings"
	"testing"
)

func TestNormalizeLang(t *testing.T) {
	tests := map[string]string{
		"en":                                    "en",
		"EN-us":                                 "en-US",
		"en_GB":                                 "en-GB",
		" de-de ":                               "de-DE",
		"zh-hans-cn":                            "zh-Hans-CN",
		"es-419":                                "es-419",
		"pt_BR":                                 "pt-BR",
		"en-US,en;q=":                           "en-US",
		"iw":                                    "he",
		"x-default":                             "",
		"und":                                   "",
		"*":                                     "",
		"english":                               "",
		"":                                      "",
		"en-US-x-twain-extra-long-subtag-value": "",
	}
	for in, want := range tests {
		if got := normalizeLang(in); got != want {
			t.Errorf("normalizeLang(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDetectLanguage(t *testing.T) {
	tests := []struct{ text, want string }{
		{"The foreign ministers of South Korea, the United States and Japan agreed on the need for a firm response to North Korea's provision of arms to Russia.", "en"},
		{"Nach monatelangem Streit hat der Bundestag am Freitag die Teillegalisierung von Cannabis beschlossen. Erwachsene dürfen künftig bis zu 25 Gramm besitzen.", "de"},
		{"Le Premier ministre a détaillé vendredi une série de mesures destinées à apaiser la colère agricole, après plusieurs semaines de mobilisation dans le pays.", "fr"},
		{"Las intensas lluvias que afectan desde el martes al norte de Chile provocaron desbordes de ríos y la evacuación de cientos de familias en la región.", "es"},
		{"La finale del Festival di Sanremo ha registrato il 74 per cento di share, il dato più alto dal 1995 e una crescita rispetto alla scorsa edizione che non si vedeva da anni.", "it"},
		{"O Comitê de Política Monetária do Banco Central manteve o ritmo de corte da taxa básica de juros e sinalizou nova redução na próxima reunião, que não deve surpreender.", "pt"},
		{"Het kabinet trekt komend jaar 1 miljard euro extra uit voor de bouw van betaalbare huurwoningen, heeft de minister vrijdag bekendgemaakt. Gemeenten kunnen vanaf april aanvragen indienen.", "nl"},
		{"Riksbanken lämnar styrräntan oförändrad på 4 procent, meddelade banken på torsdagen. Enligt riksbankschefen är det för tidigt att sänka räntan och inflationen är för hög.", "sv"},
		{"Rząd przyjął projekt ustawy, który ma na celu obniżenie cen energii dla gospodarstw domowych. Jak podkreślił minister, to nie jest ostatnie słowo w tej sprawie i że zmiany są potrzebne.", "pl"},
		{"Pemerintah akan menaikkan anggaran untuk pendidikan pada tahun depan, kata menteri keuangan dalam konferensi pers yang diadakan di Jakarta pada hari Jumat. Ini adalah langkah yang penting.", "id"},
		{"Hükümet, enerji fiyatlarını düşürmek için yeni bir paket açıkladı. Bakan, bu adımın ilk olduğunu ve daha fazla destek için çalışmaların devam ettiğini söyledi, ama ayrıntı vermedi.", "tr"},
		{"한미일 외교장관은 22일 브라질 리우데자네이루에서 열린 주요 20개국 외교장관회의를 계기로 회담을 열고 북한과 러시아의 무기 거래에 단호히 대응하기로 했다.", "ko"},
		{"日本銀行が３月の金融政策決定会合でマイナス金利政策の解除を検討することが分かった。賃上げの動向を見極めたうえで最終判断する。", "ja"},
		{"中国国家统计局周五公布的数据显示，一月份居民消费价格指数同比下降百分之零点八，为十四年来最大降幅。", "zh"},
		{"В Третьяковской галерее открылась крупнейшая за десять лет выставка русского авангарда. Посетители увидят более пятисот работ.", "ru"},
		{"У Києві відкрилася виставка українського авангарду. Відвідувачі побачать понад п'ятсот робіт, які раніше не експонувалися.", "uk"},
		{"دعت جامعة الدول العربية إلى عقد قمة طارئة لبحث تطورات الأوضاع في قطاع غزة، وسط تصاعد الدعوات لوقف إطلاق النار.", "ar"},
		{"הממשלה אישרה הערב את התקציב לשנה הבאה לאחר דיון ארוך שנמשך עד שעות הלילה המאוחרות.", "he"},
		{"Η κυβέρνηση ανακοίνωσε νέα μέτρα για τη στήριξη των νοικοκυριών απέναντι στην ακρίβεια.", "el"},
		{"รัฐบาลประกาศมาตรการใหม่เพื่อช่วยเหลือประชาชนที่ได้รับผลกระทบจากค่าครองชีพที่สูงขึ้น", "th"},
		{"सरकार ने आज नई आर्थिक नीति की घोषणा की जिससे छोटे व्यापारियों को राहत मिलेगी।", "hi"},
		{"Vláda schválila návrh zákona, ktorý má znížiť ceny energií pre domácnosti. Podľa ministra je to len prvý krok a ďalšie opatrenia sú v príprave, aj keď ich podoba ešte nie je známa.", "sk"},
		{"Vláda schválila návrh zákona, který má snížit ceny energií pro domácnosti. Podle ministra je to jen první krok a další opatření jsou v přípravě, i když jejich podoba zatím není známa.", "cs"},
		{"El Govern ha aprovat avui el pressupost per a l'any vinent, que inclou més diners per a l'educació i la sanitat, i ha explicat que les mesures entraran en vigor al gener amb el suport dels socis.", "ca"},
		{"Vlada je danas usvojila prijedlog zakona koji bi trebao smanjiti cijene energije za kućanstva, a ministar je rekao da je to samo prvi korak i da će uslijediti nove mjere.", "hr"},
		{"", ""},
		{"OK", ""},
		{"12345 67890 !!!", ""},
		{"Apple iPhone Samsung Galaxy Google Pixel", ""},
	}
	for _, tc := range tests {
		if got := DetectLanguage(tc.text); got != tc.want {
			t.Errorf("DetectLanguage(%.40q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func BenchmarkDetectLanguage(b *testing.B) {
	text := strings.Repeat("The foreign ministers of South Korea, the United States and Japan agreed on the need for a firm response to North Korea's provision of arms to Russia. ", 40)
	b.SetBytes(int64(len(text)))
	for i := 0; i < b.N; i++ {
		DetectLanguage(text)
	}
}

func BenchmarkDetectLanguageCJK(b *testing.B) {
	text := strings.Repeat("한미일 외교장관은 22일 브라질 리우데자네이루에서 열린 주요 20개국 외교장관회의를 계기로 회담을 열고 日本銀行が３月の金融政策決定会合で", 60)
	b.SetBytes(int64(len(text)))
	for i := 0; i < b.N; i++ {
		DetectLanguage(text)
	}
}
