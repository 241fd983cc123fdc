package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/newsflow/newsflow/internal/redisserver"
	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/services/store"
)

// defaultRedisURL is where `up` looks for a running Redis when REDIS_URL is
// unset (a variable so that tests can point it where none listens).
var defaultRedisURL = "redis://127.0.0.1:6379"

// upRedis gives `newsflow up` its Redis: the one explicit names (REDIS_URL
// or REDIS_URL_FILE; never another), else one already answering on the
// default address, else a redis-server of its own under dataDir/redis with
// an append-only file, so articles outlive a restart. stop ends that server,
// if up started it. tlsFiles are REDIS_TLS_*, for an explicit rediss:// URL.
func upRedis(ctx context.Context, explicit string, tlsFiles store.RedisTLS, dataDir string, log *slog.Logger) (rdb redis.UniversalClient, url string, stop func(), err error) {
	url = explicit
	if url != "" || listening(defaultRedisURL) {
		if url == "" {
			url = defaultRedisURL
		}
		rdb, err = store.NewRedis(url, tlsFiles)
		if err != nil {
			return nil, "", nil, err
		}
		if err := store.PingRedis(ctx, rdb); err != nil {
			rdb.Close()
			if errors.Is(err, store.ErrRedisRefused) {
				return nil, "", nil, fmt.Errorf("redis at %s: %w", config.RedactURL(url), err)
			}
			return nil, "", nil, fmt.Errorf("no Redis answers at %s: %w", config.RedactURL(url), err)
		}
		log.Info("using redis", "url", config.RedactURL(url))
		return rdb, url, func() {}, nil
	}

	dir := filepath.Join(dataDir, "redis")
	srv, err := redisserver.Start(ctx, redisserver.Options{Dir: dir, AOF: true})
	if errors.Is(err, redisserver.ErrNotInstalled) {
		return nil, "", nil, fmt.Errorf("no Redis listens on %s and %w.\nInstall it:  %s\nor point REDIS_URL at a Redis you run",
			defaultRedisURL, err, redisserver.InstallHint)
	}
	if err != nil {
		return nil, "", nil, err
	}
	log.Info("started redis-server", "url", srv.URL(), "dir", dir)
	stop = func() {
		if err := srv.Stop(); err != nil {
			log.Warn("stop redis-server", "err", err)
		}
	}
	rdb, err = store.NewRedis(srv.URL(), store.RedisTLS{})
	if err == nil {
		err = store.PingRedis(ctx, rdb)
	}
	if err != nil {
		stop()
		return nil, "", nil, fmt.Errorf("redis-server started by newsflow: %w", err)
	}
	return rdb, srv.URL(), stop, nil
}

// listening says whether anything accepts connections at a redis:// URL's
// address: if so, that is the user's Redis, and up uses it.
func listening(redisURL string) bool {
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		return false
	}
	c, err := net.DialTimeout(opt.Network, opt.Addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
