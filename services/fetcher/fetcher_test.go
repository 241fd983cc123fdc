package fetcher

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/pkg/natsx"
	"github.com/newsflow/newsflow/pkg/service"
)

// A fetcher whose admin address is taken stops, polling and fetching too,
// rather than working unseen by its health checks.
func TestRunStopsWhenTheAddressIsTaken(t *testing.T) {
	ns := startNATS(t)
	deps, err := service.Connect(t.Context(), natsx.Config{URL: ns.ClientURL(), Name: "f"}, testLog())
	if err != nil {
		t.Fatal(err)
	}
	defer deps.NC.Close()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	done := make(chan error, 1)
	go func() { done <- Run(t.Context(), Config{AdminAddr: taken.Addr().String()}, deps) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "listen") {
			t.Errorf("Run = %v, want the listen error", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("fetcher kept running without its admin server")
	}
}
