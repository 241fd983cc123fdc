package store

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/newsflow/newsflow/pkg/events"
)

// privateRedis is a redis-server of the test's own, on its own port, which
// the test can stop and start again: the shared Redis is never touched.
type privateRedis struct {
	t    *testing.T
	port string
	cmd  *exec.Cmd
}

func startPrivateRedis(t *testing.T) *privateRedis {
	t.Helper()
	addr := freeAddr(t)
	_, port, _ := strings.Cut(addr, ":")
	r := &privateRedis{t: t, port: port}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *privateRedis) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", r.port, "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.t.TempDir())
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server (apt-get install redis-server): %v", err)
	}
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + r.port})
	defer c.Close()
	waitFor(r.t, "private redis-server", func() bool { return c.Ping(context.Background()).Err() == nil })
}

func (r *privateRedis) stop() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}

// While Redis is down nothing is acked and readiness is false; once it is
// back every article published meanwhile is stored exactly once.
func TestRedisOutageLosesNothing(t *testing.T) {
	natsURL, js := natsServer(t)
	pr := startPrivateRedis(t)
	rdb, err := NewRedis("redis://127.0.0.1:"+pr.port, RedisTLS{})
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	const prefix = "newsflow-outage:"
	st := runStore(t, natsURL, rdb, Config{Prefix: prefix, TTL: time.Hour, Workers: 3, MaxBackoff: 300 * time.Millisecond})
	articles := NewArticles(rdb, prefix, time.Hour)
	ready := func() int {
		resp, err := http.Get(st.admin + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	ctx := t.Context()
	first := art("example.com", 0, base)
	publish(t, js, first)
	waitFor(t, "the first article stored", func() bool { _, err := articles.Get(ctx, first.ID); return err == nil })
	if code := ready(); code != http.StatusOK {
		t.Fatalf("readyz = %d with Redis up", code)
	}

	pr.stop()
	waitFor(t, "readyz to report the outage", func() bool { return ready() == http.StatusServiceUnavailable })
	// The live stream goes on without Redis: it reads NATS.
	stream := openStream(t, st.api+"/v1/stream", "")
	failedBefore := testutil.ToFloat64(writes.WithLabelValues("error"))
	createdBefore := testutil.ToFloat64(writes.WithLabelValues(Created.String()))
	const n = 12
	var ids []string
	for i := 1; i <= n; i++ {
		a := art(fmt.Sprintf("site%d.example", i%3), i, base.Add(time.Duration(i)*time.Minute))
		ids = append(ids, a.ID)
		publish(t, js, a)
	}
	for i := 1; i <= n; i++ {
		if _, a := stream.article(t); a.ID != ids[i-1] {
			t.Errorf("stream during the outage: event %d is %s, want %s", i, a.ID, ids[i-1])
		}
	}
	stream.close()
	cons, err := js.Consumer(ctx, events.StreamArticles, events.ConsumerStore)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "writes to fail and be redelivered", func() bool {
		return testutil.ToFloat64(writes.WithLabelValues("error")) >= failedBefore+n
	})
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.AckFloor.Stream != 1 {
		t.Errorf("during the outage the ack floor moved to %d, want 1 (only the first article acked)", info.AckFloor.Stream)
	}

	pr.start()
	waitFor(t, "every article stored and acked", func() bool {
		info, err := cons.Info(ctx)
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0 && info.AckFloor.Stream == n+1
	})
	// The restarted Redis started empty (no persistence): what it holds now
	// is exactly what arrived during the outage.
	if got := testutil.ToFloat64(writes.WithLabelValues(Created.String())) - createdBefore; got != n {
		t.Errorf("%v articles created after the outage, want %d", got, n)
	}
	if c, err := articles.Count(ctx); err != nil || c != n {
		t.Errorf("index holds %d articles (%v), want %d", c, err, n)
	}
	for _, id := range ids {
		if _, err := articles.Get(ctx, id); err != nil {
			t.Errorf("article %s: %v", id, err)
		}
	}
	if code := ready(); code != http.StatusOK {
		t.Errorf("readyz = %d after Redis came back", code)
	}
	if err := st.stop(); err != nil {
		t.Errorf("store: %v", err)
	}
}
