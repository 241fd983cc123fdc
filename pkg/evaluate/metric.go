// Package evaluate scores body extraction against human-written ground truth
// with the metric of the Zyte article-extraction benchmark (see
// testdata/extraction-benchmark/README.md), so our figures compare with published ones.
package evaluate

import (
	"strings"
	"unicode"
)

// ShingleSize is the n of the n-gram shingles the metric counts.
const ShingleSize = 4

// PageScore is the metric for one page. TP, FP and FN are normalised by their
// sum, so every page weighs the same in the corpus means.
type PageScore struct {
	ID        string
	URL       string
	TP, FP    float64
	FN        float64
	Precision float64
	Recall    float64
	// HasPrecision and HasRecall are false when the page is left out of the
	// precision (tp+fp = 0) or recall (tp+fn = 0) mean.
	HasPrecision bool
	HasRecall    bool
	// Exact is true when both texts have exactly the same token sequence.
	Exact bool
	// Empty is true when the page has a true body but nothing was predicted.
	Empty bool
	// Err is set when the extractor failed on the page; it scores as an empty prediction.
	Err error
}

// F1 is the page's own harmonic mean, used only to rank pages for a report.
func (p PageScore) F1() float64 {
	if p.Precision+p.Recall == 0 {
		return 0
	}
	return 2 * p.Precision * p.Recall / (p.Precision + p.Recall)
}

// Score compares a predicted body with the true one.
func Score(truth, pred string) PageScore {
	pred = strings.ReplaceAll(pred, "\u00ad", "")
	tt, pt := Tokenize(truth), Tokenize(pred)
	ts, ps := shingles(tt), shingles(pt)
	var tp, fp, fn float64
	for k, t := range ts {
		p := ps[k]
		tp += float64(min(t, p))
		if t > p {
			fn += float64(t - p)
		}
	}
	for k, p := range ps {
		if t := ts[k]; p > t {
			fp += float64(p - t)
		}
	}
	if s := tp + fp + fn; s > 0 {
		tp, fp, fn = tp/s, fp/s, fn/s
	}
	s := PageScore{TP: tp, FP: fp, FN: fn, Exact: equalTokens(tt, pt), Empty: len(pt) == 0 && len(tt) > 0}
	s.Precision, s.HasPrecision = ratio(tp, fp, fn)
	s.Recall, s.HasRecall = ratio(tp, fn, fp)
	return s
}

// ratio is tp/(tp+miss) with the benchmark's edge cases: nothing missed and
// nothing extra counts as perfect, no hit and no miss as zero. A page where
// tp+miss = 0 is left out of the mean (ok false), whatever its value; that
// includes a page where both texts are empty.
func ratio(tp, miss, other float64) (v float64, ok bool) {
	ok = tp+miss > 0
	switch {
	case miss == 0 && other == 0:
		return 1, ok
	case tp == 0 && miss == 0:
		return 0, ok
	}
	return tp / (tp + miss), ok
}

// Tokenize splits text into runs of word characters, as Python's re `\w+`
// with re.UNICODE does on str.
func Tokenize(text string) []string {
	var out []string
	start := -1
	for i, r := range text {
		if IsWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, text[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, text[start:])
	}
	return out
}

// IsWordRune reports whether Python's `\w` matches r: str.isalnum() (letters
// Lu/Ll/Lt/Lm/Lo and anything with a numeric value, which is the N categories)
// or the underscore. Python does not count combining marks (Mn, Mc) as word
// characters, so neither do we; that splits some Indic words into pieces on
// both sides of the comparison, which is what the published figures did too.
func IsWordRune(r rune) bool {
	if r < 0x80 {
		return r == '_' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

func shingles(tokens []string) map[string]int {
	m := make(map[string]int, len(tokens))
	if len(tokens) == 0 {
		return m
	}
	if len(tokens) < ShingleSize {
		m[strings.Join(tokens, " ")]++
		return m
	}
	for i := 0; i+ShingleSize <= len(tokens); i++ {
		m[strings.Join(tokens[i:i+ShingleSize], " ")]++
	}
	return m
}

func equalTokens(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Explain lists, for reading a bad page, up to n runs of words the
// prediction missed and n runs it added, in text order. Each run joins
// adjacent unmatched 4-gram shingles back into words.
func Explain(truth, pred string, n int) (missing, extra []string) {
	pred = strings.ReplaceAll(pred, "\u00ad", "")
	tt, pt := Tokenize(truth), Tokenize(pred)
	ts, ps := shingles(tt), shingles(pt)
	return unmatched(tt, ts, ps, n), unmatched(pt, ps, ts, n)
}

// unmatched walks tokens and collects the runs whose shingles the other
// side has fewer of; counts are consumed so repeats are judged as multisets.
func unmatched(tokens []string, own, other map[string]int, n int) []string {
	if len(tokens) < ShingleSize {
		if len(tokens) > 0 && other[strings.Join(tokens, " ")] == 0 {
			return []string{strings.Join(tokens, " ")}
		}
		return nil
	}
	left := make(map[string]int, len(other))
	for k, v := range other {
		left[k] = v
	}
	var runs []string
	start, end := -1, -1
	for i := 0; i+ShingleSize <= len(tokens); i++ {
		k := strings.Join(tokens[i:i+ShingleSize], " ")
		if left[k] > 0 {
			left[k]--
			continue
		}
		if start >= 0 && i <= end {
			end = i + ShingleSize
			continue
		}
		if start >= 0 {
			runs = append(runs, strings.Join(tokens[start:end], " "))
			if len(runs) == n {
				return runs
			}
		}
		start, end = i, i+ShingleSize
	}
	if start >= 0 && len(runs) < n {
		runs = append(runs, strings.Join(tokens[start:end], " "))
	}
	return runs
}
