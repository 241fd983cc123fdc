package content

import "golang.org/x/net/html/atom"

// Lists of linked sentences inside the body. A list whose items are
// sentences that link their sources (changelogs, weekly notes, "what is
// new" posts: "We've just landed <a>bug 1553982</a>, which…") is as dense
// with links as a list of related stories whose headlines are written as
// sentences with a link in them. What parts them is where they stand: the
// related list closes the article, the article's own list has more of the
// article after it.

// minItemText is the text outside links, in characters, an item needs to
// read as a sentence of its own rather than a headline.
const minItemText = 30

// listInBody reports whether the list e (entered, so r.cursor is past it)
// is one of the article's: most of its items hold a sentence besides their
// links, and prose of the article follows it.
func (r *renderer) listInBody(e *entry) bool {
	if !r.sentenceList(e) {
		return false
	}
	end := r.entries[r.root].end
	for c := e.end; c < end; c++ {
		k := &r.entries[c]
		switch k.n.DataAtom {
		case atom.P, atom.Li:
		default:
			continue
		}
		if k.chars >= proseMinChars && 2*k.linkChars < k.chars && k.hint&(hintJunk|hintAd) == 0 {
			return true
		}
	}
	return false
}

// sentenceList reports whether most items of the list e (entered, so
// r.cursor is past it) hold a sentence besides their links.
func (r *renderer) sentenceList(e *entry) bool {
	i := r.cursor - 1
	if i < 0 || r.entries[i].n != e.n {
		return false
	}
	items, sentences := 0, 0
	for c := i + 1; c < e.end; c = r.entries[c].end {
		k := &r.entries[c]
		if k.n.DataAtom != atom.Li || k.chars == 0 {
			continue
		}
		items++
		if k.chars-k.linkChars >= minItemText {
			sentences++
		}
	}
	return items >= 2 && 2*sentences >= items
}
