// Package warc writes an archive as a WARC/1.1 file, the container that web
// archives share (wget, Heritrix, Browsertrix, pywb and the Wayback Machine
// all read it). Records are built and serialised with
// github.com/nlnwa/gowarc, which also computes the digests.
//
// # What Write puts in the file
//
// A warcinfo record comes first; every other record names it in
// WARC-Warcinfo-ID. Then, for each article in order of publication time,
// for each of its versions (oldest first) and each raw page of that version
// (page order):
//
//   - a request record. The archive keeps no request headers, so the
//     request is reconstructed: "GET", the path and query, and a Host
//     header;
//   - a response record with the stored status line, headers and body, or,
//     when an earlier response in the file had the same payload (same
//     WARC-Payload-Digest) under another URL, a revisit record with the
//     identical-payload-digest profile that refers to it;
//
// then a metadata record (application/json) holding the version's
// extracted fields as in the JSONL export, whose WARC-Refers-To names the
// response of the version's first page. Then the files the record's latest
// version links (attachments, and images when the crawler stored them)
// whose bytes the archive holds: a request and a response record for each
// file, at the first article that links it, the response holding the
// file's exact bytes under its stored status and headers (so
// WARC-Payload-Digest is the digest of the file); then, for every article
// that links the file, a metadata record (application/json) whose
// WARC-Refers-To names that response and whose body ties the two:
// {"article","article_url","url","name","size","sha256","content_type"}
// (sha256 in hex, as in the archive and the attachments manifest). Files
// the archive does not hold (too large, failed) are left out; the
// article's own metadata still lists their URLs. Then the article's aliases: an alias
// URL served the same article as the record (same title and body), and the
// archive keeps no bytes of its own for it, so it is written as a revisit
// of the record's latest first page, dated when that page was fetched.
//
// After the articles, when the filter selects the whole archive
// (archive.Filter.All), come the files list pages link (a topic's table of
// position tables, archive.PageFiles): each stored one's request and
// response once per WARC file (none if an article wrote them already),
// then for every linking page a metadata record that refers to the
// response: {"page","url","name","size","sha256","content_type"}, page
// being the list page's canonical URL.
//
// Every record carries WARC-Block-Digest; responses (and revisits) also
// WARC-Payload-Digest; both are SHA-1 in base 32, the form CDX indexes and
// replay tools expect. Each record is gzipped on its own (the .warc.gz
// convention), so a reader can seek to any record's offset; Options.Plain
// writes an uncompressed .warc instead.
//
// # Headers
//
// Bodies are stored as the client received them after any transfer and
// content decoding. So that the headers describe the bytes that follow,
// Transfer-Encoding and Content-Encoding are renamed
// X-Archive-Orig-Transfer-Encoding and X-Archive-Orig-Content-Encoding,
// and a Content-Length that disagrees with the body is set to its length,
// the original value kept in X-Archive-Orig-Content-Length (the names pywb
// uses for rewritten headers). The archive sorts headers by name and does
// not keep the protocol version; the status line says HTTP/1.1.
package warc
