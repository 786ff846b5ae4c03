package crawl

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// testPKI is a root CA, an intermediate signed by it and a leaf for
// 127.0.0.1 signed by the intermediate, as a small site's CA issues them.
type testPKI struct {
	root, inter, leaf *x509.Certificate
	leafKey           crypto.Signer
}

// newTestPKI makes the certificates; aiaURL goes into the leaf's
// Authority Information Access "CA Issuers" (none when empty). rsaLeaf
// gives the leaf an RSA key, which RSA key exchange needs.
func newTestPKI(t *testing.T, aiaURL string, rsaLeaf bool, names ...string) testPKI {
	t.Helper()
	newKey := func() crypto.Signer {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	serial := int64(0)
	issue := func(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
		serial++
		tmpl.SerialNumber = big.NewInt(serial)
		tmpl.NotBefore = time.Now().Add(-time.Hour)
		tmpl.NotAfter = time.Now().Add(24 * time.Hour)
		if parent == nil {
			parent = tmpl
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ca := func(name string) *x509.Certificate {
		return &x509.Certificate{Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	}
	rootKey, interKey := newKey(), newKey()
	root := issue(ca("Test Root CA"), nil, rootKey.Public(), rootKey)
	inter := issue(ca("Test Intermediate CA"), root, interKey.Public(), rootKey)
	var leafKey crypto.Signer = newKey()
	if rsaLeaf {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		leafKey = k
	}
	leafTmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "site"},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if len(names) == 0 {
		leafTmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	leafTmpl.DNSNames = names
	if aiaURL != "" {
		leafTmpl.IssuingCertificateURL = []string{aiaURL}
	}
	leaf := issue(leafTmpl, inter, leafKey.Public(), interKey)
	return testPKI{root: root, inter: inter, leaf: leaf, leafKey: leafKey}
}

// caFile writes the root as a PEM file and returns its path.
func (p testPKI) caFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "roots.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.root.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// pkcs7 wraps certificates in a certs-only PKCS#7 SignedData, as CAs
// publish .p7c files.
func pkcs7(t *testing.T, certs ...*x509.Certificate) []byte {
	t.Helper()
	var raw []byte
	for _, c := range certs {
		raw = append(raw, c.Raw...)
	}
	type signedData struct {
		Version          int
		DigestAlgorithms asn1.RawValue
		ContentInfo      struct{ ContentType asn1.ObjectIdentifier }
		Certificates     asn1.RawValue `asn1:"tag:0"`
		SignerInfos      asn1.RawValue
	}
	sd := signedData{Version: 1,
		DigestAlgorithms: asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true},
		Certificates:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: raw},
		SignerInfos:      asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true},
	}
	sd.ContentInfo.ContentType = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	inner, err := asn1.Marshal(sd)
	if err != nil {
		t.Fatal(err)
	}
	out, err := asn1.Marshal(struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue
	}{oidSignedData, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: inner}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// smallSite serves a list of n articles at / and the articles.
func smallSite(n int) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		var b strings.Builder
		b.WriteString(`<html><head><meta charset="utf-8"><title>要闻</title></head><body><ul class="list">`)
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&b, `<li><a href="/content/2024/01/%02d/%d.html">第%d篇新闻的标题在这里</a><span>2024-01-%02d</span></li>`, i, 1000+i, i, i)
		}
		b.WriteString(`</ul></body></html>`)
		htmlPage(b.String())(w, r)
	})
	for i := 1; i <= n; i++ {
		mux.HandleFunc(fmt.Sprintf("/content/2024/01/%02d/%d.html", i, 1000+i), htmlPage(articleHTML(fmt.Sprintf("第%d篇新闻的标题在这里", i), "")))
	}
	return mux
}

// startTLSSite starts smallSite over TLS with the leaf alone as its chain
// and cfg's protocol limits.
func startTLSSite(t *testing.T, p testPKI, n int, cfg *tls.Config) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(smallSite(n))
	if cfg == nil {
		cfg = &tls.Config{}
	}
	cfg.Certificates = []tls.Certificate{{Certificate: [][]byte{p.leaf.Raw}, PrivateKey: p.leafKey}}
	srv.TLS = cfg
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// aiaServer serves body at /inter over plain HTTP and counts the requests.
func aiaServer(t *testing.T, body func() []byte) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/pkix-cert")
		w.Write(body())
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// A server sending only its leaf is trusted once the intermediate is
// fetched from the leaf's AIA URL, in each form CAs publish it, once per
// run; the run archives every page and says what it did.
func TestIncompleteChainCompletedFromAIA(t *testing.T) {
	for _, form := range []string{"der", "pkcs7", "pem"} {
		t.Run(form, func(t *testing.T) {
			var p testPKI
			aia, hits := aiaServer(t, func() []byte {
				switch form {
				case "pkcs7":
					return pkcs7(t, p.inter)
				case "pem":
					return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.inter.Raw})
				}
				return p.inter.Raw
			})
			p = newTestPKI(t, aia.URL+"/inter", false)
			const n = 6
			site := startTLSSite(t, p, n, nil)
			var logs bytes.Buffer
			opts := localOptions(site.URL)
			opts.CAFile = p.caFile(t)
			opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			opts.Parallelism = 2
			a := openTestArchive(t)
			res, err := Run(context.Background(), a, opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Added != n || len(res.Failures) > 0 {
				t.Fatalf("added %d of %d articles; failures %+v", res.Added, n, res.Failures)
			}
			if got := hits.Load(); got != 1 {
				t.Errorf("the AIA URL was fetched %d times, want once per run", got)
			}
			if !strings.Contains(logs.String(), "127.0.0.1 sends an incomplete certificate chain; completed from AIA URL") {
				t.Errorf("no warning naming the host in the log:\n%s", logs.String())
			}
		})
	}
}

// The chain is still verified: without the root, without an AIA URL,
// with an AIA URL answering junk, or for another host name, the page
// fails with the reason, and is not retried.
func TestCertificateStillVerified(t *testing.T) {
	cases := []struct {
		name    string
		aia     bool
		junk    bool
		trust   bool
		names   []string
		wantErr string
	}{
		{name: "root not trusted", aia: true, trust: false, wantErr: "unknown authority"},
		{name: "no AIA URL", aia: false, trust: true, wantErr: "unknown authority"},
		{name: "AIA answers junk", aia: true, junk: true, trust: true, wantErr: "could not be fetched"},
		{name: "other host name", aia: true, trust: true, names: []string{"www.example.gov.cn"}, wantErr: "certificate of 127.0.0.1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var p testPKI
			aia, _ := aiaServer(t, func() []byte {
				if tc.junk {
					return []byte("<html>not a certificate</html>")
				}
				return p.inter.Raw
			})
			aiaURL := ""
			if tc.aia {
				aiaURL = aia.URL + "/inter"
			}
			p = newTestPKI(t, aiaURL, false, tc.names...)
			site := startTLSSite(t, p, 2, nil)
			opts := localOptions(site.URL)
			opts.MaxRetries = 3
			if tc.trust {
				opts.CAFile = p.caFile(t)
			}
			res, err := Run(context.Background(), openTestArchive(t), opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Added != 0 || len(res.Failures) != 1 {
				t.Fatalf("added %d, failures %+v; want the start page to fail", res.Added, res.Failures)
			}
			if !strings.Contains(res.Failures[0].Err, tc.wantErr) {
				t.Errorf("error %q does not say %q", res.Failures[0].Err, tc.wantErr)
			}
			if res.Retries != 0 {
				t.Errorf("a certificate failure was retried %d times", res.Retries)
			}
		})
	}
}

// The AIA fetch goes through the crawler's address guard.
func TestAIAFetchObeysAddressGuard(t *testing.T) {
	var p testPKI
	aia, hits := aiaServer(t, func() []byte { return p.inter.Raw })
	p = newTestPKI(t, aia.URL+"/inter", false)
	d := &net.Dialer{Control: dialGuard(func(netip.Addr) bool { return true })}
	c := newAIACache(d.DialContext, 5*time.Second)
	_, _, err := c.issuers(context.Background(), p.leaf)
	if !errors.Is(err, ErrPrivateAddress) {
		t.Fatalf("AIA fetch to a blocked address: %v, want ErrPrivateAddress", err)
	}
	if hits.Load() != 0 {
		t.Error("the blocked AIA server was reached")
	}
}

// A server limited to TLS 1.0, or to RSA key exchange, fails with an
// error naming the cause and crawl.tls_legacy; with it set, the run
// archives the site.
func TestLegacyTLSNamed(t *testing.T) {
	cases := []struct {
		name string
		cfg  func() *tls.Config
		want string
	}{
		{"TLS 1.0 only", func() *tls.Config {
			return &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10}
		}, "offers only TLS 1.0"},
		{"RSA key exchange only", func() *tls.Config {
			return &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_256_CBC_SHA}}
		}, "offers only RSA key exchange"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var p testPKI
			aia, _ := aiaServer(t, func() []byte { return p.inter.Raw })
			p = newTestPKI(t, aia.URL+"/inter", true)
			const n = 3
			site := startTLSSite(t, p, n, tc.cfg())
			opts := localOptions(site.URL)
			opts.CAFile = p.caFile(t)
			opts.MaxRetries = 2

			res, err := Run(context.Background(), openTestArchive(t), opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Failures) != 1 {
				t.Fatalf("failures %+v, want the start page", res.Failures)
			}
			msg := res.Failures[0].Err
			for _, want := range []string{tc.want, "crawl.tls_legacy: true"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not say %q", msg, want)
				}
			}
			if res.Retries != 0 {
				t.Errorf("retried %d times; a server's protocol versions do not change between retries", res.Retries)
			}

			opts.TLSLegacy = true
			res, err = Run(context.Background(), openTestArchive(t), opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Added != n || len(res.Failures) > 0 {
				t.Fatalf("with crawl.tls_legacy: added %d of %d, failures %+v", res.Added, n, res.Failures)
			}
		})
	}
}

func TestLoadCAFile(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.pem")
	os.WriteFile(empty, []byte("no certificates here\n"), 0o600)
	missing := filepath.Join(dir, "missing.pem")
	for _, path := range []string{empty, missing} {
		_, err := LoadCAFile(path)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "crawl.ca_file") {
			t.Errorf("LoadCAFile(%s) = %v, want an error naming the key and the file", path, err)
		}
	}
	p := newTestPKI(t, "", false)
	certs, err := LoadCAFile(p.caFile(t))
	if err != nil || len(certs) != 1 || !certs[0].Equal(p.root) {
		t.Errorf("LoadCAFile = %v, %v; want the root", certs, err)
	}
	if _, err := Run(context.Background(), openTestArchive(t), Options{StartURLs: []string{"https://127.0.0.1/"}, CAFile: empty}); err == nil {
		t.Error("a run with an unusable crawl.ca_file started")
	}
}
