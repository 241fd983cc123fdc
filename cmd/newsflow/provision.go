package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
)

const provisionUsage = `usage: newsflow provision [--nats URL] [--replicas N] [--articles-max-age 720h] [...]

Creates or updates every stream, KV bucket and the object store on NATS_URL
from the NEWSFLOW_* variables (and NATS_REPLICAS), each overridden by its
flag, and prints what it created or changed. The services never change them:
re-run provision to change a setting. Settings not given take their defaults,
except replicas, which stay as they are.

`

// cmdProvision is the one command that writes the topology.
func cmdProvision(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	env := config.FromOS()
	nc := natsx.FromEnv(env, "newsflow-provision")
	topo := events.TopologyFromEnv(env)
	nc.FailFast = true // an operator is waiting
	fs := newCommand("provision", provisionUsage)
	fs.env = func(e *config.Env) { natsx.FromEnv(e, ""); events.TopologyFromEnv(e) }
	fs.StringVar(&nc.URL, "nats", nc.URL, "NATS server URL (NATS_URL)")
	fs.IntVar(&topo.Replicas, "replicas", topo.Replicas, "replicas of every stream and bucket, 1-5; 0 keeps what exists (NATS_REPLICAS)")
	fs.DurationVar(&topo.JobsMaxAge, "jobs-max-age", topo.JobsMaxAge, "how long an unfetched job is kept; 0: --seen-ttl (NEWSFLOW_JOBS_MAX_AGE)")
	fs.DurationVar(&topo.RawMaxAge, "raw-max-age", topo.RawMaxAge, "how long raw pages are kept for re-parsing (NEWSFLOW_RAW_MAX_AGE)")
	fs.Int64Var(&topo.RawMaxBytes, "raw-max-bytes", topo.RawMaxBytes, "size limit of NEWSFLOW_RAW, oldest dropped first; -1: none (NEWSFLOW_RAW_MAX_BYTES)")
	fs.DurationVar(&topo.ArticlesMaxAge, "articles-max-age", topo.ArticlesMaxAge, "how long articles are kept for replay (NEWSFLOW_ARTICLES_MAX_AGE)")
	fs.Int64Var(&topo.ArticlesMaxBytes, "articles-max-bytes", topo.ArticlesMaxBytes, "size limit of NEWSFLOW_ARTICLES, oldest dropped first; -1: none (NEWSFLOW_ARTICLES_MAX_BYTES)")
	fs.DurationVar(&topo.DLQMaxAge, "dlq-max-age", topo.DLQMaxAge, "how long dead letters are kept (NEWSFLOW_DLQ_MAX_AGE)")
	fs.Int64Var(&topo.DLQMaxBytes, "dlq-max-bytes", topo.DLQMaxBytes, "size limit of NEWSFLOW_DLQ, oldest dropped first; -1: none (NEWSFLOW_DLQ_MAX_BYTES)")
	fs.DurationVar(&topo.PagesMaxAge, "pages-max-age", topo.PagesMaxAge, "how long large page bodies are kept, at least raw and DLQ max age; 0: the longer of the two (NEWSFLOW_PAGES_MAX_AGE)")
	fs.DurationVar(&topo.DuplicateWindow, "duplicate-window", topo.DuplicateWindow, "how long a message id is remembered to drop a republished event (NEWSFLOW_DUPLICATE_WINDOW)")
	fs.DurationVar(&topo.SeenTTL, "seen-ttl", topo.SeenTTL, "how long an article URL stays seen and is not fetched again (NEWSFLOW_SEEN_TTL)")
	rest, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fs.usageErr("unexpected argument %q (settings are flags or NEWSFLOW_* variables)", rest[0])
	}
	if err := env.Err(); err != nil {
		return err
	}
	if err := topo.Validate(); err != nil {
		return err
	}

	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	dialCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	conn, js, err := natsx.Connect(dialCtx, nc, log)
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close()
	changes, err := events.Provision(ctx, js, topo)
	printChanges(stdout, changes)
	return err
}

// printChanges writes one line per resource, and one indented line per
// changed setting of an updated one.
func printChanges(w io.Writer, changes []events.Change) {
	for _, c := range changes {
		fmt.Fprintf(w, "%-9s %s\n", c.Action, c.Resource)
		for _, d := range c.Diff {
			fmt.Fprintf(w, "          %s: %s -> %s\n", d.Field, d.Old, d.New)
		}
	}
}
