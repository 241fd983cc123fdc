package fetcher

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/newsflow/newsflow/pkg/obs"
)

// ErrAPIUnprotected is a feed API set to listen beyond loopback without a
// bearer token: anyone who reaches it could choose what the fetcher crawls.
var ErrAPIUnprotected = errors.New("the feed API listens beyond loopback without FETCHER_API_TOKEN")

// minTokenLen keeps out tokens short enough to guess.
const minTokenLen = 16

// checkAPI reports what is unsafe in the feed API's settings: the variable
// to blame, its value as it may be shown (never a token), and why.
func (c Config) checkAPI() (name, shown string, err error) {
	switch {
	case c.APIAddr == "":
		return "", "", nil
	case c.APIAddr == c.AdminAddr:
		return "FETCHER_API_ADDR", c.APIAddr, errors.New("must differ from ADMIN_ADDR: the admin listener serves no feed API")
	case c.APIToken != "" && len(c.APIToken) < minTokenLen:
		return "FETCHER_API_TOKEN", "(hidden)", fmt.Errorf("%d characters, want at least %d", len(c.APIToken), minTokenLen)
	case c.APIToken == "" && !loopback(c.APIAddr):
		return "FETCHER_API_TOKEN", "", fmt.Errorf("%w (FETCHER_API_ADDR=%q)", ErrAPIUnprotected, c.APIAddr)
	}
	return "", "", nil
}

// loopback reports whether a listen address accepts only local connections.
// ":8083" and "0.0.0.0:8083" listen on every interface; a host name other
// than localhost may resolve to anything.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// requireToken lets through only requests with "Authorization: Bearer
// <token>" (RFC 6750); with no token set it lets everything through.
func requireToken(token string, next http.Handler) http.Handler {
	if token == "" {
		return next
	}
	// Comparing digests keeps the time taken independent of both the
	// content and the length of the token tried.
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			w.Header().Set("WWW-Authenticate", `Bearer realm="newsflow-fetcher"`)
			obs.WriteError(w, http.StatusUnauthorized, "authorization: want a bearer token (Authorization: Bearer <FETCHER_API_TOKEN>)")
			return
		}
		sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
		if subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="newsflow-fetcher", error="invalid_token"`)
			obs.WriteError(w, http.StatusUnauthorized, "authorization: invalid bearer token")
			return
		}
		next.ServeHTTP(w, r)
	})
}
