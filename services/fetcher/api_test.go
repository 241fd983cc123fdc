package fetcher

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/config"
)

const testToken = "0123456789abcdef-test-token"

// The feed API listens on loopback unless told otherwise, and beyond
// loopback only with a bearer token; a bad setting stops the start with the
// variable's name and never shows the token.
func TestFeedAPISettings(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		bad  string // the variable the error names; "" for none
		addr string // FETCHER_API_ADDR in effect
	}{
		{nil, "", DefaultAPIAddr},
		{map[string]string{"FETCHER_API_ADDR": "[::1]:8083"}, "", "[::1]:8083"},
		{map[string]string{"FETCHER_API_ADDR": "localhost:8083"}, "", "localhost:8083"},
		{map[string]string{"FETCHER_API_ADDR": "127.0.0.2:8083"}, "", "127.0.0.2:8083"},
		{map[string]string{"FETCHER_API_ADDR": ":8083"}, "FETCHER_API_TOKEN", ":8083"},
		{map[string]string{"FETCHER_API_ADDR": "0.0.0.0:8083"}, "FETCHER_API_TOKEN", "0.0.0.0:8083"},
		{map[string]string{"FETCHER_API_ADDR": "[::]:8083"}, "FETCHER_API_TOKEN", "[::]:8083"},
		{map[string]string{"FETCHER_API_ADDR": "10.1.2.3:8083"}, "FETCHER_API_TOKEN", "10.1.2.3:8083"},
		{map[string]string{"FETCHER_API_ADDR": "fetcher.internal:8083"}, "FETCHER_API_TOKEN", "fetcher.internal:8083"},
		{map[string]string{"FETCHER_API_ADDR": ":8083", "FETCHER_API_TOKEN": testToken}, "", ":8083"},
		{map[string]string{"FETCHER_API_TOKEN": "hunter2"}, "FETCHER_API_TOKEN", DefaultAPIAddr},
		{map[string]string{"FETCHER_API_ADDR": "127.0.0.1:9082", "ADMIN_ADDR": "127.0.0.1:9082"}, "FETCHER_API_ADDR", "127.0.0.1:9082"},
	} {
		env := config.FromMap(tc.env)
		c := ConfigFromEnv(env)
		err := env.Err()
		if c.APIAddr != tc.addr || c.AdminAddr == "" {
			t.Errorf("%v: API %q admin %q, want API %q", tc.env, c.APIAddr, c.AdminAddr, tc.addr)
		}
		switch {
		case tc.bad == "" && err != nil:
			t.Errorf("%v: %v", tc.env, err)
		case tc.bad != "" && (!errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), tc.bad+"=")):
			t.Errorf("%v: error %v, want one naming %s", tc.env, err, tc.bad)
		case err != nil && (strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), testToken)):
			t.Errorf("%v: the error shows the token: %v", tc.env, err)
		}
	}
	if c := ConfigFromEnv(config.FromMap(nil)); c.AdminAddr != DefaultAdminAddr || !loopback(c.APIAddr) {
		t.Errorf("defaults: admin %q, API %q; want %q and a loopback API", c.AdminAddr, c.APIAddr, DefaultAdminAddr)
	}
}

// Run refuses, before touching anything, a feed API exposed without a token.
func TestRunRefusesExposedAPIWithoutToken(t *testing.T) {
	ns := startNATS(t)
	r := startReplica(t, ns, "setup", Config{PollInterval: time.Hour})
	addr := freeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	err := Run(t.Context(), Config{PollInterval: time.Hour, APIAddr: ":" + port}, r.deps)
	if !errors.Is(err, ErrAPIUnprotected) || !errors.Is(err, config.ErrInvalid) {
		t.Fatalf("Run = %v, want %v", err, ErrAPIUnprotected)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("something listens on %s after the refusal", addr)
	}
}

// With a token set, every feed API request needs it: without it, or with
// another, the answer is a JSON 401 and the registry is unchanged.
func TestFeedAPIToken(t *testing.T) {
	ns := startNATS(t)
	r := startReplica(t, ns, "f1", Config{PollInterval: time.Hour})
	f, err := New(t.Context(), Config{APIToken: testToken}, r.deps)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(f.Handler())
	defer srv.Close()
	do := func(method, path, auth, body string) (int, http.Header, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, b
	}
	const feed = `{"url":"https://news.example/rss"}`
	for _, tc := range []struct {
		method, path, auth, body string
	}{
		{"GET", "/v1/feeds", "", ""},
		{"POST", "/v1/feeds", "", feed},
		{"POST", "/v1/feeds", "Bearer wrong-token-0123456789", feed},
		{"POST", "/v1/feeds", "Bearer " + testToken + "x", feed},
		{"POST", "/v1/feeds", "Bearer " + testToken[:len(testToken)-1], feed},
		{"POST", "/v1/feeds", "Basic " + testToken, feed},
		{"POST", "/v1/feeds", testToken, feed},
		{"DELETE", "/v1/feeds?url=https://news.example/rss", "", ""},
	} {
		code, h, body := do(tc.method, tc.path, tc.auth, tc.body)
		var e struct {
			Status  int    `json:"status"`
			Message string `json:"message"`
		}
		if code != http.StatusUnauthorized || json.Unmarshal(body, &e) != nil || e.Status != 401 || e.Message == "" ||
			h.Get("Content-Type") != "application/json" || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer ") {
			t.Errorf("%s %s with %q: %d %s %q, want a JSON 401 with WWW-Authenticate", tc.method, tc.path, tc.auth, code, h.Get("WWW-Authenticate"), body)
		}
	}
	if list, err := ListFeeds(t.Context(), f.feeds); err != nil || len(list) != 0 {
		t.Fatalf("the registry after refused requests: %v, %v", list, err)
	}

	if code, _, body := do("POST", "/v1/feeds", "Bearer "+testToken, feed); code != http.StatusCreated {
		t.Fatalf("POST with the token: %d %s", code, body)
	}
	if code, _, body := do("GET", "/v1/feeds", "bearer "+testToken, ""); code != http.StatusOK || !strings.Contains(string(body), "news.example") {
		t.Errorf("GET with the token (scheme in lower case): %d %s", code, body)
	}
	if code, _, body := do("DELETE", "/v1/feeds?url=https://news.example/rss", "Bearer "+testToken, ""); code != http.StatusNoContent {
		t.Errorf("DELETE with the token: %d %s", code, body)
	}
}

// A running fetcher serves health, readiness and metrics on its admin
// address only, and the feed API on its own address only.
func TestFetcherListeners(t *testing.T) {
	ns := startNATS(t)
	admin, api := freeAddr(t), freeAddr(t)
	startReplica(t, ns, "f1", Config{PollInterval: time.Hour, AdminAddr: admin, APIAddr: api, APIToken: testToken})
	get := func(addr, path string) (int, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+addr+path, nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		var resp *http.Response
		eventually(t, 20*time.Second, "http://"+addr+" up", func() bool {
			var err error
			resp, err = http.DefaultClient.Do(req)
			return err == nil
		})
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tc := range []struct {
		addr, path string
		status     int
		contains   string
	}{
		{admin, "/healthz", http.StatusOK, `"ok"`},
		{admin, "/readyz", http.StatusOK, `"ready"`},
		{admin, "/metrics", http.StatusOK, "newsflow_fetcher_articles_queued_total"},
		{admin, "/v1/feeds", http.StatusNotFound, ""},
		{api, "/v1/feeds", http.StatusOK, `"feeds"`},
		{api, "/metrics", http.StatusNotFound, ""},
		{api, "/readyz", http.StatusNotFound, ""},
		{api, "/healthz", http.StatusNotFound, ""},
	} {
		if code, body := get(tc.addr, tc.path); code != tc.status || !strings.Contains(body, tc.contains) {
			which := "admin"
			if tc.addr == api {
				which = "feed API"
			}
			t.Errorf("GET %s on the %s listener: %d, want %d with %q", tc.path, which, code, tc.status, tc.contains)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
