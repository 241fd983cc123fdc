package pipebench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// origin is the news sites the bench crawls: one listener per loopback
// address (127.0.0.10, .11, …), each with an RSS feed of its items and the
// item pages. An item is one unique URL serving one of the corpus pages; its
// first GET is its "served" time.
type origin struct {
	pages [][]byte // the corpus
	hosts []string // host:port of each site
	urls  []string // item URL by index
	page  []int    // corpus page of each item
	host  []int    // site of each item

	served []atomic.Int64 // unix ns of the first GET of each item (0: not yet)

	mu       sync.Mutex
	revealed [][]int // per site: item indexes in feed order
	revealAt []int64 // unix ns an item entered its feed

	srv *http.Server
	lns []net.Listener
}

// newOrigin listens on nHosts loopback addresses and plans items URLs. The
// k-th copy of a corpus page goes to a different site than its other copies
// (while k < nHosts), so a page whose canonical link is relative never gives
// two items one id.
func newOrigin(pages [][]byte, items, nHosts int) (*origin, error) {
	if nHosts < 1 || nHosts > 240 {
		return nil, fmt.Errorf("--hosts %d: must be 1 to 240", nHosts)
	}
	o := &origin{pages: pages, served: make([]atomic.Int64, items),
		revealed: make([][]int, nHosts), revealAt: make([]int64, items)}
	for h := range nHosts {
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0."+strconv.Itoa(10+h), "0"))
		if err != nil {
			o.close()
			return nil, fmt.Errorf("origin: %w", err)
		}
		o.lns = append(o.lns, ln)
		o.hosts = append(o.hosts, ln.Addr().String())
	}
	n := len(pages)
	for i := range items {
		p, copyNo := i%n, i/n
		h := (p + copyNo) % nHosts
		o.page = append(o.page, p)
		o.host = append(o.host, h)
		o.urls = append(o.urls, "http://"+o.hosts[h]+"/p/"+strconv.Itoa(i))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /feed.xml", o.feed)
	mux.HandleFunc("GET /p/{i}", o.item)
	o.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)}
	return o, nil
}

// serve runs the listeners until close.
func (o *origin) serve() {
	for _, ln := range o.lns {
		go func() { _ = o.srv.Serve(ln) }()
	}
}

func (o *origin) close() {
	if o.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := o.srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			o.srv.Close()
		}
		return
	}
	for _, ln := range o.lns {
		ln.Close()
	}
}

// feedURLs are the sites' feeds, the fetcher's sources.
func (o *origin) feedURLs() []string {
	out := make([]string, len(o.hosts))
	for h, hp := range o.hosts {
		out[h] = "http://" + hp + "/feed.xml"
	}
	return out
}

// reveal puts items [from, to) into their feeds at rate per second (0: all
// at once), until ctx ends. It returns when the last item is in.
func (o *origin) reveal(ctx context.Context, from, to int, rate float64) error {
	start := time.Now()
	next := from
	for next < to {
		now := time.Now()
		due := to
		if rate > 0 {
			due = min(to, from+int(now.Sub(start).Seconds()*rate)+1)
		}
		o.mu.Lock()
		for ; next < due; next++ {
			o.revealed[o.host[next]] = append(o.revealed[o.host[next]], next)
			o.revealAt[next] = now.UnixNano()
		}
		o.mu.Unlock()
		if next < to {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	return nil
}

// feed is a site's RSS, newest first: the items not yet fetched and those
// fetched in the last second — a feed stays short, yet an item leaves it
// only once fetched, however late a poll comes. Its ETag is the count of
// items ever listed, so a poll with nothing new costs a 304.
func (o *origin) feed(w http.ResponseWriter, r *http.Request) {
	h := o.siteOf(r)
	if h < 0 {
		http.NotFound(w, r)
		return
	}
	now := time.Now().UnixNano()
	o.mu.Lock()
	items := o.revealed[h]
	etag := `"` + strconv.Itoa(len(items)) + `"`
	var list []int
	for k := len(items) - 1; k >= 0 && len(list) < 1000; k-- {
		if i := items[k]; o.served[i].Load() == 0 || now-o.served[i].Load() < int64(time.Second) {
			list = append(list, i)
		}
	}
	o.mu.Unlock()
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<rss version=\"2.0\"><channel><title>bench site</title><link>http://")
	b.WriteString(o.hosts[h])
	b.WriteString("/</link><description>newsflow bench --pipeline</description>\n")
	for _, i := range list {
		fmt.Fprintf(&b, "<item><link>%s</link><guid>%s</guid><pubDate>%s</pubDate></item>\n",
			o.urls[i], o.urls[i], time.Unix(0, o.revealAt[i]).UTC().Format(time.RFC1123Z))
	}
	b.WriteString("</channel></rss>\n")
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	w.Header().Set("ETag", etag)
	_, _ = w.Write([]byte(b.String()))
}

// item serves one item's page and notes when it was first served.
func (o *origin) item(w http.ResponseWriter, r *http.Request) {
	i, err := strconv.Atoi(r.PathValue("i"))
	if err != nil || i < 0 || i >= len(o.urls) || o.siteOf(r) != o.host[i] {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if _, err := w.Write(o.pages[o.page[i]]); err != nil {
		return
	}
	o.served[i].CompareAndSwap(0, time.Now().UnixNano())
}

// siteOf is the site a request was made to (by the address it arrived on).
func (o *origin) siteOf(r *http.Request) int {
	addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return -1
	}
	for h, hp := range o.hosts {
		if hp == addr.String() {
			return h
		}
	}
	return -1
}
