// Package zones is newsflow's one lexicon of time-zone abbreviations, read by
// the feed parser (RFC 822 dates) and the page metadata reader (datelines),
// so a date means the same wherever it is written.
package zones

// abbrevs maps abbreviations to offsets in minutes east of UTC. Where one is
// ambiguous, it takes the reading RFC 822 gives (CST is US Central, not China)
// or, outside RFC 822, the one news pages use most (IST is India).
var abbrevs = map[string]int{
	"UTC": 0, "GMT": 0, "Z": 0, "UT": 0, "WET": 0,
	"KST": 540, "JST": 540, "HKT": 480, "SGT": 480, "PHT": 480, "AWST": 480, "WIB": 420, "WITA": 480, "WIT": 540, "ICT": 420,
	"IST": 330, "PKT": 300, "MSK": 180, "EAT": 180, "SAST": 120, "CAT": 120, "WAT": 60, "EET": 120, "EEST": 180,
	"CET": 60, "CEST": 120, "MEZ": 60, "MESZ": 120, "BST": 60, "WEST": 60,
	"EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360, "PST": -480, "PDT": -420,
	"AKST": -540, "AKDT": -480, "HST": -600, "AST": -240, "ADT": -180, "NST": -210, "BRT": -180, "ART": -180,
	"AEST": 600, "AEDT": 660, "ACST": 570, "ACDT": 630, "NZST": 720, "NZDT": 780,
}

// Offset returns the offset in minutes of an abbreviation written in capitals
// ("EST"). Case matters: "est" is a French word, not a zone.
func Offset(abbr string) (minutes int, ok bool) {
	minutes, ok = abbrevs[abbr]
	return minutes, ok
}
