// Package redistest gives a test a real Redis and a key prefix of its own.
// With REDIS_URL unset it is a private redis-server, started on a free port
// in a temporary directory on first use and stopped when the test binary
// ends (a package that uses it calls Main from TestMain); with REDIS_URL set
// it is that server. Cleanup deletes only the keys under the test's prefix:
// never FLUSHALL a database you did not create.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/newsflow/newsflow/internal/redisserver"
)

var (
	mainRunning bool // Main is running the tests: a private server will be stopped

	once     sync.Once
	private  *redisserver.Server
	dir      string
	startErr error
)

// Main runs the tests of a package that uses Redis and then stops the private
// server, if one was started:
//
//	func TestMain(m *testing.M) { redistest.Main(m) }
func Main(m *testing.M) {
	mainRunning = true
	code := m.Run()
	if private != nil {
		if err := private.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "redistest:", err)
		}
	}
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
	os.Exit(code)
}

// URL is the Redis tests use: REDIS_URL, or the private server.
func URL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	if !mainRunning {
		t.Fatal("redistest: the package starts a private redis-server but has no TestMain calling redistest.Main(m), which stops it")
	}
	once.Do(func() {
		dir, startErr = os.MkdirTemp("", "newsflow-redistest-")
		if startErr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		private, startErr = redisserver.Start(ctx, redisserver.Options{Dir: dir})
	})
	if startErr != nil {
		if errors.Is(startErr, redisserver.ErrNotInstalled) {
			t.Fatalf("redistest: %v; install it (%s, or run scripts/deps) or set REDIS_URL", startErr, redisserver.InstallHint)
		}
		t.Fatalf("redistest: start a private redis-server: %v", startErr)
	}
	return private.URL()
}

// Client connects to URL and returns a fresh prefix such as
// "newsflow-test:3f9a…:"; a test fails at once when Redis does not answer.
func Client(t testing.TB) (redis.UniversalClient, string) {
	t.Helper()
	url := URL(t)
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("redis at %s: %v", url, err)
	}
	prefix := Prefix()
	t.Cleanup(func() {
		DeletePrefix(context.Background(), rdb, prefix)
		rdb.Close()
	})
	return rdb, prefix
}

// Prefix is a fresh key prefix such as "newsflow-test:3f9a…:".
func Prefix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "newsflow-test:" + hex.EncodeToString(b[:]) + ":"
}

// DeletePrefix removes every key starting with prefix.
func DeletePrefix(ctx context.Context, rdb redis.UniversalClient, prefix string) {
	iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			rdb.Unlink(ctx, batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		rdb.Unlink(ctx, batch...)
	}
}
