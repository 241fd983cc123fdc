package meta_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"github.com/newsflow/newsflow/pkg/extract/meta"
)

// TestCorpusVisibleOnly strips meta tags and JSON-LD from every corpus page
// and compares what the visible page alone gives with the full extraction:
// a check on the dateline and byline readers. Run by hand with
// NEWSFLOW_META_DUMP=1.
func TestCorpusVisibleOnly(t *testing.T) {
	if os.Getenv("NEWSFLOW_META_DUMP") == "" {
		t.Skip("set NEWSFLOW_META_DUMP=1")
	}
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
		if os.Getenv("NEWSFLOW_META_HINT") != "" {
			// As a feed would give it: the same instant, in UTC.
			in.Hints.Published = full.Published.UTC()
		}
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
				fmt.Printf("DAY  %s %s full=%s vis=%s\n", p.name[:8], p.url.Host, full.Published.Format(time.RFC3339), vis.Published.Format(time.RFC3339))
			default:
				wrong++
				fmt.Printf("BAD  %s %s full=%s vis=%s\n", p.name[:8], p.url.Host, full.Published.Format(time.RFC3339), vis.Published.Format(time.RFC3339))
			}
		}
		if len(full.Authors) > 0 {
			aTotal++
			switch {
			case len(vis.Authors) == 0:
				aMissing++
				fmt.Printf("NOAU %s %s full=%q\n", p.name[:8], p.url.Host, full.Authors)
			case strings.EqualFold(vis.Authors[0], full.Authors[0]):
				aSame++
			default:
				aWrong++
				fmt.Printf("AU   %s %s full=%q vis=%q\n", p.name[:8], p.url.Host, full.Authors, vis.Authors)
			}
		} else if len(vis.Authors) > 0 {
			fmt.Printf("AU+  %s %s vis=%q\n", p.name[:8], p.url.Host, vis.Authors)
		}
	}
	fmt.Printf("dates: %d pages: same instant %d, same day %d, wrong %d, missing %d\n", total, same, day, wrong, missing)
	fmt.Printf("authors: %d pages: same %d, different %d, missing %d\n", aTotal, aSame, aWrong, aMissing)
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func TestCorpusVisibleMissing(t *testing.T) {
	if os.Getenv("NEWSFLOW_META_DUMP") == "" {
		t.Skip("set NEWSFLOW_META_DUMP=1")
	}
	for _, p := range loadCorpus(t) {
		full := meta.Extract(p.doc, meta.Input{URL: p.url})
		h, _ := goquery.OuterHtml(p.doc.Selection)
		doc, _ := goquery.NewDocumentFromReader(strings.NewReader(h))
		var strip []*html.Node
		doc.Find("meta, script, link").Each(func(_ int, s *goquery.Selection) { strip = append(strip, s.Nodes[0]) })
		for _, n := range strip {
			n.Parent.RemoveChild(n)
		}
		vis := meta.Extract(doc, meta.Input{})
		if !full.Published.IsZero() && vis.Published.IsZero() {
			// show text near the date
			txt := doc.Find("body").Text()
			txt = strings.Join(strings.Fields(txt), " ")
			y := full.Published.Format("2006")
			i := strings.Index(txt, y)
			snip := ""
			if i >= 0 {
				snip = txt[max(0, i-80):min(len(txt), i+40)]
			}
			fmt.Printf("MISS %s %s full=%s  ...%s...\n", p.name[:8], p.url.Host, full.Published.Format(time.RFC3339), snip)
		}
	}
}

func TestCorpusDetectLanguage(t *testing.T) {
	if os.Getenv("NEWSFLOW_META_DUMP") == "" {
		t.Skip("set NEWSFLOW_META_DUMP=1")
	}
	raw, err := os.ReadFile(corpusDir + "/ground-truth.json")
	if err != nil {
		t.Skip(err)
	}
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
			fmt.Printf("NONE %s markup=%q %.60q\n", p.name[:8], want, truth[p.name].Body)
		case want == "" || d == want:
			agree++
		default:
			differ++
			fmt.Printf("DIFF %s markup=%q detected=%q %.60q\n", p.name[:8], want, d, truth[p.name].Body)
		}
	}
	fmt.Printf("agree %d differ %d undecided %d\n", agree, differ, none)
}
