// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap CLI: watch, following the stream file (interface section 2).
 *
 * poll() waits for a line of the stream, with the time left of --timeout,
 * and on a signalfd for SIGINT and SIGTERM, which end the wait with the
 * shell's statuses for them (130, 143) after what was read is printed.  Each
 * line is flushed as it comes, so a pipe reader sees every event at once.
 * With --exec, each event's hook runs after its line (exec.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "oomsnap.h"

struct watch {
	const char *timeout, *count;	/* as given, for the messages */
	long long max;			/* --count, 0: unlimited */
	bool json;
	long long seen;			/* events printed */
	unsigned int nr;		/* lines read */
	struct exec_hook exec;		/* --exec: .cmd set */
};

/* One line of the stream; true when it was an event. */
static bool follow_line(struct watch *w, const char *line, size_t len)
{
	struct sbuf b = { 0 };
	const char *err;
	json_object *rec;
	bool event;

	w->nr++;
	rec = rec_parse(line, len, &err);
	if (!rec) {
		warn("%s/stream: line %u: %s", oomsnap_dir, w->nr, err);
		if (w->json)
			printf("%.*s\n", (int)len, line);
		fflush(stdout);
		return false;
	}
	event = is_event(rec);
	if (w->json)
		sb_with_identity(&b, rec, line, len);
	else if (event)
		sb_brief(&b, rec);
	else
		sb_notice(&b, rec);
	if (b.len)
		puts(b.s);
	fflush(stdout);
	sb_free(&b);
	if (event && w->exec.cmd) {
		int sig = exec_run(&w->exec, rec, line, len);

		if (sig)
			exit(128 + sig);
	}
	json_object_put(rec);
	return event;
}

static int __noreturn timed_out(const struct watch *w)
{
	if (!w->count && w->seen)
		exit(E_OK);
	if (w->seen)
		die(E_NONE,
		    "timed out after %s s with %lld of %s events",
		    w->timeout, w->seen, w->count);
	die(E_NONE, "no OOM event within %s s", w->timeout);
}

static int follow(struct watch *w, int fd, int sfd, double deadline)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = xrealloc(NULL, cap), *nl;
	struct pollfd pfd[2] = {
		{ .fd = fd, .events = POLLIN },
		{ .fd = sfd, .events = POLLIN },
	};
	struct signalfd_siginfo si;
	int ms, r;
	ssize_t n;

	for (;;) {
		while ((nl = memchr(buf, '\n', len))) {
			if (follow_line(w, buf, nl - buf) && ++w->seen == w->max) {
				free(buf);
				return E_OK;
			}
			len -= nl + 1 - buf;
			memmove(buf, nl + 1, len);
		}
		ms = -1;
		if (deadline > 0) {
			double left = deadline - mono_now();

			if (left <= 0)
				timed_out(w);
			ms = (int)(left * 1000) + 1;
		}
		r = poll(pfd, 2, ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die(E_NONE, "poll %s/stream: %s", oomsnap_dir, strerror(errno));
		/* SIGCHLD: a hook's, already reaped by exec_run() */
		if (pfd[1].revents && read(sfd, &si, sizeof(si)) == sizeof(si) &&
		    si.ssi_signo != SIGCHLD)
			exit(128 + si.ssi_signo);
		if (!pfd[0].revents)
			continue;	/* the deadline check above ends it */
		if (cap - len < 4096)
			buf = xrealloc(buf, cap *= 2);
		n = read(fd, buf + len, cap - len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			die(E_NONE, "cannot read %s/stream: %s", oomsnap_dir, strerror(errno));
		if (!n)
			break;
		len += n;
	}
	/* end of file: the module is going away (a copy: its end) */
	if (len && follow_line(w, buf, len) && ++w->seen == w->max) {
		free(buf);
		return E_OK;
	}
	free(buf);
	die(E_EOF, "the stream ended (module unloaded)");
}

/* A whole number of seconds, at least 1, for --@opt; else a usage error. */
static int seconds(const char *opt, const char *v)
{
	if (!is_uint(v) || strlen(v) > 9 || !strtol(v, NULL, 10))
		die(E_USAGE, "bad --%s '%s': whole seconds, at least 1", opt, v);
	return (int)strtol(v, NULL, 10);
}

int cmd_watch(int argc, char **argv)
{
	struct watch w = { 0 };
	const char *exec_timeout = NULL;
	double deadline = 0;
	sigset_t sigs;
	int i, fd, sfd, rc;
	char *path;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			w.json = true;
		else if (!opt_value(argc, argv, &i, "--timeout", "S", &w.timeout) &&
			 !opt_value(argc, argv, &i, "--count", "N", &w.count) &&
			 !opt_value(argc, argv, &i, "--exec", "CMD", &w.exec.cmd) &&
			 !opt_value(argc, argv, &i, "--exec-timeout", "S", &exec_timeout))
			unknown_arg("watch", argv[i]);
	}
	if (w.timeout)
		seconds("timeout", w.timeout);
	if (w.count && (!is_uint(w.count) || strlen(w.count) > 18 ||
			!strtoll(w.count, NULL, 10)))
		die(E_USAGE, "bad --count '%s': a positive integer", w.count);
	if (w.exec.cmd && !*w.exec.cmd)
		die(E_USAGE, "watch: --exec needs CMD");
	if (exec_timeout && !w.exec.cmd)
		die(E_USAGE, "watch: --exec-timeout needs --exec");
	w.exec.timeout = exec_timeout ? seconds("exec-timeout", exec_timeout) : EXEC_TIMEOUT;
	w.max = w.count ? strtoll(w.count, NULL, 10) : 0;
	need("stream");
	if (w.timeout)
		deadline = mono_now() + strtol(w.timeout, NULL, 10);
	path = file_path("stream");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(errno == ENOENT ? E_NOTLOADED : E_PERM, "cannot open %s: %s",
		    path, strerror(errno));
	free(path);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	if (w.exec.cmd)
		sigaddset(&sigs, SIGCHLD);	/* a hook's end wakes exec_run()'s poll */
	if (sigprocmask(SIG_BLOCK, &sigs, NULL))
		die(E_NONE, "sigprocmask: %s", strerror(errno));
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sfd < 0)
		die(E_NONE, "signalfd: %s", strerror(errno));
	w.exec.sfd = sfd;
	rc = follow(&w, fd, sfd, deadline);
	close(sfd);
	close(fd);
	return rc;
}
