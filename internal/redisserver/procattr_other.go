//go:build !unix

package redisserver

import "syscall"

// procAttr: no process groups here; Stop still ends the server.
func procAttr() *syscall.SysProcAttr { return nil }
