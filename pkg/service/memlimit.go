package service

import (
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
)

// memoryShare is the part of a container's memory limit the Go heap may
// fill before the collector works harder: the rest is for what the Go
// runtime does not count (stacks of threads, cgo, the kernel's buffers).
const memoryShare = 0.9

// SetMemoryLimit gives the Go collector a memory limit of 90% of the
// container's (cgroup v2 memory.max, or v1 memory.limit_in_bytes), unless
// GOMEMLIMIT is set or there is no limit. Without it a service in a
// container lets its heap grow until the kernel kills it, never collecting
// sooner for the limit's sake. It returns the limit it set, 0 for none.
func SetMemoryLimit(log *slog.Logger) int64 {
	if os.Getenv("GOMEMLIMIT") != "" {
		return 0
	}
	limit := cgroupMemoryLimit("/sys/fs/cgroup")
	if limit <= 0 {
		return 0
	}
	set := int64(float64(limit) * memoryShare)
	debug.SetMemoryLimit(set)
	log.Info("memory limit from the container", "cgroup_limit_bytes", limit, "gomemlimit_bytes", set)
	return set
}

// cgroupMemoryLimit is the memory limit of the cgroup mounted at root, in
// bytes; 0 when there is none or it cannot be read.
func cgroupMemoryLimit(root string) int64 {
	for _, f := range []string{"memory.max", "memory/memory.limit_in_bytes"} {
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			continue
		}
		v := strings.TrimSpace(string(data))
		if v == "max" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		// cgroup v1 says "no limit" with a huge number (a page-aligned
		// MaxInt64); nothing real is above 1 PiB.
		if err != nil || n <= 0 || n >= 1<<50 {
			return 0
		}
		return n
	}
	return 0
}
