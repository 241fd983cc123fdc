package obs

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Requests net/http refuses before any handler runs are answered in JSON,
// on a fresh connection or after a good request on a kept-alive one; a
// handler's own answers, plain text included, pass untouched.
func TestRequestErrorsAreJSON(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "fine") })
	mux.HandleFunc("GET /plain", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "handler says no", http.StatusBadRequest) })
	go func() { done <- ServeListener(ctx, ln, mux, slog.New(slog.DiscardHandler)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})

	const good = "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n"
	for _, tc := range []struct {
		name, send string
		status     int
		message    string
	}{
		{"invalid percent escape", "GET /v1/articles/%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400, "malformed request"},
		{"after a good request", good + "GET /v1/articles/%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400, "malformed request"},
		{"no Host", "GET /ok HTTP/1.1\r\n\r\n", 400, "missing required Host header"},
		{"invalid header name", "GET /ok HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n", 400, "invalid header name"},
		{"HTTP/2.5", "GET /ok HTTP/2.5\r\nHost: x\r\n\r\n", 505, "unsupported protocol version"},
		{"unknown transfer encoding", "POST /ok HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: zip\r\n\r\n", 501, "unsupported transfer encoding"},
		// net/http hands these to the handler, and http.ServeMux answers them
		// itself (empty, plain text) before any pattern.
		{"target *", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400, "request target *"},
		{"CONNECT", "CONNECT x:80 HTTP/1.1\r\nHost: x:80\r\n\r\n", 501, "CONNECT"},
		{"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, "HTTP/2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, br := dialRaw(t, ln.Addr().String(), tc.send)
			defer c.Close()
			if strings.HasPrefix(tc.send, good) {
				if resp, _ := readResponse(t, br); resp.StatusCode != http.StatusOK {
					t.Fatalf("good request: %d", resp.StatusCode)
				}
			}
			resp, body := readResponse(t, br)
			var e struct {
				Status  int    `json:"status"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(body, &e); err != nil || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("%d %s %q: not a JSON error (%v)", resp.StatusCode, resp.Header.Get("Content-Type"), body, err)
			}
			if resp.StatusCode != tc.status || e.Status != tc.status || !strings.Contains(e.Message, tc.message) || !resp.Close {
				t.Errorf("got %d %+v (close %v), want %d with %q and the connection closed", resp.StatusCode, e, resp.Close, tc.status, tc.message)
			}
		})
	}

	c, br := dialRaw(t, ln.Addr().String(), "GET /plain HTTP/1.1\r\nHost: x\r\n\r\n"+good)
	defer c.Close()
	resp, body := readResponse(t, br)
	if resp.StatusCode != 400 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") || string(body) != "handler says no\n" {
		t.Errorf("a handler's plain-text error was changed: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if resp, _ := readResponse(t, br); resp.StatusCode != http.StatusOK {
		t.Errorf("the connection did not stay usable: %d", resp.StatusCode)
	}
}

func dialRaw(t *testing.T, addr, send string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c, send); err != nil {
		t.Fatal(err)
	}
	return c, bufio.NewReader(c)
}

// readResponse reads one response and its whole body.
func readResponse(t *testing.T, br *bufio.Reader) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, body
}

// Only net/http's own answer is rewritten: not a response with other
// headers, nor bytes that merely start like one.
func TestJSONRequestErrorMatchesOnlyNetHTTP(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"HTTP/1.1 400 Bad Request" + plainErrorHeaders + "400 Bad Request", true},
		{"HTTP/1.1 431 Request Header Fields Too Large" + plainErrorHeaders + "431 Request Header Fields Too Large", true},
		{"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nDate: Mon, 02 Jan 2006 15:04:05 GMT\r\nConnection: close\r\n\r\nno", false},
		{"HTTP/1.1 400 Bad Request" + plainErrorHeaders + "400 Bad Request\r\nmore of a body", false},
		{"HTTP/1.1 400 Bad Request" + plainErrorHeaders + strings.Repeat("x", 300), false},
		{"HTTP/1.1 200 OK" + plainErrorHeaders + "fine", false},
		{"some body HTTP/1.1 400 Bad Request" + plainErrorHeaders + "400 Bad Request", false},
	} {
		if _, ok := jsonRequestError([]byte(tc.in)); ok != tc.want {
			t.Errorf("%.60q: rewritten %v, want %v", tc.in, ok, tc.want)
		}
	}
}
