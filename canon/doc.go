// Package canon canonicalises article URLs so that the crawler's seen-check
// and the archive's dedup agree on when two links name the same page.
//
// URL turns an absolute http or https URL into its canonical form:
//
//   - scheme and host lowercased, a trailing dot on the host removed,
//     IPv6 literals in their shortest form;
//   - the default port (:80 for http, :443 for https) dropped, other ports
//     written without leading zeros;
//   - userinfo and fragment dropped;
//   - percent-encoding normalised (RFC 3986 §6.2.2): hex digits uppercased,
//     unreserved characters (A-Z a-z 0-9 - . _ ~) decoded, characters that
//     may not appear literally (space, non-ASCII, "<", "|", ...) encoded,
//     and a stray "%" not followed by two hex digits encoded as "%25";
//   - Java session IDs (";jsessionid=...") dropped from the path;
//   - dot segments resolved ("/a/./b/../c" becomes "/a/c"), an empty path
//     becoming "/";
//   - a trailing directory index file (index.html, index.htm, index.shtml,
//     default.html, default.htm) dropped: "/col/index.html" becomes "/col/";
//   - well-known tracking parameters removed (utm_*, spm, fbclid, gclid,
//     WeChat share parameters such as isappinstalled, scene, and from when
//     it is singlemessage, groupmessage or timeline; see trackingParams);
//     parameters that may select content are kept;
//   - the remaining query parameters sorted by key, keeping the order of
//     parameters with equal keys, and an empty query dropped.
//
// URL is idempotent: URL(URL(x)) == URL(x) whenever the first call succeeds.
//
// # One site under several names
//
// A site may be served under several host names (红星网 under www.hxw.gov.cn
// and its older name www.hnredstar.gov.cn). New(Options{Hosts, Canonical})
// returns a Canonicaliser whose URL method also moves a URL on any of those
// names, over http or https, to the canonical scheme and host, so that the
// crawler's seen-set and the archive's records give each page one identity.
// Forms lists the URL under every name and scheme, canonical first, for
// finding what was recorded before the names were configured: an archive's
// keys are plain URL forms and are never rewritten. Options are values given
// by the caller; the package keeps no configuration of its own.
//
// Caveats: internationalised host names are lowercased but not converted to
// punycode (that needs golang.org/x/net/idna); "+" and "%20" in a query are
// not unified, since servers differ in how they read them; a backslash is
// encoded as %5C rather than treated as "/" the way browsers do; index file
// names are matched case-sensitively, since the site's server is.
package canon
