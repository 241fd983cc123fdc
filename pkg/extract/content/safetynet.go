package content

import "golang.org/x/net/html/atom"

// The recall safety net. The scorer picks one container and its siblings;
// on a page where a teaser, a summary box or one section outscores the story,
// what it keeps is a small part of the page's prose. Prose is measured
// directly: paragraphs of some length with few links. When the chosen body
// holds under a quarter of it, the smallest element that holds most of the
// page's prose is rendered too, and kept when it gives clearly more text.

// proseMinChars is the length from which a paragraph counts as prose.
const proseMinChars = 80

// proseMinPage is the page prose under which the net is not used: short
// pages have nothing to miss.
const proseMinPage = 800

// proseCover is the share of the page's prose the alternative must hold.
const proseCover = 0.6

// proseRegion returns the deepest element holding at least proseCover of
// the page's prose, and the page's prose in characters; -1 when the page
// has too little.
func proseRegion(entries []entry) (region int32, total int) {
	prose := make([]int32, len(entries))
	for i := range entries {
		e := &entries[i]
		if e.n.DataAtom != atom.P || e.chars < proseMinChars || e.linkDensity() >= 0.3 || e.hint&(hintJunk|hintAd) != 0 {
			continue
		}
		total += int(e.chars)
		for a := int32(i); a >= 0; a = entries[a].parent {
			prose[a] += e.chars
		}
	}
	if total < proseMinPage {
		return -1, total
	}
	region = -1
	for i := range entries {
		// Entries are in document order, so a later match is deeper
		// inside an earlier one, or beside it (impossible above half).
		if float64(prose[i]) >= proseCover*float64(total) {
			region = int32(i)
		}
	}
	return region, total
}

// widen renders the prose region when res holds too little of the page's
// prose, and returns whichever of the two is the better body.
func widen(entries []entry, res Result, opts *Options) Result {
	region, total := proseRegion(entries)
	if region < 0 || float64(len(res.Text)) >= 0.25*float64(total) {
		return res
	}
	r := newRenderer(entries, opts)
	r.text = make([]byte, 0, total*5/4+64)
	r.html = make([]byte, 0, total*3/2+256)
	r.render(region, true)
	alt := r.result(MethodDOM)
	if len(alt.Text) < 2*len(res.Text) || len(alt.Text) < proseMinPage {
		return res
	}
	// The scorer did not choose it: trust it less.
	alt.Confidence = 0.4
	return alt
}
