package extract

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// realPages are cn-news pages whose fields were checked by hand against
// the page as a browser shows it. Their full records are also kept as
// goldens (testdata/cn-*.golden.json), so any change shows up as a diff
// to review.
var realPages = []struct {
	name                     string
	title, source, published string
	first, last              string // prefixes of the body's first and last paragraphs
}{
	{"people-1", "女儿出嫁，郑板桥画了几笔兰花当嫁妆", "人民网-文化频道", "2019-06-15 08:18",
		"父亲的教诲像一盏灯", "虽然，东方朔为人洒脱不羁"},
	{"xinhuanet-1", "法国全国大罢工再次严重影响交通", "新华网", "2019-12-10 07:57",
		"新华社巴黎12月9日电（记者唐霁）", "法国总统马克龙此前提出"},
	{"shanxi-1", "山西品牌丝路行（南美站）正式启动", "山西日报", "2019-09-18 06:23",
		"图为山西品牌丝路行（南美站）启动仪式。", "山西品牌丝路行主题为“走丝绸之路，促合作共赢”。"},
	{"gzggw-1", "1-10月德清县固定资产投资结构趋稳趋优", "省发改委", "2016-11-22 09:53",
		"1-10月，全县固定资产投资完成246.79亿元", "1-10月，全县固定资产投资完成246.79亿元"},
	{"zsnews-1", "顺德区大良街道党工委委员潘卓辉一行到众创金融街开展调研工作", "东区办事处", "2019-03-06 00:00",
		"2019年2月27日下午", "下一步，我区将在市委市政府的领导下"},
	{"cjn-1", "外媒眼中的武汉长假：蓬勃发展，欢声笑语", "长江网", "2020-10-04 20:30",
		"长江网10月4日讯（记者陈智 整合）", "报道指出，与其他受疫情打击的大国相比"},
	{"other-1", "全国人民代表大会常务委员会关于批准财政部发行特别国债购买外汇及调整2007年末国债余额限额的决议", "", "2007-08-20 00:00",
		"第十届全国人民代表大会常务委员会第二十八次会议", "第十届全国人民代表大会常务委员会第二十八次会议"},
	// The page prints 04:04 beside the headline; article:published_time
	// (06:52) is a later update.
	{"sina-sina", "最强“中国芯”本月商用 华为抢跑5G芯片大战", "北京日报", "2019-09-07 04:04",
		"用户对性能永无止境的追求", "据艾伟披露，迄今为止华为在5G相关芯片研发"},
}

// TestRealPages checks the hand-checked fields of real pages and compares
// their records with the goldens.
func TestRealPages(t *testing.T) {
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, rp := range realPages {
		t.Run(rp.name, func(t *testing.T) {
			f := filepath.Join(cnNewsDir, rp.name+".html.gz")
			files, _ := filepath.Glob(f)
			if len(files) == 0 {
				t.Skipf("no corpus page %s", f)
			}
			u := "http://news.example.cn/" + rp.name + "/index.html"
			p, err := Parse(readGz(t, f), "", u)
			if err != nil {
				t.Fatal(err)
			}
			a, err := e.Article(p)
			if err != nil {
				t.Fatal(err)
			}
			pub := ""
			if !a.Published.IsZero() {
				pub = a.Published.In(defaultLocation()).Format("2006-01-02 15:04")
			}
			if a.Title != rp.title || a.Source != rp.source || pub != rp.published {
				t.Errorf("got title %q, source %q, published %q; want %q, %q, %q", a.Title, a.Source, pub, rp.title, rp.source, rp.published)
			}
			paras := strings.Split(a.Body, "\n")
			if !strings.HasPrefix(paras[0], rp.first) || !strings.HasPrefix(paras[len(paras)-1], rp.last) {
				t.Errorf("body runs from %q to %q, want from %q… to %q…", prefix(paras[0], 30), prefix(paras[len(paras)-1], 30), rp.first, rp.last)
			}
			for _, para := range paras {
				if isFooter(para) || spamLine(para) {
					t.Errorf("body carries boilerplate %q", para)
				}
			}
			l := e.Links(p)
			l.Other = nil
			checkGolden(t, "cn-"+rp.name, golden{URL: u, Encoding: p.Encoding, Links: l, Article: &a})
		})
	}
	_ = time.Second
}
