package store

import (
	"testing"

	"github.com/newsflow/newsflow/internal/redistest"
)

// TestMain stops the private redis-server the tests may start.
func TestMain(m *testing.M) { redistest.Main(m) }
