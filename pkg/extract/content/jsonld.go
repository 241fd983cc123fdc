package content

import (
	"encoding/json"
	"strings"
)

// rawBodyLen estimates, without decoding, the length of the longest
// articleBody string in the scripts: the bytes up to the closing quote.
func rawBodyLen(scripts []string) int {
	best := 0
	for _, s := range scripts {
		for i := strings.Index(s, `"articleBody"`); i >= 0; {
			rest := strings.TrimLeft(s[i+len(`"articleBody"`):], " \t\r\n:")
			if strings.HasPrefix(rest, `"`) {
				n := 1
				for n < len(rest) && rest[n] != '"' {
					if rest[n] == '\\' {
						n++
					}
					n++
				}
				best = max(best, n-1)
			}
			j := strings.Index(s[i+1:], `"articleBody"`)
			if j < 0 {
				break
			}
			i += 1 + j
		}
	}
	return best
}

// jsonldBody finds the longest articleBody in the page's JSON-LD scripts.
// It decodes them fully, so callers check rawBodyLen first.
func jsonldBody(scripts []string) string {
	best := ""
	for _, s := range scripts {
		if !strings.Contains(s, "articleBody") {
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(strings.TrimSpace(s)), &v); err != nil {
			continue
		}
		if b := bodyIn(v, 0); len(b) > len(best) {
			best = b
		}
	}
	return strings.TrimSpace(best)
}

func bodyIn(v any, depth int) string {
	if depth > 20 {
		return ""
	}
	best := ""
	switch t := v.(type) {
	case map[string]any:
		if s, ok := t["articleBody"].(string); ok && len(s) > len(best) {
			best = s
		}
		for _, c := range t {
			if b := bodyIn(c, depth+1); len(b) > len(best) {
				best = b
			}
		}
	case []any:
		for _, c := range t {
			if b := bodyIn(c, depth+1); len(b) > len(best) {
				best = b
			}
		}
	}
	return best
}
