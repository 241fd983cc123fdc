package content

import (
	"golang.org/x/net/html/atom"
)

// finalScore is a candidate's score with its class weight, discounted by its
// link density: a block of links is navigation however much text it has. A
// good class name counts in full only with some text behind it, so a
// "content-title" wrapper of one line cannot beat the article.
func finalScore(e *entry) float32 {
	w := float32(hintWeight(e.hint))
	if w > 0 {
		w *= min(1, float32(e.chars)/500)
	}
	s := (e.score + w) * float32(1-e.linkDensity())
	if e.articles >= 2 {
		// A container of several <article>s is a list of teasers, or a
		// wrapper around the article and such a list.
		s *= 0.3
	}
	return s
}

// pickTop returns the index of the best candidate, or -1.
func pickTop(entries []entry) int32 {
	top := int32(-1)
	var best float32
	for i := range entries {
		e := &entries[i]
		if !e.scored {
			continue
		}
		s := finalScore(e)
		switch {
		case top < 0:
			top, best = int32(i), s
		case int32(i) < entries[top].end:
			// Inside the best so far: plain comparison.
			if s > best {
				top, best = int32(i), s
			}
		case s > best*1.1:
			// A later, separate candidate must be clearly better: of near
			// equals (an "infinite scroll" page with the next story below)
			// the first is the page's own.
			top, best = int32(i), s
		}
	}
	if top < 0 {
		return -1
	}
	// When several strong candidates share an ancestor, the article is
	// split into sections: take the ancestor. Ancestors and descendants of
	// the top candidate hold the same text, so they are no alternative.
	var alts []int32
	topEnd := entries[top].end
	for i := range entries {
		a := int32(i)
		if a >= top && a < topEnd || a < top && entries[a].end > top {
			continue
		}
		if entries[i].scored && finalScore(&entries[i]) >= 0.75*best {
			alts = append(alts, a)
		}
	}
	if len(alts) >= 3 {
		for p := entries[top].parent; p >= 0 && entries[p].n.DataAtom != atom.Body; p = entries[p].parent {
			inside := 0
			for _, a := range alts {
				if a > p && a < entries[p].end {
					inside++
				}
			}
			if inside >= 3 {
				// Only an ancestor that is itself a fair candidate: a page
				// wrapper around the article and its teaser list is not.
				if entries[p].scored && finalScore(&entries[p]) >= 0.5*best {
					top = p
				}
				break
			}
		}
	}
	// Climb while the parent scores better: the paragraphs' scores are
	// spread over two levels when they sit in per-paragraph wrappers.
	last := finalScore(&entries[top])
	for p := entries[top].parent; p >= 0 && entries[p].n.DataAtom != atom.Body; p = entries[p].parent {
		if !entries[p].scored {
			continue
		}
		s := finalScore(&entries[p])
		if s < last/3 {
			break
		}
		if s > last {
			top = p
			break
		}
		last = s
	}
	// A lone child says nothing its parent does not.
	for p := entries[top].parent; p >= 0 && entries[p].n.DataAtom != atom.Body; p = entries[p].parent {
		if elementChildren(entries, p) != 1 {
			break
		}
		top = p
	}
	return top
}

func elementChildren(entries []entry, p int32) int {
	n := 0
	for c := p + 1; c < entries[p].end; c = entries[c].end {
		n++
	}
	return n
}

// siblings returns the top candidate and those of its siblings that look
// like more of the article, in document order.
func siblings(entries []entry, top int32) []int32 {
	p := entries[top].parent
	if p < 0 {
		return []int32{top}
	}
	topScore := finalScore(&entries[top])
	threshold := max(10, topScore*0.2)
	topClass := attr(entries[top].n, "class")
	if a := entries[top].n.DataAtom; a == atom.Td || a == atom.Th {
		topClass = "" // layout columns share their class: see signatureOf
	}
	var out []int32
	for c := p + 1; c < entries[p].end; c = entries[c].end {
		if c == top {
			out = append(out, c)
			continue
		}
		e := &entries[c]
		if e.articles >= 2 || e.n.DataAtom == atom.Article && entries[top].n.DataAtom == atom.Article {
			// Lists of stories, and the next story after this one.
			continue
		}
		var bonus float32
		if topClass != "" && attr(e.n, "class") == topClass {
			bonus = topScore * 0.2
		}
		if e.scored && finalScore(e)+bonus >= threshold {
			out = append(out, c)
			continue
		}
		if bonus > 0 && e.paras > 0 && e.linkDensity() < 0.5 && bestWithin(entries, c)+bonus >= threshold {
			// A section of the article like the top one, with its
			// paragraphs nested deeper than scores propagate.
			out = append(out, c)
			continue
		}
		if e.n.DataAtom == atom.P || e.blocks == 0 {
			ld := e.linkDensity()
			if e.chars > 80 && ld < 0.25 || e.chars > 0 && e.chars <= 80 && ld == 0 && endsSentence(e) {
				out = append(out, c)
			}
		}
	}
	return withSubheadings(entries, p, out)
}

// withSubheadings adds the headings that sit between two parts of the
// article: the subheadings of an article whose sections are siblings.
func withSubheadings(entries []entry, p int32, parts []int32) []int32 {
	if len(parts) < 2 {
		return parts
	}
	first, last := parts[0], parts[len(parts)-1]
	in := make(map[int32]bool, len(parts))
	for _, c := range parts {
		in[c] = true
	}
	var out []int32
	for c := p + 1; c < entries[p].end; c = entries[c].end {
		if in[c] || c > first && c < last && isHeading(entries[c].n.DataAtom) && entries[c].linkDensity() < 0.5 {
			out = append(out, c)
		}
	}
	return out
}

// endsSentence reports whether the element's text ends like a sentence.
func endsSentence(e *entry) bool {
	n := e.n.LastChild
	for n != nil && n.FirstChild != nil {
		n = n.LastChild
	}
	if n == nil {
		return false
	}
	s := n.Data
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\n' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return len(s) > 0 && (s[len(s)-1] == '.' || s[len(s)-1] == '!' || s[len(s)-1] == '?')
}

// bestWithin is the best final score in the subtree of c.
func bestWithin(entries []entry, c int32) float32 {
	var best float32
	for i := c; i < entries[c].end; i++ {
		if entries[i].scored {
			best = max(best, finalScore(&entries[i]))
		}
	}
	return best
}
