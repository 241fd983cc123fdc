// Package config reads service configuration from the environment
// (12-factor). Every bad value is reported with the variable's name, all at
// once, before the service starts. Every variable is read with its default
// and its meaning, and the Env remembers them (Vars): a binary's --help, its
// configuration dump and the deployment tests all come from that one
// registry.
package config

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// ErrInvalid wraps every configuration error.
var ErrInvalid = errors.New("invalid configuration")

// Env reads variables and collects the errors of the ones that do not parse.
type Env struct {
	lookup func(string) (string, bool)
	errs   []error
	vars   []Var // every variable asked for, in order, once each
}

// FromOS reads the process environment.
func FromOS() *Env { return &Env{lookup: os.LookupEnv} }

// FromMap reads vars; for tests, for --help (FromMap(nil) gives every
// default) and for the all-in-one CLI.
func FromMap(vars map[string]string) *Env {
	return &Env{lookup: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}
}

// get registers v and returns its value, from the environment or, for a
// secret, from the file NAME_FILE names.
func (e *Env) get(v Var) (string, bool) {
	val, ok := e.lookup(v.Name)
	val = strings.TrimSpace(val)
	ok = ok && val != ""
	if ok {
		v.Source = SourceEnv
	}
	if v.Secret {
		path, fromFile := e.lookup(v.Name + FileSuffix)
		path = strings.TrimSpace(path)
		switch {
		case fromFile && path != "" && ok:
			e.errs = append(e.errs, fmt.Errorf("%w: %s and %s%s are both set: give one", ErrInvalid, v.Name, v.Name, FileSuffix))
		case fromFile && path != "":
			s, err := readSecret(path)
			if err != nil {
				e.errs = append(e.errs, fmt.Errorf("%w: %s%s=%q: %w", ErrInvalid, v.Name, FileSuffix, path, err))
				break
			}
			val, ok, v.Source, v.File = s, s != "", SourceFile, path
		}
	}
	if ok {
		v.Value = val
	}
	if _, seen := e.Var(v.Name); !seen {
		e.vars = append(e.vars, v)
	}
	return val, ok
}

// FileSuffix makes the name of the variable that holds the path of a
// secret's file: NATS_PASSWORD_FILE=/run/secrets/nats-password.
const FileSuffix = "_FILE"

// maxSecret bounds a secret file: a password, a token or a URL, never a
// file mounted by mistake read into memory.
const maxSecret = 64 << 10

func readSecret(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", errors.New("file not readable")
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecret+1))
	if err != nil {
		return "", errors.New("file not readable")
	}
	if len(b) > maxSecret {
		return "", fmt.Errorf("over %d bytes", maxSecret)
	}
	// Editors and `echo` end files with a newline; it is never part of the secret.
	return strings.TrimRight(string(b), "\r\n"), nil
}

// Fail records an error about a variable that parsed but does not fit with
// the others. A secret's value is not repeated in the message.
func (e *Env) Fail(name, v, why string) { e.fail(name, v, why) }

func (e *Env) fail(name, v, why string) {
	if r, ok := e.Var(name); ok {
		v = r.redact(v)
	}
	e.errs = append(e.errs, fmt.Errorf("%w: %s=%q: %s", ErrInvalid, name, v, why))
}

// String returns the variable or def.
func (e *Env) String(name, def, help string) string {
	if v, ok := e.get(Var{Name: name, Default: def, Help: help}); ok {
		return v
	}
	return def
}

// Secret returns a secret (a password, a token): from the variable name, or
// from the file that name+"_FILE" names (as Docker and Kubernetes mount
// secrets; a trailing newline is dropped). Both set is an error. The value
// is never shown: not in help, configuration dumps nor error messages.
func (e *Env) Secret(name, help string) string {
	v, _ := e.get(Var{Name: name, Help: help, Secret: true})
	return v
}

// List returns a comma- or whitespace-separated list, or def.
func (e *Env) List(name string, def []string, help string) []string {
	v, ok := e.get(Var{Name: name, Default: strings.Join(def, ","), Help: help})
	if !ok {
		return def
	}
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' })
}

// Int returns the variable as an integer within [min, max], or def.
func (e *Env) Int(name string, def, min, max int, help string) int {
	v, ok := e.get(Var{Name: name, Default: strconv.Itoa(def), Help: help})
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		e.fail(name, v, "not an integer")
		return def
	}
	if n < min || n > max {
		e.fail(name, v, fmt.Sprintf("must be between %d and %d", min, max))
		return def
	}
	return n
}

// Int64 returns the variable as a 64-bit integer, or def.
func (e *Env) Int64(name string, def int64, help string) int64 {
	v, ok := e.get(Var{Name: name, Default: strconv.FormatInt(def, 10), Help: help})
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		e.fail(name, v, "not an integer")
		return def
	}
	return n
}

// Bool returns the variable as a boolean, or def.
func (e *Env) Bool(name string, def bool, help string) bool {
	v, ok := e.get(Var{Name: name, Default: strconv.FormatBool(def), Help: help})
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.fail(name, v, "not a boolean (true/false)")
		return def
	}
	return b
}

// Duration returns the variable as a positive Go duration ("30s", "5m"), or def.
func (e *Env) Duration(name string, def time.Duration, help string) time.Duration {
	v, ok := e.get(Var{Name: name, Default: FormatDuration(def), Help: help})
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		e.fail(name, v, "not a positive duration such as 30s or 5m")
		return def
	}
	return d
}

// DurationOrZero is Duration for a variable where 0 means "none" (no wait
// at all): "0" and "0s" are accepted, negative durations are not.
func (e *Env) DurationOrZero(name string, def time.Duration, help string) time.Duration {
	v, ok := e.get(Var{Name: name, Default: FormatDuration(def), Help: help})
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if v == "0" {
		d, err = 0, nil
	}
	if err != nil || d < 0 {
		e.fail(name, v, "not a duration such as 0, 500ms or 1s")
		return def
	}
	return d
}

// FormatDuration writes d as an operator would: 720h, 10m, 1h30m.
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// URL returns the variable (or def) checked to be a URL with one of
// schemes; a comma-separated list of them is accepted (NATS takes a list of
// servers). Passwords in it are never shown.
func (e *Env) URL(name, def, help string, schemes ...string) string {
	v, ok := e.get(Var{Name: name, Default: def, Help: help})
	return e.checkURL(name, v, ok, def, schemes)
}

// SecretURL is URL for a URL that holds a password (REDIS_URL): it may also
// come from the file name+"_FILE" names, as Secret.
func (e *Env) SecretURL(name, def, help string, schemes ...string) string {
	v, ok := e.get(Var{Name: name, Default: def, Help: help, Secret: true})
	return e.checkURL(name, v, ok, def, schemes)
}

func (e *Env) checkURL(name, v string, ok bool, def string, schemes []string) string {
	if !ok {
		v = def
	}
	if v == "" {
		return ""
	}
	for _, one := range strings.Split(v, ",") {
		u, err := url.Parse(strings.TrimSpace(one))
		if err != nil || u.Host == "" {
			e.fail(name, v, "not a URL")
			return def
		}
		okScheme := len(schemes) == 0
		for _, s := range schemes {
			okScheme = okScheme || u.Scheme == s
		}
		if !okScheme {
			e.fail(name, v, "scheme must be one of "+strings.Join(schemes, ", "))
			return def
		}
	}
	return v
}

// File returns the variable checked to name a readable file, or "".
func (e *Env) File(name, help string) string {
	v, ok := e.get(Var{Name: name, Help: help})
	if !ok {
		return ""
	}
	if _, err := os.Stat(v); err != nil {
		e.fail(name, v, "file not readable")
		return ""
	}
	return v
}

// Prefixes returns a list of CIDR networks ("10.0.0.0/8, 192.168.1.5/32").
func (e *Env) Prefixes(name, help string) []netip.Prefix {
	var out []netip.Prefix
	for _, v := range e.List(name, nil, help) {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			if a, aerr := netip.ParseAddr(v); aerr == nil {
				p, err = a.Prefix(a.BitLen())
			}
		}
		if err != nil {
			e.fail(name, v, "not a CIDR network such as 10.0.0.0/8")
			continue
		}
		out = append(out, p)
	}
	return out
}

// Err returns every error found so far, joined; nil when all values parsed.
func (e *Env) Err() error { return errors.Join(e.errs...) }
