package content

import (
	"strings"
	"testing"
)

// TestItemLists covers pages whose article is a list of short items beside
// the block the scorer keeps, and lists of teasers built the same way.
func TestItemLists(t *testing.T) {
	feature := func(name, text string) string {
		return `<li class="feature"><a href="/v/` + name + `" class="play"><img src="/` + name + `.jpg"></a><h2>` + name + `</h2><p>` + text +
			`</p><a href="/docs/` + name + `" class="more">Learn more</a></li>`
	}
	note := `<div class="notice"><h4>Important: keep your settings</h4><p>The new edition comes with a profile of its own, so it can run beside the other ones. ` +
		`To keep your bookmarks, history and passwords, sign in to your account in it, or create a new one, before you start to use it every day.</p></div>`
	tests := []struct {
		name     string
		page     string
		contains []string
		absent   []string
	}{
		{
			// The first features sit in the opening section, before the
			// note: too few there to make a list of their own.
			name: "a product page's features beside a note the scorer keeps",
			page: `<body><header><a href="/">Home</a></header><main><section class="intro"><h1>Welcome to the new edition</h1><ul class="features">` +
				feature("Workbench", "Build, test and ship phone apps from the browser itself, or straight on a phone plugged in.") +
				feature("Bridge", "Debug your pages across several browsers and phones with one tool that comes built in.") + `</ul>` + note + `</section>
<section class="more-features"><div class="container"><h2>Features and tools</h2><ul class="features">` +
				feature("Inspector", "Examine the page's markup and styles, and change the layout of a page while you look at it.") +
				feature("Console", "See the messages a page logs, and run a line of script against the page you are on.") +
				feature("Debugger", "Step through the page's scripts and look at their state to help track down bugs.") +
				feature("Network", "See every request the browser makes, how long each one takes and what it carried.") +
				`</ul></div></section></main><footer><a href="/legal">Legal</a></footer></body>`,
			contains: []string{"Build, test and ship phone apps", "Debug your pages across", "Important: keep your settings", "Features and tools", "Examine the page's markup", "See the messages a page logs", "See every request the browser makes"},
			absent:   []string{"Legal"},
		},
		{
			name: "teasers with linked headlines beside the story stay out",
			page: `<body><main><div class="story"><h1>Council passes the budget</h1><div class="body">` +
				strings.Repeat(`<p>The council met on Tuesday, and members argued for hours about the budget, the harbour and the roads before the vote.</p>`, 3) +
				`</div></div><div class="more"><ul class="teasers">` +
				strings.Repeat(`<li class="teaser"><h3><a href="/story">Mayor opens the new harbour wall</a></h3><p>The wall took three years to build and cost more than was planned at the start of the works.</p></li>`, 4) +
				`</ul></div></main></body>`,
			contains: []string{"The council met on Tuesday"},
			absent:   []string{"The wall took three years"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Extract(parse(t, tt.page), Options{}).Text
			checkText(t, got, tt.contains, tt.absent)
		})
	}
}
