package main

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/internal/tlstest"
	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/services/parser"
)

// natsVars are every variable that says how to reach NATS: each case sets
// its own and clears the others.
var natsVars = []string{"NATS_URL", "NATS_USER", "NATS_PASSWORD", "NATS_PASSWORD_FILE", "NATS_TOKEN", "NATS_TOKEN_FILE",
	"NATS_CREDS", "NATS_NKEY_SEED", "NATS_TLS_CA", "NATS_TLS_CERT", "NATS_TLS_KEY"}

func setNATSEnv(t *testing.T, url string, vars map[string]string) {
	t.Helper()
	for _, k := range natsVars {
		t.Setenv(k, vars[k])
	}
	t.Setenv("NATS_URL", url)
}

// Against a NATS that requires credentials or TLS, the CLI and a service
// connect with the NATS_* settings and work (provision, the feed registry,
// a page parsed from NEWSFLOW_RAW into NEWSFLOW_ARTICLES); with one setting
// wrong they stop at once, saying what NATS refused, and never hang.
func TestNATSAccess(t *testing.T) {
	pki, stranger := tlstest.New(t), tlstest.New(t)
	op := natstest.NewOperator(t)
	nkeyUser, seed := natstest.NKeyUser(t)
	_, strangerSeed := natstest.NKeyUser(t)
	for _, tc := range []struct {
		name  string
		opts  []natstest.Option
		good  map[string]string
		wrong map[string]string
		says  []string // in the error of the wrong setting
	}{
		{"user and password", []natstest.Option{natstest.User("newsflow", "n4ts-pw")},
			map[string]string{"NATS_USER": "newsflow", "NATS_PASSWORD": "n4ts-pw"},
			map[string]string{"NATS_USER": "newsflow", "NATS_PASSWORD": "not-it"},
			[]string{"authorization violation", `user "newsflow"`}},
		{"user and password, none given", []natstest.Option{natstest.User("newsflow", "n4ts-pw")},
			map[string]string{"NATS_USER": "newsflow", "NATS_PASSWORD": "n4ts-pw"},
			map[string]string{},
			[]string{"authorization violation", "no credentials given"}},
		{"token", []natstest.Option{natstest.Token("t0ken-0123456789")},
			map[string]string{"NATS_TOKEN": "t0ken-0123456789"},
			map[string]string{"NATS_TOKEN": "t0ken-wrong"},
			[]string{"authorization violation", "NATS_TOKEN"}},
		{"credentials file (operator JWT)", []natstest.Option{op.Option()},
			map[string]string{"NATS_CREDS": op.Creds(t, "newsflow")},
			map[string]string{"NATS_CREDS": natstest.NewOperator(t).Creds(t, "stranger")},
			[]string{"authorization violation", "NATS_CREDS"}},
		{"nkey seed", []natstest.Option{nkeyUser},
			map[string]string{"NATS_NKEY_SEED": seed},
			map[string]string{"NATS_NKEY_SEED": strangerSeed},
			[]string{"authorization violation", "NATS_NKEY_SEED"}},
		{"TLS", []natstest.Option{natstest.TLS(t, pki, false)},
			map[string]string{"NATS_TLS_CA": pki.CA},
			map[string]string{"NATS_TLS_CA": stranger.CA},
			[]string{"tls", "certificate signed by unknown authority", "NATS_TLS_CA"}},
		{"TLS with client certificates", []natstest.Option{natstest.TLS(t, pki, true)},
			map[string]string{"NATS_TLS_CA": pki.CA, "NATS_TLS_CERT": pki.ClientCert, "NATS_TLS_KEY": pki.ClientKey},
			map[string]string{"NATS_TLS_CA": pki.CA, "NATS_TLS_CERT": stranger.ClientCert, "NATS_TLS_KEY": stranger.ClientKey},
			[]string{"tls", "NATS_TLS_CERT"}},
		{"TLS with client certificates, none given", []natstest.Option{natstest.TLS(t, pki, true)},
			map[string]string{"NATS_TLS_CA": pki.CA, "NATS_TLS_CERT": pki.ClientCert, "NATS_TLS_KEY": pki.ClientKey},
			map[string]string{"NATS_TLS_CA": pki.CA},
			[]string{"tls", "no NATS_TLS_CERT"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := natstest.Start(t, tc.opts...)

			setNATSEnv(t, ns.ClientURL(), tc.wrong)
			start := time.Now()
			_, stderr, code := runCLI(t, "provision")
			if code != 1 {
				t.Errorf("provision with a wrong setting: exit %d, want 1\n%s", code, stderr)
			}
			for _, want := range tc.says {
				if !strings.Contains(strings.ToLower(stderr), strings.ToLower(want)) {
					t.Errorf("provision with a wrong setting says %q, want it to name %q", stderr, want)
				}
			}
			t.Logf("provision refused in %v: %s", time.Since(start).Round(time.Millisecond), strings.TrimSpace(stderr))
			// A service waits for a NATS that is down, but not for one
			// that refuses it: waiting would not fix the setting.
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			_, err := service.Connect(ctx, natsx.FromEnv(config.FromOS(), "parser"), testLogger(t))
			if err == nil || ctx.Err() != nil {
				t.Fatalf("a service connected with a wrong setting, or waited until its deadline: %v", err)
			}
			if !strings.HasPrefix(tc.name, "TLS") {
				if !errors.Is(err, nats.ErrAuthorization) {
					t.Errorf("service.Connect: %v, want nats.ErrAuthorization", err)
				}
			}

			setNATSEnv(t, ns.ClientURL(), tc.good)
			if out, stderr, code := runCLI(t, "provision"); code != 0 || !strings.Contains(out, "created") {
				t.Fatalf("provision: exit %d\n%s%s", code, out, stderr)
			}
			const feed = "https://news.example/feed.xml"
			if out, stderr, code := runCLI(t, "feeds", "add", feed); code != 0 {
				t.Fatalf("feeds add: exit %d\n%s%s", code, out, stderr)
			}
			if out, stderr, code := runCLI(t, "feeds", "list"); code != 0 || !strings.Contains(out, feed) {
				t.Fatalf("feeds list: exit %d, want the feed\n%s%s", code, out, stderr)
			}
			parsePage(t, natsx.FromEnv(config.FromOS(), "parser"))
		})
	}
}

// parsePage runs the parser on c, publishes a page to NEWSFLOW_RAW and waits
// for its article on NEWSFLOW_ARTICLES.
func parsePage(t *testing.T, c natsx.Config) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	deps, err := service.Connect(ctx, c, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := parser.Run(ctx, parser.Config{Workers: 1, MaxDeliver: 3, Timeout: 10 * time.Second}, deps); err != nil {
			t.Errorf("parser: %v", err)
		}
	})
	defer func() {
		cancel()
		wg.Wait()
		deps.NC.Close()
	}()
	page := events.RawPage{URL: "https://news.example/2024/02/23/summit", Status: 200, ContentType: "text/html; charset=utf-8",
		Body: []byte(seedPage(t)), FetchedAt: time.Now()}
	m, err := page.Msg("newsflow/test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := deps.JS.PublishMsg(ctx, m); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the parsed article", func() bool { return streamMsgs(t, deps.JS, events.StreamArticles) == 1 })
}
