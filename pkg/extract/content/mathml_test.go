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

// A math renderer's wrapper is named by its script, not by what it holds:
// a display formula in a "CtxtMenu" (read: menu) container stays.
func TestDisplayFormulaInNamedWrapper(t *testing.T) {
	page := `<body><div>` + para("First") + `<h2>The Lorenz equations</h2>` +
		`<mjx-container class="MathJax CtxtMenu_Attached_0" display="true"><mjx-math aria-hidden="true"><mjx-c></mjx-c></mjx-math>` +
		`<mjx-assistive-mml display="block"><math display="block"><mi>x</mi><mo>=</mo><mi>σ</mi><mo>(</mo><mi>y</mi><mo>−</mo><mi>x</mi><mo>)</mo></math></mjx-assistive-mml></mjx-container>` +
		para("Second") + `<div class="menu"><a href="/a">Home</a> <a href="/b">About</a></div></div></body>`
	got := Extract(parse(t, page), Options{}).Text
	if !strings.Contains(got, "x = σ ( y − x )") {
		t.Errorf("formula dropped:\n%s", got)
	}
	if strings.Contains(got, "About") {
		t.Errorf("menu kept:\n%s", got)
	}
}
