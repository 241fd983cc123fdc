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
		{"POST", "/healthz", nil, http.StatusMethodNotAllowed, ""},
		{"GET", "/", nil, http.StatusNotFound, ""},
		{"GET", "/v1/articles", nil, http.StatusNotFound, ""},
	} {
		notReady = tc.down
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.contains) {
			t.Errorf("%s %s (ready error %v): %d %q, want %d with %q", tc.method, tc.path, tc.down, resp.StatusCode, b, tc.status, tc.contains)
		}
	}
}
