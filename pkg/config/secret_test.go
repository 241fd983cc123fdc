package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSecret(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	withNewline := file("pw", "s3cret-from-file\n")
	big := file("big", strings.Repeat("x", maxSecret+1))
	for _, tc := range []struct {
		name   string
		env    map[string]string
		want   string
		source Source
		bad    string // what the error must say; "" for none
	}{
		{"unset", nil, "", SourceDefault, ""},
		{"variable", map[string]string{"PW": "s3cret-env"}, "s3cret-env", SourceEnv, ""},
		{"file, its newline dropped", map[string]string{"PW_FILE": withNewline}, "s3cret-from-file", SourceFile, ""},
		{"both", map[string]string{"PW": "s3cret-env", "PW_FILE": withNewline}, "", "", "PW and PW_FILE are both set"},
		{"missing file", map[string]string{"PW_FILE": filepath.Join(dir, "nope")}, "", "", "PW_FILE"},
		{"file too large", map[string]string{"PW_FILE": big}, "", "", "over 65536 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := FromMap(tc.env)
			got := e.Secret("PW", "a password")
			err := e.Err()
			if tc.bad != "" {
				if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.bad) {
					t.Fatalf("error %v, want one saying %q", err, tc.bad)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("the error shows the secret: %v", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Secret = %q, %v; want %q", got, err, tc.want)
			}
			v, _ := e.Var("PW")
			if v.Source != tc.source || !v.Secret {
				t.Errorf("Var = %+v, want a secret from %q", v, tc.source)
			}
			if got != "" && v.Shown() != "(secret)" {
				t.Errorf("Shown() = %q", v.Shown())
			}
			if !slices.Equal(e.Names(), []string{"PW", "PW_FILE"}) {
				t.Errorf("Names() = %v, want the variable and its _FILE", e.Names())
			}
		})
	}
}

// A URL that holds a password shows its host but never the password: in
// errors, in the configuration dump and in help.
func TestSecretURLRedacted(t *testing.T) {
	e := FromMap(map[string]string{"REDIS_URL": "http://user:hunter2@redis:6379", "NATS_URL": "nats://a:pw2@n1:4222,nats://n2:4222"})
	e.SecretURL("REDIS_URL", "redis://127.0.0.1:6379", "redis", "redis")
	nats := e.URL("NATS_URL", "", "nats", "nats")
	err := e.Err()
	if err == nil || !strings.Contains(err.Error(), "REDIS_URL") || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error %v: want one naming REDIS_URL without its password", err)
	}
	if nats != "nats://a:pw2@n1:4222,nats://n2:4222" {
		t.Errorf("NATS_URL = %q: the value itself keeps its password", nats)
	}
	var dump strings.Builder
	if err := WriteValues(&dump, e.Vars()); err != nil {
		t.Fatal(err)
	}
	if s := dump.String(); strings.Contains(s, "hunter2") || strings.Contains(s, "pw2") || !strings.Contains(s, "n1:4222") {
		t.Errorf("dump shows a password or hides the host:\n%s", s)
	}
	if got := RedactURL("nats://a:pw2@n1:4222"); got != "nats://a:xxxxx@n1:4222" {
		t.Errorf("RedactURL = %q", got)
	}
	if got := RedactURL("not a url"); got != "not a url" {
		t.Errorf("RedactURL(plain) = %q", got)
	}
}

func TestWriteHelp(t *testing.T) {
	e := FromMap(nil)
	e.Int("WORKERS", 8, 1, 64, "pages at once")
	e.Duration("TTL", 30*24*60*60*1e9, "how long")
	e.Secret("TOKEN", "API token")
	e.SecretURL("DB_URL", "redis://:pw@db:6379", "the database", "redis")
	e.String("ADDR", ":8080", "listen address")
	var b strings.Builder
	if err := WriteHelp(&b, e.Vars()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"WORKERS  (default 8)\n        pages at once\n",
		"TTL  (default 720h)",
		"TOKEN[_FILE]\n        API token\n",
		"DB_URL[_FILE]  (default redis://:xxxxx@db:6379)",
		"ADDR  (default :8080)",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, b.String())
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[string]string{"720h": "720h", "10m": "10m", "1s": "1s", "1h30m": "1h30m", "2h": "2h", "1.5s": "1.5s"} {
		e := FromMap(map[string]string{"D": d})
		if got := FormatDuration(e.Duration("D", 1, "")); got != want {
			t.Errorf("FormatDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
