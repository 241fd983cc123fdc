// Package natsx connects newsflow services to NATS JetStream. The embedded
// server of `newsflow up` and the tests is internal/natsserver.
package natsx

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsflow/newsflow/pkg/backoff"
	"github.com/newsflow/newsflow/pkg/config"
)

// Config says how to reach NATS.
type Config struct {
	URL       string // one or more comma-separated server URLs
	Name      string // connection name shown by the server
	CredsFile string // NATS_CREDS: a .creds file (JWT + nkey)
	NKeySeed  string // NATS_NKEY_SEED: a file holding a user's nkey seed, for servers with nkey users
	User      string
	Password  string // NATS_PASSWORD or NATS_PASSWORD_FILE
	Token     string // NATS_TOKEN or NATS_TOKEN_FILE
	TLSCA     string
	TLSCert   string
	TLSKey    string

	// FailFast tries each server once and returns the error: for
	// interactive commands, where a person waits. Services leave it unset
	// and wait for NATS to come up.
	FailFast bool

	// InProcess, when set, connects to this embedded server (a
	// *server.Server from internal/natsserver) without a socket.
	InProcess nats.InProcessConnProvider
}

// FromEnv reads NATS_URL, NATS_CREDS, NATS_NKEY_SEED, NATS_USER, NATS_PASSWORD[_FILE],
// NATS_TOKEN[_FILE], NATS_TLS_CA, NATS_TLS_CERT and NATS_TLS_KEY.
func FromEnv(env *config.Env, name string) Config {
	c := Config{
		URL:       env.URL("NATS_URL", nats.DefaultURL, "NATS server(s), comma-separated", "nats", "tls", "ws", "wss"),
		Name:      name,
		CredsFile: env.File("NATS_CREDS", "NATS credentials file (.creds: JWT and nkey seed)"),
		NKeySeed:  env.File("NATS_NKEY_SEED", "NATS nkey seed file (a user's SU… seed), for servers that list nkey users"),
		User:      env.String("NATS_USER", "", "NATS user name (with NATS_PASSWORD)"),
		Password:  env.Secret("NATS_PASSWORD", "NATS password"),
		Token:     env.Secret("NATS_TOKEN", "NATS authentication token"),
		TLSCA:     env.File("NATS_TLS_CA", "CA certificate file that NATS servers are verified with"),
		TLSCert:   env.File("NATS_TLS_CERT", "client certificate file for TLS to NATS (with NATS_TLS_KEY)"),
		TLSKey:    env.File("NATS_TLS_KEY", "client key file for TLS to NATS"),
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		env.Fail("NATS_TLS_CERT", c.TLSCert, "NATS_TLS_CERT and NATS_TLS_KEY go together")
	}
	if c.Token != "" && (c.User != "" || c.CredsFile != "") {
		env.Fail("NATS_TOKEN", c.Token, "give a token, a user and password, or a credentials file, not several")
	}
	if c.NKeySeed != "" && (c.Token != "" || c.User != "" || c.CredsFile != "") {
		env.Fail("NATS_NKEY_SEED", c.NKeySeed, "give an nkey seed, a token, a user and password, or a credentials file, not several")
	}
	return c
}

// Connect dials NATS, retrying until ctx is done (unless c.FailFast), and
// keeps reconnecting for the life of the connection: a NATS restart pauses
// the services, it does not stop them.
func Connect(ctx context.Context, c Config, log *slog.Logger) (*nats.Conn, jetstream.JetStream, error) {
	opts := []nats.Option{
		nats.Name(c.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { log.Info("nats reconnected", "url", nc.ConnectedUrlRedacted()) }),
	}
	if c.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(c.CredsFile))
	}
	if c.NKeySeed != "" {
		// The option reads the seed now and signs the server's nonce with it.
		opt, err := nats.NkeyOptionFromSeed(c.NKeySeed)
		if err != nil {
			return nil, nil, fmt.Errorf("NATS_NKEY_SEED=%s: %w", c.NKeySeed, err)
		}
		opts = append(opts, opt)
	}
	if c.User != "" {
		opts = append(opts, nats.UserInfo(c.User, c.Password))
	}
	if c.Token != "" {
		opts = append(opts, nats.Token(c.Token))
	}
	if c.FailFast {
		opts = append(opts, nats.Timeout(FailFastTimeout))
	}
	if c.TLSCA != "" {
		opts = append(opts, nats.RootCAs(c.TLSCA))
	}
	if c.TLSCert != "" {
		opts = append(opts, nats.ClientCert(c.TLSCert, c.TLSKey))
	}
	if c.InProcess != nil {
		opts = append(opts, nats.InProcessServer(c.InProcess))
	}
	// The URL may hold a user and password.
	where := config.RedactURL(c.URL)
	var lastErr error
	for attempt := 0; ; attempt++ {
		nc, err := nats.Connect(c.URL, opts...)
		if err == nil {
			js, err := jetstream.New(nc)
			if err != nil {
				nc.Close()
				return nil, nil, fmt.Errorf("jetstream: %w", err)
			}
			return nc, js, nil
		}
		lastErr = err
		if why, ok := refused(c, err); ok {
			return nil, nil, fmt.Errorf("connect to nats at %s: %s: %w", where, why, err)
		}
		if c.FailFast {
			return nil, nil, fmt.Errorf("connect to nats at %s: %w", where, err)
		}
		if attempt == 0 || attempt%10 == 0 {
			log.Warn("nats not reachable, retrying", "url", where, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("connect to nats at %s: %w", where, lastErr)
		case <-time.After(connectBackoff.Delay(attempt)):
		}
	}
}

// refused says whether NATS refused these settings, which no wait fixes
// (rather than not answering), and names the settings to look at: the
// server's own error says only "Authorization Violation" or what TLS found.
func refused(c Config, err error) (string, bool) {
	var alert tls.AlertError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.Is(err, nats.ErrAuthorization), errors.Is(err, nats.ErrAuthExpired), errors.Is(err, nats.ErrAuthRevoked),
		errors.Is(err, nats.ErrAccountAuthExpired):
		return "authorization refused " + c.credentials(), true
	case errors.Is(err, nats.ErrTLS), errors.As(err, &alert), errors.As(err, &verify),
		errors.Is(err, nats.ErrSecureConnRequired), errors.Is(err, nats.ErrSecureConnWanted),
		strings.Contains(err.Error(), "certificate"):
		return "TLS failed " + c.tlsFiles(), true
	case os.IsNotExist(err):
		return "a credentials or certificate file is missing", true
	}
	return "", false
}

// credentials names what c authenticates with, never its secret.
func (c Config) credentials() string {
	switch {
	case c.CredsFile != "":
		return fmt.Sprintf("for the credentials file NATS_CREDS=%s", c.CredsFile)
	case c.NKeySeed != "":
		return fmt.Sprintf("for the nkey seed NATS_NKEY_SEED=%s", c.NKeySeed)
	case c.User != "":
		return fmt.Sprintf("for user %q (NATS_USER, NATS_PASSWORD)", c.User)
	case c.Token != "":
		return "for the token NATS_TOKEN"
	}
	return "(no credentials given: set NATS_USER and NATS_PASSWORD, NATS_TOKEN, NATS_CREDS, or NATS_NKEY_SEED)"
}

// tlsFiles names the TLS settings c uses. Without a client certificate it
// says that one may be wanted: a server that verifies clients may close the
// connection before its alert arrives, leaving only "broken pipe".
func (c Config) tlsFiles() string {
	var files []string
	for _, f := range []struct{ name, path string }{{"NATS_TLS_CA", c.TLSCA}, {"NATS_TLS_CERT", c.TLSCert}, {"NATS_TLS_KEY", c.TLSKey}} {
		if f.path != "" {
			files = append(files, f.name+"="+f.path)
		}
	}
	if c.TLSCA == "" {
		files = append(files, "no NATS_TLS_CA: the system's CAs")
	}
	if c.TLSCert == "" {
		files = append(files, "no NATS_TLS_CERT and NATS_TLS_KEY: a server that verifies clients wants them")
	}
	return "(" + strings.Join(files, "; ") + ")"
}

// connectBackoff spaces the attempts to reach NATS at start; jittered, so
// replicas waiting for one NATS do not all knock at once when it comes up.
var connectBackoff = backoff.Policy{Base: 250 * time.Millisecond, Max: 5 * time.Second}

// FailFastTimeout bounds a FailFast connection attempt to each server:
// the dial and the handshake.
const FailFastTimeout = 4 * time.Second
