package pipebench

import (
	"os/exec"
	"testing"
	"time"
)

// A process's CPU includes the children it has waited for, as
// redis-server's includes its AOF rewrites: here a shell that waits for a
// shell that counts, and then sleeps.
func TestChildCPUCountsWaitedForChildren(t *testing.T) {
	cmd := exec.Command("sh", "-c", `sh -c 'i=0; while [ $i -lt 1000000 ]; do i=$((i+1)); done'; sleep 30`)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		d, err := childCPU(cmd.Process.Pid)
		if err != nil {
			t.Fatal(err)
		}
		if d >= 100*time.Millisecond {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the shell's CPU, its counting child's included, is %v after 20 s, want at least 100ms", d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
