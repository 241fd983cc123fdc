package pipebench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// freeAddr is a loopback address nothing listens on now, for a listener the
// bench does not open itself (the store's API, a service's admin port).
//
// The port is free when asked, not reserved: the kernel may offer a port it
// just gave another caller, which then failed to bind (a store and a parser
// were once handed the same admin port). No address is handed out twice.
func freeAddr() (string, error) {
	handedMu.Lock()
	defer handedMu.Unlock()
	for range 100 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", fmt.Errorf("free address: %w", err)
		}
		addr := ln.Addr().String()
		ln.Close()
		if !handed[addr] {
			handed[addr] = true
			return addr, nil
		}
	}
	return "", fmt.Errorf("free address: every port offered was handed out before")
}

var (
	handedMu sync.Mutex
	handed   = map[string]bool{}
)

// waitHTTP polls url until it answers 200, for at most limit.
func waitHTTP(ctx context.Context, url string, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("wait for %s: %w", url, err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not answering 200 within %v: %w", url, limit, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
