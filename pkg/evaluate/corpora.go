package evaluate

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// ErrNoCorpus means a directory holds no corpus in the benchmark layout.
var ErrNoCorpus = errors.New("no corpus (ground-truth.json and html/)")

// Discover returns root itself when it is a corpus, else every directory
// directly under root that is one, sorted by name.
func Discover(root string) ([]string, error) {
	if isCorpus(root) {
		return []string{root}, nil
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("discover corpora: %w", err)
	}
	var dirs []string
	for _, e := range entries {
		if d := filepath.Join(root, e.Name()); e.IsDir() && isCorpus(d) {
			dirs = append(dirs, d)
		}
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("discover corpora in %s: %w", root, ErrNoCorpus)
	}
	sort.Strings(dirs)
	return dirs, nil
}

func isCorpus(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, "ground-truth.json")); err != nil {
		return false
	}
	st, err := os.Stat(filepath.Join(dir, "html"))
	return err == nil && st.IsDir()
}

// Macro is the unweighted mean of the corpora's figures: each corpus counts
// once, whatever its size, so a change is judged on all of them.
func Macro(reports []Report) Report {
	m := Report{Name: "macro average"}
	if len(reports) == 0 {
		return m
	}
	for _, r := range reports {
		m.F1 += r.F1
		m.Precision += r.Precision
		m.Recall += r.Recall
		m.Accuracy += r.Accuracy
		m.Empty += r.Empty
		m.Errors += r.Errors
	}
	n := float64(len(reports))
	m.F1, m.Precision, m.Recall, m.Accuracy = m.F1/n, m.Precision/n, m.Recall/n, m.Accuracy/n
	return m
}

// PrintAll writes each corpus's report (with its worstN pages) and, for more
// than one corpus, the macro average.
func PrintAll(w io.Writer, reports []Report, worstN int) error {
	for _, r := range reports {
		if _, err := fmt.Fprintf(w, "== %s\n", r.Name); err != nil {
			return fmt.Errorf("print report: %w", err)
		}
		if err := r.Print(w, worstN); err != nil {
			return err
		}
	}
	if len(reports) < 2 {
		return nil
	}
	m := Macro(reports)
	_, err := fmt.Fprintf(w, "== macro average of %d corpora: F1 %.3f  precision %.3f  recall %.3f  accuracy %.3f  (%d empty, %d errors)\n",
		len(reports), m.F1, m.Precision, m.Recall, m.Accuracy, m.Empty, m.Errors)
	if err != nil {
		return fmt.Errorf("print report: %w", err)
	}
	return nil
}
