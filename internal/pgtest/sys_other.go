//go:build !linux

package pgtest

import "syscall"

// watchdogAttr returns nil: the watchdog shares the test's session.
func watchdogAttr() *syscall.SysProcAttr { return nil }

// becomeSubreaper does nothing outside Linux.
func becomeSubreaper() {}

// reap does nothing outside Linux.
func reap(pid int) {}
