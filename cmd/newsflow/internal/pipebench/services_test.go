package pipebench

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A service's runtime figures come from its /metrics; a zero is a figure,
// a metric that is not there is an error naming it.
func TestScrapeRuntimeStats(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       runtimeStats
		missing    string
	}{
		{
			name: "all three, no collection yet",
			body: "# HELP go_gc_duration_seconds x\ngo_gc_duration_seconds{quantile=\"0\"} 0\ngo_gc_duration_seconds_count 0\n" +
				"go_memstats_heap_inuse_bytes 4.194304e+06\ngo_memstats_alloc_bytes_total 123456\n",
			want: runtimeStats{gc: 0, heap: 4194304, alloc: 123456},
		},
		{
			name:    "no GC count",
			body:    "go_memstats_heap_inuse_bytes 1\ngo_memstats_alloc_bytes_total 2\n",
			missing: "go_gc_duration_seconds_count",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			pr := &stageProc{name: "parser 1", admin: strings.TrimPrefix(srv.URL, "http://")}
			got, err := pr.scrape(context.Background())
			if tc.missing != "" {
				if !errors.Is(err, errMetricsMissing) || !strings.Contains(err.Error(), tc.missing) {
					t.Fatalf("err %v, want %v naming %s", err, errMetricsMissing, tc.missing)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}
