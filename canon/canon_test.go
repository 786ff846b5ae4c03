package canon

import (
	"net/url"
	"testing"
)

func TestURL(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"already canonical", "http://www.hnredstar.gov.cn/c/2024-01-29/123.html", "http://www.hnredstar.gov.cn/c/2024-01-29/123.html"},
		{"lowercase scheme and host", "HTTP://WWW.Example.COM/Path/A.html", "http://www.example.com/Path/A.html"},
		{"default http port", "http://example.com:80/a", "http://example.com/a"},
		{"default https port", "https://example.com:443/a", "https://example.com/a"},
		{"other port kept", "https://example.com:80/a", "https://example.com:80/a"},
		{"port leading zeros", "http://example.com:0080/a", "http://example.com/a"},
		{"empty port", "http://example.com:/a", "http://example.com/a"},
		{"trailing dot host", "http://example.com./a", "http://example.com/a"},
		{"fragment dropped", "http://example.com/a#top", "http://example.com/a"},
		{"userinfo dropped", "http://user:pw@example.com/a", "http://example.com/a"},
		{"empty path", "http://example.com", "http://example.com/"},
		{"empty path with query", "http://example.com?b=1", "http://example.com/?b=1"},
		{"dot segments", "http://example.com/a/./b/../c", "http://example.com/a/c"},
		{"dot segments above root", "http://example.com/../../a", "http://example.com/a"},
		{"trailing dot dot", "http://example.com/a/b/..", "http://example.com/a/"},
		{"encoded dots", "http://example.com/a/%2e%2E/b", "http://example.com/b"},
		{"double slash kept", "http://example.com/a//b", "http://example.com/a//b"},
		{"jsessionid", "http://example.com/col/list.jsp;jsessionid=A1B2C3?id=5", "http://example.com/col/list.jsp?id=5"},
		{"jsessionid mid path", "http://example.com/a;JSESSIONID=x/index.html", "http://example.com/a/"},
		{"session query", "http://example.com/a.php?PHPSESSID=abc&id=1&jsessionid=x", "http://example.com/a.php?id=1"},
		{"other path params kept", "http://example.com/a;type=x", "http://example.com/a;type=x"},
		{"index.html", "http://example.com/col/index.html", "http://example.com/col/"},
		{"index.htm", "http://example.com/col/index.htm", "http://example.com/col/"},
		{"index.shtml", "http://example.com/col/index.shtml", "http://example.com/col/"},
		{"default.html", "http://example.com/default.html", "http://example.com/"},
		{"default.htm", "http://example.com/col/default.htm?x=1", "http://example.com/col/?x=1"},
		{"index_2 kept", "http://example.com/col/index_2.html", "http://example.com/col/index_2.html"},
		{"myindex kept", "http://example.com/col/myindex.html", "http://example.com/col/myindex.html"},
		{"index dir kept", "http://example.com/index.html/", "http://example.com/index.html/"},
		{"utm removed", "http://example.com/a?utm_source=x&id=3&utm_medium=y", "http://example.com/a?id=3"},
		{"UTM uppercase removed", "http://example.com/a?UTM_Campaign=x", "http://example.com/a"},
		{"wechat share params", "http://example.com/a.html?from=singlemessage&isappinstalled=0&scene=1&clicktime=1700000000&enterid=1700000000", "http://example.com/a.html"},
		{"from timeline", "http://example.com/a.html?from=timeline", "http://example.com/a.html"},
		{"from groupmessage", "http://example.com/a.html?from=groupmessage", "http://example.com/a.html"},
		{"from other kept", "http://example.com/a.html?from=2024", "http://example.com/a.html?from=2024"},
		{"click ids", "http://example.com/a?fbclid=1&gclid=2&spm=a.b.c&_hsenc=x&mc_cid=1&mc_eid=2&share_token=t", "http://example.com/a"},
		{"content params kept", "http://example.com/list?page=2&source=xinhua&channel=5", "http://example.com/list?channel=5&page=2&source=xinhua"},
		{"sorted stable", "http://example.com/a?b=2&a=2&b=1&a=1", "http://example.com/a?a=2&a=1&b=2&b=1"},
		{"empty query", "http://example.com/a?", "http://example.com/a"},
		{"empty params", "http://example.com/a?&&x=1&", "http://example.com/a?x=1"},
		{"key without value", "http://example.com/a?b&a=", "http://example.com/a?a=&b"},
		{"uppercase hex", "http://example.com/%e4%b8%ad?q=%e6%96%87", "http://example.com/%E4%B8%AD?q=%E6%96%87"},
		{"decode unreserved", "http://example.com/%7Euser/%41%2d?k%5Fx=%61", "http://example.com/~user/A-?k_x=a"},
		{"reserved stay encoded", "http://example.com/a%2Fb?x=%26%3D", "http://example.com/a%2Fb?x=%26%3D"},
		{"non-ascii encoded", "http://example.com/新闻/中.html?q=湖南", "http://example.com/%E6%96%B0%E9%97%BB/%E4%B8%AD.html?q=%E6%B9%96%E5%8D%97"},
		{"space encoded", "http://example.com/a b?q=a b", "http://example.com/a%20b?q=a%20b"},
		{"plus kept", "http://example.com/a?q=a+b", "http://example.com/a?q=a+b"},
		{"stray percent", "http://example.com/100%?d=5%", "http://example.com/100%25?d=5%25"},
		{"surrounding space and newline", "  http://example.com/a\n/b.html\t ", "http://example.com/a/b.html"},
		{"ipv6", "http://[2001:DB8:0:0::1]:8080/a", "http://[2001:db8::1]:8080/a"},
		{"ipv6 default port", "https://[::1]:443/", "https://[::1]/"},
		{"ipv4", "http://127.0.0.1:8080", "http://127.0.0.1:8080/"},
		{"unicode host", "http://湖南.中国/a", "http://湖南.中国/a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := URL(tt.in)
			if err != nil {
				t.Fatalf("URL(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("URL(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			again, err := URL(got)
			if err != nil || again != got {
				t.Errorf("URL(%q) = %q, %v; not idempotent", got, again, err)
			}
		})
	}
}

func TestURLErrors(t *testing.T) {
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"relative", "/a/b.html"},
		{"scheme relative", "//example.com/a"},
		{"ftp", "ftp://example.com/a"},
		{"mailto", "mailto:a@example.com"},
		{"javascript", "javascript:void(0)"},
		{"opaque http", "http:example.com"},
		{"no host", "http:///a"},
		{"only userinfo", "http://user@/a"},
		{"bad port", "http://example.com:http/a"},
		{"port too big", "http://example.com:65536/a"},
		{"space in host", "http://exa mple.com/a"},
		{"bad ipv6", "http://[::g]/a"},
		{"unterminated ipv6", "http://[::1/a"},
		{"percent in host", "http://ex%41mple.com/a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := URL(tt.in); err == nil {
				t.Errorf("URL(%q) = %q, want error", tt.in, got)
			}
		})
	}
}

func TestHost(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://WWW.Example.com:80/a", "www.example.com"},
		{"https://example.com:8443/a", "example.com:8443"},
		{"http://example.com", "example.com"},
		{"/relative", ""},
	}
	for _, tt := range tests {
		if got := Host(tt.in); got != tt.want {
			t.Errorf("Host(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzURL(f *testing.F) {
	for _, s := range []string{
		"http://www.hnredstar.gov.cn/c/2024-01-29/123.html",
		"HTTP://User:pw@Example.COM:80/a/./b/../index.html?utm_source=x&b=2&a=1#frag",
		"https://[2001:db8::1]:443/%7e%2F%zz?q=%e4%b8%ad&from=timeline",
		"http://example.com/新闻/?q=a b&&x",
		"http://example.com/..%2e/%2e%2E/.",
		"http://湖南.中国./default.htm",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := URL(raw)
		if err != nil {
			return
		}
		if _, err := url.Parse(got); err != nil {
			t.Fatalf("URL(%q) = %q, which url.Parse rejects: %v", raw, got, err)
		}
		again, err := URL(got)
		if err != nil {
			t.Fatalf("URL(%q) = %q, then URL(%q): %v", raw, got, got, err)
		}
		if again != got {
			t.Fatalf("not idempotent:\n in    %q\n once  %q\n twice %q", raw, got, again)
		}
	})
}

func BenchmarkURL(b *testing.B) {
	inputs := []string{
		"http://www.hnredstar.gov.cn/c/2024-01-29/123.html",
		"HTTP://WWW.HNREDSTAR.GOV.CN:80/col/col123/index.html?utm_source=wx&from=singlemessage&isappinstalled=0",
		"http://www.hnredstar.gov.cn/xxgk/./zcfg/../tzgg/202401/t20240129_123.html?page=2&id=5#a",
	}
	var n int64
	for _, s := range inputs {
		n += int64(len(s))
	}
	b.SetBytes(n / int64(len(inputs)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := URL(inputs[i%len(inputs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
