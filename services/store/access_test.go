package store

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/redisserver"
	"github.com/newsflow/newsflow/internal/tlstest"
	"github.com/newsflow/newsflow/pkg/config"
)

// startRedis runs a redis-server of the test's own with o (an ACL user,
// TLS), stopped when the test ends.
func startRedis(t *testing.T, o redisserver.Options) *redisserver.Server {
	t.Helper()
	o.Dir = t.TempDir()
	srv, err := redisserver.Start(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	return srv
}

// Against a Redis that requires a user and password, TLS, or a client
// certificate, the store connects with REDIS_URL and REDIS_TLS_* and stores
// and serves an article; with one of them wrong it stops at start, saying
// what Redis refused, without the password.
func TestRedisAccess(t *testing.T) {
	const pw = "r3dis-pw-0815"
	pki, stranger := tlstest.New(t), tlstest.New(t)
	acl := startRedis(t, redisserver.Options{User: "newsflow", Password: pw})
	requirepass := startRedis(t, redisserver.Options{Password: pw})
	tlsOnly := startRedis(t, redisserver.Options{TLS: &redisserver.TLS{CertFile: pki.ServerCert, KeyFile: pki.ServerKey, CAFile: pki.CA}})
	mtls := startRedis(t, redisserver.Options{User: "newsflow", Password: pw,
		TLS: &redisserver.TLS{CertFile: pki.ServerCert, KeyFile: pki.ServerKey, CAFile: pki.CA, AuthClients: true}})
	natsURL, js := natsServer(t)

	withCA := map[string]string{"REDIS_TLS_CA": pki.CA}
	withClientCert := map[string]string{"REDIS_TLS_CA": pki.CA, "REDIS_TLS_CERT": pki.ClientCert, "REDIS_TLS_KEY": pki.ClientKey}
	for _, tc := range []struct {
		name string
		url  string
		env  map[string]string
		says string // in the error; "" for none
	}{
		{"ACL user", acl.URL(), nil, ""},
		{"ACL user, wrong password", strings.Replace(acl.URL(), pw, "not-the-pw", 1), nil, "authentication failed"},
		{"ACL user, no password", strings.Replace(acl.URL(), "newsflow:"+pw+"@", "", 1), nil, "authentication failed"},
		{"requirepass", requirepass.URL(), nil, ""},
		{"requirepass, wrong password", strings.Replace(requirepass.URL(), pw, "not-the-pw", 1), nil, "authentication failed"},
		{"TLS", tlsOnly.URL(), withCA, ""},
		{"TLS, untrusted CA", tlsOnly.URL(), map[string]string{"REDIS_TLS_CA": stranger.CA}, "TLS failed"},
		{"TLS, the system's CAs", tlsOnly.URL(), nil, "TLS failed"},
		{"TLS with client certificate and ACL user", mtls.URL(), withClientCert, ""},
		{"TLS, no client certificate", mtls.URL(), withCA, "TLS failed"},
		{"TLS, client certificate of another CA", mtls.URL(), map[string]string{"REDIS_TLS_CA": pki.CA,
			"REDIS_TLS_CERT": stranger.ClientCert, "REDIS_TLS_KEY": stranger.ClientKey}, "TLS failed"},
		{"TLS with client certificate, wrong password", strings.Replace(mtls.URL(), pw, "not-the-pw", 1), withClientCert, "authentication failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]string{"REDIS_URL": tc.url, "REDIS_PREFIX": "newsflow-access:", "HTTP_ADDR": freeAddr(t), "ADMIN_ADDR": freeAddr(t)}
			for k, v := range tc.env {
				vars[k] = v
			}
			env := config.FromMap(vars)
			cfg := ConfigFromEnv(env)
			if err := env.Err(); err != nil {
				t.Fatal(err)
			}
			rdb, err := NewRedis(cfg.RedisURL, cfg.RedisTLS)
			if err != nil {
				t.Fatal(err)
			}
			defer rdb.Close()
			if tc.says != "" {
				ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
				defer cancel()
				err := Run(ctx, cfg, connectDeps(t, natsURL, "store"), rdb)
				if err == nil || ctx.Err() != nil || !errors.Is(err, ErrRedisRefused) || !strings.Contains(err.Error(), tc.says) {
					t.Fatalf("Run = %v; want it to stop at once with ErrRedisRefused saying %q", err, tc.says)
				}
				if strings.Contains(err.Error(), pw) || strings.Contains(err.Error(), "not-the-pw") {
					t.Errorf("the error shows the password: %v", err)
				}
				t.Logf("refused: %v", err)
				return
			}
			st := runStore(t, natsURL, rdb, cfg)
			a := art("access.example", len(tc.name), base)
			publish(t, js, a)
			waitFor(t, "the article served", func() bool {
				resp, err := http.Get(st.api + "/v1/articles/" + a.ID)
				if err != nil {
					return false
				}
				resp.Body.Close()
				return resp.StatusCode == http.StatusOK
			})
			if err := st.stop(); err != nil {
				t.Error(err)
			}
		})
	}
}

// The TLS files are for a rediss:// URL: given with redis:// they would be
// ignored, and the connection would go unencrypted.
func TestRedisTLSNeedsRediss(t *testing.T) {
	env := config.FromMap(map[string]string{"REDIS_URL": "redis://127.0.0.1:6379", "REDIS_TLS_CA": "access_test.go"})
	ConfigFromEnv(env)
	if err := env.Err(); err == nil || !strings.Contains(err.Error(), "rediss://") {
		t.Errorf("env.Err() = %v, want one asking for rediss://", err)
	}
	if _, err := NewRedis("redis://127.0.0.1:6379", RedisTLS{CA: "access_test.go"}); err == nil {
		t.Error("NewRedis took REDIS_TLS_* with a redis:// URL")
	}
}

// A URL whose scheme does not match the server's TLS is not refused by
// Redis, only left unanswered or hung up on, so the store waits for it as
// for a Redis that is down; the error says what else it may be.
func TestRedisTLSMismatchNamed(t *testing.T) {
	pki := tlstest.New(t)
	tlsOnly := startRedis(t, redisserver.Options{TLS: &redisserver.TLS{CertFile: pki.ServerCert, KeyFile: pki.ServerKey, CAFile: pki.CA}})
	plain := startRedis(t, redisserver.Options{})
	for _, tc := range []struct {
		name, url string
		tls       RedisTLS
		says      string
	}{
		{"TLS server, redis:// URL", strings.Replace(tlsOnly.URL(), "rediss://", "redis://", 1), RedisTLS{}, "rediss:// in REDIS_URL?"},
		{"plain server, rediss:// URL", strings.Replace(plain.URL(), "redis://", "rediss://", 1), RedisTLS{CA: pki.CA}, "a Redis without TLS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rdb, err := NewRedis(tc.url, tc.tls)
			if err != nil {
				t.Fatal(err)
			}
			defer rdb.Close()
			err = PingRedis(t.Context(), rdb)
			if err == nil || errors.Is(err, ErrRedisRefused) || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("PingRedis = %v; want an error saying %q", err, tc.says)
			}
		})
	}
}
