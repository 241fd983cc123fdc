package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
)

// Every verb follows the same conventions: help on stdout with exit 0,
// wrong arguments reported once on stderr with exit 2.
func TestCommandConventions(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string // a substring of stdout
		stderr string // a substring of stderr, printed exactly once
	}{
		{[]string{"up", "--help"}, 0, "usage: newsflow up", ""},
		{[]string{"up", "-h"}, 0, "-poll-interval", ""},
		{[]string{"up", "--bogus"}, 2, "", "flag provided but not defined: -bogus"},
		{[]string{"up", "extra"}, 2, "", `unexpected argument "extra"`},
		{[]string{"up", "--poll-interval", "soon"}, 2, "", `invalid value "soon"`},
		{[]string{"up", "--feed", "ftp://x"}, 2, "", `--feed "ftp://x"`},
		{[]string{"help", "--help"}, 0, "usage:", ""},
		{[]string{"help", "help"}, 0, "usage:", ""},
		{[]string{"help", "feeds", "list"}, 0, "usage: newsflow feeds list", ""},
		{[]string{"extract", "--help"}, 0, "usage: newsflow extract", ""},
		{[]string{"extract"}, 2, "", "want one page"},
		{[]string{"extract", "a.html", "b.html"}, 2, "", "got 2 arguments"},
		{[]string{"extract", "--batch", "a.html"}, 2, "", `not "a.html"`},
		{[]string{"eval", "--bogus"}, 2, "", "-bogus"},
		{[]string{"bench", "--rounds", "0"}, 2, "", "--rounds must be at least 1"},
		{[]string{"feeds", "--help"}, 0, "newsflow feeds import", ""},
		{[]string{"feeds", "help"}, 0, "newsflow feeds import", ""},
		{[]string{"feeds", "list", "--help"}, 0, "NATS_PASSWORD[_FILE]", ""},
		{[]string{"feeds"}, 2, "", "no command given"},
		{[]string{"feeds", "frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{[]string{"feeds", "list", "extra"}, 2, "", `list takes no arguments, got "extra"`},
		{[]string{"feeds", "add"}, 2, "", "give at least one URL"},
		{[]string{"feeds", "add", "--bogus", "https://a.example/"}, 2, "", "-bogus"},
		{[]string{"tail", "--help"}, 0, "NATS_URL  (default nats://127.0.0.1:4222)", ""},
		{[]string{"tail", "--since", "1h", "--all"}, 2, "", "--since and --all: give one"},
		{[]string{"help", "tail"}, 0, "usage: newsflow tail", ""},
		{[]string{"--help"}, 0, "newsflow --version", ""},
		{[]string{"--version"}, 0, "newsflow ", ""},
		{[]string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
	} {
		var out, errOut bytes.Buffer
		code := run(t.Context(), tc.args, strings.NewReader(""), &out, &errOut)
		if code != tc.code {
			t.Errorf("newsflow %q: exit %d, want %d\nstdout: %s\nstderr: %s", tc.args, code, tc.code, out.String(), errOut.String())
			continue
		}
		if !strings.Contains(out.String(), tc.stdout) {
			t.Errorf("newsflow %q: stdout lacks %q:\n%s", tc.args, tc.stdout, out.String())
		}
		if tc.stderr == "" && errOut.Len() > 0 {
			t.Errorf("newsflow %q: stderr %q, want nothing", tc.args, errOut.String())
		}
		if tc.stderr != "" && strings.Count(errOut.String(), tc.stderr) != 1 {
			t.Errorf("newsflow %q: stderr has %q %d times, want once:\n%s", tc.args, tc.stderr, strings.Count(errOut.String(), tc.stderr), errOut.String())
		}
	}
}

func TestParseFlagsAnywhere(t *testing.T) {
	for _, tc := range []struct {
		args []string
		pos  []string
		url  string
		all  bool
	}{
		{[]string{"a", "--url", "U", "b"}, []string{"a", "b"}, "U", false},
		{[]string{"--all", "a", "-url=U"}, []string{"a"}, "U", true},
		{[]string{"a", "--", "--all", "-"}, []string{"a", "--all", "-"}, "", false},
		{[]string{"--url", "--", "a"}, []string{"a"}, "--", false}, // "--" as a value ends nothing
		{[]string{"-", "--all"}, []string{"-"}, "", true},
		{nil, nil, "", false},
	} {
		c := newCommand("x", "usage: x\n")
		u := c.String("url", "", "")
		all := c.Bool("all", false, "")
		pos, err := c.parse(tc.args)
		if err != nil || !slices.Equal(pos, tc.pos) || *u != tc.url || *all != tc.all {
			t.Errorf("parse(%q) = %q, url %q, all %v, %v; want %q, %q, %v", tc.args, pos, *u, *all, err, tc.pos, tc.url, tc.all)
		}
	}
	c := newCommand("x", "usage: x\n")
	c.Duration("since", 0, "")
	if _, err := c.parse([]string{"a", "--since", "never"}); err == nil {
		t.Error("a bad value after a positional argument was accepted")
	}
	if _, err := c.parse([]string{"--help"}); err == nil || !strings.Contains(err.Error(), "help") {
		t.Errorf("--help: %v", err)
	}
}

// An interactive command against an address where nothing listens fails
// at once, naming the address, instead of waiting.
func TestUnreachableFailsFast(t *testing.T) {
	for _, tc := range []struct {
		args []string
		addr string
	}{
		{[]string{"feeds", "list", "--nats", "nats://127.0.0.1:1"}, "nats://127.0.0.1:1"},
		{[]string{"tail", "--nats", "nats://127.0.0.1:1"}, "nats://127.0.0.1:1"},
		{[]string{"tail", "--api", "http://127.0.0.1:1"}, "127.0.0.1:1"},
	} {
		var out, errOut bytes.Buffer
		done := make(chan int, 1)
		go func() { done <- run(t.Context(), tc.args, strings.NewReader(""), &out, &errOut) }()
		select {
		case code := <-done:
			if code != 1 || !strings.Contains(errOut.String(), tc.addr) {
				t.Errorf("newsflow %q: exit %d, stderr %q; want 1 and a message naming %s", tc.args, code, errOut.String(), tc.addr)
			}
			if n := strings.Count(errOut.String(), "\n"); n != 1 {
				t.Errorf("newsflow %q: %d lines on stderr, want one:\n%s", tc.args, n, errOut.String())
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("newsflow %q still waiting after 20 s", tc.args)
		}
	}
}
