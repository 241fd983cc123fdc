// Package robots reads robots.txt (RFC 9309): the group for our user agent,
// longest-match Allow/Disallow with "*" and "$", and Crawl-delay.
package robots

import (
	"bufio"
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

// Parse reads robots.txt for agent (the product token, e.g. "newsflow").
// It takes the groups naming agent, else the "*" groups. Lines it does not
// understand are ignored, as the RFC asks.
func Parse(data []byte, agent string) *Rules {
	agent = strings.ToLower(agent)
	type group struct {
		agents []string
		rules  []rule
		delay  time.Duration
	}
	var groups []*group
	var cur *group
	lastWasAgent := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key = strings.ToLower(strings.TrimSpace(key))
		val = strings.TrimSpace(val)
		switch key {
		case "user-agent":
			if !lastWasAgent || cur == nil {
				cur = &group{}
				groups = append(groups, cur)
			}
			cur.agents = append(cur.agents, strings.ToLower(val))
			lastWasAgent = true
			continue
		case "allow", "disallow":
			if cur != nil && (val != "" || key == "allow") {
				cur.rules = append(cur.rules, rule{allow: key == "allow", pattern: val})
			}
		case "crawl-delay":
			if cur != nil {
				if f, err := strconv.ParseFloat(val, 64); err == nil && f > 0 {
					cur.delay = time.Duration(f * float64(time.Second))
				}
			}
		}
		lastWasAgent = false
	}
	var mine, star []*group
	for _, g := range groups {
		for _, a := range g.agents {
			switch {
			case a == "*":
				star = append(star, g)
			case a != "" && strings.HasPrefix(agent, a):
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
