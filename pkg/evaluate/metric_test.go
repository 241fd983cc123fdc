package evaluate

import (
	"reflect"
	"strings"
	"testing"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  ,. ", nil},
		{"Hello, world!", []string{"Hello", "world"}},
		{"snake_case 42nd", []string{"snake_case", "42nd"}},
		{"naïve café — déjà vu", []string{"naïve", "café", "déjà", "vu"}},
		{"Привет, мир", []string{"Привет", "мир"}},
		{"東京 2020", []string{"東京", "2020"}},
		{"½ ² ٣", []string{"½", "²", "٣"}}, // No and Nd count as \w in Python
		// Python's \w leaves out combining marks, so a decomposed "e\u0301" splits.
		{"cafe\u0301s", []string{"cafe", "s"}},
		{"it's co-op", []string{"it", "s", "co", "op"}},
	}
	for _, tt := range tests {
		if got := Tokenize(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Tokenize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestScore(t *testing.T) {
	const six = "one two three four five six" // 3 shingles
	tests := []struct {
		name        string
		truth, pred string
		tp, fp, fn  float64
		p, r        float64
		hasP, hasR  bool
		exact       bool
	}{
		{name: "both empty", tp: 0, fp: 0, fn: 0, p: 1, r: 1, hasP: false, hasR: false, exact: true},
		{name: "empty prediction", truth: six, fn: 1, p: 0, r: 0, hasP: false, hasR: true},
		{name: "empty truth", pred: six, fp: 1, p: 0, r: 0, hasP: true, hasR: false},
		{name: "identical", truth: six, pred: six, tp: 1, p: 1, r: 1, hasP: true, hasR: true, exact: true},
		{name: "punctuation ignored", truth: six, pred: "one, two; three (four) five-six.",
			tp: 1, p: 1, r: 1, hasP: true, hasR: true, exact: true},
		{name: "case matters", truth: six, pred: "ONE two three four five six",
			tp: 0.5, fp: 0.25, fn: 0.25, p: 2.0 / 3, r: 2.0 / 3, hasP: true, hasR: true},
		{name: "extra tail", truth: six, pred: six + " seven",
			tp: 3.0 / 4, fp: 1.0 / 4, p: 3.0 / 4, r: 1, hasP: true, hasR: true},
		{name: "missing tail", truth: six + " seven", pred: six,
			tp: 3.0 / 4, fn: 1.0 / 4, p: 1, r: 3.0 / 4, hasP: true, hasR: true},
		{name: "short texts are one shingle", truth: "a b c", pred: "a b c",
			tp: 1, p: 1, r: 1, hasP: true, hasR: true, exact: true},
		{name: "short texts differ", truth: "a b c", pred: "a b",
			fp: 0.5, fn: 0.5, p: 0, r: 0, hasP: true, hasR: true},
		// Multisets: the repeated text's shingles and those across the seam are false positives.
		{name: "duplicate counted", truth: six, pred: six + " " + six,
			tp: 1.0 / 3, fp: 2.0 / 3, p: 1.0 / 3, r: 1, hasP: true, hasR: true},
		{name: "soft hyphen stripped", truth: "extraordinary words here today", pred: "extra\u00adordinary words here today",
			tp: 1, p: 1, r: 1, hasP: true, hasR: true, exact: true},
		{name: "soft hyphen only stripped from prediction", truth: "extra\u00adordinary words here today", pred: "extraordinary words here today",
			fp: 1.0 / 3, fn: 2.0 / 3, hasP: true, hasR: true},
	}
	const eps = 1e-12
	near := func(a, b float64) bool { return a-b < eps && b-a < eps }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Score(tt.truth, tt.pred)
			if !near(s.TP, tt.tp) || !near(s.FP, tt.fp) || !near(s.FN, tt.fn) {
				t.Errorf("tp/fp/fn = %v/%v/%v, want %v/%v/%v", s.TP, s.FP, s.FN, tt.tp, tt.fp, tt.fn)
			}
			if !near(s.Precision, tt.p) || !near(s.Recall, tt.r) {
				t.Errorf("P/R = %v/%v, want %v/%v", s.Precision, s.Recall, tt.p, tt.r)
			}
			if s.HasPrecision != tt.hasP || s.HasRecall != tt.hasR {
				t.Errorf("counted in P/R means = %v/%v, want %v/%v", s.HasPrecision, s.HasRecall, tt.hasP, tt.hasR)
			}
			if s.Exact != tt.exact {
				t.Errorf("exact = %v, want %v", s.Exact, tt.exact)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	pages := []PageScore{
		Score("a b c d e", "a b c d e"),       // P 1, R 1, exact
		Score("a b c d e", ""),                // R 0, not in P mean
		Score("", "x y z w"),                  // P 0, not in R mean
		Score("a b c d e f", "a b c d e f g"), // P 3/4, R 1
	}
	pages[0].ID = "perfect"
	r := Summarize(pages)
	wantP := (1 + 0 + 0.75) / 3
	wantR := (1 + 0 + 1) / 3.0
	if d := r.Precision - wantP; d > 1e-12 || d < -1e-12 {
		t.Errorf("precision = %v, want %v", r.Precision, wantP)
	}
	if d := r.Recall - wantR; d > 1e-12 || d < -1e-12 {
		t.Errorf("recall = %v, want %v", r.Recall, wantR)
	}
	if want := 2 * wantP * wantR / (wantP + wantR); r.F1-want > 1e-12 || want-r.F1 > 1e-12 {
		t.Errorf("F1 = %v, want %v", r.F1, want)
	}
	if r.Accuracy != 0.25 {
		t.Errorf("accuracy = %v, want 0.25", r.Accuracy)
	}
	if r.Pages[len(r.Pages)-1].ID != "perfect" {
		t.Errorf("best page should sort last, got order %v", r.Pages)
	}
	var b strings.Builder
	if err := r.Print(&b, 2); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "\n"); n != 3 {
		t.Errorf("Print with worstN 2 wrote %d lines, want 3:\n%s", n, b.String())
	}
}

func TestExplain(t *testing.T) {
	truth := "the quick brown fox jumps over the lazy dog near the river bank today"
	pred := "Share this story! the quick brown fox jumps over the lazy dog near the river"
	missing, extra := Explain(truth, pred, 5)
	if want := []string{"near the river bank today"}; !reflect.DeepEqual(missing, want) {
		t.Errorf("missing = %q, want %q", missing, want)
	}
	if want := []string{"Share this story the quick brown"}; !reflect.DeepEqual(extra, want) {
		t.Errorf("extra = %q, want %q", extra, want)
	}
	if m, e := Explain(truth, truth, 5); m != nil || e != nil {
		t.Errorf("identical texts explain as %q / %q", m, e)
	}
}
