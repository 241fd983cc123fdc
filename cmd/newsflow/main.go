// Command newsflow is the operator CLI: the whole pipeline in one process,
// offline extraction, evaluation, the feed registry and the dead letters.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/newsflow/newsflow/pkg/service"
)

const usage = `newsflow — event-driven news ingestion

usage:
  newsflow up --feed URL [--feed URL ...] [--api-addr 127.0.0.1:8080] [--admin-addr ADDR] [--data-dir ./data] [--allow-private]
  newsflow provision [--nats URL] [--articles-max-age 720h] ...   (create or update the streams and buckets)
  newsflow extract [--url URL] [--rules FILE] FILE|-
  newsflow extract --batch            (JSON lines {"path","url"} on stdin, one article per line out)
  newsflow eval [--dir DIR] [--worst N]
  newsflow bench [--dir DIR] [--rounds N]      (extraction speed on one core, as a ratio to parsing)
  newsflow bench --pipeline [--pages N] [--rate R] [--topology in-process|services] [--sse-clients N] [--json]   (the whole pipeline against a local origin, with its ceilings)
  newsflow feeds add|list|show|poll|reset|remove|import ...   (the feed registry, on NATS_URL)
  newsflow tail [--site S] [--lang L] [--since 1h] [--nats URL]   (articles as they are published)
  newsflow dlq list|show|replay|purge ...     (dead letters: why they failed; send them back)
  newsflow --version

Run "newsflow <command> --help" for a command's flags; flags go before or after its arguments.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the command line args and returns the exit status: 0 (help
// too), 1 when the command failed, 2 for wrong arguments or configuration.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "up":
		err = cmdUp(ctx, args[1:], stderr)
	case "provision":
		err = cmdProvision(ctx, args[1:], stdout, stderr)
	case "extract":
		err = cmdExtract(args[1:], stdin, stdout, stderr)
	case "eval":
		err = cmdEval(args[1:], stdout, stderr)
	case "bench":
		err = cmdBench(ctx, args[1:], stdout, stderr)
	case "feeds":
		err = cmdFeeds(ctx, args[1:], stdin, stdout, stderr)
	case "tail":
		err = cmdTail(ctx, args[1:], stdout, stderr)
	case "dlq":
		err = cmdDLQ(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		if len(args) > 1 && !strings.HasPrefix(args[1], "-") && args[1] != "help" {
			// newsflow help feeds list = newsflow feeds list --help
			return run(ctx, append(append([]string{}, args[1:]...), "--help"), stdin, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return 0
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, service.Version("newsflow"))
		return 0
	default:
		fmt.Fprintf(stderr, "newsflow: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	return exitStatus(args[0], err, stdout, stderr)
}

// stringList is a repeatable flag.
type stringList []string

func (s *stringList) String() string     { return fmt.Sprint(*s) }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
