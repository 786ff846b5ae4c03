package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// version is what --version prints: the module version, the commit and
// its time, as the go command stamps them into the binary (go build in a
// git checkout; go run and go build -buildvcs=false leave them out).
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = &debug.BuildInfo{}
	}
	return versionText(bi, runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH)
}

// versionText formats the build information of a binary built by goVersion
// for platform.
func versionText(bi *debug.BuildInfo, goVersion, platform string) string {
	vcs := map[string]string{}
	for _, s := range bi.Settings {
		if strings.HasPrefix(s.Key, "vcs") {
			vcs[s.Key] = s.Value
		}
	}
	mod := bi.Main.Version
	if mod == "" {
		mod = "(devel)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "crawler %s\n", mod)
	if rev := vcs["vcs.revision"]; rev != "" {
		if vcs["vcs.modified"] == "true" {
			rev += " (with uncommitted changes)"
		}
		fmt.Fprintf(&b, "commit: %s\n", rev)
		if t := vcs["vcs.time"]; t != "" {
			fmt.Fprintf(&b, "date:   %s (of the commit)\n", t)
		}
	} else {
		b.WriteString("commit: unknown (stamped by go build in a git checkout, or go run -buildvcs=true)\n")
	}
	fmt.Fprintf(&b, "go:     %s %s\n", goVersion, platform)
	return b.String()
}
