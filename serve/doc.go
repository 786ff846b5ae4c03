// Package serve is the read-only web interface of `crawler serve`: a list
// of the archived articles with column and date filters and paging,
// full-text search that works for Chinese, an article view with versions
// and aliases, a chart of articles per month, and a JSON API.
//
// # Snapshot
//
// New makes a server that answers 503 "loading" until Reload has read the
// archive once, so that a caller can listen before loading. Reload opens
// the archive read-only, reads every record into a snapshot and closes the
// archive again, so crawls are never blocked by a running server; a later
// reload builds a new snapshot while the old one serves, and keeps the old
// one if a crawler holds the archive. A snapshot holds
// each record's fields with its body compressed (S2), the earlier versions
// likewise, and the search index; nothing in it changes after it is built.
// Raw pages are not loaded.
//
// # Search
//
// The index (see index.go) maps every character and every pair of adjacent
// characters of each title and body to the documents holding it, the usual
// way to index text without spaces between words. Documents are numbered
// newest first, so posting lists come out in display order, and a date
// range is a range of numbers. A query is cut into words (runs of letters
// and digits, folded for case and full width); a document matches when it
// holds every word, which the index settles for words of one or two
// characters and narrows down for longer ones, whose candidates are then
// checked against the text. Recent results are cached per snapshot.
//
// # Pages
//
// Pages are html/template templates and one style sheet, embedded in the
// binary. Their words are the tables of lang.go, one per language: Chinese
// unless Accept-Language prefers English or ?lang= chooses (links keep an
// explicit ?lang=); the JSON API is in English. They run no script and are served with a Content-Security-Policy
// that forbids scripts, so nothing the crawled site wrote can run. With
// Options.LocalOnly, requests for any host but localhost or a loopback
// address are refused, against DNS rebinding. The one state-changing
// request, POST /reload, is refused across origins.
//
// # Copies from the archive
//
// /article/{id}/stored serves what the archive holds of an article (see
// stored.go): the pages of a version as fetched, and any response stored
// with them under the URL of one of its images or attachments, or the file
// the archive's attachment store holds for that URL (served under its
// file name); the article page points its images and attachments there. Without a stored
// copy, the browser is sent to the original URL. The archive is opened
// read-only per request, briefly; which URLs a version holds is remembered
// for the snapshot, so a version's pages are read once; the attachment
// store is looked up per request. Copies are served
// under a sandboxing Content-Security-Policy.
package serve
