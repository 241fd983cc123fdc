package trim_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"testing"

	"github.com/newsflow/newsflow/internal/fixtures"
	"github.com/newsflow/newsflow/pkg/evaluate"
	"github.com/newsflow/newsflow/pkg/extract"
	"github.com/newsflow/newsflow/pkg/extract/trim"
)

// A trimmed page gives the extractor the same article, field for field, on
// every page of the repository's corpora.
func TestTrimmedPagesExtractTheSame(t *testing.T) {
	var total, trimmed int
	for name, page := range corpusPages(t) {
		before, errBefore := extract.Extract(extract.Input{HTML: page.html, URL: page.url})
		cut := trim.Page(bytes.Clone(page.html))
		after, errAfter := extract.Extract(extract.Input{HTML: cut, URL: page.url})
		total, trimmed = total+len(page.html), trimmed+len(page.html)-len(cut)
		if (errBefore == nil) != (errAfter == nil) {
			t.Errorf("%s: error %v before trimming, %v after", name, errBefore, errAfter)
			continue
		}
		if a, b := articleJSON(t, before), articleJSON(t, after); a != b {
			t.Errorf("%s: the trimmed page extracts differently\nbefore: %.600s\nafter:  %.600s", name, a, b)
		}
	}
	t.Logf("trimmed %.1f%% of %d bytes", 100*float64(trimmed)/float64(total), total)
}

type corpusPage struct {
	html []byte
	url  string
}

// corpusPages is every page of testdata's corpora and legacy pages.
func corpusPages(t testing.TB) map[string]corpusPage {
	pages := map[string]corpusPage{}
	for _, dir := range []string{fixtures.Benchmark, "readability-suite"} {
		c, err := evaluate.LoadCorpus(fixtures.Path(t, dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range c.Pages {
			h, err := c.HTML(p.ID)
			if err != nil {
				t.Fatal(err)
			}
			pages[dir+"/"+p.ID] = corpusPage{h, p.URL}
		}
	}
	maps.Copy(pages, legacyPages(t))
	return pages
}

// legacyPages is testdata/legacy: small pages broken as old pages are.
func legacyPages(t testing.TB) map[string]corpusPage {
	pages := map[string]corpusPage{}
	legacy, err := filepath.Glob(filepath.Join(fixtures.Path(t, "legacy"), "*.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range legacy {
		h, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pages["legacy/"+filepath.Base(f)] = corpusPage{h, "http://coastal.example/news/harbour"}
	}
	return pages
}

func articleJSON(t testing.TB, a any) string {
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Tricky markup: what is cut and what must stay.
func TestPage(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"style", `<head><style>p{color:red}</style></head><p>x</p>`, `<head><style></style></head><p>x</p>`},
		{"style upper case, end tag with space", `<STYLE type=text/css>a{}</STYLE >b`, `<STYLE type=text/css></STYLE >b`},
		{"script that runs", `<script>var a = "</scr" + "ipt>";</script><p>x`, `<script></script><p>x`},
		{"module and JavaScript types", `<script type="module">m()</script><script type='text/javascript; charset=utf-8'>j()</script>`, `<script type="module"></script><script type='text/javascript; charset=utf-8'></script>`},
		{"JSON-LD stays", `<script type="application/ld+json">{"@type":"NewsArticle"}</script>`, `<script type="application/ld+json">{"@type":"NewsArticle"}</script>`},
		{"templates stay", `<script type="text/x-template"><p>{{x}}</p></script>`, `<script type="text/x-template"><p>{{x}}</p></script>`},
		{"first type counts", `<script type="application/json" type="text/javascript">{}</script>`, `<script type="application/json" type="text/javascript">{}</script>`},
		{"'>' in a quoted attribute", `<div title="<style>">x</div><style>y</style>`, `<div title="<style>">x</div><style></style>`},
		{"'=' opening a name quotes nothing", `<a ="x>"><style>y</style>`, `<a ="x>"><style></style>`},
		{"style in a title is text", `<title>a <style>b</title><p>c</p><style>d</style>`, `<title>a <style>b</title><p>c</p><style></style>`},
		{"style in a textarea is text", `<textarea><style></textarea><p>keep</p>`, `<textarea><style></textarea><p>keep</p>`},
		{"style in a noscript is text", `<noscript><style>x</style></noscript>`, `<noscript><style>x</style></noscript>`},
		{"style in a comment", `<!-- <style> --><p>keep</p><style>x</style>`, `<!-- <style> --><p>keep</p><style></style>`},
		{"comment closed by --!>", `<!-- a --!><style>x</style>`, `<!-- a --!><style></style>`},
		{"empty comment", `<!--><style>x</style>`, `<!--><style></style>`},
		{"dashes then text: no longer empty", `<!---x>-><style>x</style>--><style>y</style>`, `<!---x>-><style>x</style>--><style></style>`},
		{"unclosed comment", `<!-- <style>x</style>`, `<!-- <style>x</style>`},
		{"unclosed style runs to the end", `<p>a</p><style>x<p>b`, `<p>a</p><style>`},
		{"not an end tag", `<style>a</styles>b</style>c`, `<style></style>c`},
		{"before svg, not after", `<style>a</style><svg><style><text>t</text></style></svg><style>x</style>`, `<style></style><svg><style><text>t</text></style></svg><style>x</style>`},
		{"an svg end tag in HTML inside svg closes nothing", `<svg><foreignObject><div></svg></div></foreignObject><style><p>KEEP</p></style>`, `<svg><foreignObject><div></svg></div></foreignObject><style><p>KEEP</p></style>`},
		{"after an icon", `<svg viewBox="0 0 1 1"><title>Share</title><path d="M0 0"/><g><use href="#i"></use></g></svg><style>x</style>`, `<svg viewBox="0 0 1 1"><title>Share</title><path d="M0 0"/><g><use href="#i"></use></g></svg><style></style>`},
		{"after nested svgs", `<svg><svg></svg><svg/></svg><style>x</style>`, `<svg><svg></svg><svg/></svg><style></style>`},
		{"after a self-closed svg", `<svg/><title>a</svg><style>b</title><p>KEEP</p><style>c</style>`, `<svg/><title>a</svg><style>b</title><p>KEEP</p><style></style>`},
		{"an svg that may be self-closed", `<svg a=b/><style>x</style>`, `<svg a=b/><style>x</style>`},
		{"an svg whose last value is a slash", `<svg a= /><style>x</style>`, `<svg a= /><style>x</style>`},
		{"an svg whose last value ends in a quote and a slash", `<svg a=b"/><style>x</style>`, `<svg a=b"/><style>x</style>`},
		{"a quoted value, then the slash", `<svg a="b"/><style>x</style>`, `<svg a="b"/><style></style>`},
		{"an HTML element breaks out of svg", `<svg><p>x</p></svg><style>y</style>`, `<svg><p>x</p></svg><style>y</style>`},
		{"markup in an svg title", `<svg><title>a<b>c</b></title></svg><style>x</style>`, `<svg><title>a<b>c</b></title></svg><style>x</style>`},
		{"an unclosed svg", `<svg><path/><style>x</style>`, `<svg><path/><style>x</style>`},
		{"style in math", `<math><style>m</style></math>`, `<math><style>m</style></math>`},
		{"svg in an attribute is no svg", `<a title="<svg>"><style>x</style>`, `<a title="<svg>"><style></style>`},
		{"double-escaped script: the rest stays", `<script><!-- document.write("<script>x</script>") --></script><style>y</style>`, `<script><!-- document.write("<script>x</script>") --></script><style>y</style>`},
		{"escaped script without a script inside", `<script><!-- f() //--></script><style>y</style>`, `<script></script><style></style>`},
		{"plaintext", `<plaintext><style>x</style>`, `<plaintext><style>x</style>`},
		{"UTF-16 is left alone", "<\x00s\x00t\x00y\x00l\x00e\x00>", "<\x00s\x00t\x00y\x00l\x00e\x00>"},
		{"ISO-2022-JP is left alone", "\x1b$B<style>\x1b(B", "\x1b$B<style>\x1b(B"},
		{"a tag cut off", `<style`, `<style`},
		{"nothing to trim", `<p>plain</p>`, `<p>plain</p>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(trim.Page([]byte(tc.in))); got != tc.want {
				t.Errorf("Page(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

// BenchmarkPage is the fetcher's cost of trimming one page of the corpora.
func BenchmarkPage(b *testing.B) {
	var pages [][]byte
	var size int64
	for _, p := range corpusPages(b) {
		pages = append(pages, p.html)
		size += int64(len(p.html))
	}
	b.SetBytes(size / int64(len(pages)))
	b.ReportAllocs()
	buf := make([]byte, 0, 1<<20)
	i := 0
	for b.Loop() {
		buf = append(buf[:0], pages[i%len(pages)]...)
		trim.Page(buf)
		i++
	}
}
