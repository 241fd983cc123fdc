package natstest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"

	"github.com/newsflow/newsflow/internal/tlstest"
)

// Option changes the options of a server Start runs: what clients must
// present to connect.
type Option func(*server.Options)

// User makes the server accept only this user and password.
func User(user, password string) Option {
	return func(o *server.Options) { o.Username, o.Password = user, password }
}

// Token makes the server accept only clients that present this token.
func Token(token string) Option {
	return func(o *server.Options) { o.Authorization = token }
}

// TLS makes the server require TLS with p's server certificate; with
// verifyClients, clients must also present a certificate p's CA signed.
func TLS(t testing.TB, p *tlstest.PKI, verifyClients bool) Option {
	t.Helper()
	cfg, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: p.ServerCert, KeyFile: p.ServerKey, CaFile: p.CA, Verify: verifyClients})
	if err != nil {
		t.Fatalf("nats tls: %v", err)
	}
	return func(o *server.Options) {
		o.TLS, o.TLSConfig, o.TLSVerify = true, cfg, verifyClients
		o.TLSTimeout = 5
	}
}

// Operator is a NATS operator (decentralised JWT authentication) with one
// account, JetStream enabled, and a system account, held in a memory
// resolver: a server started with its Option admits only users whose JWT
// the account signed, as a production NATS with `nsc` accounts does.
type Operator struct {
	claims             *jwt.OperatorClaims
	account            nkeys.KeyPair
	accountPub, sysPub string
	accountJWT, sysJWT string
}

// NewOperator makes an operator, its account and its system account.
func NewOperator(t testing.TB) *Operator {
	t.Helper()
	opKP := must(t, nkeys.CreateOperator)
	sysKP := must(t, nkeys.CreateAccount)
	accKP := must(t, nkeys.CreateAccount)
	op := &Operator{account: accKP, accountPub: public(t, accKP), sysPub: public(t, sysKP)}

	oc := jwt.NewOperatorClaims(public(t, opKP))
	oc.Name = "newsflow-test"
	oc.SystemAccount = op.sysPub
	opJWT, err := oc.Encode(opKP)
	if err != nil {
		t.Fatal(err)
	}
	if op.claims, err = jwt.DecodeOperatorClaims(opJWT); err != nil {
		t.Fatal(err)
	}
	sc := jwt.NewAccountClaims(op.sysPub)
	sc.Name = "SYS"
	if op.sysJWT, err = sc.Encode(opKP); err != nil {
		t.Fatal(err)
	}
	ac := jwt.NewAccountClaims(op.accountPub)
	ac.Name = "newsflow"
	ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1,
		MaxAckPending: -1, MemoryMaxStreamBytes: -1, DiskMaxStreamBytes: -1}
	if op.accountJWT, err = ac.Encode(opKP); err != nil {
		t.Fatal(err)
	}
	return op
}

// Option makes the server trust only this operator.
func (op *Operator) Option() Option {
	return func(o *server.Options) {
		res := &server.MemAccResolver{}
		// Store only fails on an empty name.
		_ = res.Store(op.accountPub, op.accountJWT)
		_ = res.Store(op.sysPub, op.sysJWT)
		o.TrustedOperators = []*jwt.OperatorClaims{op.claims}
		o.AccountResolver = res
		o.SystemAccount = op.sysPub
	}
}

// Creds writes a .creds file (the user's JWT and nkey seed, as NATS_CREDS
// takes it) for a new user of the operator's account and returns its path.
func (op *Operator) Creds(t testing.TB, name string) string {
	t.Helper()
	kp := must(t, nkeys.CreateUser)
	uc := jwt.NewUserClaims(public(t, kp))
	uc.Name = name
	userJWT, err := uc.Encode(op.account)
	if err != nil {
		t.Fatal(err)
	}
	seed, err := kp.Seed()
	if err != nil {
		t.Fatal(err)
	}
	creds, err := jwt.FormatUserConfig(userJWT, seed)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name+".creds")
	if err := os.WriteFile(path, creds, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func must(t testing.TB, create func() (nkeys.KeyPair, error)) nkeys.KeyPair {
	t.Helper()
	kp, err := create()
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

func public(t testing.TB, kp nkeys.KeyPair) string {
	t.Helper()
	pub, err := kp.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// NKeyUser makes a user nkey and returns the Option that makes the server
// admit only it, and a file holding its seed (as NATS_NKEY_SEED takes it).
func NKeyUser(t testing.TB) (Option, string) {
	t.Helper()
	kp := must(t, nkeys.CreateUser)
	seed, err := kp.Seed()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "user.nk")
	if err := os.WriteFile(path, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	pub := public(t, kp)
	return func(o *server.Options) { o.Nkeys = []*server.NkeyUser{{Nkey: pub}} }, path
}
