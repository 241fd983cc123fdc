package content

import (
	"testing"
)

// TestLinkedSentenceLists: a list of sentences that link their sources
// stays when the article goes on after it; one closing the article, built
// the same way, is a list of related stories.
func TestLinkedSentenceLists(t *testing.T) {
	p := `<p>This week the team worked on the new update system, and on the speed of the start page, which now opens in half the time.</p>`
	notes := `<h3>Fixed this week</h3><ul>` +
		`<li>Thanks to Ana, <a href="/b/1">the download of a new update no longer stalls</a> when two windows are open.</li>` +
		`<li>Rui <a href="/b/2">removed the old settings dialog from the preferences</a> where nobody had used it for years.</li>` +
		`<li>Gil made <a href="/b/3">the bookmarks toolbar load later in the start-up</a>, and the window now opens much faster.</li></ul>`
	related := `<ul>` +
		`<li>The strange life and <a href="/s/1">mysterious death of a virtuoso coder</a></li>` +
		`<li>How the social network <a href="/s/2">gets the First Amendment backward</a></li>` +
		`<li>What the company's fitness buy means <a href="/s/3">for the future of wearables</a></li></ul>`
	page := `<body><div class="post"><h1>These weeks in the browser</h1><div class="entry-content">` +
		p + p + notes + p + p + `<h3>More great stories</h3>` + related + `</div></div></body>`
	got := Extract(parse(t, page), Options{}).Text
	checkText(t, got, []string{"Fixed this week", "the download of a new update no longer stalls when two windows", "the bookmarks toolbar load later"}, []string{"virtuoso coder", "More great stories"})
}

// TestListHeadings: a heading before a list whose first items are bare
// links introduces the list, which goes on with notes; a heading before a
// list of nothing but links goes with them.
func TestListHeadings(t *testing.T) {
	p := `<p>This week the team worked on the new update system, and on the speed of the start page, which now opens in half the time.</p>`
	page := `<body><div class="post"><h1>These weeks in the browser</h1><div class="entry-content">` + p + p +
		`<h3>Highlights</h3><ul><li><a href="/review">Here is our year in review!</a></li>` +
		`<li>We have just landed a fix that stops an update from starting while another window of the browser is still running.</li>` +
		`<li>Also about to land is support for downloading a new update when one is already waiting to be installed.</li></ul>` +
		p + `<h3>Elsewhere</h3><ul><li><a href="/a">Our year in review</a></li><li><a href="/b">The performance review</a></li></ul>` + p + `</div></div></body>`
	got := Extract(parse(t, page), Options{}).Text
	checkText(t, got, []string{"Highlights", "We have just landed a fix"}, []string{"Elsewhere", "The performance review"})
}

// TestSentenceListItems: in a list whose items are sentences, an item that
// is a bare link, or a name and a link, is one of its points; in a list of
// bare links it is a "more" link and goes.
func TestSentenceListItems(t *testing.T) {
	p := `<p>This week the team worked on the new update system, and on the speed of the start page, which now opens in half the time.</p>`
	page := `<body><div class="post"><h1>These weeks in the browser</h1><div class="entry-content">` + p + p +
		`<h3>New contributors</h3><ul>` +
		`<li>Ana <a href="/b/1">fixed an issue with revoked permissions for extensions</a></li>` +
		`<li>Rui <a href="/b/2">removed the window type attribute</a> from the dialogs where we did not need it anymore.</li>` +
		`<li>Gil <a href="/b/3">converted some of the tools code</a> to use promises instead of the old deferred library.</li></ul>` +
		p + `<ul><li><a href="/a">Our year in review</a></li><li><a href="/b">The performance review</a></li><li><a href="/c">The tools review</a></li></ul>` + p + `</div></div></body>`
	got := Extract(parse(t, page), Options{}).Text
	checkText(t, got, []string{"Ana fixed an issue with revoked permissions", "Rui removed the window type attribute"}, []string{"Our year in review", "The tools review"})
}
