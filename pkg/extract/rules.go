package extract

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
)

// Rules are per-site selectors users pin when the automatic extractor gets a
// site wrong. They are data, loaded from a JSON file:
//
//	{"sites": {"example.com": {"body": "div.story", "remove": [".promo"], "author": ".byline a", "date": "time.published"}}}
//
// A rule for "example.com" also applies to its subdomains.
type Rules struct {
	Sites map[string]Rule `json:"sites"`
}

// Rule is the selectors for one site; empty fields mean automatic.
type Rule struct {
	Body   string   `json:"body,omitempty"`
	Remove []string `json:"remove,omitempty"`
	Author string   `json:"author,omitempty"`
	Date   string   `json:"date,omitempty"`
}

// LoadRules reads a rules file and checks that every selector compiles.
func LoadRules(path string) (*Rules, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read rules: %w", err)
	}
	var r Rules
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("parse rules %s: %w", path, err)
	}
	for site, rule := range r.Sites {
		for _, sel := range append([]string{rule.Body, rule.Author, rule.Date}, rule.Remove...) {
			if sel == "" {
				continue
			}
			if err := checkSelector(sel); err != nil {
				return nil, fmt.Errorf("rules %s: site %s: selector %q: %w", path, site, sel, err)
			}
		}
	}
	return &r, nil
}

func checkSelector(sel string) error {
	_, err := cascadia.Compile(sel)
	return err
}

// For returns the rule for the page's host, or the empty rule.
func (r *Rules) For(u *url.URL) Rule {
	if r == nil || u == nil {
		return Rule{}
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	for host != "" {
		if rule, ok := r.Sites[host]; ok {
			return rule
		}
		i := strings.IndexByte(host, '.')
		if i < 0 {
			break
		}
		host = host[i+1:]
	}
	return Rule{}
}

func (rule Rule) removeFrom(doc *goquery.Document) {
	for _, sel := range rule.Remove {
		doc.Find(sel).Remove()
	}
}
