package store

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/redistest"
)

// Health, readiness and metrics are on the admin listener only; the public
// one serves the API and the page and nothing else.
func TestAdminListenerApartFromAPI(t *testing.T) {
	natsURL, js := natsServer(t)
	rdb, prefix := redistest.Client(t)
	st := runStore(t, natsURL, rdb, Config{Prefix: prefix, TTL: time.Hour})
	a := art("example.com", 1, base)
	publish(t, js, a)
	waitFor(t, "the article stored", func() bool {
		_, body := get(t, st.api+"/v1/articles/"+a.ID)
		return strings.Contains(string(body), a.Title)
	})
	for _, tc := range []struct {
		base, path string
		status     int
		contains   string
	}{
		{st.api, "/v1/articles", http.StatusOK, a.ID},
		{st.api, "/", http.StatusOK, "/static/app.js"},
		{st.api, "/static/app.js", http.StatusOK, "EventSource"},
		{st.api, "/metrics", http.StatusNotFound, ""},
		{st.api, "/readyz", http.StatusNotFound, ""},
		{st.api, "/healthz", http.StatusNotFound, ""},
		{st.api, "/debug/pprof/", http.StatusNotFound, ""},
		{st.admin, "/healthz", http.StatusOK, `"ok"`},
		{st.admin, "/readyz", http.StatusOK, `"ready"`},
		{st.admin, "/metrics", http.StatusOK, `newsflow_store_writes_total{result="created"}`},
		{st.admin, "/v1/articles", http.StatusNotFound, ""},
		{st.admin, "/", http.StatusNotFound, ""},
	} {
		resp, body := get(t, tc.base+tc.path)
		if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.contains) {
			which := "public"
			if tc.base == st.admin {
				which = "admin"
			}
			t.Errorf("GET %s on the %s listener: %d, want %d with %q; body %.200q", tc.path, which, resp.StatusCode, tc.status, tc.contains, body)
		}
	}
}

// A store stops when either of its addresses is taken, rather than consume
// without an API or without health checks.
func TestRunStopsWhenAnAddressIsTaken(t *testing.T) {
	natsURL, _ := natsServer(t)
	rdb, prefix := redistest.Client(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := ln.Addr().String()
	for _, cfg := range []Config{
		{Prefix: prefix, TTL: time.Hour, HTTPAddr: taken, AdminAddr: freeAddr(t)},
		{Prefix: prefix, TTL: time.Hour, HTTPAddr: freeAddr(t), AdminAddr: taken},
	} {
		deps := connectDeps(t, natsURL, "store")
		err := Run(t.Context(), cfg, deps, rdb)
		if err == nil || !strings.Contains(err.Error(), "listen "+taken) {
			t.Errorf("Run with HTTP %s, admin %s = %v, want the listen error of %s", cfg.HTTPAddr, cfg.AdminAddr, err, taken)
		}
	}
}
