package content

import (
	"encoding/json"
	"strings"
)

// jsonldBody finds the longest articleBody in the page's JSON-LD scripts. It
// is only called when the visible body looks weak, so its cost (a full JSON
// decode) is off the common path.
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
