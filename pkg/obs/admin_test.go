package obs

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAdminHandler(t *testing.T) {
	var notReady error
	srv := httptest.NewServer(AdminHandler(func(context.Context) error { return notReady }))
	defer srv.Close()
	for _, tc := range []struct {
		method, path string
		down         error // readiness error during the request
		status       int
		contains     string
	}{
		{"GET", "/healthz", nil, http.StatusOK, `"ok"`},
		{"GET", "/healthz", errors.New("nats: not connected"), http.StatusOK, `"ok"`}, // alive, just not ready
		{"GET", "/readyz", nil, http.StatusOK, `"ready"`},
		{"GET", "/readyz", errors.New("redis: connection refused"), http.StatusServiceUnavailable, "redis: connection refused"},
		{"GET", "/metrics", nil, http.StatusOK, "go_goroutines"},
		{"HEAD", "/healthz", nil, http.StatusOK, ""},
		// What no route serves gets the JSON error every API of newsflow gives.
		{"POST", "/healthz", nil, http.StatusMethodNotAllowed, `{"status":405,"message":"method POST not allowed on /healthz"}`},
		{"DELETE", "/metrics", nil, http.StatusMethodNotAllowed, `"status":405`},
		{"GET", "/", nil, http.StatusNotFound, `{"status":404,"message":"no such endpoint on the admin listener: GET /`},
		{"GET", "/v1/articles", nil, http.StatusNotFound, `"status":404`},
	} {
		notReady = tc.down
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s %s: Allow %q, want GET, HEAD", tc.method, tc.path, resp.Header.Get("Allow"))
		}
		if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.contains) {
			t.Errorf("%s %s (ready error %v): %d %q, want %d with %q", tc.method, tc.path, tc.down, resp.StatusCode, b, tc.status, tc.contains)
		}
	}
}

// Profiles are served only when asked for (ADMIN_PPROF=true).
func TestAdminPprofOptIn(t *testing.T) {
	ready := func(context.Context) error { return nil }
	for _, on := range []bool{false, true} {
		srv := httptest.NewServer(AdminHandler(ready, WithPprof(on)))
		for path, contains := range map[string]string{
			"/debug/pprof/":                  "goroutine",
			"/debug/pprof/heap?debug=1":      "heap profile",
			"/debug/pprof/cmdline":           "",
			"/debug/pprof/profile?seconds=1": "",
		} {
			resp, err := http.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			want := http.StatusNotFound
			if on {
				want = http.StatusOK
			}
			if resp.StatusCode != want || (on && !strings.Contains(string(b), contains)) {
				t.Errorf("pprof %v: GET %s: %d, want %d (with %q)", on, path, resp.StatusCode, want, contains)
			}
		}
		srv.Close()
	}
}
