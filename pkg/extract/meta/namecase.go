package meta

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// allCaps says s is set in capitals: at least two cased letters and no
// lower-case one. Scripts without case (Arabic, CJK) never are.
func allCaps(s string) bool {
	upper := 0
	for _, r := range s {
		switch {
		case unicode.IsLower(r):
			return false
		case unicode.IsUpper(r) || unicode.IsTitle(r):
			upper++
		}
	}
	return upper >= 2
}

// shoutedJoiners are the nameJoiners as an all-caps byline spells them
// ("JANE DOE AND JOHN ROE"). Single letters are left out, as is "dan": in
// capitals they read as a middle initial ("JOHN A SMITH") or a given name
// ("DAN SMITH") more often than as a conjunction.
var shoutedJoiners = func() []string {
	out := append([]string(nil), nameJoiners...)
	for _, j := range nameJoiners {
		w := strings.TrimSpace(j)
		if utf8.RuneCountInString(w) < 2 || w == "dan" {
			continue
		}
		if u := strings.ToUpper(j); u != j {
			out = append(out, u)
		}
	}
	return out
}()

// splitShoutedLetter splits an all-caps name at a one-letter conjunction
// ("JUAN PÉREZ Y MARÍA GÓMEZ", "ИВАН ПЕТРОВ И АННА СМИРНОВА") only when a
// full name, two words at least, stands on each side of it: with one word
// on a side the letter is an initial ("JOHN A SMITH") or part of a
// compound surname ("JOSÉ ORTEGA Y GASSET").
func splitShoutedLetter(q string) []string {
	if !allCaps(q) {
		return []string{q}
	}
	words := strings.Fields(q)
	for i := 2; i < len(words)-2; i++ {
		if shoutedLetterJoiners[words[i]] {
			return append([]string{strings.Join(words[:i], " ")}, splitShoutedLetter(strings.Join(words[i+1:], " "))...)
		}
	}
	return []string{q}
}

// shoutedLetterJoiners are the one-letter nameJoiners in capitals.
var shoutedLetterJoiners = func() map[string]bool {
	out := map[string]bool{}
	for _, j := range nameJoiners {
		if w := strings.TrimSpace(j); utf8.RuneCountInString(w) == 1 {
			out[strings.ToUpper(w)] = true
		}
	}
	return out
}()

// titleCaseName writes an all-caps name the way the person does: a byline
// set in capitals is styling, and the same author set in lower case
// elsewhere must read as the same name. Each part of a word after a hyphen,
// dot or apostrophe keeps its capital ("Jean-Luc", "J.R.", "O'Brien"); a
// particle inside the name goes to lower case as in "Pieter de Vries", but
// not a single letter, which in capitals is more likely an initial.
func titleCaseName(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		lw := strings.ToLower(w)
		if i > 0 && i < len(words)-1 && nameParticles[lw] && utf8.RuneCountInString(lw) > 1 && !strings.Contains(lw, ".") {
			words[i] = lw
			continue
		}
		if i > 0 && romanSuffixes[w] {
			continue // "John Smith III"
		}
		rs := []rune(w)
		var b strings.Builder
		start := true
		for j, r := range rs {
			switch {
			case start:
				b.WriteRune(r)
			case r == 'Σ' && (j == len(rs)-1 || !unicode.IsLetter(rs[j+1])):
				b.WriteRune('ς') // Greek writes a word's last sigma so
			default:
				b.WriteRune(unicode.ToLower(r))
			}
			apostrophe := r == '\'' || r == '’'
			// A new part starts after a mark, and a letter only after one;
			// not the one letter of a possessive or a contraction ("CNN'S").
			// Gaelic "Mc" is always followed by a capital ("McDonald"); "Mac"
			// is not ("Mack", "Macy"), so it is left alone.
			mc := j == 1 && (rs[0] == 'M' || rs[0] == 'm') && (r == 'C' || r == 'c') && len(rs) > 3
			start = r == '-' || r == '.' || apostrophe && j+2 < len(rs) || mc || start && !unicode.IsLetter(r)
		}
		words[i] = b.String()
	}
	return strings.Join(words, " ")
}

// romanSuffixes are the generation suffixes a name keeps in capitals.
var romanSuffixes = map[string]bool{"II": true, "III": true, "IV": true}
