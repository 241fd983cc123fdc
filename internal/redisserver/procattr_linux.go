package redisserver

import "syscall"

// procAttr puts the server in its own process group (Ctrl-C in a terminal
// goes to the parent, which stops the server last) and has the kernel kill
// it should the parent die without stopping it.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
