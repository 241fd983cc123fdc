package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/internal/natstest"
)

func TestFeedsCommand(t *testing.T) {
	ns := natstest.Start(t)
	feeds := func(args ...string) (string, int) {
		var out, errOut bytes.Buffer
		code := run(t.Context(), append([]string{"feeds", "--nats", ns.ClientURL()}, args...), strings.NewReader(""), &out, &errOut)
		return out.String() + errOut.String(), code
	}
	if out, code := feeds("add", "https://a.example/feed.xml"); code != 0 {
		t.Fatalf("add: %d %s", code, out)
	}
	opml := filepath.Join(t.TempDir(), "subs.opml")
	os.WriteFile(opml, []byte(`<opml><body><outline xmlUrl="https://b.example/rss"/><outline xmlUrl="https://a.example/feed.xml"/></body></opml>`), 0o644)
	if out, code := feeds("import", opml); code != 0 {
		t.Fatalf("import: %d %s", code, out)
	}
	out, code := feeds("list")
	if code != 0 || strings.Count(out, "https://") != 2 || !strings.Contains(out, "https://b.example/rss") {
		t.Fatalf("list: %d\n%s", code, out)
	}
	// Flags may also follow the verb and its arguments.
	var after, afterErr bytes.Buffer
	if code := run(t.Context(), []string{"feeds", "list", "--nats", ns.ClientURL()}, nil, &after, &afterErr); code != 0 || after.String() != out {
		t.Errorf("feeds list --nats URL: exit %d, %q%s; want the same list", code, after.String(), afterErr.String())
	}
	if code := run(t.Context(), []string{"feeds", "add", "https://c.example/rss", "--nats", ns.ClientURL()}, nil, &after, &afterErr); code != 0 {
		t.Errorf("feeds add URL --nats URL: exit %d: %s", code, afterErr.String())
	}
	if out, code := feeds("remove", "https://a.example/feed.xml"); code != 0 {
		t.Fatalf("remove: %d %s", code, out)
	}
	if out, code := feeds("remove", "https://a.example/feed.xml"); code != 1 || !strings.Contains(out, "not registered") {
		t.Errorf("second remove: %d %s", code, out)
	}
	if out, _ := feeds("list"); strings.Contains(out, "a.example") {
		t.Errorf("removed feed still listed:\n%s", out)
	}
	if _, code := feeds("add", "ftp://x"); code != 1 {
		t.Errorf("bad URL accepted")
	}
	if _, code := feeds("frobnicate"); code != 2 {
		t.Errorf("unknown verb: exit %d, want 2", code)
	}
}
