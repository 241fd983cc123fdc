// Package redistest gives a test the real Redis at REDIS_URL (default
// redis://127.0.0.1:6379) and a key prefix of its own. Cleanup deletes only
// the keys under that prefix: never FLUSHALL a database you did not create.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// URL is the Redis tests use.
func URL() string {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379"
}

// Client connects to URL and returns a fresh prefix such as
// "newsflow-test:3f9a…:"; a test fails at once when Redis does not answer.
func Client(t testing.TB) (redis.UniversalClient, string) {
	t.Helper()
	opt, err := redis.ParseURL(URL())
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("redis at %s: %v (start one: redis-server --daemonize yes)", URL(), err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "newsflow-test:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		DeletePrefix(context.Background(), rdb, prefix)
		rdb.Close()
	})
	return rdb, prefix
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
