package pipebench

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/pprof/profile"
)

// processCPU is the CPU time (user + system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// clockTick is USER_HZ, the unit of /proc/<pid>/stat times: 100 on every
// Linux architecture Go runs on.
const clockTick = 10 * time.Millisecond

// childCPU is the CPU time (user + system) of another process and of the
// children it has waited for, from /proc/<pid>/stat. redis-server's AOF
// rewrites run in a forked child that compresses the whole dataset: a
// quarter of redis-server's CPU in one profile of a full-speed phase, which
// the process's own times leave out. A child counts once it has ended.
func childCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("cpu of pid %d: %w", pid, err)
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	rest := string(data[bytes.LastIndexByte(data, ')')+1:])
	f := strings.Fields(rest)
	if len(f) < 15 {
		return 0, fmt.Errorf("cpu of pid %d: short stat line", pid)
	}
	// f[0] is field 3 (state): utime, stime, cutime and cstime are fields
	// 14 to 17.
	var ticks int64
	for _, v := range f[11:15] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("cpu of pid %d: bad stat line: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}

// peakRSS is a process's peak resident set (VmHWM) in bytes; pid 0 is this
// process.
func peakRSS(pid int) int64 { return procStatus(pid, "VmHWM:") }

// rss is a process's resident set (VmRSS) now, in bytes.
func rss(pid int) int64 { return procStatus(pid, "VmRSS:") }

// procStatus reads one "kB" field of /proc/<pid>/status, in bytes.
func procStatus(pid int, field string) int64 {
	data, err := os.ReadFile(procPath(pid, "status"))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// resetPeakRSS starts a new VmHWM measurement (Linux 4.0 and later), so each
// phase reports its own peak; where that is refused the peak is the run's.
func resetPeakRSS(pid int) { _ = os.WriteFile(procPath(pid, "clear_refs"), []byte("5"), 0) }

func procPath(pid int, name string) string {
	if pid == 0 {
		return "/proc/self/" + name
	}
	return "/proc/" + strconv.Itoa(pid) + "/" + name
}

// stageCPU sums a CPU profile's samples by their "stage" label. The
// nats-server labels its stream and consumer goroutines itself ("account",
// "stream", "consumer"), replacing the inherited label: those are "nats".
// Samples without any label (the garbage collector's own workers, the
// scheduler) are "runtime".
func stageCPU(prof []byte) (map[string]time.Duration, error) {
	p, err := profile.Parse(bytes.NewReader(prof))
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	idx := -1
	for i, st := range p.SampleType {
		if st.Type == "cpu" {
			idx = i
		}
	}
	if idx < 0 {
		return nil, fmt.Errorf("cpu profile: no cpu samples")
	}
	out := map[string]time.Duration{}
	for _, s := range p.Sample {
		stage := "runtime"
		if v := s.Label["stage"]; len(v) > 0 {
			stage = v[0]
		} else if len(s.Label["account"]) > 0 || len(s.Label["stream"]) > 0 || len(s.Label["consumer"]) > 0 {
			stage = labelNATS
		}
		out[stage] += time.Duration(s.Value[idx])
	}
	return out, nil
}
