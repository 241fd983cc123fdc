package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestGetFaults(t *testing.T) {
	var gzBomb bytes.Buffer
	zw := gzip.NewWriter(&gzBomb)
	zw.Write(bytes.Repeat([]byte{'A'}, 64<<20)) // 64 MiB of "A" compresses to ~64 KiB
	zw.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=ISO-8859-1")
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Cache-Control", "public, max-age=120")
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprint(w, "<html>ok</html>")
	})
	mux.HandleFunc("/busy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		chunk := bytes.Repeat([]byte("x"), 32<<10)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(gzBomb.Bytes())
	})
	mux.HandleFunc("/maintenance", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Write([]byte("%PDF-1.4"))
	})
	mux.HandleFunc("/to-loopback", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://[::1]:1/admin", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	open := New(Options{AllowPrivate: true, MaxBytes: 1 << 20, Timeout: 500 * time.Millisecond})
	html := []string{"text/html"}
	tests := []struct {
		name string
		c    *Client
		req  Request
		want error
		kind string
		chk  func(t *testing.T, r *Response)
	}{
		{name: "ok", c: open, req: Request{URL: srv.URL + "/ok", ContentTypes: html}, kind: "none",
			chk: func(t *testing.T, r *Response) {
				if string(r.Body) != "<html>ok</html>" || r.Charset != "ISO-8859-1" || r.ETag != `"v1"` || r.MaxAge != 2*time.Minute {
					t.Errorf("response %+v", r)
				}
			}},
		{name: "304", c: open, req: Request{URL: srv.URL + "/ok", ETag: `"v1"`}, want: ErrNotModified, kind: "not_modified"},
		{name: "429 retry-after", c: open, req: Request{URL: srv.URL + "/busy"}, want: ErrStatus, kind: "status",
			chk: func(t *testing.T, r *Response) {
				if r.Status != 429 || r.RetryAfter != 2*time.Minute {
					t.Errorf("status %d retry-after %v", r.Status, r.RetryAfter)
				}
			}},
		{name: "503 in JSON is a status, not a content type", c: open, req: Request{URL: srv.URL + "/maintenance", ContentTypes: html}, want: ErrStatus, kind: "status",
			chk: func(t *testing.T, r *Response) {
				if r.RetryAfter != 2*time.Minute {
					t.Errorf("retry-after %v", r.RetryAfter)
				}
			}},
		{name: "redirect loop", c: open, req: Request{URL: srv.URL + "/loop"}, want: ErrTooManyHops, kind: "redirects"},
		{name: "slow server", c: open, req: Request{URL: srv.URL + "/slow"}, kind: "timeout"},
		{name: "endless body", c: open, req: Request{URL: srv.URL + "/endless"}, want: ErrTooLarge, kind: "too_large"},
		{name: "gzip bomb", c: open, req: Request{URL: srv.URL + "/bomb"}, want: ErrTooLarge, kind: "too_large"},
		{name: "wrong content type", c: open, req: Request{URL: srv.URL + "/pdf", ContentTypes: html}, want: ErrContentType, kind: "content_type"},
		{name: "loopback refused", c: New(Options{}), req: Request{URL: srv.URL + "/ok"}, want: ErrPrivateAddress, kind: "private_address"},
		{name: "redirect to loopback refused", c: New(Options{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}),
			req: Request{URL: srv.URL + "/to-loopback"}, want: ErrPrivateAddress, kind: "private_address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := tt.c.Get(context.Background(), tt.req)
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if got := Kind(err); got != tt.kind {
				t.Errorf("Kind = %q, want %q (err %v)", got, tt.kind, err)
			}
			if tt.chk != nil && resp != nil {
				tt.chk(t, resp)
			}
		})
	}
}

// A public-looking first hop that redirects inside is refused at the dial of
// the second hop: the check runs on every connection, after DNS.
func TestRefusePrivateAddresses(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:80", "10.1.2.3:443", "192.168.0.1:80", "172.16.5.4:80",
		"169.254.169.254:80", "[::1]:80", "[fe80::1]:80", "0.0.0.0:80", "100.64.0.1:80", "[::ffff:127.0.0.1]:80",
		"[64:ff9b::a9fe:a9fe]:80", "[64:ff9b::a00:1]:80", "[2002:a00:1::]:80", "198.18.0.1:80", "240.0.0.1:80"} {
		if err := refusePrivate(addr, nil); !errors.Is(err, ErrPrivateAddress) {
			t.Errorf("%s: %v, want refused", addr, err)
		}
	}
	for _, addr := range []string{"93.184.216.34:443", "[2606:2800:220:1:248:1893:25c8:1946]:443"} {
		if err := refusePrivate(addr, nil); err != nil {
			t.Errorf("%s: %v, want allowed", addr, err)
		}
	}
	if !strings.Contains(fmt.Sprint(refusePrivate("10.0.0.1:80", nil)), "10.0.0.1") {
		t.Error("error does not name the address")
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2024, 2, 23, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":                              0,
		"30":                            30 * time.Second,
		"Fri, 23 Feb 2024 12:05:00 GMT": 5 * time.Minute,
		"Fri, 23 Feb 2024 11:00:00 GMT": 0,
		"soon":                          0,
	} {
		if got := retryAfter(in, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}
