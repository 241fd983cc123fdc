package config

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"

	"github.com/newsflow/newsflow/pkg/urls"
)

// Var is one variable a program reads, as its reader described it: the
// registry entry that --help, the configuration dump and the deployment
// tests are made from.
type Var struct {
	Name    string
	Default string // as it would be written in the environment; "" for none
	Help    string // what it means, for operators
	// Secret values are never shown, and may come from the file
	// Name+FileSuffix names instead of the variable itself.
	Secret bool
	Value  string // what the environment gave; "" when unset. Show it with Shown.
	Source Source // where Value came from
	File   string // the file a secret was read from
}

// Source says where a variable's value came from.
type Source string

const (
	SourceDefault Source = ""     // unset: the default applies
	SourceEnv     Source = "env"  // the variable itself
	SourceFile    Source = "file" // the file NAME_FILE names (secrets)
)

// Vars returns every variable read so far, once each, in the order they
// were first read.
func (e *Env) Vars() []Var { return append([]Var(nil), e.vars...) }

// Var returns the variable name as read so far.
func (e *Env) Var(name string) (Var, bool) {
	for _, v := range e.vars {
		if v.Name == name {
			return v, true
		}
	}
	return Var{}, false
}

// Names returns every variable name read so far, once each, with the
// NAME_FILE of every secret: what a deployment may set. Tests check
// deployment files against it.
func (e *Env) Names() []string {
	var out []string
	for _, v := range e.vars {
		out = append(out, v.Name)
		if v.Secret {
			out = append(out, v.Name+FileSuffix)
		}
	}
	return out
}

// Shown is the value in effect (the default when unset) as it may be
// printed: passwords in URLs hidden, other secrets replaced.
func (v Var) Shown() string {
	if v.Source == SourceDefault {
		return v.redact(v.Default)
	}
	return v.redact(v.Value)
}

func (v Var) redact(s string) string {
	if s == "" {
		return ""
	}
	if r, ok := redactURLs(s); ok {
		return r
	}
	if v.Secret {
		return "(secret)"
	}
	return s
}

// RedactURL hides the password of a URL, or of each URL of a
// comma-separated list, for logs and error messages; anything else is
// returned unchanged.
func RedactURL(s string) string {
	if r, ok := redactURLs(s); ok {
		return r
	}
	return s
}

func redactURLs(s string) (string, bool) {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil || u.Scheme == "" || !strings.Contains(p, "://") {
			return "", false
		}
		parts[i] = urls.Redact(u.String())
	}
	return strings.Join(parts, ","), true
}

// WriteHelp lists vars for --help: each name (NAME[_FILE] for a secret),
// its default, and its meaning on the next line.
func WriteHelp(w io.Writer, vars []Var) error {
	for _, v := range vars {
		name := v.Name
		if v.Secret {
			name += "[" + FileSuffix + "]"
		}
		def := ""
		if v.Default != "" {
			def = "  (default " + v.redact(v.Default) + ")"
		}
		if _, err := fmt.Fprintf(w, "  %s%s\n        %s\n", name, def, v.Help); err != nil {
			return err
		}
	}
	return nil
}

// WriteValues lists vars with the values in effect and where each came
// from, secrets hidden: the configuration dump.
func WriteValues(w io.Writer, vars []Var) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, v := range vars {
		from := "default"
		switch v.Source {
		case SourceEnv:
			from = "environment"
		case SourceFile:
			from = v.Name + FileSuffix + "=" + v.File
		}
		if v.Source == SourceDefault && v.Default == "" {
			from = "unset"
		}
		fmt.Fprintf(tw, "%s=%s\t# %s\n", v.Name, v.Shown(), from)
	}
	return tw.Flush()
}
