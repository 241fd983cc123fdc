package evaluate

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/internal/fixtures"

	"github.com/PuerkitoBio/goquery"
)

func benchmarkDir(t testing.TB) string {
	t.Helper()
	return fixtures.Path(t, fixtures.Benchmark)
}

// allParagraphs is the published calibration extractor: the text of every
// <p> joined with newlines. The benchmark's pages are stored as UTF-8
// whatever they declare, so they are parsed as UTF-8: sniffing the charset
// (golang.org/x/net/html/charset) picks windows-1252 for pages whose first
// 1024 bytes are ASCII, and that mojibake costs 0.025 F1.
func allParagraphs(page []byte, _ string) (string, error) {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(page))
	if err != nil {
		return "", err
	}
	var parts []string
	doc.Find("p").Each(func(_ int, s *goquery.Selection) { parts = append(parts, s.Text()) })
	return strings.Join(parts, "\n"), nil
}

// TestCalibration checks our metric against the figures published for the
// all-paragraphs baseline, so our numbers compare with other extractors'.
func TestCalibration(t *testing.T) {
	r, err := Run(benchmarkDir(t), allParagraphs)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Pages) != 181 || r.Errors != 0 {
		t.Fatalf("scored %d pages with %d errors, want 181 and 0", len(r.Pages), r.Errors)
	}
	t.Logf("F1 %.4f P %.4f R %.4f accuracy %.4f", r.F1, r.Precision, r.Recall, r.Accuracy)
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"F1", r.F1, 0.829}, {"precision", r.Precision, 0.781},
		{"recall", r.Recall, 0.883}, {"accuracy", r.Accuracy, 0.055},
	} {
		if math.Abs(c.got-c.want) > 0.002 {
			t.Errorf("%s = %.4f, want %.3f ± 0.002", c.name, c.got, c.want)
		}
	}
}

// TestRunPerfectExtractor feeds the ground truth back as the prediction:
// every page must be perfect except where the truth itself splits a word
// with a soft hyphen, which the metric strips from predictions only.
func TestRunPerfectExtractor(t *testing.T) {
	c, err := LoadCorpus(benchmarkDir(t))
	if err != nil {
		t.Fatal(err)
	}
	truth := map[string]string{}
	for _, p := range c.Pages {
		truth[p.URL] = p.Truth
	}
	r, err := c.Run(func(_ []byte, url string) (string, error) { return truth[url], nil })
	if err != nil {
		t.Fatal(err)
	}
	if r.F1 < 0.9999 {
		t.Errorf("F1 = %v, want ~1", r.F1)
	}
	for _, s := range r.Pages {
		softHyphen := strings.ContainsRune(truth[s.URL], '\u00ad')
		if perfect := s.Exact && s.Precision == 1 && s.Recall == 1; !perfect && !softHyphen {
			t.Errorf("page %s: exact %v P %v R %v, soft hyphen in truth %v", s.ID, s.Exact, s.Precision, s.Recall, softHyphen)
		}
	}
}

func TestLoadCorpusMissing(t *testing.T) {
	if _, err := LoadCorpus(t.TempDir()); err == nil {
		t.Error("LoadCorpus of an empty directory succeeded")
	}
}
