// Package archive stores crawled articles in one bbolt file: one record per
// article, its earlier versions, the raw HTTP responses it was extracted
// from, the run history, and the crawler's resumable state. It is the only
// package that imports bbolt; it knows nothing of HTML or HTTP clients.
//
// # Records, versions and aliases
//
// Put canonicalises the article URL (package canon) and computes its
// content hash (ContentHash: SHA-256 over the whitespace-normalised title,
// "\n" and body). Then:
//
//   - a URL seen before with the same content is Unchanged: nothing is
//     written, so running a backfill twice changes nothing, not even
//     fetched_at;
//   - a URL seen before (as a record's URL or alias) with other content
//     gives the record a new version (Versioned); old versions are kept and
//     returned by Versions. If the content equals the record's latest
//     version (a second URL catching up with an edit), the outcome is
//     Unchanged and only that URL's last-seen hash is updated. Because the
//     archive remembers the content last seen at each URL, two URLs of one
//     record that disagree (a stale mirror) do not make a new version on
//     every run, and an edit that is reverted does make one;
//   - a new URL whose content some record already has becomes an alias of
//     the record that first had it (Aliased); aliases store no raw pages
//     unless they bring fields the record lacks (see below);
//   - a new URL with the same article extracted otherwise becomes an alias
//     too (Aliased; see below);
//   - anything else is a new record (Added); if it nearly duplicates an
//     earlier record, its DuplicateOf names that record.
//
// # Copies and near-duplicates
//
// The same article under two URLs (cross-posted in two columns, a mirror
// host) is often extracted slightly differently: a paragraph missing, other
// white space or punctuation, no source on one copy. Put compares a new
// URL's article with the records whose latest version has the same folded
// title (NFKC, lower case, letters and digits only) and was published the
// same day in Beijing time, or has no date, or any day when the article has
// none: at most 64 of them, found through the bytitle index, so the cost
// does not grow with the archive. Bodies are folded line by line the same
// way; both must be at least 20 runes long.
//
//   - Same article: every folded line of one body is in the other's folded
//     text (so folding the copy loses no text). The URL becomes an alias.
//     If the copy has what the record lacks — a body that contains the
//     record's and more, a source, column, author or editor where the
//     record has none, a publication time where it has none or only the
//     day, more images or attachments — a new version holds the merged
//     fields with the copy's raw pages; the record's earlier versions stay.
//     An exact copy (same content hash as the latest version) is merged the
//     same way. A copy that only adds text, such as a note, is folded in as
//     the fuller extraction.
//   - Near-duplicate: each body has text the other lacks (a figure
//     corrected, a sentence rewritten) but one holds at least 60% of the
//     other's 4-rune shingles. The article is a record of its own whose
//     DuplicateOf is the lowest-numbered such record; WriteJSONL writes it
//     as duplicate_of, and Filter.Distinct leaves it out.
//
// New content at a known URL is a new version as before, however similar.
// Two articles with the same title on different days are never compared.
// Records stored before schema 3 are compared with new articles but not
// with each other.
//
// Each Put (and each PutBatch) is one bbolt transaction covering the record
// and all its indexes.
//
// # Reading
//
// File and FileBody look up an attachment by URL; ForEachFile walks them.
// ForEach and WriteJSONL go through the publication-time index, so export
// is in publication order with a Since/Until filter and never loads the
// archive into memory. Records without a publication time come last and
// are left out by a Since/Until filter. Filter.Columns keeps some columns;
// Filter.ChangedSince keeps the records added or changed since a time, from
// the change index (one read of the IDs changed since then, then the walk
// in publication order); Filter.Distinct leaves out near-duplicates.
// Record.AppendJSON writes a chosen subset of the fields (Fields). Verify checks the whole file; Backup copies it as of one
// read transaction.
//
// # Changes and re-extraction
//
// Every write that changes what a record exports (Added, Versioned, Aliased
// and Reextract's Versioned) dates the record with Options.Now, in the
// changed and bychange indexes, in the same transaction; Unchanged writes
// do not. ChangedAt returns that time.
//
// Reextract adds a version made by running a newer extractor over a
// version's raw pages. It stores no pages: the new version's rawfrom entry
// names the version whose pages it reads (always one with pages of its
// own), and its fetched_at is that version's. A version whose fields all
// equal the latest one's is not written.
//
// # Opening
//
// Open takes bbolt's file lock, waiting Options.Timeout (default 1s) before
// failing with ErrLocked; readers (Options.ReadOnly) share the lock with
// each other but not with a writer. An existing file is checked with a
// read-only open first: a file that is not bbolt, a bbolt file without our
// meta bucket, or a newer schema is refused (ErrNotArchive,
// ErrSchemaTooNew) and left byte-for-byte unchanged. A new file is created
// with mode 0600, its directory with 0750.
//
// An archive of an older schema is upgraded in one transaction when it is
// opened for writing (migrate.go), and read as it is when opened read-only;
// what the older schema did not record then returns ErrOldSchema.
//
// # On-disk format, schema version 3
//
// All integers in keys are big-endian, so keys sort numerically. Values
// other than runs, state and frontier start with a format byte (1, or as noted),
// then fields in the order given. In values, "uvarint"/"varint" are encoding/binary
// varints, a "string" is a uvarint length and that many bytes, a "list" is
// a uvarint count and that many strings, and a "time" is one byte 0 (zero
// time) or 1 followed by varint Unix seconds and uvarint nanoseconds (UTC;
// the zone is not kept).
//
//	meta      "format" → "hnredstar-crawler-archive"
//	          "schema" → "3" (decimal ASCII). Open refuses a file without
//	                     this bucket or format, or with a higher schema.
//	          "zstd-dict-N" → 8 random bytes telling this dictionary from
//	                     other archives', then a zstd raw-content dictionary
//	                     (N decimal, from 1): the first pages of a spread of
//	                     the first records, written once the archive holds
//	                     96 records (dict.go). Raw pages and versions
//	                     written afterwards are compressed with it.
//	articles  id(8) → header: format, uvarint latest version, string URL
//	          (canonical, the one the record was added under), list aliases;
//	          format 2 (only for a near-duplicate) then uvarint ID of the
//	          earlier record it nearly duplicates, lower than id. (Schema 3.)
//	          id is the bucket's NextSequence, 1, 2, 3, ...; Record.ID is it
//	          in decimal, zero-padded to ten digits ("0000000042").
//	versions  id(8) version(4) → format, content hash (32 raw bytes, right
//	          after the format byte so Put can compare without decoding),
//	          then the fields: strings title, source, body, column, author,
//	          editor, times published, fetched_at, lists images,
//	          attachments, uvarint number of raw pages. Versions count from
//	          1. Format 1 has the fields as they are; format 2 a zstd frame
//	          of them; format 3 a uvarint dictionary N (meta "zstd-dict-N"),
//	          then a zstd frame of them compressed with that dictionary.
//	          Put writes 2 or 3; all three are read.
//	raw       id(8) version(4) page(4) → format, (format 2 only: uvarint
//	          dictionary N, as for versions), uvarint length of the
//	          encoded page, zstd frame of the encoded page (format 2: with
//	          the dictionary): string URL (as fetched), varint status, time
//	          fetched_at, uvarint header count, then per header (sorted by
//	          name) string name and list values, then string body. Pages
//	          count from 0.
//	urls      canonical URL → id(8), SHA-256 of the content last seen at
//	          this URL (32), kind (1 byte: 0 record URL, 1 alias). Holds
//	          every record URL and alias; Has and Put look here first.
//	hashes    SHA-256 (32) → id(8) of the first record with that content.
//	          Every version's hash is present.
//	bytime    published(12) id(8) → empty. published is Unix seconds with
//	          the sign bit flipped (8) and nanoseconds (4), or 12 bytes of
//	          0xFF for an unknown time, so that those sort last. One entry
//	          per record, for the latest version's publication time.
//	runs      seq(8) → JSON object of Run (see its tags).
//	state     key → value as given to PutState.
//	frontier  name → a bucket per crawl frontier ("backfill", "crawl"),
//	          holding buckets pending and done: canonical URL → the
//	          crawler's value, opaque here (crawl/entry.go has its format;
//	          crawlers before it wrote JSON objects). Created by the first
//	          Commit.
//	changed   id(8) → time(12) of the record's last change, encoded as in
//	          bytime. One entry per record. (Schema 2.)
//	bychange  time(12) id(8) → empty: the same times, ordered, for
//	          ChangedSince. One entry per record, matching changed.
//	          (Schema 2.)
//	rawfrom   id(8) version(4) → version(4), big-endian: the earlier
//	          version of the same record whose raw pages this re-extracted
//	          version uses; raw has no pages under the version itself.
//	          Only versions written by Reextract have one. (Schema 2.)
//	bytitle   title(8) day(4) id(8) → empty. title is the first 8 bytes of
//	          the SHA-256 of the latest version's folded title, day the
//	          day of its publication time in Beijing time as days since
//	          1970-01-01 plus 2^31, or 0xFFFFFFFF for none. One entry per
//	          record. (Schema 3.)
//	files     canonical URL → format 1, state (1 byte: 0 stored, 1 too
//	          large, 2 failed), SHA-256 of the bytes (32; zero unless
//	          stored), varint HTTP status, time fetched_at, uvarint size
//	          (for too large: at least this), strings content type, file
//	          name, error, uvarint header count, then per header (sorted by
//	          name) string name and list values. One entry per attachment
//	          (or image) URL the crawler tried; articles reach theirs through
//	          the URLs their versions list. A stored entry is never replaced
//	          by one that is not. (attachments.go)
//	blobs     SHA-256 (32) → format 1 and the bytes as they are, or format
//	          2, uvarint length and a zstd frame of them (no dictionary),
//	          whichever is smaller. One per distinct content that a stored
//	          files entry names.
//	pagefiles canonical URL of a list page → format 1, list of the
//	          canonical URLs of the files the page links (a topic's table of
//	          attachments), in the order first seen. Files are only added:
//	          one offered on a page once stays tied to it. A listed file has
//	          a files entry once the crawler tried it. (pagefiles.go)
//
// files and blobs came within schema 2 and are created by the first
// PutFile, pagefiles (later, same schema) by the first AddPageFiles: an
// archive without them has no attachments, readers treat them as empty,
// and crawlers older than them ignore them.
//
// Verify checks every arrow above in both directions where it has one,
// and that every blob's bytes hash to its key.
//
// A later schema bumps "schema" and the format bytes of changed values;
// Open then refuses the file in older crawlers with ErrSchemaTooNew.
//
// Schema 1 is schema 2 without changed, bychange and rawfrom. Upgrading
// dates each record to its latest version's fetched_at (now if unknown).
// Schema 2 is schema 3 without bytitle and header format 2; upgrading
// indexes every record.
//
// The compressed formats (versions 2 and 3, raw 2, the dictionary in meta)
// came within schema 2: an archive that has them reads as corrupt to a
// crawler older than them.
package archive
