package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/newsflow/newsflow/internal/fixtures"

	"github.com/newsflow/newsflow/pkg/evaluate"
	"github.com/newsflow/newsflow/pkg/extract"
)

// cmdEval scores the extractor on a benchmark directory (html/<id>.html.gz
// and ground-truth.json) with the benchmark's published metric (pkg/evaluate).
func cmdEval(args []string, stdout, stderr io.Writer) error {
	fs := newCommand("eval", `usage: newsflow eval [--dir DIR] [--worst N] [--rules FILE]

Scores the extractor on a benchmark directory (html/<id>.html.gz and
ground-truth.json): F1, precision, recall, accuracy, worst pages.
`)
	dir := fs.String("dir", "", "benchmark directory (default: the repository's testdata/extraction-benchmark)")
	worst := fs.Int("worst", 10, "how many of the worst pages to list")
	rulesFile := fs.String("rules", "", "site rules file (JSON)")
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fs.usageErr("unexpected argument %q (the corpus is given with --dir)", rest[0])
	}
	corpus, err := corpusDir(*dir)
	if err != nil {
		return err
	}
	rules, err := loadRules(*rulesFile)
	if err != nil {
		return err
	}
	report, err := evaluate.Run(corpus, func(page []byte, url string) (string, error) {
		a, err := extractPage(page, url, rules)
		if err != nil {
			return "", err
		}
		return a.BodyText, nil
	})
	if err != nil {
		return fmt.Errorf("eval %s: %w", corpus, err)
	}
	return report.Print(stdout, *worst)
}

// corpusDir is dir, or the benchmark in the repository's testdata when dir
// is empty.
func corpusDir(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	td, err := fixtures.Dir()
	if err != nil {
		return "", fmt.Errorf("no --dir given and %w", err)
	}
	return filepath.Join(td, fixtures.Benchmark), nil
}

// loadRules reads a site rules file; no path means no rules.
func loadRules(path string) (*extract.Rules, error) {
	if path == "" {
		return nil, nil
	}
	return extract.LoadRules(path)
}
