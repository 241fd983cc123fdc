package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/pkg/events"
)

// The batch contract other tools depend on: one JSON document per input line,
// in input order; a page that fails gives {"error": ...} and the batch goes on.
func TestExtractBatchContract(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.html")
	if err := os.WriteFile(plain, []byte(jsonLDPage), 0o644); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(plainPage))
	zw.Close()
	// The .html name on gzip bytes checks detection by content, not by name.
	gzPath := filepath.Join(dir, "library.html")
	if err := os.WriteFile(gzPath, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	in := fmt.Sprintf(`{"path": %q, "url": "https://coastal.example/news/harbour"}
{"path": %q, "url": "https://library.example/hours"}
{"path": %q, "url": "https://example.com/missing"}
not json
{"path": %q}
`, plain, gzPath, filepath.Join(dir, "missing.html"), plain)
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"extract", "--batch"}, strings.NewReader(in), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var lines []map[string]any
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("output line is not JSON: %q", sc.Text())
		}
		lines = append(lines, m)
	}
	if len(lines) != 5 {
		t.Fatalf("got %d output lines, want 5:\n%s", len(lines), out.String())
	}
	wantTitle := []string{"Harbour reopens after storm", "Library extends opening hours"}
	for i, title := range wantTitle {
		if lines[i]["error"] != nil {
			t.Errorf("line %d: error %v", i+1, lines[i]["error"])
			continue
		}
		if got, _ := lines[i]["title"].(string); !strings.HasPrefix(got, title) {
			t.Errorf("line %d: title %q, want %q", i+1, got, title)
		}
		if body, _ := lines[i]["body_text"].(string); !strings.Contains(body, "central library") && !strings.Contains(body, "harbour reopened") {
			t.Errorf("line %d: body_text %q", i+1, body)
		}
		data, _ := json.Marshal(lines[i])
		if err := events.ValidateArticleJSON(data); err != nil {
			t.Errorf("line %d: %v", i+1, err)
		}
	}
	for _, i := range []int{2, 3} {
		if msg, _ := lines[i]["error"].(string); msg == "" || len(lines[i]) != 1 {
			t.Errorf("line %d: want only an error, got %v", i+1, lines[i])
		}
	}
	if !strings.Contains(lines[2]["error"].(string), "missing.html") {
		t.Errorf("missing-file error does not name the file: %v", lines[2]["error"])
	}
	if lines[4]["error"] != nil {
		t.Errorf("line 5 (no url): %v", lines[4]["error"])
	}
	if got := lines[4]["url"]; got != "file://"+filepath.ToSlash(plain) {
		t.Errorf("line 5 (no url): url %v, want the file's", got)
	}
	data, _ := json.Marshal(lines[4])
	if err := events.ValidateArticleJSON(data); err != nil {
		t.Errorf("line 5 (no url): %v", err)
	}
}

func TestExtractSingleFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "page.html")
	if err := os.WriteFile(path, []byte(jsonLDPage), 0o644); err != nil {
		t.Fatal(err)
	}
	const u = "https://coastal.example/news/harbour"
	// Flags go before or after the file; "--" ends them.
	for _, args := range [][]string{{"--url", u, path}, {path, "--url", u}, {path, "-url=" + u}, {"--url", u, "--", path}} {
		var out, errOut bytes.Buffer
		if code := run(t.Context(), append([]string{"extract"}, args...), nil, &out, &errOut); code != 0 {
			t.Fatalf("extract %q: exit %d: %s", args, code, errOut.String())
		}
		if err := events.ValidateArticleJSON(out.Bytes()); err != nil {
			t.Errorf("%v\n%s", err, out.String())
		}
		var a events.Article
		if err := json.Unmarshal(out.Bytes(), &a); err != nil || a.URL != u {
			t.Errorf("extract %q: url %q (%v), want %s", args, a.URL, err, u)
		}
	}
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"extract", "--url", "https://coastal.example/news/harbour", path}, nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if err := events.ValidateArticleJSON(out.Bytes()); err != nil {
		t.Errorf("%v\n%s", err, out.String())
	}
	// Without --url, from a file and from stdin, the document still passes
	// the schema: the page was read from a file, so its URL is the file's.
	for _, args := range [][]string{{"extract", path}, {"extract", "-"}} {
		out.Reset()
		if code := run(t.Context(), args, strings.NewReader(jsonLDPage), &out, &errOut); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut.String())
		}
		if err := events.ValidateArticleJSON(out.Bytes()); err != nil {
			t.Errorf("%v: %v\n%s", args, err, out.String())
		}
		want := "file://" + filepath.ToSlash(path)
		if args[1] == "-" {
			want = "file:///dev/stdin"
		}
		if !strings.Contains(out.String(), `"url": "`+want+`"`) {
			t.Errorf("%v: the url is not %s:\n%.300s", args, want, out.String())
		}
	}
	// A binary file is refused, clearly, not "extracted".
	bin := filepath.Join(t.TempDir(), "image.png")
	if err := os.WriteFile(bin, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), 0o644); err != nil {
		t.Fatal(err)
	}
	errOut.Reset()
	if code := run(t.Context(), []string{"extract", bin}, nil, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "binary content") {
		t.Errorf("extract of a binary file: exit %d, %q; want 1 and a message", code, errOut.String())
	}
	if code := run(t.Context(), []string{"extract"}, nil, &out, &errOut); code != 2 {
		t.Errorf("no file: exit %d, want 2", code)
	}
}
