package extract

import (
	"bytes"
	"fmt"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
)

// Decode returns body as UTF-8 and the name of the encoding it used. It
// decides from, in order: a byte-order mark, the Content-Type header's
// charset, a <meta charset> or <meta http-equiv> tag, and content sniffing
// (valid UTF-8, else GB18030 or Big5 by which one yields common Chinese
// characters, else windows-1252). A declaration is overruled when the bytes
// contradict it: a page declared GB2312 whose bytes are valid multi-byte
// UTF-8 (a page saved by a browser) decodes as UTF-8, and a page declared
// UTF-8 that is mostly invalid UTF-8 is sniffed. GBK and GB2312 labels
// decode with GB18030, their superset. Decoders come from
// golang.org/x/net/html/charset.
func Decode(body []byte, contentType string) ([]byte, string, error) {
	out, name, err := decode(body, contentType)
	if err == nil && len(out) > 0 && len(body) > 0 && &out[0] == &body[0] {
		out = bytes.Clone(out)
	}
	return out, name, err
}

// decode is Decode, but returns body itself (or a part of it) when it is
// valid UTF-8 already.
func decode(body []byte, contentType string) ([]byte, string, error) {
	enc, name, src := declared(body, contentType)
	if src != "bom" {
		switch {
		case enc == nil:
			enc, name = sniff(body)
		case name == "utf-8":
			if !mostlyUTF8(body) {
				enc, name = sniff(body)
			}
		default:
			if hasHighBit(body) && utf8.Valid(body) {
				enc, name = charset.Lookup("utf-8")
			} else if isWestern(name) && hasHighBit(body) {
				if e, n := sniffCJK(body); e != nil {
					enc, name = e, n
				}
			}
		}
	}
	if name == "gbk" || name == "gb2312" {
		enc, name = charset.Lookup("gb18030")
	}
	if name == "utf-8" {
		body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
		if utf8.Valid(body) {
			return body, name, nil
		}
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return nil, name, fmt.Errorf("decode page as %s: %w", name, err)
	}
	return out, name, nil
}

var (
	metaCharsetRe = regexp.MustCompile(`(?i)<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)`)
	ctCharsetRe   = regexp.MustCompile(`(?i)charset\s*=\s*["']?\s*([\w.:-]+)`)
)

// declared returns the encoding a page declares and where it said so
// ("bom", "header", "meta"), or nil.
func declared(body []byte, contentType string) (encoding.Encoding, string, string) {
	for _, bom := range []struct {
		b    string
		name string
	}{{"\xef\xbb\xbf", "utf-8"}, {"\xfe\xff", "utf-16be"}, {"\xff\xfe", "utf-16le"}} {
		if bytes.HasPrefix(body, []byte(bom.b)) {
			e, n := charset.Lookup(bom.name)
			return e, n, "bom"
		}
	}
	if contentType != "" {
		label := ""
		if _, params, err := mime.ParseMediaType(contentType); err == nil {
			label = params["charset"]
		} else if m := ctCharsetRe.FindStringSubmatch(contentType); m != nil {
			label = m[1]
		}
		if e, n := lookupLabel(label); e != nil {
			// A server configured with a Western default often mislabels
			// Chinese pages; let a meta tag naming something else win.
			if isWestern(n) {
				if me, mn := metaEncoding(body); me != nil && !isWestern(mn) {
					return me, mn, "meta"
				}
			}
			return e, n, "header"
		}
	}
	if e, n := metaEncoding(body); e != nil {
		return e, n, "meta"
	}
	return nil, "", ""
}

// metaEncoding finds a charset in the page's meta tags: the standard
// prescan of the first 1024 bytes, then a looser look at the first 8 KiB.
func metaEncoding(body []byte) (encoding.Encoding, string) {
	head := body
	if len(head) > 1024 {
		head = head[:1024]
	}
	// DetermineEncoding with no content type runs the HTML prescan; its
	// fallbacks (UTF-8 check, windows-1252) are not declarations, so only
	// trust an answer the prescan found.
	if m := metaCharsetRe.FindSubmatch(head); m != nil {
		if e, n := lookupLabel(string(m[1])); e != nil {
			return e, n
		}
	}
	if e, n, _ := charset.DetermineEncoding(head, ""); e != nil && n != "windows-1252" && n != "utf-8" {
		return e, n
	}
	if len(body) > 8192 {
		body = body[:8192]
	}
	if m := metaCharsetRe.FindSubmatch(body); m != nil {
		return lookupLabel(string(m[1]))
	}
	return nil, ""
}

// lookupLabel maps a charset label to an encoding, accepting a few
// spellings seen in the wild that the WHATWG table lacks.
func lookupLabel(label string) (encoding.Encoding, string) {
	label = strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	if label == "" {
		return nil, ""
	}
	switch label {
	case "utf8", "utf_8":
		label = "utf-8"
	case "gb_2312", "gb-2312", "x-gb2312", "gb2312-80", "cp936", "ms936", "windows-936":
		label = "gbk"
	case "big-5", "big5hkscs", "cp950":
		label = "big5"
	}
	e, n := charset.Lookup(label)
	if e == nil {
		return nil, ""
	}
	if n == "utf-16be" || n == "utf-16le" {
		// A document that could be read far enough to find a meta tag is
		// not UTF-16; the HTML standard says to treat this as UTF-8.
		return charset.Lookup("utf-8")
	}
	return e, n
}

// isWestern reports whether an encoding name is a single-byte Western one
// that servers use as a careless default.
func isWestern(name string) bool {
	return name == "windows-1252" || strings.HasPrefix(name, "iso-8859")
}

func hasHighBit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// mostlyUTF8 reports whether b is UTF-8 apart from a few stray bytes.
func mostlyUTF8(b []byte) bool {
	if utf8.Valid(b) {
		return true
	}
	bad, multi := 0, 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && size <= 1:
			bad++
		case size > 1:
			multi++
		}
		b = b[size:]
	}
	return bad*20 <= multi
}

// sniff guesses the encoding of an undeclared page.
func sniff(body []byte) (encoding.Encoding, string) {
	if !hasHighBit(body) || utf8.Valid(body) || mostlyUTF8(body) {
		return charset.Lookup("utf-8")
	}
	if e, n := sniffCJK(body); e != nil {
		return e, n
	}
	return charset.Lookup("windows-1252")
}

// sniffCJK decodes a sample as GB18030 and as Big5 and keeps the reading
// in which common Chinese characters are most frequent, or returns nil
// when neither looks like Chinese.
func sniffCJK(body []byte) (encoding.Encoding, string) {
	sample := body
	if len(sample) > 64<<10 {
		sample = sample[:64<<10]
	}
	best, bestScore := "", 0.0
	for _, label := range []string{"gb18030", "big5"} {
		e, _ := charset.Lookup(label)
		out, err := e.NewDecoder().Bytes(sample)
		if err != nil {
			continue
		}
		han, common, bad := 0, 0, 0
		for _, r := range string(out) {
			switch {
			case r == utf8.RuneError:
				bad++
			case r >= 0x4e00 && r <= 0x9fff:
				han++
				if commonHan[r] {
					common++
				}
			case r >= 0xe000 && r <= 0xf8ff: // private use: a wrong guess
				bad++
			}
		}
		if han == 0 {
			continue
		}
		score := float64(common-2*bad) / float64(han)
		if score > bestScore {
			best, bestScore = label, score
		}
	}
	if best == "" || bestScore < 0.1 {
		return nil, ""
	}
	return charset.Lookup(best)
}

// commonHan holds the most frequent Chinese characters in simplified and
// traditional forms; it is read-only after package initialisation.
var commonHan = func() map[rune]bool {
	const chars = "的一是不了人在有我他这中大来上个国为和们地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实日军者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政美相见被利什二等产或新己制身果加西斯月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员解水名真论处走义各入几口认条平系气题活尔更别打女变四神总何电数安少报才结反受目太量再感建务做接必场件计管期市直德资命山金指克许统区保至队形社便空决治展马科司五基" +
		"這來個國為們說時會對於著過發後裡種經麼學現當沒動還進樣開從實軍與長機關點業將兩間問產體美見話內給門聲東員論處義幾認條氣題爾別變總電數報結務場計區隊決馬書則聽卻達難權設記邊張該規萬覺術領確傳觀讓識帶導爭運飛風轉準單愛擊備連調質團價黨華級離況請際約復線斷滿視須寫稱農廣顯標談圖歷醫專費號盡較語僅隨選響雖勢參眾構節維劃敵陳態護興驗責營夠嚴續講終緊黃絕織雙紀舉殺蘇細願錢網熱屬臉職樂剛狀獨彈創錯試腦誰陽繼驚傷藥適險陸習勞財歡獲負雲龍樹層衝範異漢簡擔靜積餘檢靈協徵揮勝階審堅媽劉讀壓銀買養懷執亂幫歲優鐵稅藝陣腳惡塊頓島戶評寶釋顧貨歐換聞壞討麗監臨"
	m := make(map[rune]bool, 600)
	for _, r := range chars {
		m[r] = true
	}
	return m
}()
