package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/newsflow/newsflow/pkg/evaluate"
	"github.com/newsflow/newsflow/pkg/extract"
)

// cmdEval scores the extractor on a benchmark directory (html/<id>.html.gz
// and ground-truth.json) with the metric in ../shared/README.md.
func cmdEval(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "benchmark directory (default: ../shared/corpus/extraction-benchmark)")
	worst := fs.Int("worst", 10, "how many of the worst pages to list")
	rulesFile := fs.String("rules", "", "site rules file (JSON)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		shared, err := evaluate.SharedDir()
		if err != nil {
			return err
		}
		*dir = filepath.Join(shared, evaluate.BenchmarkDir)
	}
	var rules *extract.Rules
	if *rulesFile != "" {
		r, err := extract.LoadRules(*rulesFile)
		if err != nil {
			return err
		}
		rules = r
	}
	report, err := evaluate.Run(*dir, func(page []byte, url string) (string, error) {
		a, err := extractPage(page, url, rules)
		if err != nil {
			return "", err
		}
		return a.BodyText, nil
	})
	if err != nil {
		return fmt.Errorf("eval %s: %w", *dir, err)
	}
	return report.Print(stdout, *worst)
}
