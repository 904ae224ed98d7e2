// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap CLI: protect add|del|list|clear, the protection list
 * (interface section 5).  Each command is one write() of one line, which
 * the module applies all-or-nothing; its errno is said in words.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oomsnap.h"

static const char *protect_errmsg(int err)
{
	switch (err) {
	case EINVAL:
		return "malformed command or adj out of range -1000..1000 (EINVAL)";
	case ESRCH:
		return "no such process (ESRCH)";
	case ENOENT:
		return "no such cgroup (ENOENT)";
	case ENOSPC:
		return "the protection list is full (ENOSPC; module parameter protect_max)";
	case E2BIG:
		return "the command is larger than a page (E2BIG)";
	case EACCES:
		return "permission denied (run as root)";
	case EPERM:
		return "not permitted: a protect command needs CAP_SYS_ADMIN, and an adj below 0 or below a process's oom_score_adj_min CAP_SYS_RESOURCE too (EPERM)";
	default:
		return NULL;
	}
}

static void __noreturn protect_refused(const char *cmd, const char *path, int err)
{
	const char *msg = protect_errmsg(err);

	if (msg)
		die(E_REJECTED, "protect '%s': %s (%s)", cmd, msg, path);
	die(E_REJECTED, "protect '%s': the module refused it: %s (%s)", cmd,
	    strerror(err), path);
}

/* One write() of "@cmd\n" to the protect file. */
static void protect_write(const char *cmd)
{
	struct sbuf line = { 0 };
	char *path;
	ssize_t n;
	int fd;

	need("protect");
	path = file_path("protect");
	sb_printf(&line, "%s\n", cmd);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		protect_refused(cmd, path, errno);
	do {
		n = write(fd, line.s, line.len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		protect_refused(cmd, path, errno);
	if ((size_t)n != line.len)
		die(E_REJECTED, "protect '%s': short write to %s (%zd of %zu bytes)",
		    cmd, path, n, line.len);
	if (close(fd))
		protect_refused(cmd, path, errno);
	sb_free(&line);
	free(path);
}

/* pid=PID, comm=NAME or cgroup=PATH, checked before the module sees it. */
static void protect_key(const char *key)
{
	if (strchr(key, '\n'))
		die(E_USAGE, "'%s' holds a newline: one command is one line", key);
	if (!strncmp(key, "pid=", 4)) {
		if (!is_uint(key + 4) || strtoll(key + 4, NULL, 10) <= 0)
			die(E_USAGE, "bad pid in '%s': a process id is a positive integer", key);
	} else if (!strncmp(key, "comm=", 5)) {
		/* the module checks the length (15 bytes) */
		if (!key[5])
			die(E_USAGE, "expected pid=PID, comm=NAME or cgroup=PATH, got '%s'", key);
	} else if (!strncmp(key, "cgroup=", 7)) {
		if (key[7] != '/')
			die(E_USAGE,
			    "cgroup in '%s' must be a path below the cgroup v2 root, starting with /",
			    key);
	} else {
		die(E_USAGE, "expected pid=PID, comm=NAME or cgroup=PATH, got '%s'", key);
	}
}

/*
 * An optional uid=UID after a comm=NAME key (the entry's owner, interface
 * section 5): returned, and taken out of the arguments; NULL without one.
 */
static const char *protect_uid(const char *key, int *argc, char ***argv)
{
	const char *uid;

	if (*argc < 2 || strncmp((*argv)[1], "uid=", 4))
		return NULL;
	uid = (*argv)[1];
	if (strncmp(key, "comm=", 5))
		die(E_USAGE, "'%s': only a comm=NAME entry has an owner", uid);
	if (!is_uint(uid + 4))
		die(E_USAGE, "bad uid in '%s': a user id is a non-negative integer", uid);
	(*argv)[1] = (*argv)[0];
	(*argv)++;
	(*argc)--;
	return uid;
}

static void protect_list(void)
{
	size_t len;
	char *buf;

	need("protect");
	buf = read_file("protect", &len);
	while (len && buf[len - 1] == '\n')
		len--;
	if (!len)
		puts("(the protection list is empty)");
	else
		printf("%.*s\n", (int)len, buf);
	free(buf);
}

int cmd_protect(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "", *adj = "-1000", *uid;
	struct sbuf cmd = { 0 };
	long v;

	argc -= 2;
	argv += 2;
	if (!strcmp(sub, "list")) {
		if (argc > 0)
			die(E_USAGE, "protect list takes no arguments");
		protect_list();
	} else if (!strcmp(sub, "clear")) {
		if (argc > 0)
			die(E_USAGE, "protect clear takes no arguments");
		protect_write("clear");
	} else if (!strcmp(sub, "add")) {
		if (argc < 1 || argc > 3)
			die(E_USAGE,
			    "usage: oomsnap protect add pid=PID|comm=NAME [uid=UID]|cgroup=PATH [adj=N]");
		protect_key(argv[0]);
		uid = protect_uid(argv[0], &argc, &argv);
		if (argc == 2) {
			if (strncmp(argv[1], "adj=", 4))
				die(E_USAGE, "expected adj=N, got '%s'", argv[1]);
			adj = argv[1] + 4;
			v = is_int(adj) && strlen(adj) < 8 ? strtol(adj, NULL, 10) : 10000;
			if (v < -1000 || v > 1000)
				die(E_USAGE,
				    "bad adj '%s': an integer from -1000 (never kill) to 1000 (kill first)",
				    adj);
		}
		sb_printf(&cmd, "add %s%s%s adj=%s", argv[0], uid ? " " : "",
			  uid ? uid : "", adj);
		protect_write(cmd.s);
	} else if (!strcmp(sub, "del")) {
		if (argc < 1)
			die(E_USAGE, "usage: oomsnap protect del pid=PID|comm=NAME [uid=UID]|cgroup=PATH");
		protect_key(argv[0]);
		uid = protect_uid(argv[0], &argc, &argv);
		if (argc != 1)
			die(E_USAGE, "usage: oomsnap protect del pid=PID|comm=NAME [uid=UID]|cgroup=PATH");
		sb_printf(&cmd, "del %s%s%s", argv[0], uid ? " " : "", uid ? uid : "");
		protect_write(cmd.s);
	} else if (*sub) {
		die(E_USAGE, "protect: unknown subcommand '%s' (add, del, list, clear)", sub);
	} else {
		usage_cmd("protect", 1);
		return E_USAGE;
	}
	sb_free(&cmd);
	return E_OK;
}
