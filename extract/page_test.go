package extract

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// emptied parses src and empties its script and style elements.
func emptied(t testing.TB, src []byte) string {
	t.Helper()
	root, err := html.Parse(bytes.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style || n.DataAtom == atom.Svg) && n.FirstChild != nil {
			n.FirstChild, n.LastChild = nil, nil
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	var b bytes.Buffer
	html.Render(&b, root)
	return b.String()
}

// TestStripRawText checks on every page of the corpora and test data that
// emptying script and style elements before parsing changes nothing else
// in the tree.
func TestStripRawText(t *testing.T) {
	var files []string
	for _, g := range []string{filepath.Join(cnNewsDir, "*.html.gz"), filepath.Join(scrapinghubDir, "html", "*.html.gz"), filepath.Join("testdata", "*.html")} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	if testing.Short() {
		files = files[:min(len(files), 40)]
	}
	for _, f := range files {
		var src []byte
		if strings.HasSuffix(f, ".gz") {
			src = readGz(t, f)
		} else {
			var err error
			if src, err = os.ReadFile(f); err != nil {
				t.Fatal(err)
			}
		}
		parts, _ := stripRawText(src)
		if got, want := emptied(t, bytes.Join(parts, nil)), emptied(t, src); got != want {
			t.Errorf("%s: trees differ at %q", f, firstDiff(got, want))
		}
	}
	for _, s := range []string{
		`<script>a</script><p>x</p>`,
		`<SCRIPT type="text/javascript">if (a<b) x="</p>";</SCRIPT ><p>x</p>`,
		`<script data-x='a>b'>var s = 1;</script>`,
		`<script a = "x>y">1</script>2`,
		`<!-- <script> --><p>kept</p><script>x</script>`,
		`<script><!-- document.write("<script></script>") --></script><p>x</p>`,
		`<style>p{}</style><textarea><script>no</script></textarea><title>a<script>b</title>`,
		`<script>unclosed`, `<script`, `<scriptx>y</scriptx>`, `<script/>z</script>`,
	} {
		parts, _ := stripRawText([]byte(s))
		if got, want := emptied(t, bytes.Join(parts, nil)), emptied(t, []byte(s)); got != want {
			t.Errorf("%q: got %q, want %q", s, got, want)
		}
	}
}

// FuzzStripRawText checks that emptying script and style elements before
// parsing changes nothing else in the tree.
func FuzzStripRawText(f *testing.F) {
	for _, s := range []string{`<script>a</script><p>x</p>`, `<style>p{}</style><textarea><script>no</script></textarea>`,
		`<!-- <script> --><p>kept</p>`, `<noscript><style>x</style></noscript>`, `<script a = "x>y">1</script>2`,
		`<!--><script>x</script>`, `<!---><script>x</script>`, `<!-- a --!><script>x</script>`, `<!doctype html><script>x</script>`,
		`</ x><script>y</script>`, `<?php x ?><style>z</style>`, `<svg viewBox="0 0 1 1"><path d="M0"/></svg><p>x</p>`,
		`<svg/><p>kept</p></svg>`, `<SVG><title>t</title></SVG>`, `<svg><p>broken out</p></svg>`, `<svg><svg></svg><g/></svg>x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		parts, _ := stripRawText(src)
		if got, want := emptied(t, bytes.Join(parts, nil)), emptied(t, src); got != want {
			t.Errorf("trees differ at %q", firstDiff(got, want))
		}
	})
}
