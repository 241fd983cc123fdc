// Package robots reads robots.txt (RFC 9309): the group for our user agent,
// longest-match Allow/Disallow with "*" and "$", and Crawl-delay. It is our
// own because github.com/temoto/robotstxt, the maintained Go parser, matches
// user agents by prefix, which RFC 9309 does not allow.
package robots

import (
	"bytes"
	"strconv"
	"strings"
	"time"
)

// Rules are the rules of one robots.txt for one user agent.
type Rules struct {
	rules      []rule
	CrawlDelay time.Duration
}

type rule struct {
	allow   bool
	pattern string
}

// AllowAll is what a missing robots.txt (404) means.
var AllowAll = &Rules{}

// DisallowAll is what an unreachable robots.txt (5xx) means, per RFC 9309.
var DisallowAll = &Rules{rules: []rule{{allow: false, pattern: "/"}}}

// Parse reads robots.txt for agent, a User-Agent or its product token
// ("newsflow/0.1 (+…)" and "newsflow" are the same). It takes the groups
// whose user-agent line names that product token, compared as a whole and
// case-insensitively (RFC 9309 §2.2.1: a group for "news" is not one for
// "newsflow"), else the "*" groups. Lines are not limited in length, and
// lines it does not understand are ignored, as the RFC asks.
func Parse(data []byte, agent string) *Rules {
	agent = strings.ToLower(ProductToken(agent))
	type group struct {
		agents []string
		rules  []rule
		delay  time.Duration
	}
	var groups []*group
	var cur *group
	lastWasAgent := false
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	for len(data) > 0 {
		// CR, LF and CRLF all end a line (RFC 9309 §2.2).
		var line []byte
		if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		if i := bytes.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		key := strings.ToLower(string(bytes.TrimSpace(k)))
		val := string(bytes.TrimSpace(v))
		switch key {
		case "user-agent":
			if !lastWasAgent || cur == nil {
				cur = &group{}
				groups = append(groups, cur)
			}
			if val != "*" {
				val = strings.ToLower(ProductToken(val))
			}
			cur.agents = append(cur.agents, val)
			lastWasAgent = true
		case "allow", "disallow":
			if cur != nil && (val != "" || key == "allow") {
				cur.rules = append(cur.rules, rule{allow: key == "allow", pattern: val})
			}
			lastWasAgent = false
		case "crawl-delay":
			if cur != nil {
				if f, err := strconv.ParseFloat(val, 64); err == nil && f > 0 {
					cur.delay = time.Duration(f * float64(time.Second))
				}
			}
			lastWasAgent = false
		}
		// Other records (Sitemap, unknown ones) belong to no group: they
		// neither end a run of user-agent lines nor start a group.
	}
	var mine, star []*group
	for _, g := range groups {
		for _, a := range g.agents {
			switch {
			case a == "*":
				star = append(star, g)
			case a != "" && a == agent:
				mine = append(mine, g)
			}
		}
	}
	if len(mine) == 0 {
		mine = star
	}
	r := &Rules{}
	for _, g := range mine {
		r.rules = append(r.rules, g.rules...)
		r.CrawlDelay = max(r.CrawlDelay, g.delay)
	}
	return r
}

// ProductToken is the name a User-Agent goes by in robots.txt: its leading
// letters, "-" and "_" (RFC 9309 §2.2.1), as in "newsflow/0.1 (+…)" → "newsflow".
func ProductToken(ua string) string {
	ua = strings.TrimSpace(ua)
	for i, r := range ua {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_') {
			return ua[:i]
		}
	}
	return ua
}

// Allowed reports whether path (with its query) may be fetched: the longest
// matching rule wins, Allow wins a tie, and no match means allowed.
func (r *Rules) Allowed(path string) bool {
	if path == "" {
		path = "/"
	}
	if path == "/robots.txt" {
		return true
	}
	best, allow := -1, true
	for _, ru := range r.rules {
		if ru.pattern == "" {
			continue
		}
		if match(ru.pattern, path) {
			n := len(ru.pattern)
			if n > best || (n == best && ru.allow) {
				best, allow = n, ru.allow
			}
		}
	}
	return allow
}

// match reports whether pattern (with "*" for any run and a trailing "$"
// for the end) matches a prefix of path.
func match(pattern, path string) bool {
	anchored := strings.HasSuffix(pattern, "$")
	if anchored {
		pattern = pattern[:len(pattern)-1]
	}
	parts := strings.Split(pattern, "*")
	pos := 0
	for i, part := range parts {
		if i == 0 {
			if !strings.HasPrefix(path, part) {
				return false
			}
			pos = len(part)
			continue
		}
		if i == len(parts)-1 && anchored {
			return len(path)-pos >= len(part) && strings.HasSuffix(path, part)
		}
		j := strings.Index(path[pos:], part)
		if j < 0 {
			return false
		}
		pos += j + len(part)
	}
	return !anchored || pos == len(path)
}
