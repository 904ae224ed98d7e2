// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap CLI: watch --exec, a command run once per event (what earlyoom's
 * -N gives): `sh -c CMD` with the event's JSON line on stdin and its main
 * fields in the environment (the journal's names, interface section 6.1).
 *
 * Hooks run one at a time, in seq order, while the stream waits: a hook
 * that outlives --exec-timeout gets SIGTERM, and SIGKILL EXEC_KILL_GRACE
 * seconds later, so a slow hook delays the stream by a bounded time and
 * never stalls it.  Each hook is its own process group, so the signals
 * reach what it started too.  stdin is a memfd, not a pipe: a hook that
 * does not read it cannot block watch on a full pipe.  The hook's stdout
 * goes to watch's stderr: watch's stdout stays one line per event.  A
 * failing hook is told on stderr and watch goes on.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oomsnap.h"

#define EXEC_KILL_GRACE 2	/* seconds between SIGTERM and SIGKILL */

/* The event's JSON line and a newline in a memfd at offset 0, or -1. */
static int event_stdin(const char *line, size_t len)
{
	int fd = memfd_create("oomsnap-event", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (write(fd, line, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
	    lseek(fd, 0, SEEK_SET)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* In the child: the environment, stdin, stdout, signals; then the command. */
static void __noreturn exec_child(const char *cmd, json_object *rec, int in)
{
	struct sbuf v = { 0 };
	sigset_t none;
	size_t i;

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (i = 0; i < EVENT_FIELDS; i++) {
		sb_reset(&v);
		if (sb_raw(&v, rec, event_fields[i].path))
			setenv(event_fields[i].name, v.s, 1);
		else
			unsetenv(event_fields[i].name);	/* not one of an earlier event's */
	}
	if (dup2(in, STDIN_FILENO) < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		_exit(127);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

/**
 * exec_run() - run the --exec command for one event and wait for it
 * @h: the command and its timeout
 * @rec: the event
 * @line: its JSON line, for stdin
 * @len: the line's length
 *
 * Waits on @h->sfd, the signalfd of watch (SIGCHLD, SIGINT, SIGTERM): an
 * interrupt ends the hook as a timeout does.
 *
 * Return: 0, or the number of the signal that interrupted watch (the
 * caller exits with 128 + it once the hook is gone).
 */
int exec_run(const struct exec_hook *h, json_object *rec, const char *line, size_t len)
{
	struct pollfd pfd = { .fd = h->sfd, .events = POLLIN };
	long long seq = rec_int(rec, "seq");
	int in, status, sig = 0, killed = 0, ms;
	struct signalfd_siginfo si;
	double deadline;
	pid_t pid;

	in = event_stdin(line, len);
	if (in < 0) {
		warn("watch: --exec for event %lld: memfd: %s", seq, strerror(errno));
		return 0;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		warn("watch: --exec for event %lld: fork: %s", seq, strerror(errno));
		close(in);
		return 0;
	}
	if (!pid)
		exec_child(h->cmd, rec, in);
	setpgid(pid, pid);	/* as the child does: whichever runs first */
	close(in);
	deadline = mono_now() + h->timeout;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		double left;

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			die(E_NONE, "watch: --exec: waitpid: %s", strerror(errno));
		left = deadline - mono_now();
		if (left <= 0 && killed < 2) {
			/* SIGTERM first, SIGKILL if it is still there after the grace */
			kill(-pid, killed ? SIGKILL : SIGTERM);
			killed++;
			deadline = mono_now() + EXEC_KILL_GRACE;
			continue;
		}
		ms = left > 0 ? (int)(left * 1000) + 1 : 100;
		if (poll(&pfd, 1, ms) <= 0 || read(h->sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD && !sig) {
			sig = si.ssi_signo;
			if (!killed)
				deadline = mono_now();	/* end it now, as on a timeout */
		}
	}
	if (sig)
		return sig;
	if (killed)
		warn("watch: --exec for event %lld: timed out after %d s, killed (%s)", seq,
		     h->timeout, killed > 1 ? "SIGKILL" : "SIGTERM");
	else if (WIFEXITED(status) && WEXITSTATUS(status))
		warn("watch: --exec for event %lld: exit status %d", seq, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		warn("watch: --exec for event %lld: killed by signal %d (%s)", seq,
		     WTERMSIG(status), strsignal(WTERMSIG(status)));
	return 0;
}
