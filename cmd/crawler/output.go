package main

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// outputFile is a file a command writes, as the user named it, resolved
// before any work is done.
type outputFile struct {
	// path is the file to replace, or to write to in place when direct;
	// a symbolic link's target, so that the link is kept.
	path string
	// direct is set for a target that is not a regular file (a device
	// such as /dev/null or /dev/stdout, a FIFO, a socket): it is opened
	// and written as it is, since replacing it would destroy it.
	direct bool
}

// maxLinks bounds the chain of symbolic links resolveOutput follows.
const maxLinks = 40

// resolveOutput says how to write the file named: a regular file or a new
// name is replaced atomically (see writeFileAtomic), a symbolic link's
// target is, leaving the link in place, and a device or FIFO is written
// in place. A directory, or a name in a directory that does not exist, is
// refused with an error that says so.
func resolveOutput(name string) (outputFile, error) {
	// Stat follows every link, including /dev/stdout's to a pipe, which
	// has no name to replace.
	if fi, err := os.Stat(name); err == nil {
		switch {
		case fi.IsDir():
			return outputFile{}, &usageError{msg: fmt.Sprintf("%s is a directory; name a file to write", name)}
		case !fi.Mode().IsRegular():
			return outputFile{path: name, direct: true}, nil
		}
	}
	path := name
	for range maxLinks {
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			dir := filepath.Dir(path)
			if di, err := os.Stat(dir); err != nil || !di.IsDir() {
				return outputFile{}, &usageError{msg: fmt.Sprintf("%s: directory %s does not exist; create it or name another file", name, dir)}
			}
			return outputFile{path: path}, nil
		}
		if err != nil {
			return outputFile{}, err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return outputFile{path: path}, nil
		}
		target, err := os.Readlink(path)
		if err != nil {
			return outputFile{}, err
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(path), target)
		}
		path = target
	}
	return outputFile{}, &usageError{msg: fmt.Sprintf("%s: too many levels of symbolic links", name)}
}

// write writes the file through write, gzipped when gz is set: in place
// when direct, otherwise atomically with the given mode.
func (o outputFile) write(gz bool, mode os.FileMode, write func(io.Writer) (int, error)) (int, error) {
	if !o.direct {
		return writeFileAtomic(o.path, gz, mode, write)
	}
	f, err := os.OpenFile(o.path, os.O_WRONLY, 0)
	if err != nil {
		return 0, err
	}
	n, err := writeBuffered(f, gz, write)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return n, err
}

// writeBuffered writes through write to w, buffered and gzipped when gz
// is set, and flushes what it buffered.
func writeBuffered(w io.Writer, gz bool, write func(io.Writer) (int, error)) (int, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	var dst io.Writer = bw
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(bw)
		dst = zw
	}
	n, err := write(dst)
	if err != nil {
		return n, err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return n, err
		}
	}
	return n, bw.Flush()
}

// writeFileAtomic writes a file through a temporary file in the same
// directory, synced and renamed over path only when write succeeded, so
// readers see the old file or the whole new one, never a part. path must
// be a regular file or not exist (see resolveOutput).
func writeFileAtomic(path string, gz bool, mode os.FileMode, write func(io.Writer) (int, error)) (n int, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return 0, err
	}
	if mode == 0 {
		mode = 0o600
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(mode); err != nil {
		return 0, err
	}
	if n, err = writeBuffered(tmp, gz, write); err != nil {
		return n, err
	}
	if err = tmp.Sync(); err != nil {
		return n, err
	}
	if err = tmp.Close(); err != nil {
		return n, err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return n, err
	}
	if d, derr := os.Open(filepath.Dir(path)); derr == nil {
		d.Sync()
		d.Close()
	}
	return n, nil
}
