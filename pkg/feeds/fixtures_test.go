package feeds

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// These pin what the manifest's EDGE notes say a correct reading is, beyond
// the counts TestManifest checks.

func TestFixtureCharsets(t *testing.T) {
	cases := []struct {
		file, title string // an item title (or the feed title when item is -1)
		item        int
	}{
		{"edge_no_decl_latin1_cercle_psy.xml", "La criminalité liée surtout à... l'ennui ?", 2},
		{"edge_undeclared_latin1_uol.xml", "Ibope: Bolsonaro perde de Haddad, Ciro e Alckmin em simulações de 2º turno", 0},
		{"rss20_jn_pt_iso-8859-1.xml", "Jornal de Notícias - Últimas Notícias", -1},
		{"rss20_jn_pt_iso-8859-1.xml", "Mãe de utente é a nova presidente da Raríssimas", 0},
		{"rss20_ibash_windows-1251.xml", "Цитата #17703", 0},
		{"rss090_heise_rdf.xml", "Mega-Deal: IBM übernimmt Red Hat", 1},
		{"atom_heise_de.xml", "Microsoft veröffentlicht Cordova-Erweiterung für Visual Studio Code", 2},
		// Declared ISO-8859-1 (or "invalid") over UTF-8 bytes: the bytes win.
		{"edge_wrong_declared_encoding.xml", "테스트 피드", -1},
		{"edge_bogus_encoding_name.xml", "테스트 피드", -1},
	}
	for _, c := range cases {
		f := parseFixture(t, c.file)
		got := f.Title
		if c.item >= 0 {
			if c.item >= len(f.Items) {
				t.Errorf("%s: only %d items", c.file, len(f.Items))
				continue
			}
			got = f.Items[c.item].Title
		}
		if got != c.title {
			t.Errorf("%s: title %q, want %q", c.file, got, c.title)
		}
	}
	// Those two feeds' only entry has no link and is skipped; its title must
	// still decode as 'Café', which the normalised bytes show.
	for _, name := range []string{"edge_wrong_declared_encoding.xml", "edge_bogus_encoding_name.xml"} {
		data, err := os.ReadFile(filepath.Join(feedsDir(t), name))
		if err != nil {
			t.Fatal(err)
		}
		if got := toUTF8(data, "text/xml; charset=iso-8859-1"); !bytes.Contains(got, []byte("<title>Café</title>")) {
			t.Errorf("%s: decoded to %q", name, got)
		}
	}
}

func TestFixtureLinks(t *testing.T) {
	cases := []struct {
		file string
		item int
		url  string
	}{
		// Relative alternate links, no xml:base: resolved against the feed URL.
		{"atom_github_releases_relative_links.xml", 0, "https://github.com/gulpjs/gulp/releases/tag/v3.9.0"},
		{"atom_samruby_relative_links.xml", 0, "http://intertwingly.net/blog/2013/01/30/Plex"},
		// feedburner:origLink beats the feedproxy.google.com alternate link.
		{"atom_feedburner_xhtml.xml", 0, "http://www.rotoauthority.com/2014/04/stock-watch-aprils-finest.html"},
		// Google Alerts' google.com/url redirect is unwrapped.
		{"atom_google_alerts.xml", 1, "https://investorplace.com/2019/07/slack-stock-truly-compelling/"},
		{"atom_typepad_xml_base.xml", 0, "http://www.petsecretshopper.com/2012/12/sentry-calming-collar.html"},
		{"rss10_craigslist.xml", 1, "http://sfbay.craigslist.org/sfc/apa/6156068288.html"},
		// Podcast items have no <link>; the guid is an http URL.
		{"rss20_itunes_podcast.xml", 0, "http://example.com/podcasts/archive/aae20050615.m4a"},
		{"edge_xxe_external_entity.xml", 0, "https://example.org/articles/2"},
		{"sitemap_news_google_example.xml", 0, "http://www.example.org/business/article55.html"},
	}
	for _, c := range cases {
		f := parseFixture(t, c.file)
		if c.item >= len(f.Items) {
			t.Errorf("%s: only %d items", c.file, len(f.Items))
			continue
		}
		if got := f.Items[c.item].URL; got != c.url {
			t.Errorf("%s item %d: URL %q, want %q", c.file, c.item, got, c.url)
		}
	}
	for _, it := range parseFixture(t, "atom_google_alerts.xml").Items {
		if strings.Contains(it.URL, "google.com/url") {
			t.Errorf("redirect not unwrapped: %s", it.URL)
		}
	}
	// Without a feed URL, the Atom self link is the base.
	data, _ := os.ReadFile(filepath.Join(feedsDir(t), "atom_samruby_relative_links.xml"))
	f, err := Parse(data, "", "")
	if err != nil || f.Items[0].URL != "http://intertwingly.net/blog/2013/01/30/Plex" {
		t.Errorf("samruby without base: %v %+v", err, f)
	}
	idx := parseFixture(t, "sitemap_index_missing_loc.xml")
	if want := "https://example.com/sitemap.jss?portalCode=10260&lang=en"; idx.Sitemaps[0] != want {
		t.Errorf("bare-text sitemap URL %q, want %q", idx.Sitemaps[0], want)
	}
	if got := parseFixture(t, "sitemap_index_example.xml").Sitemaps; len(got) != 2 || got[1] != "http://www.example.com/sitemap2.xml.gz" {
		t.Errorf("CDATA loc: %q", got)
	}
}

func TestFixtureMetadata(t *testing.T) {
	rfc := func(tm time.Time) string {
		if tm.IsZero() {
			return ""
		}
		return tm.Format(time.RFC3339)
	}
	first := func(name string) Item {
		f := parseFixture(t, name)
		if len(f.Items) == 0 {
			t.Fatalf("%s: no items", name)
		}
		return f.Items[0]
	}

	// Offsets are the feed's own, not converted to UTC.
	if got := rfc(first("edge_xxe_external_entity.xml").Published); got != "2006-01-03T10:00:00+01:00" {
		t.Errorf("xxe pubDate = %s", got)
	}
	if got := rfc(first("edge_undeclared_latin1_uol.xml").Published); got != "2018-09-24T19:42:40-03:00" {
		t.Errorf("Portuguese pubDate = %s", got)
	}
	if got := rfc(first("rss10_craigslist.xml").Published); got != "2017-06-21T10:33:10-07:00" {
		t.Errorf("dc:date = %s", got)
	}
	news := first("sitemap_news_google_example.xml")
	if news.Title != "Companies A, B in Merger Talks" || rfc(news.Published) != "2008-12-23T00:00:00Z" {
		t.Errorf("news sitemap item = %+v", news)
	}
	heb := first("sitemap_urlset_hebdenbridgetimes.xml")
	if !strings.HasPrefix(heb.Image, "http://www.hebdenbridgetimes.co.uk/webimage/") || !heb.Published.IsZero() || heb.Modified.IsZero() {
		t.Errorf("urlset item (image:loc, lastmod is not a publication date) = %+v", heb)
	}
	yt := first("atom_youtube_channel.xml")
	if !strings.Contains(yt.Image, "ytimg.com") || yt.Author != "Google" {
		t.Errorf("youtube item = %+v", yt)
	}
	if got := first("rss20_guardian_us.xml").Author; got != "David Smith in Washington" {
		t.Errorf("guardian dc:creator = %q", got)
	}
	if got := first("jsonfeed10_inessential.json").Author; got != "Brent Simmons" {
		t.Errorf("JSON Feed 1.0 feed-level author = %q", got)
	}

	ttls := map[string]time.Duration{
		"rss20_urdu_utf8.xml":      15 * time.Minute,
		"rss20_itunes_podcast.xml": time.Hour,
		"rss10_craigslist.xml":     10 * time.Minute, // syn:updatePeriod hourly, updateFrequency 6
		"rss20_guardian_us.xml":    0,
	}
	for name, want := range ttls {
		if got := parseFixture(t, name).TTL; got != want {
			t.Errorf("%s: TTL %v, want %v", name, got, want)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	for _, name := range []string{"rss20_guardian_us.xml", "atom_dustri_blog_large.xml", "sitemap_urlset_hebdenbridgetimes.xml", "rss20_golem_iso-8859-1.xml"} {
		data, err := os.ReadFile(filepath.Join(feedsDir(b), name))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Parse(data, "", ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
