package content

import (
	"testing"
)

// TestDataTables: a table of figures whose rows are named by links is data
// of the article, rendered whole; a table that links several cells of a
// row is navigation and goes.
func TestDataTables(t *testing.T) {
	p := `<p>The new patching saves space and time on every update, and it is now used for the updates that run in the background at night.</p>`
	row := func(name, size, patch string) string {
		return `<tr><td><div><a href="/apps/` + name + `"><span>` + name + `</span></a></div></td><td><div><span>` + size +
			`</span></div></td><td><div><span>` + patch + `</span></div></td></tr>`
	}
	data := `<table><tr><td><div><b>App</b></div></td><td><div><b>Original</b></div></td><td><div><b>Patch</b></div></td></tr>` +
		row("Harbour Maps", "71.1 MB", "13.4 MB (-81%)") + row("Tide Tables", "32.7 MB", "17.5 MB (-46%)") +
		row("Ferry Times", "17.8 MB", "7.6 MB (-57%)") + row("Boat Club", "18.9 MB", "17.2 MB (-9%)") + `</table>`
	navRow := func(a, b, c string) string {
		return `<tr><td><a href="/` + a + `">` + a + ` news</a></td><td><a href="/` + b + `">` + b + ` news</a></td><td><a href="/` + c + `">` + c + ` 2009</a></td></tr>`
	}
	nav := `<table>` + navRow("Harbour", "Island", "Archive") + navRow("Weather", "Sport", "Letters") + navRow("Ferry", "Tides", "Events") + `</table>`
	page := `<body><div class="post"><h1>Smaller updates</h1><div class="entry-content">` + p + p + data + p + nav + p + `</div></div></body>`
	got := Extract(parse(t, page), Options{}).Text
	checkText(t, got, []string{"Harbour Maps", "71.1 MB", "13.4 MB (-81%)", "Boat Club", "18.9 MB"}, []string{"Island news", "Letters news"})
}
