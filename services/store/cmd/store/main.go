// Command store runs newsflow's store and API; see package store.
package main

import (
	"context"

	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/services/store"
)

func main() {
	service.Main("store", store.DefaultAdminAddr, func(env *config.Env) (service.RunFunc, error) {
		cfg := store.ConfigFromEnv(env)
		if env.Err() != nil {
			return nil, env.Err()
		}
		rdb, err := store.NewRedis(cfg.RedisURL, cfg.RedisTLS)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, deps service.Deps) error {
			defer rdb.Close()
			return store.Run(ctx, cfg, deps, rdb)
		}, nil
	})
}
