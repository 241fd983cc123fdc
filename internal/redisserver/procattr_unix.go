//go:build unix && !linux

package redisserver

import "syscall"

// procAttr puts the server in its own process group, so a terminal's Ctrl-C
// goes to the parent, which stops the server after its own shutdown.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
