package content

import (
	"slices"
)

// Item lists. A page whose article is a list of short items (features of a
// product, questions and answers, steps) has no container that scores like
// a story: each item is a heading and a sentence or two, and the scorer
// keeps whichever single block reads most like prose, a note or one
// section. merge looks beside the kept branch for such a list: at least
// minRepeat siblings built alike (one signature) that each hold a paragraph
// under a heading of their own that is no link, with few links. A list of
// teasers links its headings to the stories it points at; an item of the
// article is its own page's text.

// itemLists returns the items of the lists beside child in a (not inside
// it), the signatures of those items, and the items' characters.
func itemLists(entries []entry, a, child int32) (items []int32, sigs []signature, chars int32) {
	for c := a + 1; c < entries[a].end; c = entries[c].end {
		if c == child {
			continue
		}
		items, sigs, chars = findItemList(entries, c, items, sigs, chars, 0)
	}
	return items, sigs, chars
}

func findItemList(entries []entry, c int32, items []int32, sigs []signature, chars int32, depth int) ([]int32, []signature, int32) {
	e := &entries[c]
	if e.paras < minRepeat || e.articles > 0 || e.hint&(hintJunk|hintAd) != 0 || !isBlock(e.n.DataAtom) || e.linkDensity() > 0.3 {
		return items, sigs, chars
	}
	if found, sig, n := listItems(entries, c); len(found) > 0 {
		if h := listHeading(entries, c); h >= 0 {
			items = append(items, h)
			n += entries[h].chars
		}
		return append(items, found...), append(sigs, sig), chars + n
	}
	if depth >= mergeDepth {
		return items, sigs, chars
	}
	for k := c + 1; k < e.end; k = entries[k].end {
		items, sigs, chars = findItemList(entries, k, items, sigs, chars, depth+1)
	}
	return items, sigs, chars
}

// listItems returns the children of c that make it a list of the
// article's items, their signature and characters; nil when they do not.
func listItems(entries []entry, c int32) ([]int32, signature, int32) {
	var first signature
	var items []int32
	var chars int32
	for k := c + 1; k < entries[c].end; k = entries[k].end {
		e := &entries[k]
		if e.chars == 0 {
			continue // scripts' leftovers, spacers
		}
		sig := signatureOf(e)
		if len(items) == 0 {
			first = sig
		}
		if sig != first || sig.class == "" || !isItem(entries, k) {
			return nil, signature{}, 0
		}
		items = append(items, k)
		chars += e.chars
	}
	if len(items) < minRepeat {
		return nil, signature{}, 0
	}
	return items, first, chars
}

// isItem reports an item of an article's list: a heading of its own that
// is no link, and a paragraph, with few links and no boilerplate name.
func isItem(entries []entry, k int32) bool {
	e := &entries[k]
	if e.paras == 0 || e.linkDensity() >= 0.3 || e.hint&(hintJunk|hintAd) != 0 || e.articles > 0 {
		return false
	}
	heading := false
	for i := k + 1; i < e.end; i++ {
		h := &entries[i]
		if !isHeading(h.n.DataAtom) || h.chars == 0 {
			continue
		}
		if h.linkChars > 0 {
			return false // a teaser's headline
		}
		heading = true
	}
	return heading
}

// listHeading returns the block right before the list c when it is the
// list's heading ("Features and tools"), alone or in a header of its own;
// -1 when there is none.
func listHeading(entries []entry, c int32) int32 {
	p := entries[c].parent
	if p < 0 {
		return -1
	}
	prev := int32(-1)
	for k := p + 1; k < c; k = entries[k].end {
		prev = k
	}
	if prev < 0 {
		return -1
	}
	e := &entries[prev]
	if e.chars == 0 || e.chars > 100 || e.linkChars > 0 || e.hint&(hintJunk|hintAd) != 0 {
		return -1
	}
	for k := prev; k < e.end; k++ {
		if isHeading(entries[k].n.DataAtom) {
			return prev
		}
	}
	return -1
}

// holdsAny reports whether the subtree of c holds one of the sorted list's entries.
func holdsAny(entries []entry, c int32, list []int32) bool {
	i, _ := slices.BinarySearch(list, c)
	return i < len(list) && list[i] < entries[c].end
}

// strayItems adds to out (sorted) the items under root built like those of
// a merged list that are not part of it: the first few features shown in
// the page's opening section, before the note the scorer kept.
func strayItems(entries []entry, root int32, sigs []signature, out []int32) []int32 {
	var add []int32
	for i := root + 1; i < entries[root].end; i++ {
		e := &entries[i]
		if e.chars == 0 || !slices.Contains(sigs, signatureOf(e)) || !isItem(entries, i) {
			continue
		}
		if within(entries, out, i) || holdsAny(entries, i, out) {
			continue
		}
		add = append(add, i)
		i = e.end - 1 // an item's inside is the item's
	}
	if len(add) == 0 {
		return out
	}
	out = append(out, add...)
	slices.Sort(out)
	return out
}

// within reports whether i is one of the sorted list's entries or inside
// one. The merged blocks are apart from one another, so only the closest
// one before i can hold it.
func within(entries []entry, list []int32, i int32) bool {
	k, found := slices.BinarySearch(list, i)
	return found || k > 0 && entries[list[k-1]].end > i
}
