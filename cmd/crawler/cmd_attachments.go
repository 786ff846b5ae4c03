package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/canon"
)

type attachmentsFlags struct {
	since, until string
	columns      []string
	images       bool
}

func newAttachmentsCommand(opts *options) *cobra.Command {
	var f attachmentsFlags
	cmd := &cobra.Command{
		Use:   "attachments DIR [--since DATE] [--until DATE] [--column NAME] [--images]",
		Short: "Write the stored attachments of the articles to DIR, with a manifest",
		Long: `attachments writes every attachment the archive holds, for the selected
articles, to DIR/<article id>/<file name>: the name the server gave the file
(Content-Disposition) or the last part of its URL, made safe for any file
system and unique within the article's directory. DIR/manifest.jsonl lists
them, one JSON object a line, in order of the articles' publication time:

  {"article":"0000000042","article_url":"…","url":"…","file":"0000000042/职位表.xlsx",
   "name":"职位表.xlsx","size":12345,"sha256":"…","content_type":"…"}

Each file and the manifest are written to a temporary name and renamed when
complete, so DIR never holds a partial file; running the command again
rewrites them. Attachments the archive does not hold (not fetched yet, over
crawl.max_attachment_bytes, or failed) are counted on stderr, not written.

Files that list pages link (a topic's table of position tables, which often
no article links) go to DIR/pages/<page>/<file name>, <page> named after the
page's path (topic-118, channel-7801; page-<hash> when that does not serve),
with manifest lines naming the page instead of an article:

  {"page":"https://www.hxw.gov.cn/topic/118/","url":"…","file":"pages/topic-118/职位表.xlsx",…}

--since, --until and --column select articles as for export, and leave the
files of list pages out. --images also writes the images the archive holds
(crawl.fetch_images).
`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAttachments(cmd.Context(), opts, f, args[0])
		},
	}
	cmd.Flags().StringVar(&f.since, "since", "", "only articles published at or after `DATE`")
	cmd.Flags().StringVar(&f.until, "until", "", "only articles published before `DATE`")
	cmd.Flags().StringSliceVar(&f.columns, "column", nil, "only articles of column `NAME` (repeatable)")
	cmd.Flags().BoolVar(&f.images, "images", false, "also write the stored images")
	return cmd
}

// manifestEntry is one line of manifest.jsonl.
type manifestEntry struct {
	Article     string `json:"article,omitempty"`
	ArticleURL  string `json:"article_url,omitempty"`
	Page        string `json:"page,omitempty"` // the list page linking the file, for a list page's file
	URL         string `json:"url"`
	File        string `json:"file"` // path under DIR, with /
	Name        string `json:"name"` // the file's name as the server gave it
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	ContentType string `json:"content_type,omitempty"`
}

// attachmentCounts is what runAttachments did.
type attachmentCounts struct {
	written, unchanged, missing int
	bytes                       int64
}

func runAttachments(ctx context.Context, opts *options, f attachmentsFlags, dir string) error {
	var filter archive.Filter
	var err error
	if filter.Since, err = parseDateFlag("--since", f.since); err != nil {
		return err
	}
	if filter.Until, err = parseDateFlag("--until", f.until); err != nil {
		return err
	}
	for _, c := range f.columns {
		if c = strings.TrimSpace(c); c != "" {
			filter.Columns = append(filter.Columns, c)
		}
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return &usageError{msg: fmt.Sprintf("%s is a file; attachments writes into a directory", dir)}
	}
	a, err := opts.readArchive()
	if err != nil {
		return err
	}
	defer a.Close()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("attachments: %w", err)
	}
	var manifest []manifestEntry
	var n attachmentCounts
	err = a.ForEach(ctx, filter, func(r archive.Record) error {
		entries, err := writeArticleFiles(a, r, dir, f.images, opts.fileMode, &n)
		manifest = append(manifest, entries...)
		return err
	})
	if err != nil {
		return fmt.Errorf("attachments to %s: %w", dir, err)
	}
	if filter.All() {
		entries, err := writePageFiles(ctx, a, dir, opts.fileMode, &n)
		manifest = append(manifest, entries...)
		if err != nil {
			return fmt.Errorf("attachments of list pages to %s: %w", dir, err)
		}
	}
	_, err = writeFileAtomic(filepath.Join(dir, "manifest.jsonl"), false, opts.fileMode, func(w io.Writer) (int, error) {
		bw := bufio.NewWriter(w)
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		for _, e := range manifest {
			if err := enc.Encode(e); err != nil {
				return 0, err
			}
		}
		return len(manifest), bw.Flush()
	})
	if err != nil {
		return fmt.Errorf("attachments: write %s: %w", filepath.Join(dir, "manifest.jsonl"), err)
	}
	fmt.Fprintf(opts.stderr, "wrote %d files (%s) to %s, %d already there; %d linked files not in the archive\n",
		n.written, byteSize(n.bytes), dir, n.unchanged, n.missing)
	return nil
}

// writeArticleFiles writes the stored files of record r to dir/<id>/ and
// returns their manifest entries.
func writeArticleFiles(a *archive.Archive, r archive.Record, dir string, images bool, mode os.FileMode, n *attachmentCounts) ([]manifestEntry, error) {
	urls := r.Attachments
	if images {
		urls = append(append([]string(nil), urls...), r.Images...)
	}
	return writeFiles(a, urls, dir, r.ID, manifestEntry{Article: r.ID, ArticleURL: r.URL}, mode, n)
}

// writePageFiles writes the stored files each list page links to
// dir/pages/<page name>/ (pageDirs) and returns their manifest entries.
func writePageFiles(ctx context.Context, a *archive.Archive, dir string, mode os.FileMode, n *attachmentCounts) ([]manifestEntry, error) {
	var pages []archive.PageFiles
	err := a.ForEachPageFiles(ctx, func(p archive.PageFiles) error {
		pages = append(pages, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	names := pageDirs(pages)
	var out []manifestEntry
	for _, p := range pages {
		entries, err := writeFiles(a, p.Files, dir, path.Join("pages", names[p.Page]), manifestEntry{Page: p.Page}, mode, n)
		out = append(out, entries...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// pageDirs names the directory of each page's files: its URL's path made
// a name ("/topic/118/" is topic-118, "/channel/7801.html" channel-7801),
// or "page-" and the start of the URL's SHA-256 when that is empty, too
// long, or taken by another page.
func pageDirs(pages []archive.PageFiles) map[string]string {
	out := map[string]string{}
	taken := map[string]bool{}
	for _, p := range pages {
		var parts []string
		if u, err := url.Parse(p.Page); err == nil {
			for _, seg := range strings.Split(u.Path, "/") {
				seg = strings.TrimSuffix(seg, path.Ext(seg))
				if seg != "" && seg != "index" {
					parts = append(parts, seg)
				}
			}
		}
		sum := sha256.Sum256([]byte(p.Page))
		name := strings.Join(parts, "-")
		if name != "" {
			name = safeName(name, "", "")
		}
		if name == "" || len(name) > 100 || taken[strings.ToLower(name)] || strings.HasPrefix(name, "page-") {
			name = "page-" + hex.EncodeToString(sum[:6])
		}
		taken[strings.ToLower(name)] = true
		out[p.Page] = name
	}
	return out
}

// writeFiles writes the stored files at urls to dir/sub/ and returns their
// manifest entries, each base with the file's fields.
func writeFiles(a *archive.Archive, urls []string, dir, sub string, base manifestEntry, mode os.FileMode, n *attachmentCounts) ([]manifestEntry, error) {
	var out []manifestEntry
	seen := map[string]bool{}
	names := map[string]bool{} // lower-cased names taken in the article's directory
	for _, u := range urls {
		key, err := canon.URL(u)
		if err != nil || seen[key] {
			continue
		}
		seen[key] = true
		f, body, err := a.FileBody(u)
		switch {
		case errors.Is(err, archive.ErrNotFound) || err == nil && !f.Stored():
			n.missing++
			continue
		case err != nil:
			return out, err
		}
		name := uniqueName(safeName(f.Name, f.ContentType, f.HexHash()), names)
		rel := path.Join(sub, name)
		target := filepath.Join(dir, filepath.FromSlash(sub), name)
		if same, _ := hasHash(target, f.SHA256); same {
			n.unchanged++
		} else {
			if err := os.MkdirAll(filepath.Dir(target), 0o750); err != nil {
				return out, err
			}
			_, err := writeFileAtomic(target, false, mode, func(w io.Writer) (int, error) {
				_, err := w.Write(body)
				return 1, err
			})
			if err != nil {
				return out, fmt.Errorf("write %s: %w", target, err)
			}
			n.written++
			n.bytes += int64(len(body))
		}
		e := base
		e.URL, e.File, e.Name, e.Size, e.SHA256, e.ContentType = u, rel, f.Name, f.Size, f.HexHash(), f.ContentType
		out = append(out, e)
	}
	return out, nil
}

// hasHash reports whether the file at p holds bytes with the given hash.
func hasHash(p string, sum [sha256.Size]byte) (bool, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return false, err
	}
	return sha256.Sum256(b) == sum, nil
}

// maxNameBytes keeps names within what every common file system allows
// (255 bytes), with room for uniqueName's suffix.
const maxNameBytes = 200

// safeName makes a file name safe on Linux, macOS and Windows: no path
// separators, control or reserved characters, no reserved device names,
// no leading dot, at most maxNameBytes. An empty name becomes the start
// of the hash, with an extension for its content type.
func safeName(name, contentType, hexHash string) string {
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), r == utf8.RuneError, strings.ContainsRune(`<>:"/\|?*`, r):
			return '_'
		}
		return r
	}, name)
	name = strings.Trim(name, " .\u3000")
	if name == "" {
		name = "file-" + hexHash[:min(12, len(hexHash))]
		if mt, _, err := mime.ParseMediaType(contentType); err == nil {
			if exts, _ := mime.ExtensionsByType(mt); len(exts) > 0 {
				name += exts[0]
			}
		}
	}
	stem, ext := splitExt(name)
	if reserved[strings.ToUpper(stem)] {
		stem = "_" + stem
	}
	if len(stem)+len(ext) > maxNameBytes {
		cut := max(maxNameBytes-len(ext), 1)
		for cut > 0 && cut < len(stem) && !utf8.RuneStart(stem[cut]) {
			cut--
		}
		stem = stem[:cut]
	}
	return stem + ext
}

// splitExt splits a name into stem and extension (".xlsx"); a name that
// is all extension has none.
func splitExt(name string) (string, string) {
	ext := path.Ext(name)
	if ext == name || len(ext) > 16 {
		return name, ""
	}
	return strings.TrimSuffix(name, ext), ext
}

// reserved are the device names Windows refuses as file names, with any
// extension.
var reserved = map[string]bool{"CON": true, "PRN": true, "AUX": true, "NUL": true,
	"COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true, "COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true}

// uniqueName returns name, or name with " (2)", " (3)" … before its
// extension, whichever is not yet taken (case-insensitively, as on
// Windows and macOS), and takes it.
func uniqueName(name string, taken map[string]bool) string {
	stem, ext := splitExt(name)
	candidate := name
	for i := 2; taken[strings.ToLower(candidate)]; i++ {
		candidate = stem + " (" + strconv.Itoa(i) + ")" + ext
	}
	taken[strings.ToLower(candidate)] = true
	return candidate
}
