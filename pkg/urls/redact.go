package urls

import (
	"net/url"
	"strings"
)

// Redact hides the password of a URL's userinfo, for showing the URL in
// logs, errors, CLI and API output ("https://user:xxxxx@host/feed"). A string
// that is not a URL, or holds no password, comes back unchanged; so does
// one url.Parse refuses unless it is shaped scheme://user:password@host.
func Redact(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return redactUnparsed(s)
	}
	if u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); !ok {
		return s
	}
	return u.Redacted()
}

// redactUnparsed hides the password of a URL that url.Parse refused (a
// space in the host, a bad escape), found by its shape alone: the error
// that says what is wrong with it shows the rest.
func redactUnparsed(s string) string {
	_, rest, ok := strings.Cut(s, "://")
	if !ok {
		return s
	}
	start := len(s) - len(rest)
	authority := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority = rest[:i]
	}
	at := strings.LastIndex(authority, "@")
	colon := strings.Index(authority[:max(at, 0)], ":")
	if at < 0 || colon < 0 {
		return s
	}
	return s[:start+colon+1] + "xxxxx" + s[start+at:]
}
