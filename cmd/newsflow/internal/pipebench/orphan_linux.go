//go:build linux

package pipebench

import (
	"os/exec"
	"syscall"
)

// orphanProof has the kernel stop a service process when the bench dies
// without stopping it (a test's timeout, a kill): a fetcher left behind
// would poll for ever.
func orphanProof(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM} }
