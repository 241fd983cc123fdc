package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/events"
)

const dlqUsage = `usage: newsflow dlq list [--stage S] [--reason TEXT] [--since 2h|RFC3339] [--json]
       newsflow dlq show [--bytes N | --body] SEQ
       newsflow dlq replay [--dry-run] SEQ ... | --all | [--stage S] [--reason TEXT] [--since T]
       newsflow dlq purge [--dry-run] SEQ ... | --all | [--stage S] [--reason TEXT] [--since T]

The dead letters in NEWSFLOW_DLQ: messages a stage gave up on. replay sends
each back to the subject it came from (with a fresh message id) and deletes
it from the DLQ once published; purge only deletes. list and show never write.
`

// dlqVerbs are the synopses of dlq's verbs.
var dlqVerbs = map[string]string{
	"list":   "usage: newsflow dlq list [--stage S] [--reason TEXT] [--since 2h|RFC3339] [--json] [--nats URL]\n",
	"show":   "usage: newsflow dlq show SEQ [--bytes N | --body] [--nats URL]\n",
	"replay": "usage: newsflow dlq replay [--dry-run] SEQ ... | --all | [--stage S] [--reason TEXT] [--since T] [--nats URL]\n",
	"purge":  "usage: newsflow dlq purge [--dry-run] SEQ ... | --all | [--stage S] [--reason TEXT] [--since T] [--nats URL]\n",
}

// cmdDLQ lists, shows, replays and purges dead letters.
func cmdDLQ(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	v, err := parseNATSVerb("dlq", dlqUsage, dlqVerbs, args)
	if err != nil {
		return err
	}
	env, verb, vfs := v.env, v.verb, v.cmd
	var (
		f              dlqFilter
		since          string
		asJSON, dryRun bool
		all, rawBody   bool
		previewBytes   int
	)
	switch verb {
	case "list", "replay", "purge":
		vfs.StringVar(&f.stage, "stage", "", "only dead letters of this stage (fetcher, parser, store)")
		vfs.StringVar(&f.reason, "reason", "", "only dead letters whose reason contains this text (any case)")
		vfs.StringVar(&since, "since", "", "only dead letters this recent: a duration (2h) or an RFC 3339 time")
	}
	switch verb {
	case "list":
		vfs.BoolVar(&asJSON, "json", false, "one JSON object per dead letter and line")
	case "show":
		vfs.IntVar(&previewBytes, "bytes", 2048, "how much of the body to preview")
		vfs.BoolVar(&rawBody, "body", false, "print the whole decoded body and nothing else")
	case "replay", "purge":
		vfs.BoolVar(&all, "all", false, "every dead letter")
		vfs.BoolVar(&dryRun, "dry-run", false, "say what would be done, do nothing")
	}
	rest, err := vfs.parse(v.args)
	if err != nil {
		return err
	}
	nc := v.nc // after parsing: --nats may follow the verb
	if err := env.Err(); err != nil {
		return err
	}
	if since != "" {
		t, err := parseSince(since, time.Now())
		if err != nil {
			return vfs.usageErr("--since: %v", err)
		}
		f.since = t
	}
	seqs, err := parseSeqs(rest)
	if err != nil {
		return vfs.usageErr("%v", err)
	}
	switch {
	case verb == "list" && len(seqs) > 0:
		return vfs.usageErr("list takes no sequences (filter with --stage, --reason, --since)")
	case verb == "show" && len(seqs) != 1:
		return vfs.usageErr("show takes one SEQ")
	case (verb == "replay" || verb == "purge") && len(seqs) == 0 && f.empty() && !all:
		return vfs.usageErr("which dead letters? give sequences, a filter (--stage, --reason, --since) or --all")
	case len(seqs) > 0 && (!f.empty() || all), all && !f.empty():
		return vfs.usageErr("give sequences, filters or --all: one of them")
	case previewBytes < 0:
		return vfs.usageErr("--bytes %d: must not be negative", previewBytes)
	}

	// A plain connection: reading dead letters must not provision anything.
	// Only connecting is bounded; a long DLQ takes as long as it takes (each
	// request has JetStream's own timeout, and Ctrl-C stops it).
	connectCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, js, err := connectNATS(connectCtx, nc, stderr)
	if err != nil {
		return err
	}
	defer conn.Close()
	r, err := openDLQ(connectCtx, js)
	if err != nil {
		return err
	}
	// selected calls fn for the dead letters the arguments name.
	selected := func(fn func(deadLetter) error) error {
		if len(seqs) == 0 {
			return r.each(ctx, f, fn)
		}
		for _, seq := range seqs {
			d, err := r.get(ctx, seq)
			if err == nil {
				err = fn(d)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}

	switch verb {
	case "list":
		if asJSON {
			enc := json.NewEncoder(stdout)
			return r.each(ctx, f, func(d deadLetter) error { return enc.Encode(d) })
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SEQ\tSTAGE\tAGE\tATTEMPTS\tURL\tREASON")
		err := r.each(ctx, f, func(d deadLetter) error {
			_, err := fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\n", d.Seq, d.Stage, age(time.Duration(d.AgeSeconds)*time.Second),
				d.Attempts, orDash(d.URL), orDash(oneLine(d.Reason, 120)))
			return err
		})
		return errors.Join(err, tw.Flush())
	case "show":
		d, err := r.get(ctx, seqs[0])
		if err != nil {
			return err
		}
		if rawBody {
			body, err := d.body(ctx, js)
			if err != nil {
				return err
			}
			_, err = stdout.Write(body)
			return err
		}
		return showDeadLetter(ctx, stdout, js, d, previewBytes)
	case "replay":
		return replayDeadLetters(ctx, stdout, stderr, js, conn.MaxPayload(), r, selected, dryRun)
	default: // purge
		n := 0
		err := selected(func(d deadLetter) error {
			if !dryRun {
				if err := r.stream.DeleteMsg(ctx, d.Seq); err != nil {
					return fmt.Errorf("delete dead letter %d: %w", d.Seq, err)
				}
			}
			n++
			return nil
		})
		what := "purged"
		if dryRun {
			what = "would purge"
		}
		fmt.Fprintf(stdout, "%s %d dead letters\n", what, n)
		return err
	}
}

// replayDeadLetters publishes each selected dead letter to where it came from
// and deletes it from the DLQ once the publish is acknowledged. One that
// fails stays in the DLQ and is reported; the others still go.
func replayDeadLetters(ctx context.Context, stdout, stderr io.Writer, js jetstream.JetStream, maxPayload int64, r *dlqReader,
	selected func(func(deadLetter) error) error, dryRun bool) error {
	var sent, failed int
	err := selected(func(d deadLetter) error {
		m, err := d.replayMsg(ctx, js)
		note := ""
		if err == nil && !dryRun {
			var ack *jetstream.PubAck
			if ack, err = events.PublishLarge(ctx, js, m, maxPayload); err == nil {
				if ack.Duplicate {
					note = " (already sent by an earlier replay: not sent again)"
				}
				if derr := r.stream.DeleteMsg(ctx, d.Seq); derr != nil {
					err = fmt.Errorf("published, but not deleted from %s (a replay within the duplicate window publishes nothing): %w", events.StreamDLQ, derr)
				}
			}
		}
		if err != nil {
			failed++
			fmt.Fprintf(stderr, "dead letter %d (%s %s): %v\n", d.Seq, d.Stage, orDash(d.URL), err)
			return ctx.Err() // keep going unless the command is out of time
		}
		sent++
		verb := "replayed"
		if dryRun {
			verb = "would replay"
		}
		fmt.Fprintf(stdout, "%s %d (%s, %s) to %s%s\n", verb, d.Seq, d.Stage, orDash(d.URL), m.Subject, note)
		return nil
	})
	verb := "replayed"
	if dryRun {
		verb = "would replay"
	}
	fmt.Fprintf(stdout, "%s %d of %d dead letters", verb, sent, sent+failed)
	if failed > 0 {
		fmt.Fprintf(stdout, "; %d failed and stay in %s", failed, events.StreamDLQ)
	}
	fmt.Fprintln(stdout)
	if err == nil && failed > 0 {
		err = fmt.Errorf("%d dead letters not replayed", failed)
	}
	return err
}

// showDeadLetter prints a dead letter's summary, every header, and the start
// of its decoded body.
func showDeadLetter(ctx context.Context, w io.Writer, js jetstream.JetStream, d deadLetter, preview int) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	from := d.Subject
	if d.Stream != "" {
		from += fmt.Sprintf(" (%s #%d)", d.Stream, d.StreamSeq)
	}
	for _, row := range [][2]string{
		{"seq", strconv.FormatUint(d.Seq, 10)},
		{"stage", d.Stage},
		{"dead-lettered", fmt.Sprintf("%s (%s ago)", when(d.At), age(time.Duration(d.AgeSeconds)*time.Second))},
		{"attempts", strconv.Itoa(d.Attempts)},
		{"reason", d.Reason},
		{"from", from},
		{"url", orDash(d.URL)},
	} {
		fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	fmt.Fprintln(w, "headers:")
	keys := make([]string, 0, len(d.msg.Header))
	for k := range d.msg.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range d.msg.Header[k] {
			fmt.Fprintf(w, "  %s: %s\n", k, v)
		}
	}
	stored := fmt.Sprintf("%d bytes stored", d.Bytes)
	if d.BodyRef != "" {
		stored = fmt.Sprintf("in object store %s as %s", events.BucketPages, d.BodyRef)
	}
	if enc := d.msg.Header.Get(events.HeaderBodyEncoding); enc != "" {
		stored += ", " + enc
	}
	body, err := d.body(ctx, js)
	if err != nil {
		// Still worth showing the rest: the object may have expired.
		fmt.Fprintf(w, "body: %s; cannot read it: %v\n", stored, err)
		return nil
	}
	fmt.Fprintf(w, "body: %d bytes (%s)\n", len(body), stored)
	fmt.Fprintln(w, bodyPreview(body, preview))
	return nil
}

// bodyPreview is the start of body: as text when it is UTF-8, else quoted.
func bodyPreview(body []byte, n int) string {
	text := utf8.Valid(body)
	cut := body[:min(n, len(body))]
	for text && !utf8.Valid(cut) { // n fell inside a character
		cut = cut[:len(cut)-1]
	}
	s := string(cut)
	if !text {
		s = strconv.Quote(s)
	}
	if more := len(body) - len(cut); more > 0 {
		s += fmt.Sprintf("\n… (%d more bytes; --body prints them all)", more)
	}
	return s
}

// parseSeqs reads the DLQ sequence numbers given as arguments.
func parseSeqs(args []string) ([]uint64, error) {
	seqs := make([]uint64, 0, len(args))
	for _, a := range args {
		n, err := strconv.ParseUint(a, 10, 64)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("%q is not a dead-letter sequence number", a)
		}
		seqs = append(seqs, n)
	}
	return seqs, nil
}

// age is d in its largest whole unit: 45s, 12m, 5h, 3d.
func age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(int(d/time.Second), 0))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	default:
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	}
}

// oneLine is s on one line, at most n runes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
