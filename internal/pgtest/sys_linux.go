package pgtest

import (
	"errors"
	"syscall"
	"time"
)

// watchdogAttr puts the watchdog in its own session, so that a signal to the
// test's process group (Ctrl-C) does not end it before it has cleaned up.
func watchdogAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true}
}

// becomeSubreaper makes this process the parent of its orphaned descendants,
// among them the postmaster once pg_ctl has exited, so that stop can reap it
// at once rather than leave a zombie for init to collect later.
func becomeSubreaper() {
	const prSetChildSubreaper = 36 // PR_SET_CHILD_SUBREAPER, <linux/prctl.h>
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
}

// reap waits up to ten seconds for the exit of pid, if it is a child of this
// process.
func reap(pid int) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			var ws syscall.WaitStatus
			_, err := syscall.Wait4(pid, &ws, 0, nil)
			if !errors.Is(err, syscall.EINTR) {
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
}
