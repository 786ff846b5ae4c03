package archive

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"os"
)

// The layout of a bbolt file, as far as checkPages reads it: a page starts
// with a 16-byte header (id, flags, count, overflow); branch and leaf
// pages hold 16-byte elements whose keys and values lie further in the
// page; a leaf element flagged as a bucket holds a bucket header (root
// page, sequence), followed, when the root is 0, by an inline page.
const (
	pageHeaderLen   = 16
	elementLen      = 16
	bucketHeaderLen = 16
	flagBranch      = 0x01
	flagLeaf        = 0x02
	flagFreelist    = 0x10
	flagBucketLeaf  = 0x01
	boltMagic       = 0xED0CDAED
)

// checkPages walks the B+tree of the bbolt file at path by reading the
// file, not its memory map, and returns the first fault in its structure
// it meets: a page that is not the page its parent names, an element
// whose key or value reaches outside its page, a child beyond the file's
// high-water mark. bbolt trusts that structure and faults on a file that
// breaks it, in places a fault cannot be caught (its Check runs in a
// goroutine of its own), so Verify walks the file this way first.
func checkPages(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	w := pageWalker{f: f, size: fi.Size(), seen: map[uint64]bool{}}
	root, err := w.meta()
	if err != nil {
		return err
	}
	return w.tree(root, "root")
}

type pageWalker struct {
	f        *os.File
	size     int64
	pageSize int64
	highMark uint64 // pages below this id are in use or free
	seen     map[uint64]bool
}

// meta reads both meta pages and returns the root page of the newer valid
// one, as bbolt does when it opens the file.
func (w *pageWalker) meta() (uint64, error) {
	var best struct {
		ok                   bool
		txid, root, pgid, ps uint64
	}
	// The page size is in the meta page itself: the first is at 0, the
	// second one page further, wherever a valid one is found.
	for _, off := range []int64{0, 4096, 8192, 16384, 32768, 65536} {
		buf := make([]byte, pageHeaderLen+64)
		if _, err := w.f.ReadAt(buf, off); err != nil {
			continue
		}
		m := buf[pageHeaderLen:]
		le := binary.LittleEndian
		if le.Uint32(m[0:]) != boltMagic {
			continue
		}
		h := fnv.New64a()
		h.Write(m[:56])
		if h.Sum64() != le.Uint64(m[56:]) {
			continue
		}
		txid := le.Uint64(m[48:])
		if !best.ok || txid > best.txid {
			best.ok, best.txid = true, txid
			best.ps = uint64(le.Uint32(m[8:]))
			best.root = le.Uint64(m[16:])
			best.pgid = le.Uint64(m[40:])
		}
	}
	if !best.ok {
		return 0, fmt.Errorf("neither meta page is valid")
	}
	if best.ps < 512 || best.ps > 1<<20 {
		return 0, fmt.Errorf("meta page: page size %d is implausible", best.ps)
	}
	w.pageSize = int64(best.ps)
	w.highMark = best.pgid
	if int64(best.pgid)*w.pageSize > w.size {
		return 0, fmt.Errorf("the file is %d bytes, but its pages reach %d bytes: it was truncated", w.size, int64(best.pgid)*w.pageSize)
	}
	return best.root, nil
}

// tree checks the page id and everything below it.
func (w *pageWalker) tree(id uint64, where string) error {
	if id < 2 || id >= w.highMark {
		return fmt.Errorf("%s: page %d is outside the file's pages (2–%d)", where, id, w.highMark-1)
	}
	if w.seen[id] {
		return fmt.Errorf("%s: page %d is reached twice", where, id)
	}
	w.seen[id] = true
	head := make([]byte, pageHeaderLen)
	if _, err := w.f.ReadAt(head, int64(id)*w.pageSize); err != nil {
		return fmt.Errorf("%s: page %d: %w", where, id, err)
	}
	le := binary.LittleEndian
	if got := le.Uint64(head); got != id {
		return fmt.Errorf("%s: page %d identifies itself as %d", where, id, got)
	}
	overflow := uint64(le.Uint32(head[12:]))
	if id+overflow >= w.highMark {
		return fmt.Errorf("%s: page %d overflows past the file's pages", where, id)
	}
	page := make([]byte, int64(overflow+1)*w.pageSize)
	if _, err := w.f.ReadAt(page, int64(id)*w.pageSize); err != nil {
		return fmt.Errorf("%s: page %d: %w", where, id, err)
	}
	return w.node(page, fmt.Sprintf("%s page %d", where, id))
}

// node checks one branch or leaf page (a file page or an inline one).
func (w *pageWalker) node(page []byte, where string) error {
	le := binary.LittleEndian
	if len(page) < pageHeaderLen {
		return fmt.Errorf("%s: shorter than a page header", where)
	}
	flags := le.Uint16(page[8:])
	count := int(le.Uint16(page[10:]))
	if pageHeaderLen+count*elementLen > len(page) {
		return fmt.Errorf("%s: %d elements do not fit", where, count)
	}
	for i := range count {
		at := pageHeaderLen + i*elementLen
		e := page[at : at+elementLen]
		switch flags {
		case flagBranch:
			pos, ksize := int(le.Uint32(e[0:])), int(le.Uint32(e[4:]))
			if at+pos+ksize > len(page) {
				return fmt.Errorf("%s: element %d's key reaches past the page", where, i)
			}
			if err := w.tree(le.Uint64(e[8:]), where); err != nil {
				return err
			}
		case flagLeaf:
			eflags := le.Uint32(e[0:])
			pos, ksize, vsize := int(le.Uint32(e[4:])), int(le.Uint32(e[8:])), int(le.Uint32(e[12:]))
			end := at + pos + ksize + vsize
			if pos < 0 || ksize < 0 || vsize < 0 || end > len(page) || end < at {
				return fmt.Errorf("%s: element %d reaches past the page", where, i)
			}
			if eflags&flagBucketLeaf == 0 {
				continue
			}
			key := page[at+pos : at+pos+ksize]
			val := page[at+pos+ksize : end]
			if len(val) < bucketHeaderLen {
				return fmt.Errorf("%s: bucket %q: header cut short", where, key)
			}
			sub := fmt.Sprintf("bucket %q", key)
			if root := le.Uint64(val); root != 0 {
				if err := w.tree(root, sub); err != nil {
					return err
				}
			} else if err := w.node(val[bucketHeaderLen:], sub+" (inline)"); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: neither a branch nor a leaf (flags %#x)", where, flags)
		}
	}
	return nil
}
