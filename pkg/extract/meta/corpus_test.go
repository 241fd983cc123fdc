package meta_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/fixtures"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"github.com/newsflow/newsflow/pkg/extract/meta"
)

// TestCorpusVisibleOnly strips meta tags and JSON-LD from every corpus page
// and compares what the visible page alone gives — with the feed's date as a
// hint, in UTC, as a feed gives it — with the full extraction: a regression
// guard on the dateline and byline readers. Measured when written: dates
// 146 of 174 to the minute, 22 the same day, 6 wrong, 0 missing; authors 110 of
// 119 the same, 2 different, 7 missing.
func TestCorpusVisibleOnly(t *testing.T) {
	var same, day, wrong, missing, total, aSame, aWrong, aMissing, aTotal int
	for _, p := range loadCorpus(t) {
		full := meta.Extract(p.doc, meta.Input{URL: p.url})
		h, _ := goquery.OuterHtml(p.doc.Selection)
		doc, _ := goquery.NewDocumentFromReader(strings.NewReader(h))
		var strip []*html.Node
		doc.Find("meta, script, link").Each(func(_ int, s *goquery.Selection) { strip = append(strip, s.Nodes[0]) })
		for _, n := range strip {
			n.Parent.RemoveChild(n)
		}
		in := meta.Input{FetchedAt: full.Published.Add(6 * time.Hour)}
		in.Hints.Published = full.Published.UTC()
		vis := meta.Extract(doc, in)
		if !full.Published.IsZero() {
			total++
			switch {
			case vis.Published.IsZero():
				missing++
			case absDur(vis.Published.Sub(full.Published)) < time.Minute: // datelines rarely show seconds
				same++
			case vis.Published.Format("2006-01-02") == full.Published.Format("2006-01-02") || absDur(vis.Published.Sub(full.Published)) < 24*time.Hour:
				day++
			default:
				wrong++
				t.Logf("date %s %s: full %s, visible %s", p.name[:8], p.url.Host, full.Published.Format(time.RFC3339), vis.Published.Format(time.RFC3339))
			}
		}
		if len(full.Authors) > 0 {
			aTotal++
			switch {
			case len(vis.Authors) == 0:
				aMissing++
			case strings.EqualFold(vis.Authors[0], full.Authors[0]):
				aSame++
			default:
				aWrong++
				t.Logf("author %s %s: full %q, visible %q", p.name[:8], p.url.Host, full.Authors, vis.Authors)
			}
		}
	}
	t.Logf("dates: %d pages: same instant %d, same day %d, wrong %d, missing %d", total, same, day, wrong, missing)
	t.Logf("authors: %d pages: same %d, different %d, missing %d", aTotal, aSame, aWrong, aMissing)
	if same < total*80/100 || wrong > total/20 {
		t.Errorf("visible datelines: %d of %d to the minute, %d wrong (want ≥ 80%%, ≤ 5%% wrong)", same, total, wrong)
	}
	if aSame < aTotal*85/100 || aWrong > aTotal/20 {
		t.Errorf("visible bylines: %d of %d the same, %d different (want ≥ 85%%, ≤ 5%% different)", aSame, aTotal, aWrong)
	}
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// TestCorpusDetectLanguage checks the text language detector against the
// markup of the corpus pages (measured when written: 178 agree, 1 differs —
// the markup is wrong there — 2 undecided).
func TestCorpusDetectLanguage(t *testing.T) {
	raw := fixtures.Read(t, fixtures.Benchmark, "ground-truth.json")
	var truth map[string]struct {
		Body string `json:"articleBody"`
	}
	if err := json.Unmarshal(raw, &truth); err != nil {
		t.Fatal(err)
	}
	agree, differ, none := 0, 0, 0
	for _, p := range loadCorpus(t) {
		m := meta.Extract(p.doc, meta.Input{URL: p.url})
		d := meta.DetectLanguage(truth[p.name].Body)
		want := m.Language
		if i := strings.IndexByte(want, '-'); i > 0 {
			want = want[:i]
		}
		switch {
		case d == "":
			none++
			t.Logf("undecided %s markup=%q %.60q", p.name[:8], want, truth[p.name].Body)
		case want == "" || d == want:
			agree++
		default:
			differ++
			t.Logf("differs %s markup=%q detected=%q %.60q", p.name[:8], want, d, truth[p.name].Body)
		}
	}
	t.Logf("agree %d differ %d undecided %d", agree, differ, none)
	if total := agree + differ + none; agree < total*95/100 || differ > 3 {
		t.Errorf("language detection agrees with the markup on %d of %d pages, differs on %d", agree, total, differ)
	}
}
