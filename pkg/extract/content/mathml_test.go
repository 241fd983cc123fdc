package content

import (
	"strings"
	"testing"
)

// A formula in MathML is text of the article: one word per token element,
// without the TeX source some pages annotate it with.
func TestMathML(t *testing.T) {
	page := `<body><div>` + para("First") +
		`<p>When <math><semantics><mrow><mi>a</mi><mo>≠</mo><mn>0</mn></mrow><annotation encoding="application/x-tex">a \ne 0</annotation></semantics></math>, there are two solutions to <math><mi>a</mi><msup><mi>x</mi><mn>2</mn></msup><mo>+</mo><mi>c</mi><mo>=</mo><mn>0</mn></math> and they are real.</p>` +
		para("Second") + `</div></body>`
	got := Extract(parse(t, page), Options{}).Text
	for _, want := range []string{"When a ≠ 0", "two solutions to a x 2 + c = 0 and they are real."} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, `\ne`) {
		t.Errorf("the TeX annotation was kept:\n%s", got)
	}
}
