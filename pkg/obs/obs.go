// Package obs holds what every newsflow service exposes to operators:
// structured logs, and the admin listener's /healthz, /readyz and /metrics.
package obs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/newsflow/newsflow/pkg/config"
)

// LogConfig selects the log level and format (LOG_LEVEL, LOG_FORMAT).
type LogConfig struct {
	Level  string // debug, info, warn, error
	Format string // json (default) or text
}

// LogConfigFromEnv reads LOG_LEVEL and LOG_FORMAT.
func LogConfigFromEnv(env *config.Env) LogConfig {
	return LogConfig{
		Level:  env.String("LOG_LEVEL", "info", "debug, info, warn or error"),
		Format: env.String("LOG_FORMAT", "json", "json, or text for people"),
	}
}

// NewLogger returns a structured logger writing to w.
func NewLogger(w io.Writer, c LogConfig, service string) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.Level)); err != nil {
		return nil, fmt.Errorf("%w: LOG_LEVEL=%q: want debug, info, warn or error", config.ErrInvalid, c.Level)
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	switch strings.ToLower(c.Format) {
	case "", "json":
		h = slog.NewJSONHandler(w, opts)
	case "text":
		h = slog.NewTextHandler(w, opts)
	default:
		return nil, fmt.Errorf("%w: LOG_FORMAT=%q: want json or text", config.ErrInvalid, c.Format)
	}
	return slog.New(h).With("service", service), nil
}

// Fatal logs err and exits with status 1; for main functions only.
func Fatal(log *slog.Logger, msg string, err error) {
	log.Error(msg, "err", err)
	os.Exit(1)
}

// ReadyFunc reports whether a service can do its work (connected,
// provisioned); nil means ready.
type ReadyFunc func(ctx context.Context) error

// AdminOption adds to what AdminHandler serves.
type AdminOption func(mux *http.ServeMux)

// WithPprof serves Go's profiles under /debug/pprof/ (ADMIN_PPROF=true) when
// on: `go tool pprof http://ADMIN_ADDR/debug/pprof/profile?seconds=15`.
// Off by default: a profile costs CPU while it runs and shows the code.
func WithPprof(on bool) AdminOption {
	return func(mux *http.ServeMux) {
		if !on {
			return
		}
		mux.HandleFunc("GET /debug/pprof/", pprof.Index) // heap, goroutine, allocs, block, mutex…
		mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
}

// AdminHandler serves /healthz, /readyz and /metrics (and what opts add),
// and 404 for anything else. It belongs on a service's admin address
// (ADMIN_ADDR), never on a public listener: readiness errors name internal
// hosts, and metrics list every source polled.
func AdminHandler(ready ReadyFunc, opts ...AdminOption) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := ready(ctx); err != nil {
			WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": err.Error()})
			return
		}
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	mux.Handle("GET /metrics", promhttp.Handler())
	for _, o := range opts {
		o(mux)
	}
	return jsonMuxErrors(mux)
}

// jsonMuxErrors answers what mux has no route for as every API of newsflow
// does, with a JSON error, instead of the mux's plain-text 404 and 405.
// A path that some method would reach gets 405 and the Allow header.
func jsonMuxErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "" {
				allow = append(allow, m)
				if m == http.MethodGet {
					allow = append(allow, http.MethodHead)
				}
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			WriteError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed on "+r.URL.Path)
			return
		}
		WriteError(w, http.StatusNotFound, "no such endpoint on the admin listener: "+r.Method+" "+r.URL.Path)
	})
}

// Serve runs an HTTP server on addr until ctx is done, then shuts it down
// gracefully. ln, when not nil, is used instead of listening on addr.
func Serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	return ServeListener(ctx, ln, h, log)
}

// ServeListener is Serve on an open listener. Requests too malformed to
// reach h are answered with a JSON error too (see jsonErrorListener and
// routable).
func ServeListener(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	ln, h = jsonErrorListener{ln}, routable(h)
	// Long-lived responses (the SSE stream) extend their own write deadline
	// through http.ResponseController; everything else is bounded here.
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("http listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http server: %w", err)
	}
	return nil
}
