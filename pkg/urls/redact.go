package urls

import (
	"net/url"
	"strings"
)

// Redact hides the password of a URL's userinfo, for showing the URL in
// logs, errors, CLI and API output ("https://user:xxxxx@host/feed"). A string
// that is not a URL, or holds no password, comes back unchanged.
func Redact(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); !ok {
		return s
	}
	return u.Redacted()
}
