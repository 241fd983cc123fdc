package extract

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Simhash is the 64-bit simhash of text's word 3-gram shingles, in hex.
// Copies of one story that differ by a few words differ in a few bits, so
// near-duplicates are found by Hamming distance.
//
// Each word is hashed once (FNV-1a over its lower-cased runes); a shingle's
// hash mixes its three word hashes, so no strings are built.
func Simhash(text string) string {
	var v [64]int32
	var w [3]uint64 // the last three word hashes
	words := 0
	add := func(x uint64) {
		for i := range 64 {
			v[i] += int32(x>>uint(i)&1)*2 - 1
		}
	}
	for i := 0; i < len(text); {
		// Skip to the next word.
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			i += size
			continue
		}
		h := uint64(14695981039346656037)
		for i < len(text) {
			r, size = utf8.DecodeRuneInString(text[i:])
			if !isWordRune(r) {
				break
			}
			r = unicode.ToLower(r)
			for r > 0 {
				h ^= uint64(r & 0xff)
				h *= 1099511628211
				r >>= 8
			}
			i += size
		}
		w[0], w[1], w[2] = w[1], w[2], h
		words++
		if words >= 3 {
			add(mix(w[0], w[1], w[2]))
		}
	}
	switch words {
	case 0:
		return ""
	case 1:
		add(mix(0, 0, w[2]))
	case 2:
		add(mix(0, w[1], w[2]))
	}
	var out uint64
	for i := range 64 {
		if v[i] > 0 {
			out |= 1 << uint(i)
		}
	}
	return fmt.Sprintf("%016x", out)
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// mix combines three word hashes, order-sensitively, into a well-spread
// 64-bit shingle hash (splitmix64 finaliser).
func mix(a, b, c uint64) uint64 {
	x := a*0x9e3779b97f4a7c15 ^ (b*0xc2b2ae3d27d4eb4f + 0x165667b19e3779f9) ^ (c*0x27d4eb2f165667c5 + 0x85ebca77c2b2ae63)
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
