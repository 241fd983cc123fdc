package service

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/pkg/config"
)

// testProgram is a stage with one variable of its own; started is set if
// its run function ever runs.
func testProgram(started *atomic.Bool) program {
	return program{name: "demo", addr: ":0", setup: func(env *config.Env) (RunFunc, error) {
		env.Int("DEMO_WORKERS", 3, 1, 9, "demo things done at once")
		return func(context.Context, Deps) error { started.Store(true); return nil }, nil
	}}
}

func TestMainArguments(t *testing.T) {
	natsURL, dials := natstest.CountDials(t)
	secret := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(secret, []byte("tok-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		env    map[string]string
		code   int
		stdout []string // substrings of stdout
		stderr []string // substrings of stderr
		hidden []string // in neither
	}{
		{"help", []string{"--help"}, nil, 0,
			[]string{"usage: demo", "DEMO_WORKERS  (default 3)\n        demo things done at once", "NATS_URL  (default nats://127.0.0.1:4222)",
				"NATS_PASSWORD[_FILE]", "LOG_LEVEL  (default info)", "healthcheck"}, nil, nil},
		{"-h", []string{"-h"}, nil, 0, []string{"DEMO_WORKERS"}, nil, nil},
		{"version", []string{"--version"}, nil, 0, []string{"demo "}, nil, nil},
		{"unknown argument", []string{"--bogus"}, nil, 2, nil, []string{`unknown arguments ["--bogus"]`, "usage: demo"}, nil},
		{"extra argument", []string{"--help", "x"}, nil, 2, nil, []string{"usage: demo"}, nil},
		{"print-config", []string{"--print-config"},
			map[string]string{"NATS_URL": "nats://bob:pw-in-url@127.0.0.1:1", "NATS_TOKEN_FILE": secret, "DEMO_WORKERS": "5"}, 0,
			[]string{"DEMO_WORKERS=5", "# environment", "NATS_TOKEN=(secret)", "# NATS_TOKEN_FILE=" + secret, "NATS_URL=nats://bob:xxxxx@127.0.0.1:1", "LOG_FORMAT=json"},
			nil, []string{"pw-in-url", "tok-from-file"}},
		{"print-config, bad value", []string{"--print-config"}, map[string]string{"DEMO_WORKERS": "99", "NATS_PASSWORD": "pw-secret", "NATS_USER": "u", "NATS_PASSWORD_FILE": secret}, 2,
			[]string{"DEMO_WORKERS=99"}, []string{"DEMO_WORKERS", "NATS_PASSWORD and NATS_PASSWORD_FILE are both set"}, []string{"pw-secret", "tok-from-file"}},
		{"start, bad value", nil, map[string]string{"NATS_URL": natsURL, "DEMO_WORKERS": "x"}, 2, nil, []string{`DEMO_WORKERS="x": not an integer`}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var started atomic.Bool
			var out, errOut bytes.Buffer
			env := map[string]string{"NATS_URL": natsURL}
			for k, v := range tc.env {
				env[k] = v
			}
			code := testProgram(&started).main(tc.args, config.FromMap(env), &out, &errOut)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out.String(), errOut.String())
			}
			for _, s := range tc.stdout {
				if !strings.Contains(out.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, out.String())
				}
			}
			for _, s := range tc.stderr {
				if !strings.Contains(errOut.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, errOut.String())
				}
			}
			for _, s := range tc.hidden {
				if strings.Contains(out.String()+errOut.String(), s) {
					t.Errorf("output shows %q:\n%s%s", s, out.String(), errOut.String())
				}
			}
			if started.Load() {
				t.Error("the stage ran")
			}
		})
	}
	time.Sleep(50 * time.Millisecond) // a dial in flight would be counted by now
	if n := dials.Load(); n != 0 {
		t.Errorf("NATS was dialled %d times; no argument above may connect", n)
	}
}

func TestFormatVersion(t *testing.T) {
	for _, tc := range []struct {
		bi   debug.BuildInfo
		want string
	}{
		{debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "example.com/m/cmd/x", Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"}}},
			"x (devel) example.com/m/cmd/x, revision 0123456789abcdef0123456789abcdef01234567 of 2026-01-02T03:04:05Z (modified), go1.26.8"},
		{debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "example.com/m", Version: "v1.2.3"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "false"}}},
			"x v1.2.3 example.com/m, revision abc, go1.26.8"},
		{debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "example.com/m", Version: "(devel)"}},
			"x (devel) example.com/m, revision unknown, go1.26.8"},
	} {
		if got := formatVersion("x", &tc.bi); got != tc.want {
			t.Errorf("formatVersion = %q\nwant            %q", got, tc.want)
		}
	}
}
