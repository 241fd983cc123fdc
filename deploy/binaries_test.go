package deploy

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/natstest"
)

// runBinary runs bin with args and only env, and returns its exit status
// and output.
func runBinary(t *testing.T, bin string, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s %q still running after 30 s", filepath.Base(bin), args)
	}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("%s %q: %v", filepath.Base(bin), args, err)
	}
	return code, out.String(), errOut.String()
}

// The service binaries are well-behaved commands: --help lists every
// variable the service reads (the registry readEnv sees) with its default,
// --version prints the build, --print-config the configuration with its
// secrets hidden, and none of them connects to anything; an unknown
// argument exits 2.
func TestBinaryArguments(t *testing.T) {
	bins := buildImages(t)
	natsURL, dials := natstest.CountDials(t)
	natsEnv := "NATS_URL=" + natsURL

	for _, svc := range stages {
		code, out, errOut := runBinary(t, bins[svc], []string{natsEnv}, "--help")
		if code != 0 || errOut != "" {
			t.Errorf("%s --help: exit %d, stderr %q", svc, code, errOut)
		}
		for _, v := range readEnv(svc, nil).Vars() {
			line := "  " + v.Name
			if v.Secret {
				line += "[_FILE]"
			}
			if v.Default != "" {
				line += "  (default " + v.Default
			}
			if !strings.Contains(out, line) || !strings.Contains(out, v.Help) {
				t.Errorf("%s --help lacks %q and its meaning %q", svc, line, v.Help)
			}
		}
		if code, _, errOut := runBinary(t, bins[svc], []string{natsEnv}, "--bogus"); code != 2 || !strings.Contains(errOut, "usage: "+svc) {
			t.Errorf("%s --bogus: exit %d, stderr %q; want 2 and the usage", svc, code, errOut)
		}
	}
	if !strings.Contains(mustRun(t, bins["fetcher"], []string{natsEnv}, "--help"), "FETCHER_WORKERS  (default 8)\n        pages fetched at once per replica") {
		t.Error("fetcher --help does not explain FETCHER_WORKERS")
	}
	if out := mustRun(t, bins["parser"], []string{natsEnv}, "--version"); !strings.HasPrefix(out, "parser ") ||
		!strings.Contains(out, "github.com/newsflow/newsflow/services/parser") || !strings.Contains(out, "go1.") {
		t.Errorf("parser --version = %q, want its name, module and Go version", out)
	}

	secret := filepath.Join(t.TempDir(), "redis-url")
	if err := os.WriteFile(secret, []byte("redis://:s3cret-pw@redis.example:6379/0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, bins["store"], []string{natsEnv, "REDIS_URL_FILE=" + secret, "NATS_PASSWORD=n4ts-pw", "NATS_USER=u"}, "--print-config")
	for _, want := range []string{"REDIS_URL=redis://:xxxxx@redis.example:6379/0", "# REDIS_URL_FILE=" + secret, "NATS_PASSWORD=(secret)", "STORE_TTL=720h"} {
		if !strings.Contains(out, want) {
			t.Errorf("store --print-config lacks %q:\n%s", want, out)
		}
	}
	code, out, errOut := runBinary(t, bins["store"], []string{natsEnv, "REDIS_URL_FILE=" + secret, "REDIS_URL=redis://:other-pw@x:6379"}, "--print-config")
	if code != 2 || !strings.Contains(errOut, "REDIS_URL and REDIS_URL_FILE are both set") {
		t.Errorf("store --print-config with REDIS_URL and REDIS_URL_FILE: exit %d, %q", code, errOut)
	}
	for _, pw := range []string{"s3cret-pw", "n4ts-pw", "other-pw"} {
		if strings.Contains(out+errOut, pw) {
			t.Errorf("store --print-config shows the secret %q:\n%s%s", pw, out, errOut)
		}
	}
	// Started with the same two, the store refuses before dialling anything.
	if code, _, errOut := runBinary(t, bins["store"], []string{natsEnv, "REDIS_URL_FILE=" + secret, "REDIS_URL=redis://:other-pw@x:6379"}); code != 2 ||
		strings.Contains(errOut, "other-pw") {
		t.Errorf("store with REDIS_URL and REDIS_URL_FILE: exit %d, %q; want 2 without the password", code, errOut)
	}
	time.Sleep(50 * time.Millisecond) // a dial in flight would be counted by now
	if n := dials.Load(); n != 0 {
		t.Errorf("NATS was dialled %d times; none of these runs may connect", n)
	}
}

// mustRun runs bin with args and only env, and returns its stdout,
// failing unless it exits 0.
func mustRun(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	code, out, errOut := runBinary(t, bin, env, args...)
	if code != 0 {
		t.Fatalf("%s %q: exit %d: %s", filepath.Base(bin), args, code, errOut)
	}
	return out
}
