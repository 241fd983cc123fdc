package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/extract"
)

func cmdExtract(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newCommand("extract", `usage: newsflow extract [--url URL] [--rules FILE] FILE|-
       newsflow extract --batch < pages.jsonl
`)
	pageURL := fs.String("url", "", "the page's URL (resolves links, gives the article id)")
	rulesFile := fs.String("rules", "", "site rules file (JSON)")
	batch := fs.Bool("batch", false, `read JSON lines {"path": ..., "url": ...} on stdin; write one article JSON per line`)
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	switch {
	case *batch && len(rest) != 0:
		return fs.usageErr("--batch reads its pages from stdin, not %q", rest[0])
	case !*batch && len(rest) != 1:
		return fs.usageErr("want one page, a FILE or - for stdin; got %d arguments", len(rest))
	}
	rules, err := loadRules(*rulesFile)
	if err != nil {
		return err
	}
	if *batch {
		return extractBatch(stdin, stdout, rules)
	}
	var page []byte
	if rest[0] == "-" {
		page, err = readPage(stdin)
	} else {
		page, err = readPageFile(rest[0])
	}
	if err != nil {
		return err
	}
	a, err := extractDocument(page, rest[0], *pageURL, rules)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(a)
}

func extractPage(page []byte, pageURL string, rules *extract.Rules) (*events.Article, error) {
	return extract.Extract(extract.Input{HTML: page, URL: pageURL, Rules: rules})
}

// extractDocument extracts a page read from path ("-": stdin) into a
// document that passes the Article v1 schema, as the pipeline's do: without
// --url, the URL it was read from is the file's (file:///…).
func extractDocument(page []byte, path, pageURL string, rules *extract.Rules) (*events.Article, error) {
	if binary(page) {
		return nil, fmt.Errorf("%s: %w: binary content, not a page", path, extract.ErrNotHTML)
	}
	a, err := extractPage(page, pageURL, rules)
	if err != nil {
		return nil, err
	}
	if a.URL == "" {
		a.URL = fileURL(path)
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("%s: the extracted document does not pass the Article v1 schema: %w", path, err)
	}
	return a, nil
}

func fileURL(path string) string {
	if path == "-" {
		path = "/dev/stdin"
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
}

// readPage reads a page, gunzipping it when its first bytes say gzip.
func readPage(r io.Reader) ([]byte, error) {
	br := bufio.NewReader(r)
	magic, _ := br.Peek(2)
	var src io.Reader = br
	if bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		src = zr
	}
	data, err := io.ReadAll(io.LimitReader(src, extract.MaxPageBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read page: %w", err)
	}
	if len(data) > extract.MaxPageBytes {
		return nil, fmt.Errorf("%w: over %d bytes", extract.ErrTooLarge, extract.MaxPageBytes)
	}
	return data, nil
}

func readPageFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := readPage(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, nil
}

type batchInput struct {
	Path string `json:"path"`
	URL  string `json:"url"`
}

// extractBatch extracts pages on every core and writes the results in input
// order, one JSON document per line; a page that fails gives {"error": ...}
// on its line and the batch goes on.
func extractBatch(stdin io.Reader, stdout io.Writer, rules *extract.Rules) error {
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	out := bufio.NewWriter(stdout)
	defer out.Flush()

	results := make(chan chan []byte, runtime.GOMAXPROCS(0)*2)
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	var writeErr error
	wg.Go(func() {
		for r := range results {
			line := <-r
			if writeErr == nil {
				_, writeErr = out.Write(append(line, '\n'))
			}
		}
	})
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var in batchInput
		jsonErr := json.Unmarshal(line, &in)
		r := make(chan []byte, 1)
		results <- r
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			if jsonErr != nil {
				r <- errorLine(fmt.Errorf("bad input line: %w", jsonErr))
				return
			}
			r <- batchOne(in, rules)
		}()
	}
	close(results)
	wg.Wait()
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read stdin: %w", err)
	}
	if writeErr != nil {
		return fmt.Errorf("write: %w", writeErr)
	}
	return out.Flush()
}

func batchOne(in batchInput, rules *extract.Rules) (line []byte) {
	defer func() {
		if p := recover(); p != nil {
			line = errorLine(fmt.Errorf("%s: extractor panic: %v", in.Path, p))
		}
	}()
	if in.Path == "" {
		return errorLine(fmt.Errorf("no path"))
	}
	page, err := readPageFile(in.Path)
	if err != nil {
		return errorLine(err)
	}
	a, err := extractDocument(page, in.Path, in.URL, rules)
	if err != nil {
		return errorLine(fmt.Errorf("%s: %w", in.Path, err))
	}
	data, err := json.Marshal(a)
	if err != nil {
		return errorLine(err)
	}
	return data
}

func errorLine(err error) []byte {
	data, _ := json.Marshal(map[string]string{"error": err.Error()})
	return data
}

// binary says whether page starts like no text: a NUL byte in its first
// 8 KB, where UTF-16 (which has them) would have announced itself with a BOM.
func binary(page []byte) bool {
	head := page[:min(len(page), 8<<10)]
	if bytes.HasPrefix(head, []byte{0xff, 0xfe}) || bytes.HasPrefix(head, []byte{0xfe, 0xff}) {
		return false
	}
	return bytes.IndexByte(head, 0) >= 0
}
