package store

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/newsflow/newsflow/pkg/config"
)

// RedisTLS are the files for TLS to Redis (a rediss:// REDIS_URL): the CA
// its certificate is verified with, and a client certificate for a Redis
// with tls-auth-clients. Empty fields leave Go's defaults: the system's CAs,
// no client certificate.
type RedisTLS struct {
	CA, Cert, Key string
}

func redisTLSFromEnv(env *config.Env) RedisTLS {
	t := RedisTLS{
		CA:   env.File("REDIS_TLS_CA", "CA certificate file that Redis (rediss://) is verified with; default the system's"),
		Cert: env.File("REDIS_TLS_CERT", "client certificate file for TLS to Redis (with REDIS_TLS_KEY)"),
		Key:  env.File("REDIS_TLS_KEY", "client key file for TLS to Redis"),
	}
	if (t.Cert == "") != (t.Key == "") {
		env.Fail("REDIS_TLS_CERT", t.Cert, "REDIS_TLS_CERT and REDIS_TLS_KEY go together")
	}
	return t
}

// apply adds t's files to the TLS configuration a rediss:// URL gave.
func (t RedisTLS) apply(c *tls.Config) error {
	if t.CA != "" {
		pem, err := os.ReadFile(t.CA)
		if err != nil {
			return fmt.Errorf("REDIS_TLS_CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("REDIS_TLS_CA=%s: no PEM certificate in it", t.CA)
		}
		c.RootCAs = pool
	}
	if t.Cert != "" {
		cert, err := tls.LoadX509KeyPair(t.Cert, t.Key)
		if err != nil {
			return fmt.Errorf("REDIS_TLS_CERT, REDIS_TLS_KEY: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return nil
}

// NewRedis opens a client for u, with t's files for a rediss:// URL. It
// does not dial; see PingRedis.
//
//	redis://[user:pass@]host:6379[/db]                      one server (rediss:// for TLS, unix:///path)
//	redis://sentinel1:26379?master_name=M&addr=sentinel2:26379   Sentinel: the primary named M
//	redis://node1:6379?addr=node2:6379&addr=node3:6379      Redis Cluster (or one seed with cluster=true)
//
// On Redis Cluster, REDIS_PREFIX needs a hash tag: Run refuses to start without one.
func NewRedis(u string, t RedisTLS) (redis.UniversalClient, error) {
	routeRedisLog.Do(func() { redis.SetLogger(redisLog{}) })
	parsed, err := url.Parse(u)
	if err != nil {
		// url.Error repeats the URL, and with it the password.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	withTLS := func(c *tls.Config) error {
		if c == nil {
			if t != (RedisTLS{}) {
				return errors.New("REDIS_TLS_* settings need a rediss:// REDIS_URL")
			}
			return nil
		}
		return t.apply(c)
	}
	q := parsed.Query()
	switch {
	case q.Has("master_name"):
		opt, err := redis.ParseFailoverURL(u)
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL (sentinel): %w", err)
		}
		if err := withTLS(opt.TLSConfig); err != nil {
			return nil, err
		}
		return redis.NewFailoverClient(opt), nil
	case q.Has("addr") || q.Get("cluster") == "true":
		q.Del("cluster")
		parsed.RawQuery = q.Encode()
		opt, err := redis.ParseClusterURL(parsed.String())
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL (cluster): %w", err)
		}
		if err := withTLS(opt.TLSConfig); err != nil {
			return nil, err
		}
		return redis.NewClusterClient(opt), nil
	}
	opt, err := redis.ParseURL(u)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	if err := withTLS(opt.TLSConfig); err != nil {
		return nil, err
	}
	return redis.NewClient(opt), nil
}

// ErrRedisRefused is PingRedis's error when Redis answered but refused this
// client: the user and password, or the TLS handshake. Waiting does not
// fix it; the settings do.
var ErrRedisRefused = errors.New("redis refused the connection")

// PingRedis asks Redis for a PONG, waiting at most 5 s. When Redis refused
// the credentials or TLS failed, the error is ErrRedisRefused and names
// the settings to check.
func PingRedis(ctx context.Context, rdb redis.UniversalClient) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err := rdb.Ping(ctx).Err()
	if err == nil {
		return nil
	}
	var alert tls.AlertError
	var verify *tls.CertificateVerificationError
	var record tls.RecordHeaderError
	switch {
	case redis.IsAuthError(err), redis.IsPermissionError(err):
		return fmt.Errorf("%w: authentication failed (the user and password in REDIS_URL): %w", ErrRedisRefused, err)
	case errors.As(err, &alert), errors.As(err, &verify), errors.As(err, &record), strings.Contains(err.Error(), "certificate"):
		return fmt.Errorf("%w: TLS failed (REDIS_TLS_CA, REDIS_TLS_CERT, REDIS_TLS_KEY, and rediss:// in REDIS_URL): %w", ErrRedisRefused, err)
	}
	// A TLS mismatch looks like a Redis that is not there yet, so it is
	// waited out like one; the error at least says what else it may be.
	switch withTLS := usesTLS(rdb); {
	case !withTLS && errors.Is(err, io.EOF):
		return fmt.Errorf("%w (a Redis that wants TLS hangs up on a plain connection: rediss:// in REDIS_URL?)", err)
	case withTLS && errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w (a Redis without TLS never answers the TLS handshake of a rediss:// REDIS_URL)", err)
	}
	return err
}

// usesTLS says whether rdb connects with TLS (a rediss:// URL).
func usesTLS(rdb redis.UniversalClient) bool {
	switch c := rdb.(type) {
	case *redis.Client:
		return c.Options().TLSConfig != nil
	case *redis.ClusterClient:
		return c.Options().TLSConfig != nil
	}
	return false
}
