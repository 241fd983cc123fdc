package meta_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/newsflow/newsflow/pkg/extract/meta"
)

// A bug that panics midway costs the page its metadata, not the process, and
// is neither silent nor uncounted: it is logged with its stack and counted.
func TestExtractRecoversLoudly(t *testing.T) {
	var logs bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(&logs, nil)))
	meta.SetTestHookWalked(func() { panic("boom in the metadata reader") })
	t.Cleanup(func() {
		slog.SetDefault(old)
		meta.SetTestHookWalked(nil)
	})
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(`<html><head><title>Harbour reopens</title></head><body><h1>Harbour reopens</h1></body></html>`))
	if err != nil {
		t.Fatal(err)
	}
	before := meta.RecoveredPanics()
	meta.Extract(doc, meta.Input{FetchedAt: time.Now()})
	if got := meta.RecoveredPanics() - before; got != 1 {
		t.Errorf("RecoveredPanics grew by %d, want 1", got)
	}
	out := logs.String()
	for _, want := range []string{`"level":"ERROR"`, "boom in the metadata reader", `"stack":"goroutine`, "meta_test.TestExtractRecoversLoudly"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
}
