// Command parser runs newsflow's parse stage; see package parser.
package main

import (
	"context"

	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/pkg/service"
	"github.com/newsflow/newsflow/services/parser"
)

func main() {
	service.Main("parser", parser.DefaultAdminAddr, func(env *config.Env) (service.RunFunc, error) {
		cfg := parser.ConfigFromEnv(env)
		return func(ctx context.Context, deps service.Deps) error { return parser.Run(ctx, cfg, deps) }, nil
	})
}
