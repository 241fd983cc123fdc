package obs

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// SetupTracing installs the process's tracer provider and the W3C trace
// context propagator. Spans are always made, so every message carries a
// traceparent and every log line a trace id; they are exported only when
// OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set,
// over OTLP/HTTP, configured by the standard OTEL_* variables.
func SetupTracing(ctx context.Context, service string) (shutdown func(context.Context) error, err error) {
	opts := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", service))),
	}
	if os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "" {
		exp, err := otlptracehttp.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("otlp trace exporter: %w", err)
		}
		opts = append(opts, sdktrace.WithBatcher(exp))
	}
	tp := sdktrace.NewTracerProvider(opts...)
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	return tp.Shutdown, nil
}

func init() {
	// Propagation works even in programs that never call SetupTracing (tests,
	// embedders): the trace context of a message is passed on unchanged.
	otel.SetTextMapPropagator(propagation.TraceContext{})
}

// HeaderCarrier lets the propagator read and write NATS headers.
type HeaderCarrier nats.Header

// Get returns the first value of key.
func (c HeaderCarrier) Get(key string) string { return nats.Header(c).Get(key) }

// Set replaces key's value.
func (c HeaderCarrier) Set(key, value string) { nats.Header(c).Set(key, value) }

// Keys lists the header names.
func (c HeaderCarrier) Keys() []string {
	out := make([]string, 0, len(c))
	for k := range c {
		out = append(out, k)
	}
	return out
}

// ExtractTrace returns ctx carrying the trace context of a received message.
func ExtractTrace(ctx context.Context, h nats.Header) context.Context {
	return otel.GetTextMapPropagator().Extract(ctx, HeaderCarrier(h))
}

// InjectTrace writes the trace context of ctx into an outgoing message.
func InjectTrace(ctx context.Context, h nats.Header) {
	otel.GetTextMapPropagator().Inject(ctx, HeaderCarrier(h))
}

// StartSpan starts a span of the named stage.
func StartSpan(ctx context.Context, stage, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	return otel.Tracer("newsflow/"+stage).Start(ctx, name, opts...)
}

// TraceID is the attribute that ties a log line to its trace.
func TraceID(ctx context.Context) slog.Attr {
	return slog.String("trace_id", trace.SpanContextFromContext(ctx).TraceID().String())
}
