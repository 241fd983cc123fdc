package service

import (
	"context"
	"net"
	"net/http"
	"testing"

	"github.com/newsflow/newsflow/pkg/obs"
)

// The container probe asks the admin address (ADMIN_ADDR, else the
// service's default), not the public HTTP_ADDR, which serves no /healthz.
func TestHealthcheckAsksTheAdminAddress(t *testing.T) {
	serve := func(h http.Handler) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: h}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		return ln.Addr().String()
	}
	admin := serve(obs.AdminHandler(func(context.Context) error { return nil }))
	public := serve(http.NewServeMux()) // 404 for everything, as the store's API does for /healthz
	_, adminPort, _ := net.SplitHostPort(admin)
	dead := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}()
	for _, tc := range []struct {
		env         map[string]string
		defaultAddr string
		ok          bool
	}{
		{map[string]string{"ADMIN_ADDR": admin, "HTTP_ADDR": public}, public, true},
		{map[string]string{"ADMIN_ADDR": ":" + adminPort}, public, true}, // every interface: asked on loopback
		{map[string]string{"ADMIN_ADDR": "0.0.0.0:" + adminPort}, public, true},
		{map[string]string{"ADMIN_ADDR": " ", "HTTP_ADDR": public}, admin, true}, // blank is unset
		{map[string]string{"HTTP_ADDR": admin}, public, false},                   // HTTP_ADDR is not asked
		{map[string]string{"ADMIN_ADDR": public}, admin, false},
		{map[string]string{"ADMIN_ADDR": dead}, admin, false},
	} {
		err := checkHealth(func(k string) string { return tc.env[k] }, tc.defaultAddr)
		if (err == nil) != tc.ok {
			t.Errorf("env %v, default %s: %v, want ok=%v", tc.env, tc.defaultAddr, err, tc.ok)
		}
	}
}

func TestDialAddr(t *testing.T) {
	for in, want := range map[string]string{
		":9080":          "127.0.0.1:9080",
		"0.0.0.0:9080":   "127.0.0.1:9080",
		"[::]:9080":      "[::1]:9080",
		"10.0.0.5:9080":  "10.0.0.5:9080",
		"localhost:9080": "localhost:9080",
		"[::1]:9080":     "[::1]:9080",
	} {
		if got := dialAddr(in); got != want {
			t.Errorf("dialAddr(%q) = %q, want %q", in, got, want)
		}
	}
}
