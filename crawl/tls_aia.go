package crawl

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// maxAIABytes caps an AIA response: an intermediate, or a PKCS#7 bundle
// of a few, is a few kilobytes.
const maxAIABytes = 256 << 10

// aiaCache fetches the issuer certificates named by certificates' AIA
// "CA Issuers" URLs, once per URL per run, through the crawler's guarded
// dialer, size-capped and time-limited.
type aiaCache struct {
	client  *http.Client
	timeout time.Duration

	mu      sync.Mutex
	entries map[string]*aiaEntry
}

type aiaEntry struct {
	once  sync.Once
	certs []*x509.Certificate
	err   error
}

func newAIACache(dial func(ctx context.Context, network, addr string) (net.Conn, error), timeout time.Duration) *aiaCache {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return &aiaCache{
		client: &http.Client{
			Transport: &http.Transport{
				Proxy:       http.ProxyFromEnvironment,
				DialContext: dial,
				// CA Issuers URLs are plain HTTP by convention (RFC 5280
				// 4.2.2.1); an https one is verified the ordinary way.
				TLSHandshakeTimeout:   timeout,
				ResponseHeaderTimeout: timeout,
			},
			Timeout: timeout,
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if len(via) >= 3 {
					return errors.New("too many redirects")
				}
				return nil
			},
		},
		timeout: timeout,
		entries: map[string]*aiaEntry{},
	}
}

// issuers returns the certificates fetched from c's first CA Issuers URL
// that answers, and that URL.
func (a *aiaCache) issuers(ctx context.Context, c *x509.Certificate) ([]*x509.Certificate, string, error) {
	var errs []error
	for _, u := range c.IssuingCertificateURL {
		certs, err := a.get(ctx, u)
		if err == nil {
			return certs, u, nil
		}
		errs = append(errs, err)
	}
	return nil, "", errors.Join(errs...)
}

func (a *aiaCache) get(ctx context.Context, rawURL string) ([]*x509.Certificate, error) {
	a.mu.Lock()
	e, ok := a.entries[rawURL]
	if !ok {
		e = &aiaEntry{}
		a.entries[rawURL] = e
	}
	a.mu.Unlock()
	e.once.Do(func() { e.certs, e.err = a.fetch(ctx, rawURL) })
	return e.certs, e.err
}

func (a *aiaCache) fetch(ctx context.Context, rawURL string) ([]*x509.Certificate, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("AIA URL %q is not http(s)", rawURL)
	}
	// A handshake's context may be long gone by the next connection: the
	// fetch keeps its values, not its cancellation, and has its own limit.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("AIA %s: %w", rawURL, err)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("AIA %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("AIA %s: HTTP %s", rawURL, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAIABytes+1))
	if err != nil {
		return nil, fmt.Errorf("AIA %s: %w", rawURL, err)
	}
	if len(data) > maxAIABytes {
		return nil, fmt.Errorf("AIA %s: larger than %d bytes", rawURL, maxAIABytes)
	}
	certs, err := parseCertificates(data)
	if err != nil {
		return nil, fmt.Errorf("AIA %s: %w", rawURL, err)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("AIA %s: no certificate in the answer", rawURL)
	}
	return certs, nil
}

// parseCertificates reads certificates in the forms CAs publish them: PEM
// blocks, one DER certificate, or a certs-only PKCS#7 (.p7c) bundle.
func parseCertificates(data []byte) ([]*x509.Certificate, error) {
	if bytes.Contains(data, []byte("-----BEGIN")) {
		var certs []*x509.Certificate
		for {
			var b *pem.Block
			b, data = pem.Decode(data)
			if b == nil {
				return certs, nil
			}
			if b.Type != "CERTIFICATE" {
				continue
			}
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, err
			}
			certs = append(certs, c)
		}
	}
	if c, err := x509.ParseCertificate(data); err == nil {
		return []*x509.Certificate{c}, nil
	}
	return parsePKCS7Certs(data)
}

// oidSignedData is PKCS#7's signedData content type (RFC 2315 14).
var oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}

// parsePKCS7Certs returns the certificates of a DER PKCS#7 SignedData.
func parsePKCS7Certs(data []byte) ([]*x509.Certificate, error) {
	var ci struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"explicit,tag:0"`
	}
	if _, err := asn1.Unmarshal(data, &ci); err != nil {
		return nil, fmt.Errorf("neither a DER certificate nor PKCS#7: %w", err)
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("PKCS#7 content type %s is not signedData", ci.ContentType)
	}
	var sd struct {
		Version          int
		DigestAlgorithms asn1.RawValue
		ContentInfo      asn1.RawValue
		Certificates     asn1.RawValue `asn1:"optional,tag:0"`
		CRLs             asn1.RawValue `asn1:"optional,tag:1"`
		SignerInfos      asn1.RawValue
	}
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, fmt.Errorf("PKCS#7 signedData: %w", err)
	}
	if len(sd.Certificates.Bytes) == 0 {
		return nil, nil
	}
	return x509.ParseCertificates(sd.Certificates.Bytes)
}
