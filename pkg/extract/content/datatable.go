package content

import (
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Data tables. A table in the body that names its rows with links (an
// app, a team, a product, each linked to its page) and gives figures for
// each is as dense with links as a table of navigation, and is data of the
// article. Its rows say so: each has one linked cell at most, and figures
// in the others. Navigation and listings link several cells of a row, or
// link the figures themselves (a calendar's days).

// minDataRows is how many rows of figures make a table of data.
const minDataRows = 3

// dataTable reports whether the table e (entered, so r.cursor is past it)
// is a table of data: no nested table, and at least minDataRows rows of
// two cells or more, none with more than one linked cell, most with a
// figure outside the links.
func (r *renderer) dataTable(e *entry) bool {
	i := r.cursor - 1
	if i < 0 || r.entries[i].n != e.n {
		return false
	}
	rows, figures := 0, 0
	for k := i + 1; k < e.end; k++ {
		switch r.entries[k].n.DataAtom {
		case atom.Table:
			return false // a layout table
		case atom.Tr:
		default:
			continue
		}
		cells, linked, figure := 0, 0, false
		tr := &r.entries[k]
		for c := k + 1; c < tr.end; c = r.entries[c].end {
			cell := &r.entries[c]
			if a := cell.n.DataAtom; a != atom.Td && a != atom.Th {
				continue
			}
			cells++
			if cell.linkChars > 0 {
				linked++
			}
			if !figure && cell.linkChars < cell.chars && digitOutsideLinks(cell.n) {
				figure = true
			}
		}
		if cells < 2 {
			continue
		}
		if linked > 1 {
			return false
		}
		rows++
		if figure {
			figures++
		}
	}
	return rows >= minDataRows && 2*figures > rows
}

// digitOutsideLinks reports whether the text of n outside links has a digit.
func digitOutsideLinks(n *html.Node) bool {
	found := false
	walk(n, func(c *html.Node) bool {
		if found || c.Type == html.ElementNode && isLink(c) {
			return false
		}
		if c.Type == html.TextNode {
			for _, b := range []byte(c.Data) {
				if b >= '0' && b <= '9' {
					found = true
					return false
				}
			}
		}
		return true
	}, nil)
	return found
}
