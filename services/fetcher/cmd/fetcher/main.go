// Command fetcher runs newsflow's fetch stage; see package fetcher.
package main

import (
	"context"

	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/services/fetcher"
)

func main() {
	service.Main("fetcher", fetcher.DefaultAdminAddr, func(env *config.Env) (service.RunFunc, error) {
		cfg := fetcher.ConfigFromEnv(env)
		return func(ctx context.Context, deps service.Deps) error { return fetcher.Run(ctx, cfg, deps) }, nil
	})
}
