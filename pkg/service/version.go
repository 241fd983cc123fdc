package service

import (
	"runtime/debug"
	"strings"
)

// Version describes the running binary for --version and the start-up log:
// its module version, and the VCS revision and commit time the Go tool
// stamped into it (absent when it was built outside a repository, or with
// -buildvcs=false).
func Version(name string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return name + " (no build information)"
	}
	return formatVersion(name, bi)
}

func formatVersion(name string, bi *debug.BuildInfo) string {
	var b strings.Builder
	b.WriteString(name)
	if v := bi.Main.Version; v != "" {
		b.WriteString(" " + v)
	}
	if bi.Main.Path != "" {
		b.WriteString(" " + bi.Main.Path)
	}
	set := map[string]string{}
	for _, s := range bi.Settings {
		set[s.Key] = s.Value
	}
	if rev := set["vcs.revision"]; rev != "" {
		b.WriteString(", revision " + rev)
		if t := set["vcs.time"]; t != "" {
			b.WriteString(" of " + t)
		}
		if set["vcs.modified"] == "true" {
			b.WriteString(" (modified)")
		}
	} else {
		b.WriteString(", revision unknown")
	}
	if bi.GoVersion != "" {
		b.WriteString(", " + bi.GoVersion)
	}
	return b.String()
}
