package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// Released buffers serve later fetches; a response that was not released
// keeps its body, and every body is the page served, with a Content-Length
// or without one.
func TestBodyBuffersAreReusedSafely(t *testing.T) {
	page := func(n int) []byte { return bytes.Repeat([]byte(fmt.Sprintf("<p>page %d</p>", n)), 50*(n%7+1)) }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		body := page(n)
		w.Header().Set("Content-Type", "text/html")
		if n%2 == 0 {
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		} else {
			w.(http.Flusher).Flush() // chunked: the length is not known in advance
		}
		w.Write(body)
	}))
	defer srv.Close()
	c := New(Options{AllowPrivate: true, MaxBytes: 1 << 20})

	var kept []*Response
	for n := range 40 {
		resp, err := c.Get(context.Background(), Request{URL: srv.URL + "/" + strconv.Itoa(n)})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(resp.Body, page(n)) {
			t.Fatalf("page %d: body of %d bytes is not the page served", n, len(resp.Body))
		}
		if n%5 == 0 {
			kept = append(kept, resp)
			continue
		}
		resp.Release()
		resp.Release() // idempotent
		if resp.Body != nil {
			t.Fatalf("page %d: Body still set after Release", n)
		}
	}
	for i, resp := range kept {
		if n := i * 5; !bytes.Equal(resp.Body, page(n)) {
			t.Errorf("page %d, kept: its body changed while later fetches reused buffers", n)
		}
	}
	var none *Response
	none.Release() // a failed Get's nil response
}

// Bodies of any size are read whole, up to the limit exactly, with a
// Content-Length or without: at a small limit, and around the bound past
// which a body gets a buffer of its own.
func TestBodySizes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		size, _ := strconv.Atoi(r.URL.Query().Get("size"))
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Query().Get("length") != "" {
			w.Header().Set("Content-Length", strconv.Itoa(size))
		}
		body := make([]byte, size)
		for i := range body {
			body[i] = byte('a' + i%26)
		}
		w.Write(body)
	}))
	defer srv.Close()
	const bound = maxPooledBody - bytes.MinRead
	for _, tc := range []struct {
		limit int
		sizes []int
	}{
		{64 << 10, []int{64 << 10, 64<<10 + 1, 0}},
		{3 << 20, []int{bound - 1, bound, bound + 1, maxPooledBody, 2*maxPooledBody + 3, 3 << 20, 3<<20 + 1, 100}},
	} {
		c := New(Options{AllowPrivate: true, MaxBytes: int64(tc.limit)})
		for _, length := range []string{"", "1"} {
			for _, size := range tc.sizes {
				resp, err := c.Get(context.Background(), Request{URL: fmt.Sprintf("%s/?size=%d&length=%s", srv.URL, size, length)})
				if size > tc.limit {
					if Kind(err) != "too_large" {
						t.Errorf("size %d, limit %d (length %q): err %v, want too large", size, tc.limit, length, err)
					}
					continue
				}
				if err != nil {
					t.Errorf("size %d, limit %d (length %q): %v", size, tc.limit, length, err)
					continue
				}
				if len(resp.Body) != size || (size > 0 && resp.Body[size-1] != byte('a'+(size-1)%26)) {
					t.Errorf("size %d, limit %d (length %q): %d bytes, not the body served", size, tc.limit, length, len(resp.Body))
				}
				resp.Release()
			}
		}
	}
}
