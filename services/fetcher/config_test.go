package fetcher

import (
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/config"
)

// FETCHER_HOST_DELAY may be 0 (for sources one owns); a negative or
// unparsable one is refused, naming the variable.
func TestHostDelayConfig(t *testing.T) {
	for v, want := range map[string]time.Duration{"": time.Second, "0": 0, "0s": 0, "5ms": 5 * time.Millisecond, "-1s": -1, "x": -1} {
		env := config.FromMap(map[string]string{"FETCHER_HOST_DELAY": v})
		got := ConfigFromEnv(env).HostDelay
		if err := env.Err(); (err != nil) != (want < 0) || (want >= 0 && got != want) {
			t.Errorf("FETCHER_HOST_DELAY=%q: %v, err %v; want %v", v, got, err, want)
		}
	}
}
