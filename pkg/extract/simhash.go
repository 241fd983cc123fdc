package extract

import (
	"fmt"
	"hash/fnv"
	"strings"
	"unicode"
)

// Simhash is the 64-bit simhash of text's word 3-gram shingles, in hex.
// Copies of one story that differ by a few words differ in a few bits, so
// near-duplicates are found by Hamming distance.
func Simhash(text string) string {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	var v [64]int
	add := func(s string) {
		h := fnv.New64a()
		h.Write([]byte(s))
		x := h.Sum64()
		for i := range 64 {
			if x&(1<<uint(i)) != 0 {
				v[i]++
			} else {
				v[i]--
			}
		}
	}
	switch {
	case len(words) == 0:
		return ""
	case len(words) < 3:
		add(strings.Join(words, " "))
	default:
		for i := 0; i+3 <= len(words); i++ {
			add(words[i] + " " + words[i+1] + " " + words[i+2])
		}
	}
	var out uint64
	for i := range 64 {
		if v[i] > 0 {
			out |= 1 << uint(i)
		}
	}
	return fmt.Sprintf("%016x", out)
}
