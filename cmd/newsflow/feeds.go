package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
	"github.com/newsflow/newsflow/services/fetcher"
)

const feedsUsage = `usage: newsflow feeds [--nats URL] add URL [URL ...]
       newsflow feeds [--nats URL] list
       newsflow feeds [--nats URL] remove URL [URL ...]
       newsflow feeds [--nats URL] import FILE|-     (OPML, or one URL per line)
`

// cmdFeeds edits the feed registry in JetStream KV — the same registry the
// fetchers poll and their /v1/feeds endpoint serves.
func cmdFeeds(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	env := config.FromOS()
	nc := natsx.FromEnv(env, "newsflow-feeds")
	fs := flag.NewFlagSet("feeds", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&nc.URL, "nats", nc.URL, "NATS server URL (NATS_URL)")
	fs.Usage = func() { fmt.Fprint(stderr, feedsUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := env.Err(); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return errUsage
	}
	verb, rest := rest[0], rest[1:]
	if (verb == "list" && len(rest) != 0) || (verb != "list" && len(rest) == 0) || (verb == "import" && len(rest) != 1) {
		fs.Usage()
		return errUsage
	}

	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, js, err := natsx.Connect(ctx, nc, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := events.Check(ctx, js, events.KV(events.BucketFeeds)); err != nil {
		return err
	}
	kv, err := js.KeyValue(ctx, events.BucketFeeds)
	if err != nil {
		return fmt.Errorf("open feed registry: %w", err)
	}

	switch verb {
	case "add":
		return addAll(ctx, kv, rest, stdout)
	case "import":
		var data []byte
		if rest[0] == "-" {
			data, err = io.ReadAll(io.LimitReader(stdin, 16<<20))
		} else {
			data, err = os.ReadFile(rest[0])
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", rest[0], err)
		}
		list, err := fetcher.ParseFeedList(data)
		if err != nil {
			return err
		}
		return addAll(ctx, kv, list, stdout)
	case "remove":
		for _, u := range rest {
			if err := fetcher.RemoveFeed(ctx, kv, u); err != nil {
				if errors.Is(err, jetstream.ErrKeyNotFound) {
					return fmt.Errorf("%s is not registered", u)
				}
				return err
			}
			fmt.Fprintln(stdout, "removed", u)
		}
		return nil
	case "list":
		list, err := fetcher.ListFeeds(ctx, kv)
		if err != nil {
			return err
		}
		sort.Slice(list, func(i, j int) bool { return list[i].URL < list[j].URL })
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "URL\tKIND\tITEMS\tLAST SUCCESS\tNEXT POLL\tERRORS\tLAST ERROR")
		for _, f := range list {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%d\t%s\n", f.URL, orDash(f.Kind), f.Items,
				when(f.LastSuccess), when(f.NextPoll), f.Errors, orDash(f.LastError))
		}
		return tw.Flush()
	default:
		fs.Usage()
		return errUsage
	}
}

func addAll(ctx context.Context, kv jetstream.KeyValue, list []string, stdout io.Writer) error {
	for _, u := range list {
		if err := fetcher.AddFeed(ctx, kv, u); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "added", u)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format(time.DateTime)
}
