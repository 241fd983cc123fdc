package content

import (
	"strings"
	"testing"
)

// TestPruneByName covers what class and id names may and may not remove.
func TestPruneByName(t *testing.T) {
	tests := []struct {
		name     string
		page     string
		contains []string
		absent   []string
	}{
		{
			name: "an inline element named like a widget inside a sentence is part of it",
			page: `<body><div id="text">` +
				`<p>I am a <a class="popup" href="#" onclick="note(1)">rather elderly</a> man, and the nature of my <span class="share-quote">avocations</span> has brought me into contact with an interesting set of men.</p>` +
				para("Second") + para("Third") + `<div class="share-bar"><a href="#">Share</a> <a href="#">Tweet</a></div></div></body>`,
			contains: []string{"I am a rather elderly man, and the nature of my avocations has brought"},
			absent:   []string{"Tweet"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Extract(parse(t, tt.page), Options{}).Text
			for _, s := range tt.contains {
				if !strings.Contains(got, s) {
					t.Errorf("missing %q in:\n%s", s, got)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(got, s) {
					t.Errorf("kept %q in:\n%s", s, got)
				}
			}
		})
	}
}
