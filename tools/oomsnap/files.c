// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap CLI: where the module's files are, and reading them.
 *
 * The files are under /sys/kernel/debug/oomsnap, else /proc/oomsnap
 * (interface section 2), or in the directory given with -d or
 * $OOMSNAP_DIR: a copy of them (tests/data/) reads like the real thing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oomsnap.h"

#define DEBUGFS_DIR "/sys/kernel/debug/oomsnap"
#define PROCFS_DIR "/proc/oomsnap"

const char *oomsnap_dir;

/* Find the module's files unless a directory was given. */
bool find_dir(void)
{
	if (oomsnap_dir && *oomsnap_dir)
		return true;
	if (!access(DEBUGFS_DIR "/stats", F_OK))
		oomsnap_dir = DEBUGFS_DIR;
	else if (!access(PROCFS_DIR "/stats", F_OK))
		oomsnap_dir = PROCFS_DIR;
	else
		oomsnap_dir = NULL;
	return oomsnap_dir;
}

/**
 * reading_live() - whether the records come from the module of this boot
 * (its own files, found by find_dir()), not a copy given by -d or
 * $OOMSNAP_DIR: only then may the CLI add what it reads on this host now.
 */
bool reading_live(void)
{
	return oomsnap_dir && (!strcmp(oomsnap_dir, DEBUGFS_DIR) ||
			       !strcmp(oomsnap_dir, PROCFS_DIR));
}

bool module_loaded(void)
{
	struct stat st;

	return !stat("/sys/module/oomsnap", &st) && S_ISDIR(st.st_mode);
}

static bool debugfs_mounted(void)
{
	FILE *f = fopen("/proc/mounts", "r");
	char line[512];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, " /sys/kernel/debug debugfs ");
	fclose(f);
	return found;
}

/* DIR/NAME, malloc'd. */
char *file_path(const char *name)
{
	struct sbuf b = { 0 };

	sb_printf(&b, "%s/%s", oomsnap_dir, name);
	return b.s;
}

/*
 * The module's file @name must be there and readable (protect and clear:
 * writable, protect list included): else a message that says what to do,
 * and the exit status for it.
 */
void need(const char *name)
{
	bool write = !strcmp(name, "protect") || !strcmp(name, "clear");
	char *path;

	if (!find_dir()) {
		if (!module_loaded())
			die(E_NOTLOADED,
			    "the oomsnap module is not loaded (modprobe oomsnap, or insmod oomsnap.ko)");
		if (geteuid())
			die(E_PERM,
			    "permission denied: the module's files are root-only (run as root)");
		if (!debugfs_mounted())
			die(E_NOTLOADED,
			    "oomsnap is loaded but its files are not found: debugfs is not mounted (mount -t debugfs none /sys/kernel/debug) and /proc/oomsnap does not exist (load with procfs=1)");
		die(E_NOTLOADED, "oomsnap is loaded but neither %s nor %s has its files",
		    DEBUGFS_DIR, PROCFS_DIR);
	}
	path = file_path(name);
	if (access(path, F_OK) && errno != ENOENT)
		die(E_PERM, "cannot access %s: %s", path, strerror(errno));
	if (access(path, F_OK))
		die(E_NOTLOADED,
		    "%s does not exist (is the module loaded? is -d/OOMSNAP_DIR right?)",
		    path);
	/* root opens them whatever the mode bits say */
	if (geteuid() && access(path, write ? W_OK : R_OK))
		die(E_PERM, "permission denied: %s is root-only (run as root)", path);
	free(path);
}

static char *read_path(const char *path, size_t *len, int *err)
{
	size_t cap = 1 << 16, n = 0;
	char *buf;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = errno;
		return NULL;
	}
	buf = xrealloc(NULL, cap);
	for (;;) {
		if (cap - n < 4096)
			buf = xrealloc(buf, cap *= 2);
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*err = errno;
			close(fd);
			free(buf);
			return NULL;
		}
		if (!r)
			break;
		n += r;
	}
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/*
 * The whole of the module's file @name, NUL-terminated (a debugfs file
 * has no size to stat: read to the end).  On failure the message names
 * the file and the error: exit 3 when it went away (module unloaded), 4
 * otherwise (the open is refused without CAP_SYSLOG, interface 2.1).
 */
char *read_file(const char *name, size_t *len)
{
	char *path = file_path(name), *buf;
	int err = 0;

	buf = read_path(path, len, &err);
	if (!buf)
		die(err == ENOENT || err == ENODEV ? E_NOTLOADED : E_PERM,
		    "cannot read %s: %s%s", path, strerror(err),
		    err == EACCES || err == EPERM ? " (run as root?)" : "");
	free(path);
	return buf;
}

/* read_file(), but NULL instead of an error. */
char *read_file_soft(const char *name, size_t *len)
{
	char *path = file_path(name), *buf;
	int err;

	buf = read_path(path, len, &err);
	free(path);
	return buf;
}
