package service_test

import (
	"io"
	"log/slog"
	"testing"

	"github.com/newsflow/newsflow/internal/natstest"
	"github.com/newsflow/newsflow/pkg/natsx"
	"github.com/newsflow/newsflow/pkg/service"
)

// Connecting writes nothing: a service never creates or changes streams
// (only `newsflow provision` does), so an operator's settings stay.
func TestConnectProvisionsNothing(t *testing.T) {
	ns := natstest.Start(t)
	d, err := service.Connect(t.Context(), natsx.Config{URL: ns.ClientURL(), Name: "t"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer d.NC.Close()
	if d.Source != "newsflow/t" {
		t.Errorf("Source = %q, want newsflow/t", d.Source)
	}
	for name := range d.JS.StreamNames(t.Context()).Name() {
		t.Errorf("Connect created stream %s", name)
	}
}
