package store

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
)

// go-redis prints pool and dial trouble with the standard log package:
// unstructured lines on stderr, ahead of the store's own message about the
// same failure (PingRedis, readiness, a handler's error). They go to slog's
// default logger at debug instead, which the service has set to its own.
type redisLog struct{}

func (redisLog) Printf(ctx context.Context, format string, v ...any) {
	slog.Default().DebugContext(ctx, fmt.Sprintf(format, v...), "component", "go-redis")
}

var routeRedisLog sync.Once
