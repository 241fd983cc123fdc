package deploy

import (
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// nginxConf is what the checks read of deploy/nginx/api.conf.
type nginxConf struct {
	listen    string
	upstreams []string // host:port of every http://… the file names
	locations []nginxLocation
}

// nginxLocation is one location block: an exact (=) or prefix match.
type nginxLocation struct {
	exact bool
	path  string
	body  string
}

func (l nginxLocation) String() string {
	if l.exact {
		return "location = " + l.path
	}
	return "location " + l.path
}

func (l nginxLocation) proxied() bool { return strings.Contains(l.body, "proxy_pass $store;") }

func (l nginxLocation) refused() bool {
	return regexp.MustCompile(`\breturn\s+404\b`).MatchString(l.body)
}

// loadNginx reads the api entry's configuration. It knows exact and prefix
// locations only: a regular-expression location (~, ~*) or a nested one
// fails the test, since route could not tell what it matches.
func loadNginx(t *testing.T) nginxConf {
	t.Helper()
	src := string(mustRead(t, filepath.Join(root(t), "deploy", "nginx", "api.conf")))
	src = regexp.MustCompile(`(?m)#.*$`).ReplaceAllString(src, "")
	// Quoted strings (a JSON body, say) may hold braces: blank them out.
	src = regexp.MustCompile(`'[^']*'|"[^"]*"`).ReplaceAllString(src, `""`)
	var c nginxConf
	if m := regexp.MustCompile(`(?m)^\s*listen\s+(\d+)\s*;`).FindStringSubmatch(src); m != nil {
		c.listen = m[1]
	}
	for _, m := range regexp.MustCompile(`https?://([A-Za-z0-9.-]+:\d+)`).FindAllStringSubmatch(src, -1) {
		c.upstreams = append(c.upstreams, m[1])
	}
	loc := regexp.MustCompile(`\blocation\s+(\S+)\s*(\S*)\s*\{([^{}]*)\}`)
	for _, m := range loc.FindAllStringSubmatch(src, -1) {
		l := nginxLocation{path: m[1], body: m[3]}
		switch {
		case m[2] == "":
		case m[1] == "=":
			l.exact, l.path = true, m[2]
		case m[1] == "^~":
			l.path = m[2]
		default:
			t.Fatalf("api.conf: location %s %s: only exact and prefix locations are checked", m[1], m[2])
		}
		c.locations = append(c.locations, l)
	}
	if n := len(regexp.MustCompile(`\blocation\b`).FindAllString(src, -1)); n != len(c.locations) {
		t.Fatalf("api.conf: %d location directives, %d understood (nested blocks?)", n, len(c.locations))
	}
	return c
}

// route is the location nginx picks for path: an exact match, else the
// longest matching prefix (there are no regular-expression locations).
func (c nginxConf) route(path string) (nginxLocation, bool) {
	var best nginxLocation
	found := false
	for _, l := range c.locations {
		if l.exact {
			if l.path == path {
				return l, true
			}
			continue
		}
		if strings.HasPrefix(path, l.path) && (!found || len(l.path) > len(best.path)) {
			best, found = l, true
		}
	}
	return best, found
}

// The api entry forwards the API and the web page (with everything the page
// loads) to the stores and answers 404 to anything else: health, readiness,
// metrics and whatever else a store might serve stay private.
func TestNginxServesOnlyAPIAndPage(t *testing.T) {
	c := loadNginx(t)
	for _, l := range c.locations {
		if l.proxied() == l.refused() {
			t.Errorf("api.conf: %s must either proxy_pass $store or return 404", l)
		}
	}

	// What the page loads: its own assets and the API paths its script asks.
	web := filepath.Join(root(t), "services", "store", "web")
	page := string(mustRead(t, filepath.Join(web, "index.html")))
	script := string(mustRead(t, filepath.Join(web, "app.js")))
	forwarded := []string{"/", "/v1/articles", "/v1/articles/0123456789abcdef0123456789abcdef",
		"/v1/articles/by-url", "/v1/sites", "/v1/languages", "/v1/stream"}
	for _, m := range regexp.MustCompile(`(?:src|href)="(/[^"]*)"`).FindAllStringSubmatch(page, -1) {
		forwarded = append(forwarded, m[1])
	}
	for _, m := range regexp.MustCompile(`["'\x60](/v1/[a-z/-]*)`).FindAllStringSubmatch(script, -1) {
		forwarded = append(forwarded, m[1])
	}
	if !strings.Contains(strings.Join(forwarded, " "), "/static/") {
		t.Fatalf("index.html loads no /static/ asset: the test no longer reads what the page loads (%v)", forwarded)
	}
	for _, p := range forwarded {
		l, ok := c.route(p)
		if !ok || !l.proxied() {
			t.Errorf("GET %s: %s, want it forwarded to the store", p, l)
		}
	}
	if l, _ := c.route("/v1/stream"); !strings.Contains(l.body, "proxy_buffering off") || !strings.Contains(l.body, "proxy_read_timeout") {
		t.Errorf("GET /v1/stream goes to %s, which buffers or times out server-sent events", l)
	}

	// ("/v1" and "/static" get nginx's redirect to the slash-terminated location.)
	for _, p := range []string{"/metrics", "/readyz", "/healthz", "/debug/pprof/", "/index.html", "/favicon.ico",
		"/metrics/", "/admin", "/healthz/"} {
		if l, ok := c.route(p); !ok || !l.refused() {
			t.Errorf("GET %s: %s, want 404 from nginx", p, l)
		}
	}

	// The api entry's own health check asks something it forwards.
	api, _ := loadCompose(t).GetService("api")
	var probe string
	for _, a := range api.HealthCheck.Test {
		if u, err := url.Parse(a); err == nil && u.Scheme == "http" {
			probe = u.Path
		}
	}
	if l, ok := c.route(probe); probe == "" || !ok || !l.proxied() {
		t.Errorf("compose: the api health check %q asks %q, which nginx does not forward", api.HealthCheck.Test, probe)
	}
}
