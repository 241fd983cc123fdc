package extract

import (
	"math/bits"
	"strconv"
	"strings"
	"testing"
)

func hamming(t *testing.T, a, b string) int {
	t.Helper()
	x, err1 := strconv.ParseUint(a, 16, 64)
	y, err2 := strconv.ParseUint(b, 16, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("bad simhash %q %q", a, b)
	}
	return bits.OnesCount64(x ^ y)
}

func TestSimhash(t *testing.T) {
	story := strings.Repeat("The foreign ministers of South Korea, the United States and Japan agreed on the need for a firm response. ", 3) +
		"They met in Rio de Janeiro on Thursday on the sidelines of the G20 meeting and issued a statement afterwards about cooperation in the region."
	copyEdited := strings.Replace(story, "Thursday", "Friday", 1)
	other := "The central library will open until nine in the evening on weekdays from next month, the council said, after a survey of members asked for later hours."
	a, b, c := Simhash(story), Simhash(copyEdited), Simhash(other)
	if len(a) != 16 {
		t.Fatalf("simhash %q", a)
	}
	if a != Simhash(strings.ToUpper(story)) {
		t.Error("simhash depends on case")
	}
	if d := hamming(t, a, b); d > 6 {
		t.Errorf("one word changed: distance %d", d)
	}
	if d := hamming(t, a, c); d < 16 {
		t.Errorf("different stories: distance only %d", d)
	}
	if Simhash("") != "" || Simhash(" ,. ") != "" {
		t.Error("empty text has a simhash")
	}
	if len(Simhash("one")) != 16 || len(Simhash("two words")) != 16 {
		t.Error("short texts have no simhash")
	}
}

func BenchmarkSimhash(b *testing.B) {
	text := strings.Repeat("Stocks rose on Monday as investors weighed earnings from retailers and new data on inflation. ", 60)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Simhash(text)
	}
}
