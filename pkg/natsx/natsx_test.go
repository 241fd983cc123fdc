package natsx_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/pkg/natsx"
)

// Wrong credentials fail at once; only an unreachable server is retried.
func TestConnectFailsFastOnBadCredentials(t *testing.T) {
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, Username: "newsflow", Password: "right", NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	defer ns.Shutdown()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("server not ready")
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, _, err = natsx.Connect(ctx, natsx.Config{URL: ns.ClientURL(), User: "newsflow", Password: "wrong"}, log)
	if !errors.Is(err, nats.ErrAuthorization) {
		t.Fatalf("err = %v, want an authorization error", err)
	}
	if ctx.Err() != nil {
		t.Error("Connect retried bad credentials until the deadline")
	}
	nc, _, err := natsx.Connect(ctx, natsx.Config{URL: ns.ClientURL(), User: "newsflow", Password: "right"}, log)
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
}

// NATS_TOKEN_FILE gives the token, as a mounted secret would.
func TestTokenFromFile(t *testing.T) {
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, Authorization: "s3cret-token", NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	defer ns.Shutdown()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("server not ready")
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct {
		token string
		ok    bool
	}{{"s3cret-token\n", true}, {"wrong-token", false}} {
		file := filepath.Join(t.TempDir(), "token")
		if err := os.WriteFile(file, []byte(tc.token), 0o600); err != nil {
			t.Fatal(err)
		}
		env := config.FromMap(map[string]string{"NATS_URL": ns.ClientURL(), "NATS_TOKEN_FILE": file})
		c := natsx.FromEnv(env, "test")
		if err := env.Err(); err != nil {
			t.Fatal(err)
		}
		c.FailFast = true
		nc, _, err := natsx.Connect(t.Context(), c, log)
		if tc.ok != (err == nil) {
			t.Errorf("token %q: %v", tc.token, err)
		}
		if err == nil {
			nc.Close()
		} else if !errors.Is(err, nats.ErrAuthorization) || strings.Contains(err.Error(), tc.token) {
			t.Errorf("token %q: %v, want an authorization error without the token", tc.token, err)
		}
	}
}

// FailFast returns the first failure, naming the server without its password.
func TestFailFast(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, _, err := natsx.Connect(ctx, natsx.Config{URL: "nats://bob:pw-in-url@127.0.0.1:1", FailFast: true}, log)
	if err == nil || !strings.Contains(err.Error(), "nats://bob:xxxxx@127.0.0.1:1") || strings.Contains(err.Error(), "pw-in-url") {
		t.Fatalf("err = %v, want one naming the server, its password hidden", err)
	}
	if ctx.Err() != nil {
		t.Error("FailFast retried until the deadline")
	}
}

// One way of authentication: an nkey seed with anything else is refused
// before connecting, naming the variable, never the secret.
func TestNKeySeedAlone(t *testing.T) {
	seed := filepath.Join(t.TempDir(), "user.nk")
	if err := os.WriteFile(seed, []byte("SUAxxx"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, other := range []map[string]string{{"NATS_TOKEN": "tok-4711"}, {"NATS_USER": "u", "NATS_PASSWORD": "pw-4711"}, {"NATS_CREDS": seed}} {
		vars := map[string]string{"NATS_NKEY_SEED": seed}
		for k, v := range other {
			vars[k] = v
		}
		env := config.FromMap(vars)
		natsx.FromEnv(env, "test")
		err := env.Err()
		if err == nil || !strings.Contains(err.Error(), "NATS_NKEY_SEED") || strings.Contains(err.Error(), "4711") {
			t.Errorf("NATS_NKEY_SEED with %v: %v, want an error naming NATS_NKEY_SEED without the secret", other, err)
		}
	}
}
