package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestEnvNamesBadVariables(t *testing.T) {
	e := FromMap(map[string]string{
		"GOOD_INT": "4", "BAD_INT": "four", "BAD_DUR": "-3s", "BAD_URL": "http//x",
		"NATS": "nats://a:4222,nats://b:4222", "LIST": "a, b,,c", "RANGE": "99",
	})
	if got := e.Int("GOOD_INT", 1, 1, 10, "h"); got != 4 {
		t.Errorf("GOOD_INT = %d", got)
	}
	if got := e.Int("MISSING", 7, 1, 10, "h"); got != 7 {
		t.Errorf("MISSING = %d", got)
	}
	e.Int("BAD_INT", 1, 1, 10, "h")
	e.Int("RANGE", 1, 1, 10, "h")
	if got := e.Duration("BAD_DUR", time.Second, "h"); got != time.Second {
		t.Errorf("BAD_DUR = %v", got)
	}
	e.URL("BAD_URL", "", "h", "http")
	if got := e.URL("NATS", "", "h", "nats"); got != "nats://a:4222,nats://b:4222" {
		t.Errorf("NATS = %q", got)
	}
	if got := e.List("LIST", nil, "h"); strings.Join(got, "|") != "a|b|c" {
		t.Errorf("LIST = %q", got)
	}
	err := e.Err()
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("Err() = %v, want ErrInvalid", err)
	}
	for _, name := range []string{"BAD_INT", "BAD_DUR", "BAD_URL", "RANGE"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
	if strings.Contains(err.Error(), "GOOD_INT") || strings.Contains(err.Error(), "NATS") {
		t.Errorf("error names a good variable: %v", err)
	}
}

func TestDurationOrZero(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"", time.Second, true}, {"0", 0, true}, {"0s", 0, true}, {"250ms", 250 * time.Millisecond, true},
		{"-1s", time.Second, false}, {"soon", time.Second, false},
	} {
		e := FromMap(map[string]string{"D": tc.v})
		if got := e.DurationOrZero("D", time.Second, "a wait"); got != tc.want || (e.Err() == nil) != tc.ok {
			t.Errorf("D=%q: %v, err %v; want %v, ok=%v", tc.v, got, e.Err(), tc.want, tc.ok)
		}
	}
}
