package feeds

import (
	"bytes"
	"compress/gzip"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

const (
	rss2 = `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>One</title><link>https://ex.com/1</link></item></channel></rss>`
	atomDoc = `<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
<entry><title>One</title><id>tag:ex.com,2024:1</id><link href="https://ex.com/1"/></entry></feed>`
	urlset = `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://ex.com/1</loc></url></urlset>`
)

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func utf16le(s string) []byte {
	b, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
	return b
}

func TestDetect(t *testing.T) {
	cases := []struct {
		name  string
		data  []byte
		kind  Kind
		err   error
		items int
	}{
		{"rss 2.0", []byte(rss2), KindRSS, nil, 1},
		{"rss 0.91 with DOCTYPE", []byte(`<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel><title>T</title><item><title>a</title><link>http://ex.com/a</link></item></channel></rss>`), KindRSS, nil, 1},
		{"rss 1.0 rdf", []byte(`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><channel><title>T</title></channel><item><title>a</title><link>http://ex.com/a</link></item></rdf:RDF>`), KindRSS, nil, 1},
		{"atom", []byte(atomDoc), KindAtom, nil, 1},
		{"json feed", []byte(`{"version":"https://jsonfeed.org/version/1.1","title":"T","items":[{"id":"1","url":"https://ex.com/1"}]}`), KindJSON, nil, 1},
		{"urlset", []byte(urlset), KindSitemap, nil, 1},
		{"gzipped urlset", gz(t, []byte(urlset)), KindSitemap, nil, 1},
		{"sitemap index", []byte(`<sitemapindex><sitemap><loc>https://ex.com/s1.xml.gz</loc></sitemap></sitemapindex>`), KindSitemapIndex, nil, 0},
		{"text sitemap", []byte("https://ex.com/1\nhttps://ex.com/2\n"), KindSitemap, nil, 2},
		{"utf-16 rss with BOM", utf16le(`<?xml version="1.0" encoding="UTF-16"?>` + rss2[len(`<?xml version="1.0"?>`):]), KindRSS, nil, 1},
		{"leading blank lines and comment", []byte("\n\n<!-- generated -->\n" + rss2), KindRSS, nil, 1},
		{"file name lies: .xml holding JSON", []byte(`  {"version":"https://jsonfeed.org/version/1","items":[]}`), KindJSON, nil, 0},

		{"PHP warning before the feed", []byte("<br />\n<b>Warning</b>:  Cannot modify header information in <b>/var/www/feed.php</b> on line <b>3</b><br />\n" + rss2), KindRSS, nil, 1},

		{"empty", nil, "", ErrEmpty, 0},
		{"whitespace", []byte(" \r\n\t "), "", ErrEmpty, 0},
		{"BOM only", []byte("\xEF\xBB\xBF\n"), "", ErrEmpty, 0},
		{"html page", []byte(`<!DOCTYPE html><html><head><title>Moved</title></head><body>x</body></html>`), "", ErrNotFeed, 0},
		{"xhtml page", []byte(`<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>`), "", ErrNotFeed, 0},
		{"plain text", []byte("Service Unavailable"), "", ErrNotFeed, 0},
		{"other json", []byte(`{"error":"rate limited"}`), "", ErrNotFeed, 0},
		{"json array", []byte(`[1,2]`), "", ErrNotFeed, 0},
		{"broken json", []byte(`{"version":"https://jsonfeed.org/version/1","items":[`), "", ErrMalformed, 0},
		{"truncated rss", []byte(rss2[:60]), "", ErrMalformed, 0},
		{"corrupt gzip", []byte{0x1f, 0x8b, 0x08, 0, 0, 0}, "", ErrMalformed, 0},
		{"only a declaration", []byte(`<?xml version="1.0"?>`), "", ErrMalformed, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Parse(c.data, "", "")
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("err = %v, want %v", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if f.Kind != c.kind || len(f.Items) != c.items {
				t.Fatalf("kind %q with %d items, want %q with %d", f.Kind, len(f.Items), c.kind, c.items)
			}
		})
	}
}

func TestEntityGuard(t *testing.T) {
	doc := func(dtd string) []byte {
		return []byte(`<?xml version="1.0"?><!DOCTYPE rss [` + dtd + `]><rss version="2.0"><channel><title>T</title>
<item><title>&e;</title><link>https://ex.com/1</link><description>&x;</description></item></channel></rss>`)
	}
	refused := map[string]string{
		"nested entities":    `<!ENTITY a "aaaa"><!ENTITY e "&a;&a;&a;&a;">`,
		"parameter entity":   `<!ENTITY % p SYSTEM "http://evil.example/x.dtd"> %p;`,
		"oversized value":    `<!ENTITY e "` + strings.Repeat("x", maxEntityValueLen+1) + `">`,
		"many declarations":  strings.Repeat(`<!ENTITY e "x">`, maxEntityDecls+1),
		"quoted > then nest": `<!ENTITY a "x>y"><!ENTITY e '&a;'>`,
	}
	for name, dtd := range refused {
		if _, err := Parse(doc(dtd), "", ""); !errors.Is(err, ErrEntityExpansion) {
			t.Errorf("%s: err = %v, want ErrEntityExpansion", name, err)
		}
	}
	// External and plain internal entities are not expanded (nor fetched):
	// the DTD is dropped and the references stay literal.
	for name, dtd := range map[string]string{
		"external SYSTEM": `<!ENTITY x SYSTEM "file:///etc/passwd">`,
		"external PUBLIC": `<!ENTITY x PUBLIC "-//X//EN" "http://evil.example/x">`,
		"char reference":  `<!ENTITY e "&#233;">`,
	} {
		f, err := Parse(doc(dtd), "", "")
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(f.Items) != 1 || strings.Contains(f.Items[0].Title, "root:") {
			t.Errorf("%s: items %+v", name, f.Items)
		}
	}
	if _, err := Parse([]byte(`<!DOCTYPE rss [<!ENTITY a "x">`), "", ""); !errors.Is(err, ErrMalformed) {
		t.Errorf("unterminated DOCTYPE: %v", err)
	}
}

func TestSizeLimits(t *testing.T) {
	big := make([]byte, MaxSize+1)
	if _, err := Parse(big, "", ""); !errors.Is(err, ErrTooLarge) {
		t.Errorf("raw body over MaxSize: %v", err)
	}
	// A gzip bomb: small on the wire, over MaxSize inflated.
	bomb := gz(t, append([]byte(`<urlset>`), make([]byte, MaxSize)...))
	if len(bomb) > MaxSize/100 {
		t.Fatalf("test bomb is %d bytes, not a bomb", len(bomb))
	}
	if _, err := Parse(bomb, "", ""); !errors.Is(err, ErrTooLarge) {
		t.Errorf("gzip bomb: %v", err)
	}
}

func TestCharsetChoice(t *testing.T) {
	latin1, _ := charmap.ISO8859_1.NewEncoder().String("<rss><channel><title>Café</title></channel></rss>")
	cp1251, _ := charmap.Windows1251.NewEncoder().String(`<?xml version="1.0" encoding="windows-1251"?><rss><channel><title>Привет</title></channel></rss>`)
	cases := []struct {
		name, data, contentType, want string
	}{
		{"undeclared latin-1 falls back to windows-1252", latin1, "", "Café"},
		{"header charset used when the document has no declaration", cp1251[len(`<?xml version="1.0" encoding="windows-1251"?>`):], "application/rss+xml; charset=windows-1251", "Привет"},
		{"declaration beats a default header charset", cp1251, "text/xml; charset=ISO-8859-1", "Привет"},
		{"valid UTF-8 beats a wrong declaration", `<?xml version="1.0" encoding="windows-1251"?><rss><channel><title>Café</title></channel></rss>`, "", "Café"},
		{"control characters are dropped", "<rss><channel><title>a\x0cb\x00c</title></channel></rss>", "", "abc"},
	}
	for _, c := range cases {
		f, err := Parse([]byte(c.data), "", c.contentType)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if f.Title != c.want {
			t.Errorf("%s: title %q, want %q", c.name, f.Title, c.want)
		}
	}
}

func TestItemURLChoice(t *testing.T) {
	rssItems := `<rss version="2.0"><channel><title>T</title><link>https://ex.com/</link>
<item><title>link</title><link>/a/1</link><guid>https://ex.com/guid-1</guid></item>
<item><title>permalink guid</title><guid isPermaLink="true">https://ex.com/a/2</guid></item>
<item><title>non-permalink URL guid</title><guid isPermaLink="false">https://ex.com/a/3</guid></item>
<item><title>opaque guid</title><guid isPermaLink="false">12345</guid></item>
<item><title>nothing</title></item>
<item><title>mailto</title><link>mailto:x@ex.com</link></item>
</channel></rss>`
	f, err := Parse([]byte(rssItems), "https://ex.com/feed.xml", "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://ex.com/a/1", "https://ex.com/a/2", "https://ex.com/a/3"}
	if got := urlsOf(f.Items); strings.Join(got, " ") != strings.Join(want, " ") || f.Skipped != 3 {
		t.Errorf("rss URLs %q skipped %d, want %q skipped 3", got, f.Skipped, want)
	}

	atomEntries := `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://ex.com/blog/"><title>T</title>
<entry><title>alt</title><id>tag:x,1</id>
  <link rel="self" href="https://ex.com/api/1"/><link rel="edit" href="https://ex.com/edit/1"/>
  <link rel="enclosure" type="image/png" href="pic.png"/><link rel="alternate" type="text/html" href="posts/1"/></entry>
<entry><title>no rel</title><id>tag:x,2</id><link href="/abs/2"/></entry>
<entry xml:base="https://other.example/x/"><title>entry base</title><link href="3"/></entry>
<entry><title>http id</title><id>https://ex.com/id/4</id><link rel="self" href="https://ex.com/api/4"/></entry>
<entry><title>tag id only</title><id>tag:x,5</id></entry>
</feed>`
	f, err = Parse([]byte(atomEntries), "https://ex.com/feed.atom", "")
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"https://ex.com/blog/posts/1", "https://ex.com/abs/2", "https://other.example/x/3", "https://ex.com/id/4"}
	if got := urlsOf(f.Items); strings.Join(got, " ") != strings.Join(want, " ") || f.Skipped != 1 {
		t.Errorf("atom URLs %q skipped %d, want %q skipped 1", got, f.Skipped, want)
	}
	if f.Items[0].Image != "https://ex.com/blog/pic.png" {
		t.Errorf("atom enclosure image = %q", f.Items[0].Image)
	}

	jsonItems := `{"version":"https://jsonfeed.org/version/1.1","home_page_url":"https://ex.com/","items":[
{"id":"1","url":"/p/1","image":"//cdn.ex.com/1.jpg"},{"id":"2","external_url":"https://elsewhere.example/2"},
{"id":"https://ex.com/p/3"},{"id":"4"}]}`
	f, err = Parse([]byte(jsonItems), "", "")
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"https://ex.com/p/1", "https://elsewhere.example/2", "https://ex.com/p/3"}
	if got := urlsOf(f.Items); strings.Join(got, " ") != strings.Join(want, " ") || f.Skipped != 1 {
		t.Errorf("json URLs %q skipped %d, want %q skipped 1", got, f.Skipped, want)
	}
	if f.Items[0].Image != "https://cdn.ex.com/1.jpg" {
		t.Errorf("protocol-relative image = %q", f.Items[0].Image)
	}
}

// urlsOf lists the items' URLs, leaving out entries that have none.
func urlsOf(items []Item) []string {
	var out []string
	for _, it := range items {
		if it.URL != "" {
			out = append(out, it.URL)
		}
	}
	return out
}

func TestTitlesArePlainText(t *testing.T) {
	doc := `<feed xmlns="http://www.w3.org/2005/Atom"><title type="html">&lt;b&gt;Bold&lt;/b&gt; &amp;amp; co</title>
<entry><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">A <em>b</em>
   c</div></title><link href="https://ex.com/1"/></entry>
<entry><title>  x &lt; y  </title><link href="https://ex.com/2"/></entry></feed>`
	f, err := Parse([]byte(doc), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if f.Title != "Bold & co" {
		t.Errorf("feed title %q", f.Title)
	}
	if got := []string{f.Items[0].Title, f.Items[1].Title}; got[0] != "A b c" || got[1] != "x < y" {
		t.Errorf("item titles %q", got)
	}
}

func TestDates(t *testing.T) {
	cases := map[string]string{
		"Mon, 02 Jan 2006 15:04:05 -0700":   "2006-01-02T15:04:05-07:00",
		"Mon, 2 Jan 2006 15:04:05 EST":      "2006-01-02T15:04:05-05:00",
		"Mon, 2 Jan 2006 15:04:05 CST":      "2006-01-02T15:04:05-06:00",
		"Mon, 2 Jan 2006 15:04:05 KST":      "2006-01-02T15:04:05+09:00",
		"03 Apr 02 1500 GMT":                "2002-04-03T15:00:00Z",
		"2024-03-10T16:15:00.5+05:30":       "2024-03-10T16:15:00+05:30",
		"Seg, 24 Set 2018 19:42:40 -0300":   "2018-09-24T19:42:40-03:00",
		"Di, 03 Okt 2023 08:00:00 +0200":    "2023-10-03T08:00:00+02:00",
		"2008-12-23":                        "2008-12-23T00:00:00Z",
		"  Tue,  3 Jan 2006 10:00:00 +0100": "2006-01-03T10:00:00+01:00",
		"yesterday":                         "",
	}
	for in, want := range cases {
		got := ""
		if tm := parseDate(in); !tm.IsZero() {
			got = tm.Format(time.RFC3339)
		}
		if got != want {
			t.Errorf("parseDate(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSyndicationTTL(t *testing.T) {
	doc := `<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel><title>T</title>
<sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency></channel></rss>`
	f, err := Parse([]byte(doc), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if f.TTL != 6*time.Hour {
		t.Errorf("TTL = %v, want 6h", f.TTL)
	}
}

func TestParseDoesNotModifyInput(t *testing.T) {
	in := []byte("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><!DOCTYPE rss [<!ENTITY a \"b\">]><rss><channel><title>T\x0c\xe9</title></channel></rss>")
	orig := bytes.Clone(in)
	if _, err := Parse(in, "", ""); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(in, orig) {
		t.Error("Parse modified its input")
	}
}

func TestRecoverTruncated(t *testing.T) {
	rssDoc := `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>1</title><link>https://ex.com/1</link></item>
<item><title>2</title><link>https://ex.com/2</link></item>
<item><title><![CDATA[3`
	atomBroken := `<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
<entry><title>1</title><link href="https://ex.com/1"/></entry>
<entry><title>2</title><link href="https://ex.com/2"/></entry>
<entry><title>bad <<< markup</title><link href="https://ex.com/3"/></entry>
<entry><title>4</title><link href="https://ex.com/4"/></entry></feed>`
	rdfDoc := `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><channel><title>T</title></channel>
<item><title>1</title><link>https://ex.com/1</link></item><item><title>2</title><link>https://ex.com/2</link></item><item><ti`
	sitemapDoc := `<urlset><url><loc>https://ex.com/1</loc></url><url><loc>https://ex.com/2</loc></url><url><loc>https://ex`
	for name, c := range map[string]struct {
		doc   string
		items int
	}{
		"rss cut inside CDATA":      {rssDoc, 2},
		"atom with a broken entry":  {atomBroken, 2},
		"rdf cut inside an item":    {rdfDoc, 2},
		"urlset cut inside a <url>": {sitemapDoc, 2},
	} {
		f, err := Parse([]byte(c.doc), "", "")
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(f.Items) != c.items || !f.Partial {
			t.Errorf("%s: %d items, partial=%v; want %d, partial", name, len(f.Items), f.Partial, c.items)
		}
	}
	for name, doc := range map[string]string{
		"rss cut in the first item":     `<rss version="2.0"><channel><title>T</title><item><title>1</title><link>https://ex.com/1</li`,
		"urlset cut in the first <url>": `<urlset><url><loc>https://ex.com/1</loc>`,
		"atom cut before any entry":     `<feed xmlns="http://www.w3.org/2005/Atom"><title>T`,
	} {
		if _, err := Parse([]byte(doc), "", ""); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

// A feed's user and password are the feed's: relative links resolved
// against its URL do not carry them to article pages, images or child
// sitemaps.
func TestRelativeLinksLeaveTheFeedsPassword(t *testing.T) {
	rss := `<rss version="2.0"><channel><title>T</title>
<item><title>A</title><link>/news/a</link><enclosure url="img/a.jpg" type="image/jpeg"/></item></channel></rss>`
	f, err := Parse([]byte(rss), "https://reader:s3cret@news.example/feeds/all.xml", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Items) != 1 || f.Items[0].URL != "https://news.example/news/a" || f.Items[0].Image != "https://news.example/feeds/img/a.jpg" {
		t.Errorf("items = %+v, want the links on news.example without the feed's user and password", f.Items)
	}
}
