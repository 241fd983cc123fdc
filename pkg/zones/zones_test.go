package zones

import "testing"

func TestOffset(t *testing.T) {
	for _, c := range []struct {
		abbr string
		want int
		ok   bool
	}{
		{"GMT", 0, true}, {"EST", -300, true}, {"CST", -360, true}, {"CDT", -300, true},
		{"IST", 330, true}, {"KST", 540, true}, {"CEST", 120, true}, {"NST", -210, true},
		{"est", 0, false}, {"XYZ", 0, false}, {"", 0, false},
	} {
		got, ok := Offset(c.abbr)
		if got != c.want || ok != c.ok {
			t.Errorf("Offset(%q) = %d, %v; want %d, %v", c.abbr, got, ok, c.want, c.ok)
		}
	}
}
