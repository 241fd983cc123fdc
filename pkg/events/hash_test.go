package events

import (
	"strconv"
	"strings"
	"testing"
)

// An event id's version part is 16 hex digits whatever the hash's leading
// zeros, and tells two versions apart.
func TestVersionHash(t *testing.T) {
	seen := map[string]bool{}
	for i := range 2000 {
		h := versionHash([]byte(strconv.Itoa(i)))
		if len(h) != 16 || strings.Trim(h, "0123456789abcdef") != "" {
			t.Fatalf("versionHash(%d) = %q, want 16 hex digits", i, h)
		}
		if seen[h] {
			t.Fatalf("versionHash(%d) = %q again", i, h)
		}
		seen[h] = true
	}
}
