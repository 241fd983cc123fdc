package store

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/newsflow/newsflow/internal/redistest"
	"github.com/newsflow/newsflow/pkg/events"
)

// chromium finds Debian's chromium. The browser test fails without it rather
// than skipping: .ci/run installs it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium not found: apt-get install -y chromium")
	return ""
}

func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.WithoutCancel(t.Context()), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	ctx, cancel := context.WithTimeout(bctx, 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func readable(host string, n int, published time.Time, title, lang string, authors ...string) *events.Article {
	return art(host, n, published, withBody(fmt.Sprintf("Opening paragraph of %s.\n\nSecond paragraph with more detail about %s.", title, title)),
		func(a *events.Article) {
			a.Title, a.Language, a.Authors, a.SiteName = title, lang, authors, strings.ToUpper(host[:1])+host[1:]
			a.Tags = []string{"world"}
		})
}

// The page loads, lists the stored articles, shows a newly published one
// without a reload, filters by site and language, and opens an article.
func TestWebPageInChromium(t *testing.T) {
	natsURL, js := natsServer(t)
	rdb, prefix := redistest.Client(t)
	// Short test bodies may be linked as copies.
	st := runStore(t, natsURL, rdb, Config{Prefix: prefix, TTL: time.Hour, Workers: 2, DuplicateMinWords: 5})
	model := NewArticles(rdb, prefix, time.Hour)
	now := time.Now().UTC().Truncate(time.Second)
	stored := []*events.Article{
		readable("alpha.example", 1, now.Add(-3*time.Hour), "Harbour reopens after storm", "en", "Ann Lee"),
		readable("beta.example", 2, now.Add(-2*time.Hour), "Neue Brücke eröffnet", "de", "Bernd Brot"),
		readable("alpha.example", 3, now.Add(-time.Hour), "Council approves budget", "en-GB", "Cy Dee"),
	}
	for _, a := range stored {
		publish(t, js, a)
	}
	for _, a := range stored {
		waitFor(t, "article stored", func() bool { _, err := model.Get(t.Context(), a.ID); return err == nil })
	}

	ctx := browser(t)
	row := func(a *events.Article) chromedp.CSS {
		return chromedp.CSS(fmt.Sprintf(`#articles li[data-id="%s"]`, a.ID))
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(st.api+"/"),
		chromedp.WaitVisible(row(stored[0])),
		chromedp.WaitVisible(row(stored[1])),
		chromedp.WaitVisible(row(stored[2])),
		chromedp.WaitVisible(chromedp.CSS(`#status.live`)),
	); err != nil {
		t.Fatalf("page with the stored articles: %v", err)
	}
	if first := text(`#articles li:first-child a`); first != stored[2].Title {
		t.Errorf("first article on the page %q, want the newest, %q", first, stored[2].Title)
	}

	// Published while the page is open: it appears without a reload.
	fresh := readable("gamma.example", 4, now, "Live: rescue under way", "en", "Dee Eff")
	publish(t, js, fresh)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(row(fresh))); err != nil {
		t.Fatalf("live article: %v", err)
	}
	count, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#articles li").length`))
	if top := text(`#articles li:first-child a`); err != nil || top != fresh.Title || count != 4 {
		t.Errorf("after the live article: top %q, %d rows (%v); want %q on top of 4", top, count, err, fresh.Title)
	}

	// Open an article: its text and metadata.
	if err := chromedp.Do(ctx,
		chromedp.Click(row(stored[1])+" a"),
		chromedp.WaitVisible(chromedp.ID("reader")),
		discard(chromedp.Poll[bool](fmt.Sprintf(`document.getElementById("r-title").textContent === %q`, stored[1].Title))),
	); err != nil {
		t.Fatalf("open article: %v", err)
	}
	title, body, meta := text("#r-title"), text("#r-body"), text("#r-meta")
	if title != stored[1].Title || !strings.Contains(body, "Second paragraph with more detail") ||
		!strings.Contains(meta, "Bernd Brot") || !strings.Contains(meta, "de") || !strings.Contains(meta, stored[1].URL) {
		t.Errorf("reader shows title %q, body %q, meta %q", title, body, meta)
	}
	if shot := os.Getenv("NEWSFLOW_SCREENSHOT"); shot != "" {
		if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			_ = os.WriteFile(shot, png, 0o644)
		}
	}

	// Filters: by site, then by language; the live stream follows them.
	choose := func(sel, value string) chromedp.Action[chromedp.Void] {
		return discard(chromedp.Evaluate[string](fmt.Sprintf(`(() => { const s = document.querySelector(%q); s.value = %q;
			s.dispatchEvent(new Event("change")); return s.value })()`, sel, value)))
	}
	rowsAre := func(want ...*events.Article) chromedp.Action[chromedp.Void] {
		var ids []string
		for _, a := range want {
			ids = append(ids, `"`+a.ID+`"`)
		}
		return discard(chromedp.Poll[bool](fmt.Sprintf(`(() => { const got = [...document.querySelectorAll("#articles li")].map(li => li.dataset.id);
			const want = [%s]; return got.length === want.length && want.every((id, i) => got[i] === id) })()`, strings.Join(ids, ","))))
	}
	if err := chromedp.Do(ctx,
		chromedp.WaitReady(chromedp.CSS(`#site option[value="alpha_example"]`)),
		choose("#site", "alpha_example"),
		rowsAre(stored[2], stored[0]),
		chromedp.WaitVisible(chromedp.CSS(`#status.live`)),
	); err != nil {
		t.Fatalf("site filter: %v", err)
	}
	other := readable("beta.example", 5, now, "Not on alpha", "en")
	onAlpha := readable("alpha.example", 6, now, "Alpha again", "en")
	publish(t, js, other)
	publish(t, js, onAlpha)
	if err := chromedp.Do(ctx, rowsAre(onAlpha, stored[2], stored[0])); err != nil {
		t.Fatalf("live article under the site filter: %v", err)
	}
	if err := chromedp.Do(ctx,
		choose("#site", ""),
		choose("#language", "de"),
		rowsAre(stored[1]),
	); err != nil {
		t.Fatalf("language filter: %v", err)
	}

	// The title search.
	if err := chromedp.Do(ctx,
		choose("#language", ""),
		chromedp.SendKeys(chromedp.ID("q"), "BUDGET"),
		rowsAre(stored[2]),
		discard(chromedp.Evaluate[string](`(() => { const q = document.getElementById("q"); q.value = "";
			q.dispatchEvent(new Event("input")); return "" })()`)),
	); err != nil {
		t.Fatalf("title search: %v", err)
	}

	// A syndicated copy is hidden until copies are asked for, then marked.
	copyOf := readable("delta.example", 7, now.Add(time.Minute), "Neue Brücke eröffnet (Agentur)", "de", "Bernd Brot")
	copyOf.BodyText, copyOf.ContentHash, copyOf.Simhash = stored[1].BodyText, stored[1].ContentHash, stored[1].Simhash
	publish(t, js, copyOf)
	waitFor(t, "copy stored", func() bool { st, err := model.Get(t.Context(), copyOf.ID); return err == nil && st.DuplicateOf != "" })
	if err := chromedp.Do(ctx,
		choose("#language", "de"),
		rowsAre(stored[1]),
		discard(chromedp.Evaluate[bool](`document.getElementById("copies").click() || true`)),
		rowsAre(copyOf, stored[1]),
		chromedp.WaitVisible(chromedp.CSS(row(copyOf)+" .badge")),
	); err != nil {
		t.Fatalf("copies: %v", err)
	}
}

// discard drops an action's value so that it can run among others in Do.
func discard[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}

// The store restarts under an open page: once it is back, the page
// reconnects with the last event id and shows what was published meanwhile.
func TestWebPageRidesOutStoreRestart(t *testing.T) {
	natsURL, js := natsServer(t)
	rdb, prefix := redistest.Client(t)
	cfg := Config{Prefix: prefix, TTL: time.Hour, Workers: 2, HTTPAddr: freeAddr(t)}
	st := runStore(t, natsURL, rdb, cfg)
	now := time.Now().UTC().Truncate(time.Second)
	first := readable("alpha.example", 1, now.Add(-time.Hour), "Before the restart", "en")
	publish(t, js, first)
	waitFor(t, "article stored", func() bool {
		_, err := NewArticles(rdb, prefix, time.Hour).Get(t.Context(), first.ID)
		return err == nil
	})

	ctx := browser(t)
	row := func(a *events.Article) chromedp.CSS {
		return chromedp.CSS(fmt.Sprintf(`#articles li[data-id="%s"]`, a.ID))
	}
	live := readable("alpha.example", 2, now.Add(-time.Minute), "Live before the restart", "en")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(st.api+"/"),
		chromedp.WaitVisible(row(first)),
		chromedp.WaitVisible(chromedp.CSS(`#status.live`)),
	); err != nil {
		t.Fatalf("page: %v", err)
	}
	publish(t, js, live)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(row(live))); err != nil {
		t.Fatalf("live article: %v", err)
	}

	if err := st.stop(); err != nil {
		t.Fatalf("stop store: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#status.down`))); err != nil {
		t.Fatalf("the page did not notice the store going: %v", err)
	}
	missed := readable("beta.example", 3, now, "Published while the store was down", "en")
	publish(t, js, missed)
	runStore(t, natsURL, rdb, cfg)
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(row(missed)),
		chromedp.WaitVisible(chromedp.CSS(`#status.live`)),
	); err != nil {
		t.Fatalf("article published during the restart: %v", err)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#articles li").length`))
	if err != nil || n != 3 {
		t.Errorf("%d rows after the restart (%v), want 3: nothing repeated", n, err)
	}
}
