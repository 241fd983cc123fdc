// Package config reads service configuration from the environment
// (12-factor). Every bad value is reported with the variable's name, all at
// once, before the service starts.
package config

import (
	"errors"
	"fmt"
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
	read   []string // every variable asked for, in order
}

// FromOS reads the process environment.
func FromOS() *Env { return &Env{lookup: os.LookupEnv} }

// FromMap reads vars; for tests and for the all-in-one CLI.
func FromMap(vars map[string]string) *Env {
	return &Env{lookup: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}
}

func (e *Env) get(name string) (string, bool) {
	e.read = append(e.read, name)
	v, ok := e.lookup(name)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

// Fail records an error about a variable that parsed but does not fit with
// the others.
func (e *Env) Fail(name, v, why string) { e.fail(name, v, why) }

func (e *Env) fail(name, v, why string) {
	e.errs = append(e.errs, fmt.Errorf("%w: %s=%q: %s", ErrInvalid, name, v, why))
}

// String returns the variable or def.
func (e *Env) String(name, def string) string {
	if v, ok := e.get(name); ok {
		return v
	}
	return def
}

// List returns a comma- or whitespace-separated list, or def.
func (e *Env) List(name string, def []string) []string {
	v, ok := e.get(name)
	if !ok {
		return def
	}
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' })
}

// Int returns the variable as an integer within [min, max], or def.
func (e *Env) Int(name string, def, min, max int) int {
	v, ok := e.get(name)
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
func (e *Env) Int64(name string, def int64) int64 {
	v, ok := e.get(name)
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
func (e *Env) Bool(name string, def bool) bool {
	v, ok := e.get(name)
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
func (e *Env) Duration(name string, def time.Duration) time.Duration {
	v, ok := e.get(name)
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
func (e *Env) DurationOrZero(name string, def time.Duration) time.Duration {
	v, ok := e.get(name)
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

// URL returns the variable (or def) checked to be a URL with one of schemes.
func (e *Env) URL(name, def string, schemes ...string) string {
	v, ok := e.get(name)
	if !ok {
		v = def
	}
	if v == "" {
		return ""
	}
	for _, one := range strings.Split(v, ",") { // NATS takes a list of servers
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
func (e *Env) File(name string) string {
	v, ok := e.get(name)
	if !ok {
		return ""
	}
	if _, err := os.Stat(v); err != nil {
		e.fail(name, v, "file not readable")
		return ""
	}
	return v
}

// Names returns every variable read so far, once each: what a deployment
// may set. Tests check deployment files against it.
func (e *Env) Names() []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range e.read {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// Err returns every error found so far, joined; nil when all values parsed.
func (e *Env) Err() error { return errors.Join(e.errs...) }

// Prefixes returns a list of CIDR networks ("10.0.0.0/8, 192.168.1.5/32").
func (e *Env) Prefixes(name string) []netip.Prefix {
	var out []netip.Prefix
	for _, v := range e.List(name, nil) {
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
