package crawl

import (
	"fmt"
	"testing"
)

func TestSeenSet(t *testing.T) {
	s := newSeenSet()
	const n = 100000
	for i := range n {
		if !s.add(fmt.Sprintf("http://www.hnredstar.gov.cn/c/2024/%d.html", i)) {
			t.Fatalf("URL %d taken for seen before it was added", i)
		}
	}
	for i := range n {
		u := fmt.Sprintf("http://www.hnredstar.gov.cn/c/2024/%d.html", i)
		if !s.has(u) || s.add(u) {
			t.Fatalf("URL %d not seen after it was added", i)
		}
		if s.has(u + "#") {
			t.Fatalf("%s# taken for seen", u)
		}
	}
	if s.len() != n {
		t.Errorf("len = %d, want %d", s.len(), n)
	}
	s.remove("http://www.hnredstar.gov.cn/c/2024/7.html")
	if s.has("http://www.hnredstar.gov.cn/c/2024/7.html") || !s.has("http://www.hnredstar.gov.cn/c/2024/8.html") || s.len() != n-1 {
		t.Error("remove took out the wrong URLs")
	}
}
