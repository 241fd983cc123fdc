// Package redisserver runs a private redis-server as a child process: the
// all-in-one `newsflow up` and the tests bring their own Redis this way, as
// they embed NATS, so nobody's Redis on 6379 is written to unasked.
package redisserver

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrNotInstalled means no redis-server binary is on PATH.
var ErrNotInstalled = errors.New("redis-server is not installed (not found in PATH)")

// InstallHint is the command that installs redis-server where newsflow is
// usually run.
const InstallHint = "sudo apt-get install -y redis-server   (macOS: brew install redis)"

// Options configure a server.
type Options struct {
	// Dir holds the server's data and its log (redis.log).
	Dir string
	// AOF turns on append-only-file persistence, so data outlives a restart.
	AOF bool
	// Port to listen on; 0 picks a free one. A server restarted on the port
	// of one stopped before is back where its clients look for it.
	Port int
	// User and Password, when Password is set, make an ACL user with every
	// right (all keys, channels and commands) and turn the default user
	// off: every client must authenticate. Without User the password is
	// the default user's (requirepass). They go to the server in an ACL
	// file, never on its command line.
	User, Password string
	// TLS, when set, makes the server speak only TLS.
	TLS *TLS
}

// TLS is a server's TLS setup: PEM files.
type TLS struct {
	CertFile, KeyFile string // the server's certificate and key
	// CAFile is the CA that clients' certificates are verified with; the
	// readiness check verifies the server's with it too.
	CAFile string
	// AuthClients makes every client present a certificate CAFile signed.
	// The readiness check presents the server's own, as redis-server does
	// to its replicas.
	AuthClients bool
}

// Server is a running redis-server child process.
type Server struct {
	cmd  *exec.Cmd
	addr string
	opts Options
	tls  *tls.Config // the readiness check's, when the server speaks TLS
	log  string
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done is closed
}

// Start runs redis-server on a free loopback port and returns once it
// answers PING. The child is in its own process group, so a terminal's
// Ctrl-C reaches only the parent, which stops the server after its own
// shutdown; on Linux the child is also killed if the parent dies.
func Start(ctx context.Context, o Options) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, ErrNotInstalled
	}
	if o.Dir == "" {
		return nil, errors.New("redis-server: no data directory")
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("redis-server: %w", err)
	}
	// A free port can be taken between the probe and redis-server's bind;
	// another port is tried then.
	if o.Port != 0 {
		return start(ctx, bin, o)
	}
	var lastErr error
	for range 3 {
		s, err := start(ctx, bin, o)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

func start(ctx context.Context, bin string, o Options) (*Server, error) {
	port := o.Port
	if port == 0 {
		p, err := freePort()
		if err != nil {
			return nil, fmt.Errorf("redis-server: %w", err)
		}
		port = p
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("redis-server: %w", err)
	}
	aof := "no"
	if o.AOF {
		aof = "yes"
	}
	s := &Server{
		addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		opts: o,
		log:  filepath.Join(dir, "redis.log"),
		done: make(chan struct{}),
	}
	args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--protected-mode", "yes",
		"--dir", dir, "--logfile", s.log, "--daemonize", "no",
		"--save", "", "--appendonly", aof}
	if o.Password != "" {
		acl := filepath.Join(dir, "users.acl")
		rules := fmt.Sprintf("user default off\nuser %s on >%s ~* &* +@all\n", o.User, o.Password)
		if o.User == "" {
			rules = fmt.Sprintf("user default on >%s ~* &* +@all\n", o.Password)
		}
		if err := os.WriteFile(acl, []byte(rules), 0o600); err != nil {
			return nil, fmt.Errorf("redis-server: %w", err)
		}
		args = append(args, "--aclfile", acl)
	}
	if o.TLS != nil {
		authClients := "no"
		if o.TLS.AuthClients {
			authClients = "yes"
		}
		args = append(args, "--port", "0", "--tls-port", strconv.Itoa(port),
			"--tls-cert-file", o.TLS.CertFile, "--tls-key-file", o.TLS.KeyFile,
			"--tls-ca-cert-file", o.TLS.CAFile, "--tls-auth-clients", authClients)
		if s.tls, err = checkTLS(o.TLS); err != nil {
			return nil, fmt.Errorf("redis-server: %w", err)
		}
	}
	s.cmd = exec.Command(bin, args...)
	s.cmd.SysProcAttr = procAttr()
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("redis-server: %w", err)
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.done)
	}()
	if err := s.waitReady(ctx, 15*time.Second); err != nil {
		_ = s.Stop()
		return nil, err
	}
	return s, nil
}

// URL is the server's address as REDIS_URL takes it: rediss:// when it
// speaks TLS, with the user and password when it wants them.
func (s *Server) URL() string {
	u := url.URL{Scheme: "redis", Host: s.addr}
	if s.opts.TLS != nil {
		u.Scheme = "rediss"
	}
	if s.opts.Password != "" {
		u.User = url.UserPassword(s.opts.User, s.opts.Password)
	}
	return u.String()
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// PID is the server process's id (the bench reads its CPU time and memory).
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Stop asks the server to shut down (SIGTERM: it finishes writing its
// append-only file) and kills it if it has not exited after 10 s.
func (s *Server) Stop() error {
	select {
	case <-s.done:
		return nil
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		return errors.New("redis-server: killed after not stopping within 10s")
	}
	return nil
}

// Done is closed when the server process has exited.
func (s *Server) Done() <-chan struct{} { return s.done }

func (s *Server) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if s.ping() == nil {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("redis-server exited at start (%v): %s", s.err, s.tail())
		case <-ctx.Done():
			return fmt.Errorf("redis-server: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server on %s did not answer within %v: %s", s.addr, timeout, s.tail())
		}
	}
}

// tail is the end of the server's log, which says why it would not start.
func (s *Server) tail() string {
	data, err := os.ReadFile(s.log)
	if err != nil {
		return "no log"
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	return strings.Join(lines[max(0, len(lines)-3):], " | ")
}

// ping speaks just enough RESP to know the server is serving: over TLS and
// authenticated when the server wants it.
func (s *Server) ping() error {
	d := &net.Dialer{Timeout: time.Second}
	var c net.Conn
	var err error
	if s.tls != nil {
		c, err = tls.DialWithDialer(d, "tcp", s.addr, s.tls)
	} else {
		c, err = d.Dial("tcp", s.addr)
	}
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	r := bufio.NewReader(c)
	if s.opts.Password != "" {
		auth := []string{"AUTH", s.opts.User, s.opts.Password}
		if s.opts.User == "" {
			auth = []string{"AUTH", s.opts.Password}
		}
		if err := command(c, r, "+OK", auth...); err != nil {
			return err
		}
	}
	return command(c, r, "+PONG", "PING")
}

// command sends one command and checks the start of its reply.
func command(c net.Conn, r *bufio.Reader, want string, args ...string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		return err
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, want) {
		return fmt.Errorf("redis-server answered %s %q", args[0], strings.TrimSpace(line))
	}
	return nil
}

// checkTLS is the readiness check's TLS configuration for t.
func checkTLS(t *TLS) (*tls.Config, error) {
	ca, err := os.ReadFile(t.CAFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("%s: no PEM certificate", t.CAFile)
	}
	c := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	if t.AuthClients {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, err
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
