package fetcher

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/newsflow/newsflow/pkg/events"
)

func TestSiteLabels(t *testing.T) {
	s := newSiteLabels(3)
	for _, tt := range []struct{ host, want string }{
		{"www.bbc.co.uk", "bbc_co_uk"},
		{"feeds.bbci.co.uk", "feeds_bbci_co_uk"},
		{"bbc.co.uk:8080", "bbc_co_uk"}, // the same site: no new label
		{"example.com", "example_com"},
		{"example.org", otherSites}, // the fourth site
		{"news.example.net", otherSites},
		{"WWW.EXAMPLE.COM", "example_com"}, // known sites keep their label
		{"feeds.bbci.co.uk", "feeds_bbci_co_uk"},
	} {
		if got := s.of(tt.host); got != tt.want {
			t.Errorf("of(%q) = %q, want %q", tt.host, got, tt.want)
		}
	}
}

// Sources that multiply — sitemap indexes whose children join the registry,
// articles on many hosts — add no series past the site limit: 12 hosts with
// 132 feeds and 120 pages give at most FETCHER_METRIC_SITES+1 sites per
// metric, where labels by feed URL or host would give 132 and 12.
func TestMetricSeriesBounded(t *testing.T) {
	const hosts, children, limit = 12, 10, 4
	var feeds []string
	for i := range hosts {
		srv := sitemapOrigin(t, fmt.Sprintf("127.0.0.%d", i+2), children)
		feeds = append(feeds, srv.URL+"/sitemap.xml")
	}
	for _, c := range []interface{ Reset() }{feedPolls, pageFetches, fetchedBytes, fetchSeconds} {
		c.Reset()
	}
	ns := startNATS(t)
	startReplica(t, ns, "f1", Config{Feeds: feeds, PollInterval: time.Second, MinInterval: time.Second,
		MaxInterval: 2 * time.Second, AllowPrivate: true, HostDelay: time.Millisecond, Workers: 8, MetricSites: limit})
	j := js(t, ns)
	eventually(t, 60*time.Second, "a page from every child sitemap", func() bool {
		return streamCount(t, j, events.StreamRaw) >= hosts*children
	})

	for _, m := range []struct {
		name    string
		c       prometheus.Collector
		perSite int // series per site: results, or targets
	}{
		{"newsflow_fetcher_feed_polls_total", feedPolls, 1},     // ok
		{"newsflow_fetcher_page_fetches_total", pageFetches, 1}, // ok
		{"newsflow_fetcher_bytes_total", fetchedBytes, 2},       // feed, page
		{"newsflow_fetcher_request_seconds", fetchSeconds, 2},
	} {
		if n := testutil.CollectAndCount(m.c, m.name); n > (limit+1)*m.perSite {
			t.Errorf("%s: %d series, want at most %d", m.name, n, (limit+1)*m.perSite)
		}
		sites := siteValues(t, m.c)
		if len(sites) != limit+1 || !sites[otherSites] {
			t.Errorf("%s: sites %v, want %d of them and %q", m.name, sites, limit, otherSites)
		}
	}
	// Every poll is counted, the sites past the limit under "other".
	var polls float64
	for site := range siteValues(t, feedPolls) {
		polls += testutil.ToFloat64(feedPolls.WithLabelValues(site, "ok"))
	}
	if polls < hosts*(children+1) {
		t.Errorf("%v polls counted, want at least %d", polls, hosts*(children+1))
	}
}

// sitemapOrigin serves, on its own loopback address, a sitemap index whose
// children each list one article.
func sitemapOrigin(t *testing.T, ip string, children int) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: mux}}
	mux.HandleFunc("/sitemap.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(w, `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
		for i := range children {
			fmt.Fprintf(w, `<sitemap><loc>%s/children/%d.xml</loc></sitemap>`, srv.URL, i)
		}
		fmt.Fprint(w, `</sitemapindex>`)
	})
	mux.HandleFunc("/children/", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscanf(r.URL.Path, "/children/%d.xml", &n)
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(w, `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>%s/2024/01/0%d/story-number-%d</loc></url></urlset>`,
			srv.URL, n%9+1, n)
	})
	mux.HandleFunc("/2024/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, article, r.URL.Path, r.URL.Path)
	})
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// siteValues is the set of site label values c has series for.
func siteValues(t *testing.T, c prometheus.Collector) map[string]bool {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "site" {
					out[l.GetValue()] = true
				}
			}
		}
	}
	return out
}
