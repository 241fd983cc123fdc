package natstest

import (
	"net"
	"sync/atomic"
	"testing"
)

// CountDials listens where a NATS URL can point, closes every connection at
// once and counts them: a test that a command connects to nothing (--help,
// --version, a bad flag) reads the count.
func CountDials(t testing.TB) (url string, dials *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	dials = new(atomic.Int32)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			dials.Add(1)
			c.Close()
		}
	}()
	return "nats://" + ln.Addr().String(), dials
}
