package main

import (
	"context"
	"errors"
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
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/services/fetcher"
)

const feedsUsage = `usage: newsflow feeds add URL [URL ...]
       newsflow feeds list
       newsflow feeds remove URL [URL ...]
       newsflow feeds import FILE|-     (OPML, or one URL per line)
`

// feedsVerbs are the synopses of feeds' verbs.
var feedsVerbs = map[string]string{
	"add":    "usage: newsflow feeds add URL [URL ...] [--nats URL]\n",
	"list":   "usage: newsflow feeds list [--nats URL]\n",
	"remove": "usage: newsflow feeds remove URL [URL ...] [--nats URL]\n",
	"import": "usage: newsflow feeds import FILE|- [--nats URL]     (OPML, or one URL per line)\n",
}

// cmdFeeds edits the feed registry in JetStream KV — the same registry the
// fetchers poll and their /v1/feeds endpoint serves.
func cmdFeeds(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	env := config.FromOS()
	nc := natsx.FromEnv(env, "newsflow-feeds")
	nc.FailFast = true // a person is waiting
	flags := func(c *command) *command {
		c.StringVar(&nc.URL, "nats", nc.URL, "NATS server URL (NATS_URL)")
		c.env = func(e *config.Env) { natsx.FromEnv(e, "") }
		return c
	}
	group := flags(newCommand("feeds", feedsUsage))
	verb, args, err := group.verb(args)
	if err != nil {
		return err
	}
	synopsis, ok := feedsVerbs[verb]
	if !ok {
		return group.usageErr("unknown command %q", verb)
	}
	fs := flags(newCommand("feeds "+verb, synopsis))
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	switch {
	case verb == "list" && len(rest) != 0:
		return fs.usageErr("list takes no arguments, got %q", rest[0])
	case verb == "import" && len(rest) != 1:
		return fs.usageErr("import takes one FILE (or - for stdin)")
	case verb != "list" && len(rest) == 0:
		return fs.usageErr("give at least one URL")
	}
	if err := env.Err(); err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	deps, err := service.Connect(ctx, nc, events.DefaultTopology(), slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	defer deps.NC.Close()
	kv, err := deps.JS.KeyValue(ctx, events.BucketFeeds)
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
	}
	return nil
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
