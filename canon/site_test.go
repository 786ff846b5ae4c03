package canon

import (
	"slices"
	"strings"
	"testing"
)

func hxw(t testing.TB) *Canonicaliser {
	t.Helper()
	c, err := New(Options{
		Hosts:     []string{"www.hxw.gov.cn", "hxw.gov.cn", "www.hnredstar.gov.cn", "HNREDSTAR.gov.cn."},
		Canonical: "https://www.hxw.gov.cn/",
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCanonicaliserURL(t *testing.T) {
	c := hxw(t)
	tests := []struct {
		name, in, want string
	}{
		{"canonical name", "https://www.hxw.gov.cn/content/2012/10/08/392183.html", "https://www.hxw.gov.cn/content/2012/10/08/392183.html"},
		{"old name", "https://www.hnredstar.gov.cn/content/2012/10/08/392183.html", "https://www.hxw.gov.cn/content/2012/10/08/392183.html"},
		{"old bare name over http", "http://hnredstar.gov.cn/c/index.html?b=2&a=1", "https://www.hxw.gov.cn/c/?a=1&b=2"},
		{"bare name, default port written", "https://HXW.gov.cn:443/topic/1/", "https://www.hxw.gov.cn/topic/1/"},
		{"canonical name over http", "http://www.hxw.gov.cn/", "https://www.hxw.gov.cn/"},
		{"other port is another site", "https://www.hnredstar.gov.cn:8443/a", "https://www.hnredstar.gov.cn:8443/a"},
		{"resource host untouched", "https://img.hxw.gov.cn/2024/01-29/x.xlsx", "https://img.hxw.gov.cn/2024/01-29/x.xlsx"},
		{"other site untouched", "http://www.rednet.cn/a.html", "http://www.rednet.cn/a.html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.URL(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again, _ := c.URL(got); again != got {
				t.Errorf("not idempotent: %q then %q", got, again)
			}
		})
	}
	if _, err := c.URL("ftp://www.hxw.gov.cn/"); err == nil {
		t.Error("an ftp URL was accepted")
	}
}

func TestCanonicaliserPorts(t *testing.T) {
	c, err := New(Options{Hosts: []string{"localhost:8080"}, Canonical: "http://127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"http://localhost:8080/a":  "http://127.0.0.1:8080/a",
		"http://localhost/a":       "http://localhost/a", // another port, another site
		"http://127.0.0.1:8080/a":  "http://127.0.0.1:8080/a",
		"https://127.0.0.1:8080/a": "http://127.0.0.1:8080/a",
	} {
		if got, _ := c.URL(in); got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNilCanonicaliser(t *testing.T) {
	c, err := New(Options{})
	if err != nil || c != nil {
		t.Fatalf("New(zero Options) = %v, %v; want nil, nil", c, err)
	}
	in := "HTTP://www.hnredstar.gov.cn/a/index.html"
	want, _ := URL(in)
	if got, _ := c.URL(in); got != want {
		t.Errorf("nil URL = %q, want %q", got, want)
	}
	if forms, _ := c.Forms(in); !slices.Equal(forms, []string{want}) {
		t.Errorf("nil Forms = %q", forms)
	}
	if c.SiteHost(in) {
		t.Error("nil SiteHost reported true")
	}
}

func TestCanonicaliserForms(t *testing.T) {
	c := hxw(t)
	forms, err := c.Forms("http://www.hnredstar.gov.cn/c/1.html?x=1")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"https://www.hxw.gov.cn/c/1.html?x=1",
		"https://hxw.gov.cn/c/1.html?x=1",
		"https://www.hnredstar.gov.cn/c/1.html?x=1",
		"https://hnredstar.gov.cn/c/1.html?x=1",
		"http://www.hxw.gov.cn/c/1.html?x=1",
		"http://hxw.gov.cn/c/1.html?x=1",
		"http://www.hnredstar.gov.cn/c/1.html?x=1",
		"http://hnredstar.gov.cn/c/1.html?x=1",
	}
	if !slices.Equal(forms, want) {
		t.Errorf("Forms =\n%s\nwant\n%s", strings.Join(forms, "\n"), strings.Join(want, "\n"))
	}
	// Every form is canonical for the plain URL (the archive's keys) and
	// names the same page.
	for _, f := range forms {
		if p, _ := URL(f); p != f {
			t.Errorf("form %q is not canonical (%q)", f, p)
		}
		if k, _ := c.URL(f); k != forms[0] {
			t.Errorf("form %q canonicalises to %q", f, k)
		}
	}
	if got, _ := c.Forms("https://img.hxw.gov.cn/a.xlsx"); len(got) != 1 {
		t.Errorf("Forms of a resource URL = %q, want itself alone", got)
	}
}

func TestNewErrors(t *testing.T) {
	for name, opts := range map[string]Options{
		"no canonical":         {Hosts: []string{"www.hxw.gov.cn"}},
		"canonical not a URL":  {Canonical: "www.hxw.gov.cn"},
		"canonical with path":  {Canonical: "https://www.hxw.gov.cn/news/"},
		"canonical ftp":        {Canonical: "ftp://www.hxw.gov.cn"},
		"name with scheme":     {Hosts: []string{"https://hxw.gov.cn"}, Canonical: "https://www.hxw.gov.cn"},
		"name with bad port":   {Hosts: []string{"hxw.gov.cn:x"}, Canonical: "https://www.hxw.gov.cn"},
		"empty name":           {Hosts: []string{""}, Canonical: "https://www.hxw.gov.cn"},
		"name with bad letter": {Hosts: []string{"hxw!.gov.cn"}, Canonical: "https://www.hxw.gov.cn"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := New(opts); err == nil {
				t.Errorf("New(%+v) accepted", opts)
			}
		})
	}
}

func FuzzCanonicaliserURL(f *testing.F) {
	for _, s := range []string{"http://www.hnredstar.gov.cn/a/index.html", "https://HXW.gov.cn:443/x?b=1&a=2", "http://img.hxw.gov.cn/a.pdf"} {
		f.Add(s)
	}
	c := hxw(f)
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := c.URL(raw)
		if err != nil {
			return
		}
		again, err := c.URL(u)
		if err != nil || again != u {
			t.Fatalf("URL(%q) = %q, then %q, %v", raw, u, again, err)
		}
		forms, err := c.Forms(raw)
		if err != nil || forms[0] != u {
			t.Fatalf("Forms(%q)[0] = %q, want %q (%v)", raw, forms, u, err)
		}
	})
}

func BenchmarkCanonicaliserURL(b *testing.B) {
	c := hxw(b)
	for b.Loop() {
		c.URL("http://www.hnredstar.gov.cn/content/2012/10/08/392183.html?utm_source=x")
	}
}
