package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/newsflow/newsflow/internal/fixtures"

	"github.com/newsflow/newsflow/pkg/evaluate"
	"github.com/newsflow/newsflow/pkg/extract"
)

// cmdEval scores the extractor on one or more corpora in the benchmark
// layout (html/<id>.html.gz and ground-truth.json) with the benchmark's
// published metric (pkg/evaluate): the body on every corpus, the metadata
// where the ground truth has it, and the macro average, so a change is
// judged on all of them at once.
func cmdEval(args []string, stdout, stderr io.Writer) error {
	fs := newCommand("eval", `usage: newsflow eval [--dir DIR]... [--worst N] [--rules FILE]

Scores the extractor on every corpus in the benchmark layout (html/<id>.html.gz
and ground-truth.json) in each DIR, a corpus or a folder of corpora (default:
every corpus in the repository's testdata): F1, precision, recall, accuracy,
empty bodies, worst pages, the metadata where the ground truth has it, and the
macro average over the corpora.
`)
	var dirs stringList
	fs.Var(&dirs, "dir", "a corpus, or a folder of corpora (repeatable; default: every corpus in the repository's testdata)")
	worst := fs.Int("worst", 10, "how many of the worst pages to list per corpus")
	rulesFile := fs.String("rules", "", "site rules file (JSON)")
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fs.usageErr("unexpected argument %q (corpora are given with --dir)", rest[0])
	}
	if len(dirs) == 0 {
		td, err := fixtures.Dir()
		if err != nil {
			return fmt.Errorf("no --dir given and %w", err)
		}
		dirs = append(dirs, td)
	}
	var corpora []string
	for _, d := range dirs {
		found, err := evaluate.Discover(d)
		if err != nil {
			return err
		}
		corpora = append(corpora, found...)
	}
	rules, err := loadRules(*rulesFile)
	if err != nil {
		return err
	}
	extractArticle := func(page []byte, url string) (evaluate.Article, error) {
		a, err := extractPage(page, url, rules)
		if err != nil {
			return evaluate.Article{}, err
		}
		return evaluate.ArticleOf(a), nil
	}
	var reports []evaluate.Report
	for _, dir := range corpora {
		c, err := evaluate.LoadCorpus(dir)
		if err != nil {
			return err
		}
		r, err := c.RunArticles(extractArticle)
		if err != nil {
			return fmt.Errorf("eval %s: %w", dir, err)
		}
		reports = append(reports, r)
	}
	return evaluate.PrintAll(stdout, reports, *worst)
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
