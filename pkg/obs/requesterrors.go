package obs

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A request net/http cannot read — an invalid percent escape in the target
// (GET /v1/articles/%zz), a malformed header, no Host, an oversized header
// block — never reaches a handler: the server answers it with a plain-text
// error of its own, written straight to the connection. Every error newsflow
// serves is JSON ({"status": 400, "message": "…"}), so the listener's
// connections recognise that answer as it is written and replace it with the
// JSON one. Recognising it at write time, rather than vetting request lines
// before net/http reads them, holds for every request of a keep-alive
// connection without framing HTTP a second time.
//
// net/http writes that answer in one Write, as "HTTP/1.1 <code> <text>",
// exactly these headers, and a short one-line body; a handler's response
// always carries a Date header too, and a later write of its body would
// need those raw lines and end right after them, so nothing else matches.
// TestRequestErrorsAreJSON fails if a Go release changes the format.
const plainErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// jsonErrorListener gives each accepted connection the rewrite.
type jsonErrorListener struct{ net.Listener }

func (l jsonErrorListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return jsonErrorConn{c}, nil
}

type jsonErrorConn struct{ net.Conn }

func (c jsonErrorConn) Write(p []byte) (int, error) {
	out, ok := jsonRequestError(p)
	if !ok {
		return c.Conn.Write(p)
	}
	if _, err := c.Conn.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// CloseWrite and ReadFrom keep what net/http does with a *net.TCPConn:
// half-close before hanging up on an oversized request, sendfile/splice
// for response bodies (which never need the rewrite).
func (c jsonErrorConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (c jsonErrorConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

// jsonRequestError turns net/http's plain-text answer to an unreadable
// request into the same answer in JSON; ok is false for any other bytes.
func jsonRequestError(p []byte) (out []byte, ok bool) {
	// net/http's answer is a status line, the fixed headers and at most 200
	// bytes of body: a longer write (every response's first chunk) is no
	// such answer and is not searched.
	if len(p) > 512 {
		return nil, false
	}
	rest, found := bytes.CutPrefix(p, []byte("HTTP/1.1 "))
	if !found {
		return nil, false
	}
	statusLine, body, found := bytes.Cut(rest, []byte(plainErrorHeaders))
	if !found || bytes.ContainsAny(statusLine, "\r\n") || len(statusLine) < 4 || statusLine[3] != ' ' ||
		len(body) > 200 || bytes.ContainsAny(body, "\r\n") {
		return nil, false
	}
	code, err := strconv.Atoi(string(statusLine[:3]))
	if err != nil || code < 400 || code > 599 {
		return nil, false
	}
	data, err := errorJSON(code, requestErrorMessage(code, string(body)))
	if err != nil {
		return nil, false
	}
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 " + strconv.Itoa(code) + " " + http.StatusText(code) + "\r\n")
	b.WriteString("Content-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(data)) + "\r\nConnection: close\r\n\r\n")
	b.Write(data)
	return b.Bytes(), true
}

// requestErrorMessage is net/http's reason without the status it repeats
// ("400 Bad Request: missing required Host header" → "missing required Host
// header"), or one naming what cannot be read when it gives none.
func requestErrorMessage(code int, body string) string {
	msg := strings.TrimPrefix(body, strconv.Itoa(code)+" "+http.StatusText(code))
	msg = strings.TrimSpace(strings.TrimPrefix(msg, ":"))
	switch {
	case msg != "":
	case code == http.StatusBadRequest:
		msg = "malformed request: its request line, target or headers cannot be parsed"
	default:
		msg = strings.ToLower(http.StatusText(code))
	}
	r, size := utf8.DecodeRuneInString(msg)
	return string(unicode.ToLower(r)) + msg[size:]
}

// errorJSON is newsflow's error document, one line.
func errorJSON(code int, msg string) ([]byte, error) {
	data, err := json.Marshal(Error{Status: code, Message: msg})
	return append(data, '\n'), err
}

// routable answers in JSON the two requests net/http reads but no route
// can take, which http.ServeMux would answer itself before any pattern: a
// target of "*" (an empty 400; OPTIONS * never gets here), HTTP/2's
// preface among them, and CONNECT (a plain-text 404 or 405).
func routable(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, msg := 0, ""
		switch {
		case r.Method == "PRI" && r.RequestURI == "*":
			// HTTP/2's connection preface: a client trying h2c.
			code, msg = http.StatusHTTPVersionNotSupported, "HTTP/2 without TLS is not supported: use HTTP/1.1"
		case r.RequestURI == "*":
			code, msg = http.StatusBadRequest, "request target * is for OPTIONS only"
		case r.Method == http.MethodConnect:
			code, msg = http.StatusNotImplemented, "method CONNECT not supported: this is no proxy"
		default:
			h.ServeHTTP(w, r)
			return
		}
		data, err := errorJSON(code, msg)
		if err != nil {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Connection", "close")
		w.WriteHeader(code)
		_, _ = w.Write(data)
	})
}
