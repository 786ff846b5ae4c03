package crawl

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"
)

// ErrLegacyTLS is wrapped by the error of a handshake that failed because
// the server offers only TLS 1.0/1.1 or only RSA key exchange, which the
// crawler refuses unless Options.TLSLegacy is set.
var ErrLegacyTLS = errors.New("set crawl.tls_legacy: true to allow TLS 1.0/1.1 and RSA key exchange for this site (weaker: such connections are easier to eavesdrop on or tamper with)")

// LoadCAFile reads a PEM file of extra root certificates (crawl.ca_file).
// The error names the file when it cannot be read or holds no certificate.
func LoadCAFile(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("crawl.ca_file: %w", err)
	}
	certs, err := parseCertificates(data)
	if err != nil {
		return nil, fmt.Errorf("crawl.ca_file: %s: %w", path, err)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("crawl.ca_file: %s holds no PEM certificate (expected -----BEGIN CERTIFICATE----- blocks)", path)
	}
	return certs, nil
}

// legacySuites are Go's default suites plus the RSA key exchange ones an
// old server may be limited to (never RC4 or 3DES).
func legacySuites() []uint16 {
	var ids []uint16
	for _, s := range tls.CipherSuites() {
		ids = append(ids, s.ID)
	}
	return append(ids,
		tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_RSA_WITH_AES_128_CBC_SHA,
		tls.TLS_RSA_WITH_AES_256_CBC_SHA,
		tls.TLS_RSA_WITH_AES_128_CBC_SHA256,
	)
}

// isRSAKex reports whether the suite uses RSA key exchange.
func isRSAKex(id uint16) bool {
	switch id {
	case tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_256_CBC_SHA,
		tls.TLS_RSA_WITH_AES_128_CBC_SHA256, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA,
		tls.TLS_RSA_WITH_RC4_128_SHA:
		return true
	}
	return false
}

// tlsDialer makes the run's TLS connections and verifies them itself, as
// a browser does: a chain the server sent incomplete is completed from the
// AIA "CA Issuers" URL of its certificates, then verified against the
// system roots and crawl.ca_file's.
type tlsDialer struct {
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
	roots   *x509.CertPool
	legacy  bool
	timeout time.Duration
	aia     *aiaCache
	log     *slog.Logger
	now     func() time.Time // verification time (tests); nil is time.Now

	warned sync.Map // host → struct{}: incomplete chain logged
}

func newTLSDialer(opts Options, dial func(ctx context.Context, network, addr string) (net.Conn, error)) (*tlsDialer, error) {
	roots, err := x509.SystemCertPool()
	if err != nil || roots == nil {
		roots = x509.NewCertPool()
	}
	if opts.CAFile != "" {
		certs, err := LoadCAFile(opts.CAFile)
		if err != nil {
			return nil, err
		}
		for _, c := range certs {
			roots.AddCert(c)
		}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &tlsDialer{
		dial:    dial,
		roots:   roots,
		legacy:  opts.TLSLegacy,
		timeout: opts.Timeout,
		aia:     newAIACache(dial, opts.Timeout),
		log:     log,
	}, nil
}

// config returns the TLS settings for a connection to host. Go's own
// verification is off only to be replaced by verify, which always runs.
// An empty host (a connection through a proxy) takes the name from the
// handshake.
func (t *tlsDialer) config(ctx context.Context, host string) *tls.Config {
	cfg := &tls.Config{
		ServerName:         host,
		NextProtos:         []string{"h2", "http/1.1"},
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // verified by VerifyConnection below
		VerifyConnection: func(cs tls.ConnectionState) error {
			name := host
			if name == "" {
				name = cs.ServerName
			}
			return t.verify(ctx, name, cs.PeerCertificates)
		},
	}
	if t.legacy {
		cfg.MinVersion = tls.VersionTLS10
		cfg.CipherSuites = legacySuites()
	}
	return cfg
}

// DialTLSContext dials addr through the guarded dialer and completes a
// verified TLS handshake, naming the cause when the server offers only
// legacy protocol versions or key exchange.
func (t *tlsDialer) DialTLSContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if t.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.timeout)
		defer cancel()
	}
	raw, err := t.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	conn := tls.Client(raw, t.config(ctx, host))
	if err := conn.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, t.diagnose(ctx, network, addr, host, err)
	}
	return conn, nil
}

// verify checks the server's chain for host, completing it from AIA URLs
// when the server left out intermediates.
func (t *tlsDialer) verify(ctx context.Context, host string, peer []*x509.Certificate) error {
	if len(peer) == 0 {
		return errors.New("tls: server sent no certificate")
	}
	if host == "" {
		return errors.New("tls: no server name to verify the certificate against")
	}
	leaf := peer[0]
	opts := x509.VerifyOptions{DNSName: host, Roots: t.roots, Intermediates: x509.NewCertPool()}
	if t.now != nil {
		opts.CurrentTime = t.now()
	}
	for _, c := range peer[1:] {
		opts.Intermediates.AddCert(c)
	}
	_, err := leaf.Verify(opts)
	if _, unknown := errors.AsType[x509.UnknownAuthorityError](err); !unknown {
		return certError(host, peer, err)
	}
	have := append([]*x509.Certificate(nil), peer...)
	for range maxAIADepth {
		c := missingIssuer(have)
		if c == nil {
			break
		}
		issuers, from, ferr := t.aia.issuers(ctx, c)
		if ferr != nil {
			return certError(host, peer, fmt.Errorf("%w; the chain is incomplete and its missing issuer could not be fetched: %v", err, ferr))
		}
		for _, ic := range issuers {
			opts.Intermediates.AddCert(ic)
		}
		have = append(have, issuers...)
		if _, verr := leaf.Verify(opts); verr == nil {
			if _, seen := t.warned.LoadOrStore(host, struct{}{}); !seen {
				t.log.Warn(host+" sends an incomplete certificate chain; completed from AIA URL", "host", host, "aia_url", from)
			}
			return nil
		} else {
			err = verr
		}
	}
	return certError(host, peer, err)
}

// certError is a failed verification, as Go's own verification reports it.
func certError(host string, peer []*x509.Certificate, err error) error {
	if err == nil {
		return nil
	}
	return &tls.CertificateVerificationError{UnverifiedCertificates: peer, Err: fmt.Errorf("certificate of %s: %w", host, err)}
}

// maxAIADepth caps how many missing issuers are fetched for one chain.
const maxAIADepth = 3

// missingIssuer returns the first certificate in have whose issuer is not
// there too and that names where to fetch it, or nil.
func missingIssuer(have []*x509.Certificate) *x509.Certificate {
	for _, c := range have {
		if bytes.Equal(c.RawIssuer, c.RawSubject) || len(c.IssuingCertificateURL) == 0 {
			continue
		}
		found := false
		for _, h := range have {
			if h != c && bytes.Equal(h.RawSubject, c.RawIssuer) {
				found = true
				break
			}
		}
		if !found {
			return c
		}
	}
	return nil
}

// diagnose explains a failed handshake: when the server completes one
// with legacy settings only, the error says so and names the setting that
// allows it. The probe handshake is closed at once; nothing is sent over it.
func (t *tlsDialer) diagnose(ctx context.Context, network, addr, host string, herr error) error {
	if t.legacy || ctx.Err() != nil {
		return herr
	}
	if _, bad := errors.AsType[*tls.CertificateVerificationError](herr); bad {
		return herr
	}
	var netErr net.Error
	if errors.As(herr, &netErr) && netErr.Timeout() {
		return herr
	}
	raw, err := t.dial(ctx, network, addr)
	if err != nil {
		return herr
	}
	defer raw.Close()
	probe := tls.Client(raw, &tls.Config{
		ServerName:         host,
		MinVersion:         tls.VersionTLS10,
		CipherSuites:       legacySuites(),
		InsecureSkipVerify: true, // a probe: closed after the handshake, no data sent
	})
	if err := probe.HandshakeContext(ctx); err != nil {
		return herr
	}
	st := probe.ConnectionState()
	switch {
	case st.Version < tls.VersionTLS12:
		return fmt.Errorf("%s offers only %s, older than the TLS 1.2 the crawler requires: %w", host, tls.VersionName(st.Version), ErrLegacyTLS)
	case isRSAKex(st.CipherSuite):
		return fmt.Errorf("%s offers only RSA key exchange cipher suites (%s), which the crawler refuses by default: %w", host, tls.CipherSuiteName(st.CipherSuite), ErrLegacyTLS)
	}
	return herr
}
