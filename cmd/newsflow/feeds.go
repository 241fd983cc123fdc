package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/urls"
	"github.com/newsflow/newsflow/services/fetcher"
)

const feedsUsage = `usage: newsflow feeds add URL [URL ...]
       newsflow feeds list [--json]
       newsflow feeds show [--json] URL     (one source's state and its recent errors)
       newsflow feeds poll URL [URL ...]    (make it due now: a fetcher polls it within seconds)
       newsflow feeds reset URL [URL ...]   (clear its error back-off and make it due now)
       newsflow feeds remove URL [URL ...]
       newsflow feeds import FILE|-         (OPML, or one URL per line)
`

// feedsVerbs are the synopses of feeds' verbs.
var feedsVerbs = map[string]string{
	"add":    "usage: newsflow feeds add URL [URL ...] [--nats URL]\n",
	"list":   "usage: newsflow feeds list [--nats URL]\n",
	"remove": "usage: newsflow feeds remove URL [URL ...] [--nats URL]\n",
	"import": "usage: newsflow feeds import FILE|- [--nats URL]     (OPML, or one URL per line)\n",
	"show":   "usage: newsflow feeds show URL [--json] [--nats URL]   (one source's state and its recent errors)\n",
	"poll":   "usage: newsflow feeds poll URL [URL ...] [--nats URL]   (make it due now)\n",
	"reset":  "usage: newsflow feeds reset URL [URL ...] [--nats URL]  (clear its error back-off, make it due now)\n",
}

// cmdFeeds edits the feed registry in JetStream KV — the same registry the
// fetchers poll and their /v1/feeds endpoint serves.
func cmdFeeds(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	v, err := parseNATSVerb("feeds", feedsUsage, feedsVerbs, args)
	if err != nil {
		return err
	}
	env, verb, fs := v.env, v.verb, v.cmd
	var asJSON bool
	if verb == "list" || verb == "show" {
		fs.BoolVar(&asJSON, "json", false, "JSON: one registry entry per line")
	}
	rest, err := fs.parse(v.args)
	if err != nil {
		return err
	}
	nc := v.nc // after parsing: --nats may follow the verb
	switch {
	case verb == "list" && len(rest) != 0:
		return fs.usageErr("list takes no arguments, got %q", rest[0])
	case verb == "import" && len(rest) != 1:
		return fs.usageErr("import takes one FILE (or - for stdin)")
	case verb == "show" && len(rest) != 1:
		return fs.usageErr("show takes one URL")
	case verb != "list" && len(rest) == 0:
		return fs.usageErr("give at least one URL")
	}
	if err := env.Err(); err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, js, err := connectNATS(ctx, nc, stderr)
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
				return notRegistered(u, err)
			}
			fmt.Fprintln(stdout, "removed", urls.Redact(u))
		}
		return nil
	case "show":
		st, err := fetcher.GetFeed(ctx, kv, rest[0])
		if err != nil {
			return notRegistered(rest[0], err)
		}
		if asJSON {
			return json.NewEncoder(stdout).Encode(st.Shown())
		}
		return showFeed(stdout, st.Shown())
	case "poll", "reset":
		change, did := fetcher.PollNow, "is due now"
		if verb == "reset" {
			change, did = fetcher.ResetFeed, "has its error back-off cleared and is due now"
		}
		for _, u := range rest {
			if _, err := change(ctx, kv, u); err != nil {
				return notRegistered(u, err)
			}
			fmt.Fprintf(stdout, "%s %s: a running fetcher polls it within a few seconds\n", urls.Redact(u), did)
		}
		return nil
	case "list":
		list, err := fetcher.ListFeeds(ctx, kv)
		if err != nil {
			return err
		}
		sort.Slice(list, func(i, j int) bool { return list[i].URL < list[j].URL })
		if asJSON {
			enc := json.NewEncoder(stdout)
			for _, f := range list {
				if err := enc.Encode(f.Shown()); err != nil {
					return fmt.Errorf("write: %w", err)
				}
			}
			return nil
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "URL\tKIND\tITEMS\tLAST SUCCESS\tNEXT POLL\tERRORS\tLAST ERROR")
		for _, f := range list {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%d\t%s\n", urls.Redact(f.URL), orDash(f.Kind), f.Items,
				when(f.LastSuccess), when(f.NextPoll), f.Errors, orDash(f.LastError))
		}
		return tw.Flush()
	}
	return nil
}

// notRegistered names the feed when err says the registry has no such key.
func notRegistered(feedURL string, err error) error {
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("%s is not registered", urls.Redact(feedURL))
	}
	return err
}

// showFeed prints one source's state, one field a line.
func showFeed(w io.Writer, f fetcher.FeedState) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	interval := "-"
	if f.Interval > 0 {
		interval = f.Interval.String()
	}
	for _, row := range [][2]string{
		{"url", f.URL},
		{"kind", orDash(f.Kind)},
		{"added", when(f.AddedAt)},
		{"last poll", when(f.LastPoll)},
		{"last success", when(f.LastSuccess)},
		{"next poll", whenRelative(f.NextPoll)},
		{"interval", interval},
		{"etag", orDash(f.ETag)},
		{"last-modified", orDash(f.LastModified)},
		{"items queued", fmt.Sprint(f.Items)},
		{"errors", fmt.Sprintf("%d in a row", f.Errors)},
		{"last error", orDash(f.LastError)},
	} {
		fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
	}
	for _, d := range f.Discovered {
		fmt.Fprintf(tw, "discovered\t%s\n", d)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if len(f.RecentErrors) == 0 {
		return nil
	}
	fmt.Fprintln(w, "recent errors (oldest first):")
	for _, e := range f.RecentErrors {
		fmt.Fprintf(w, "  %s  %s\n", when(e.At), e.Error)
	}
	return nil
}

func addAll(ctx context.Context, kv jetstream.KeyValue, list []string, stdout io.Writer) error {
	for _, u := range list {
		if err := fetcher.AddFeed(ctx, kv, u); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "added", urls.Redact(u))
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

// whenRelative is when(t) with how far away it is: "(in 4m0s)", "(due)".
func whenRelative(t time.Time) string {
	if t.IsZero() {
		return "- (due)"
	}
	d := time.Until(t).Round(time.Second)
	if d <= 0 {
		return when(t) + " (due)"
	}
	return fmt.Sprintf("%s (in %s)", when(t), d)
}
