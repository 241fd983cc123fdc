package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/newsflow/newsflow/pkg/config"
)

func TestNewRedisKinds(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want string // client type, or "error"
	}{
		{"redis://127.0.0.1:6379/2", "*redis.Client"},
		{"rediss://user:pw@redis.example:6380", "*redis.Client"},
		{"unix:///run/redis.sock", "*redis.Client"},
		{"redis://s1:26379?master_name=main&addr=s2:26379", "*redis.Client"}, // a failover client is a *redis.Client
		{"redis://n1:6379?addr=n2:6379&addr=n3:6379", "*redis.ClusterClient"},
		{"redis://n1:6379?cluster=true", "*redis.ClusterClient"},
		{"redis://n1:6379?addr=n2:6379&bogus=1", "error"},
		{"http://127.0.0.1:6379", "error"},
	} {
		rdb, err := NewRedis(tc.url, RedisTLS{})
		got := "error"
		if err == nil {
			got = fmt.Sprintf("%T", rdb)
			rdb.Close()
		}
		if got != tc.want {
			t.Errorf("NewRedis(%q) = %s (%v), want %s", tc.url, got, err, tc.want)
		}
	}
}

func TestClusterNeedsHashTag(t *testing.T) {
	cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}})
	defer cluster.Close()
	single := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer single.Close()
	for _, tc := range []struct {
		rdb    redis.UniversalClient
		prefix string
		ok     bool
	}{
		{cluster, "{newsflow}:", true},
		{cluster, "prod:{nf}:", true},
		{cluster, "newsflow:", false},
		{cluster, "{}:", false},
		{single, "newsflow:", true},
	} {
		err := checkCluster(tc.rdb, tc.prefix)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, config.ErrInvalid)) {
			t.Errorf("checkCluster(%T, %q) = %v, want ok=%v", tc.rdb, tc.prefix, err, tc.ok)
		}
	}
}

func TestConfigFromEnv(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		bad  string // the variable the error names
		want func(Config) bool
	}{
		{map[string]string{}, "", func(c Config) bool {
			return c.TTL == 720*time.Hour && c.DuplicateBits == 3 && c.Heartbeat == 15*time.Second && c.Prefix == "newsflow:" &&
				c.HTTPAddr == ":8080" && c.AdminAddr == ":9080"
		}},
		{map[string]string{"HTTP_ADDR": "127.0.0.1:8000", "ADMIN_ADDR": "10.0.0.5:9000"}, "", func(c Config) bool {
			return c.HTTPAddr == "127.0.0.1:8000" && c.AdminAddr == "10.0.0.5:9000"
		}},
		{map[string]string{"ADMIN_ADDR": ":8080"}, "ADMIN_ADDR", nil},
		{map[string]string{"STORE_DUP_BITS": "0"}, "", func(c Config) bool { return c.DuplicateBits == -1 && c.withDefaults().DuplicateBits == 0 }},
		{map[string]string{"STORE_DUP_BITS": "4"}, "STORE_DUP_BITS", nil},
		{map[string]string{"STORE_TTL": "soon"}, "STORE_TTL", nil},
		{map[string]string{"STORE_SSE_HEARTBEAT": "0s"}, "STORE_SSE_HEARTBEAT", nil},
		{map[string]string{"REDIS_URL": "http://x"}, "REDIS_URL", nil},
		{map[string]string{"STORE_MAX_STREAMS": "0"}, "STORE_MAX_STREAMS", nil},
	} {
		env := config.FromMap(tc.env)
		c := ConfigFromEnv(env)
		err := env.Err()
		switch {
		case tc.bad != "":
			if err == nil || !strings.Contains(err.Error(), tc.bad) {
				t.Errorf("%v: error %v, want one naming %s", tc.env, err, tc.bad)
			}
		case err != nil || !tc.want(c):
			t.Errorf("%v: %+v, %v", tc.env, c, err)
		}
	}
}
