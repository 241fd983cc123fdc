package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/newsflow/newsflow/pkg/client"
	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
)

const tailUsage = `usage: newsflow tail [--site S ...] [--lang L ...] [--since 1h | --all] [--nats URL] [--durable NAME] [--format auto|json|text] [--max N]
       newsflow tail --api http://store:8080 [--site S] [--lang L] [--since 1h | --all] ...

Prints parsed articles as they are published: one JSON document per line, or
one readable line per article when stdout is a terminal (--format auto).
With --api it follows the store's /v1/stream instead of NATS (no NATS access
needed; copies of a story on other sites are left out, and --since also
bounds the published time).

`

// cmdTail follows NEWSFLOW_ARTICLES with pkg/client until ctx ends or --max
// articles were printed.
func cmdTail(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	env := config.FromOS()
	nc := natsx.FromEnv(env, "newsflow-tail")
	nc.FailFast = true // a person is waiting; once connected, drops are retried
	fs := newCommand("tail", tailUsage)
	fs.env = func(e *config.Env) { natsx.FromEnv(e, "") }
	var sites, langs stringList
	fs.Var(&sites, "site", "only this site: a host or its token (repeatable)")
	fs.Var(&langs, "lang", `only this language: "en" takes every region, "en-GB" only itself (repeatable)`)
	since := fs.Duration("since", 0, "start with the articles published this long ago (default: new ones only)")
	all := fs.Bool("all", false, "start with the oldest article the stream retains")
	fs.StringVar(&nc.URL, "nats", nc.URL, "NATS server URL (NATS_URL)")
	durable := fs.String("durable", "", "a durable consumer name: a later run resumes where this one stopped")
	format := fs.String("format", "auto", "json, text, or auto (text on a terminal, JSON lines otherwise)")
	maxN := fs.Int("max", 0, "exit after this many articles (0: never)")
	apiURL := fs.String("api", "", "follow the store's HTTP stream at this URL instead of NATS")
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) != 0:
		return fs.usageErr("unexpected argument %q", rest[0])
	case *since < 0:
		return fs.usageErr("--since %s: must be positive", *since)
	case *since > 0 && *all:
		return fs.usageErr("--since and --all: give one")
	case *format != "auto" && *format != "json" && *format != "text":
		return fs.usageErr("--format %q: want auto, json or text", *format)
	case *maxN < 0:
		return fs.usageErr("--max %d: must not be negative", *maxN)
	case *apiURL != "" && (len(sites) > 1 || len(langs) > 1):
		return fs.usageErr("--api takes one --site and one --lang")
	case *apiURL != "" && *durable != "":
		return fs.usageErr("--durable needs NATS, not --api")
	}
	if err := env.Err(); err != nil {
		return err
	}
	text := *format == "text" || (*format == "auto" && isTerminal(stdout))

	ctx, stop := context.WithCancel(ctx)
	defer stop()
	var (
		mu       sync.Mutex
		printed  int
		writeErr error
	)
	// emit writes one article; an error (--max reached, stdout closed) refuses it.
	emit := func(a *events.Article, data []byte) error {
		mu.Lock()
		defer mu.Unlock()
		if *maxN > 0 && printed >= *maxN {
			return errors.New("done") // naked back for whoever reads next
		}
		var err error
		if text {
			_, err = fmt.Fprintln(stdout, textLine(a))
		} else {
			_, err = fmt.Fprintf(stdout, "%s\n", data)
		}
		if err != nil {
			// A closed pipe (tail | head) ends the command; the event stays unacked.
			writeErr = fmt.Errorf("write: %w", err)
			stop()
			return writeErr
		}
		printed++
		if *maxN > 0 && printed == *maxN {
			stop()
		}
		return nil
	}
	finish := func(err error) error {
		mu.Lock()
		defer mu.Unlock()
		if errors.Is(err, context.Canceled) {
			err = nil
		}
		return errors.Join(err, writeErr)
	}

	if *apiURL != "" {
		api, err := client.NewAPI(*apiURL, interactiveHTTP())
		if err != nil {
			return fs.usageErr("--api: %w", err)
		}
		q := client.Query{}
		if len(sites) == 1 {
			q.Site = sites[0]
		}
		if len(langs) == 1 {
			q.Language = langs[0]
		}
		last := ""
		switch {
		case *all:
			last = "0"
		case *since > 0:
			q.Since = time.Now().Add(-*since)
		}
		err = api.Stream(ctx, q, last, func(_ context.Context, ev *client.StreamEvent) error {
			if err := emit(ev.Article, ev.Data); err != nil && ctx.Err() == nil {
				return err
			}
			return nil
		}, client.FailFast(), client.OnRetry(func(err error, wait time.Duration) {
			fmt.Fprintf(stderr, "newsflow tail: %v; reconnecting in %s\n", err, wait)
		}), client.OnReset(func(last, position string) {
			fmt.Fprintf(stderr, "newsflow tail: the store's stream has no event %s (it was provisioned again): "+
				"going on from %s; its earlier events were not printed (--all prints them)\n", last, position)
		}))
		return finish(err)
	}

	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	conn, js, err := natsx.Connect(ctx, nc, log)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := events.Check(ctx, js, events.Stream(events.StreamArticles)); err != nil {
		return err
	}
	sub, err := client.NewSubscriber(conn)
	if err != nil {
		return err
	}
	opts := []client.Option{client.Logger(log)}
	switch {
	case *all:
		opts = append(opts, client.DeliverAll())
	case *since > 0:
		opts = append(opts, client.StartTime(time.Now().Add(-*since)))
	}
	if *durable != "" {
		opts = append(opts, client.Durable(*durable))
	}
	err = sub.Subscribe(ctx, client.Filter{Sites: sites, Languages: langs},
		func(_ context.Context, ev *client.Event) error { return emit(ev.Article, ev.Data) }, opts...)
	return finish(err)
}

// interactiveHTTP is an HTTP client for a person waiting: an address that
// does not answer fails in seconds, not after the system's TCP timeout.
func interactiveHTTP() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 4 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.ResponseHeaderTimeout = 10 * time.Second
	return &http.Client{Transport: t, Timeout: 30 * time.Second}
}

// textLine is one article for people: time, site, language, title, authors, URL.
// printable drops control characters, so a hostile title cannot send
// escape sequences to the terminal.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

func textLine(a *events.Article) string {
	var b strings.Builder
	when := a.PublishedAt
	if when == nil {
		when = a.ParsedAt
	}
	if when != nil {
		b.WriteString(when.Local().Format("2006-01-02 15:04"))
	} else {
		b.WriteString("                ")
	}
	site := a.SiteName
	if site == "" {
		site = strings.TrimPrefix(a.Host, "www.")
	}
	fmt.Fprintf(&b, "  %-20s", clip(printable(site), 20))
	if a.Language != "" {
		fmt.Fprintf(&b, " %-5s", clip(a.Language, 5))
	}
	title := strings.Join(strings.Fields(printable(a.Title)), " ")
	if title == "" {
		title = "(untitled)"
	}
	b.WriteString("  " + title)
	if len(a.Authors) > 0 {
		b.WriteString(" — " + printable(strings.Join(a.Authors, ", ")))
	}
	u := a.CanonicalURL
	if u == "" {
		u = a.URL
	}
	b.WriteString("  " + printable(u))
	return b.String()
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
