package reskin

import (
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// elem returns a new element with attributes given as name, value pairs.
func elem(tag string, attrs ...string) *html.Node {
	n := &html.Node{Type: html.ElementNode, Data: tag, DataAtom: atom.Lookup([]byte(tag))}
	for i := 0; i+1 < len(attrs); i += 2 {
		n.Attr = append(n.Attr, html.Attribute{Key: attrs[i], Val: attrs[i+1]})
	}
	return n
}

func text(s string) *html.Node { return &html.Node{Type: html.TextNode, Data: s} }

// withKids appends kids to n and returns n.
func withKids(n *html.Node, kids ...*html.Node) *html.Node {
	for _, k := range kids {
		n.AppendChild(k)
	}
	return n
}

func children(n *html.Node) []*html.Node {
	var out []*html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		out = append(out, c)
	}
	return out
}

// moveKids moves the children of from to the end of to.
func moveKids(from, to *html.Node) {
	for _, c := range children(from) {
		from.RemoveChild(c)
		to.AppendChild(c)
	}
}

// replace puts m where n is; n leaves the tree.
func replace(n, m *html.Node) {
	n.Parent.InsertBefore(m, n)
	n.Parent.RemoveChild(n)
}

// wrap puts wrapper where n is, with n inside it, and returns wrapper.
func wrap(n, wrapper *html.Node) *html.Node {
	replace(n, wrapper)
	wrapper.AppendChild(n)
	return wrapper
}

// wrapKids moves the children of n into wrapper, the only child of n.
func wrapKids(n, wrapper *html.Node) {
	moveKids(n, wrapper)
	n.AppendChild(wrapper)
}

// unwrap puts n's children where n is, followed by after; n leaves the tree.
func unwrap(n *html.Node, after ...*html.Node) {
	p := n.Parent
	for _, c := range children(n) {
		n.RemoveChild(c)
		p.InsertBefore(c, n)
	}
	for _, a := range after {
		p.InsertBefore(a, n)
	}
	p.RemoveChild(n)
}

func insertAfter(n, m *html.Node) { n.Parent.InsertBefore(m, n.NextSibling) }

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

func setAttr(n *html.Node, key, val string) {
	for i, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			n.Attr[i].Val = val
			return
		}
	}
	n.Attr = append(n.Attr, html.Attribute{Key: key, Val: val})
}

// rename gives n another tag, keeping its attributes and children.
func rename(n *html.Node, tag string) {
	n.Data = tag
	n.DataAtom = atom.Lookup([]byte(tag))
}

// walk calls fn on n and its descendants in document order; fn returning
// false skips a node's descendants. The tree may change below a node once
// it was visited.
func walk(n *html.Node, fn func(*html.Node) bool) {
	if !fn(n) {
		return
	}
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		walk(c, fn)
		c = next
	}
}

func find(n *html.Node, tag string) *html.Node {
	var out *html.Node
	walk(n, func(m *html.Node) bool {
		if out == nil && m.Type == html.ElementNode && m.Data == tag {
			out = m
		}
		return out == nil
	})
	return out
}

// hidden reports whether the text of n is not read: scripts, styles,
// comments and the like.
func hidden(n *html.Node) bool {
	switch n.Type {
	case html.CommentNode, html.DoctypeNode:
		return true
	case html.ElementNode:
		switch n.Data {
		case "script", "style", "noscript", "template", "head", "title", "textarea", "select", "option":
			return true
		}
	}
	return false
}

// textOf returns the readable text of n.
func textOf(n *html.Node) string {
	var b strings.Builder
	walk(n, func(m *html.Node) bool {
		if hidden(m) {
			return false
		}
		if m.Type == html.TextNode {
			b.WriteString(m.Data)
		}
		return true
	})
	return b.String()
}

// squeeze drops every space (ASCII, no-break, full-width) of s: the text as
// compared here, since Chinese text has no spaces between words.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func contains(a, b *html.Node) bool {
	for ; b != nil; b = b.Parent {
		if a == b {
			return true
		}
	}
	return false
}

func lca(a, b *html.Node) *html.Node {
	for x := a; x != nil; x = x.Parent {
		if contains(x, b) {
			return x
		}
	}
	return nil
}

var blockTags = map[string]bool{
	"div": true, "p": true, "table": true, "tbody": true, "tr": true, "td": true, "th": true, "ul": true, "ol": true,
	"li": true, "section": true, "article": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"center": true, "form": true, "figure": true, "header": true, "footer": true, "main": true, "aside": true,
	"nav": true, "dl": true, "dt": true, "dd": true, "blockquote": true, "hr": true, "body": true,
}

func isBlock(n *html.Node) bool { return n.Type == html.ElementNode && blockTags[n.Data] }

// asciiBlank reports whether s is only ASCII whitespace (what HTML treats as
// inter-element whitespace; &nbsp; and full-width spaces are text).
func asciiBlank(s string) bool { return strings.Trim(s, " \t\r\n\f") == "" }

// splitText cuts text node n at byte offsets i <= j and returns the node
// holding n.Data[i:j]; the parts before and after stay as text nodes.
func splitText(n *html.Node, i, j int) *html.Node {
	s := n.Data
	mid := text(s[i:j])
	if i > 0 {
		n.Parent.InsertBefore(text(s[:i]), n)
	}
	n.Parent.InsertBefore(mid, n)
	if j < len(s) {
		n.Parent.InsertBefore(text(s[j:]), n)
	}
	n.Parent.RemoveChild(n)
	return mid
}
