package store

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/redistest"
	"github.com/newsflow/newsflow/pkg/obs"
)

// A request line net/http refuses before any handler (an invalid percent
// escape in the target) gets the API's JSON error, not Go's plain text.
func TestUnreadableRequestIsJSON(t *testing.T) {
	natsURL, _ := natsServer(t)
	rdb, prefix := redistest.Client(t)
	st := runStore(t, natsURL, rdb, Config{Prefix: prefix, TTL: time.Hour})
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(st.api, "http://"), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c, "GET /v1/articles/%zz HTTP/1.1\r\nHost: store\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	var e obs.Error
	if err := json.Unmarshal(body, &e); err != nil || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%d %s %q: not a JSON error (%v)", resp.StatusCode, resp.Header.Get("Content-Type"), body, err)
	}
	if resp.StatusCode != http.StatusBadRequest || e.Status != http.StatusBadRequest || e.Message == "" {
		t.Errorf("got %d %+v, want 400 with a message", resp.StatusCode, e)
	}
}
