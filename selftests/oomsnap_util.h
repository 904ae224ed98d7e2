/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the oomsnap selftests: load/unload the module, read
 * its files, make cgroups, run memory hogs, read the kernel's own OOM
 * report from /dev/kmsg, and parse events.json with json-c.
 */
#ifndef OOMSNAP_UTIL_H
#define OOMSNAP_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <json-c/json.h>
#include <linux/capability.h>

#define OU_UNUSED __attribute__((unused))
#define OU_CGROOT "/sys/fs/cgroup"
#define OU_HOG "/selftests/oomsnap_hog"

/* Where the module's files are: debugfs, else /proc/oomsnap. */
static OU_UNUSED const char *ou_dir(void)
{
	if (access("/sys/kernel/debug/oomsnap/stats", F_OK) == 0)
		return "/sys/kernel/debug/oomsnap";
	return "/proc/oomsnap";
}

static OU_UNUSED const char *ou_path(const char *name)
{
	/* per thread: the stress test reads views from several threads */
	static __thread char buf[4][256];
	static __thread int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", ou_dir(), name);
	return buf[i];
}

static OU_UNUSED const char *ou_ko(void)
{
	const char *p = getenv("OOMSNAP_KO");

	return p && *p ? p : "/oomsnap/oomsnap.ko";
}

static OU_UNUSED int ou_loaded(void)
{
	return access("/sys/module/oomsnap", F_OK) == 0;
}

/* delete_module(2), retried while busy; 0 or -errno. */
static OU_UNUSED int ou_unload(void)
{
	int i;

	for (i = 0; i < 100; i++) {
		if (!syscall(SYS_delete_module, "oomsnap", O_NONBLOCK))
			return 0;
		if (errno == ENOENT)
			return 0;
		if (errno != EAGAIN && errno != EBUSY && errno != EWOULDBLOCK)
			return -errno;
		usleep(50000);
	}
	return -EBUSY;
}

/* finit_module(2) with @params, after unloading any previous copy. */
static OU_UNUSED int ou_load(const char *params)
{
	int fd, err = 0;

	ou_unload();
	fd = open(ou_ko(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params ? params : "", 0))
		err = -errno;
	close(fd);
	return err;
}

/* Read a whole file into a malloc'd string (NULL with errno on failure). */
static OU_UNUSED char *ou_read(const char *path)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
	}
	if (n < 0) {		/* a failed read is not a short file */
		int e = errno;

		close(fd);
		free(buf);
		errno = e;
		return NULL;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* One write(2) of @s; 0 or -errno. */
static OU_UNUSED int ou_write(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* A counter from the stats file, or -1. */
static OU_UNUSED long long ou_stat(const char *key)
{
	char *s = ou_read(ou_path("stats")), *p;
	size_t kl = strlen(key);
	long long v = -1;

	for (p = s; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, key, kl) && p[kl] == ' ') {
			v = atoll(p + kl + 1);
			break;
		}
	free(s);
	return v;
}

/* The number after the first @key in file @path, or -1. */
static OU_UNUSED long long ou_file_num(const char *path, const char *key)
{
	char *s = ou_read(path), *p;
	long long v = -1;

	p = s ? strstr(s, key) : NULL;
	if (p)
		v = atoll(p + strlen(key));
	free(s);
	return v;
}

/* The kernel's oom_kill counter from /proc/vmstat. */
static OU_UNUSED long long ou_vmstat_oom_kill(void)
{
	return ou_file_num("/proc/vmstat", "\noom_kill ");
}

/* Create cgroup @cg (path below the root, e.g. "t/a") with memory.max. */
static OU_UNUSED int ou_cg_create(const char *cg, const char *max)
{
	char p[256];

	snprintf(p, sizeof(p), OU_CGROOT "/%s", cg);
	if (mkdir(p, 0755) && errno != EEXIST)
		return -errno;
	if (max) {
		snprintf(p, sizeof(p), OU_CGROOT "/%s/memory.max", cg);
		return ou_write(p, max);
	}
	return 0;
}

/* Let children of @cg use the memory controller. */
static OU_UNUSED int ou_cg_enable_memory(const char *cg)
{
	char p[256];

	snprintf(p, sizeof(p), OU_CGROOT "/%s/cgroup.subtree_control", cg);
	return ou_write(p, "+memory");
}

static OU_UNUSED void ou_cg_remove(const char *cg)
{
	char p[256];

	snprintf(p, sizeof(p), OU_CGROOT "/%s", cg);
	rmdir(p);
}

static OU_UNUSED int ou_memcg_available(void)
{
	char *s = ou_read(OU_CGROOT "/cgroup.subtree_control");
	int ok = s && strstr(s, "memory");

	free(s);
	return ok;
}

/* Move process @pid into cgroup @cg. */
static OU_UNUSED int ou_cg_enter(const char *cg, pid_t pid)
{
	char p[256], v[32];

	snprintf(p, sizeof(p), OU_CGROOT "/%s/cgroup.procs", cg);
	snprintf(v, sizeof(v), "%d", pid);
	return ou_write(p, v);
}

/*
 * Start the hog (as @comm, in cgroup @cg when not NULL, with oom_score_adj
 * @adj) allocating @mb MB (0: without end).  Returns its pid.
 */
static OU_UNUSED pid_t ou_spawn_hog(const char *cg, const char *comm,
				    long mb, int adj)
{
	pid_t pid = fork();

	if (pid == 0) {
		char mbs[32], a[32];
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0) {
			dup2(fd, 1);
			close(fd);
		}
		if (cg && ou_cg_enter(cg, getpid()))
			_exit(126);
		snprintf(a, sizeof(a), "%d", adj);
		ou_write("/proc/self/oom_score_adj", a);
		snprintf(mbs, sizeof(mbs), "%ld", mb);
		if (comm) {
			/* comm is the exec'd file's name: exec a link so named */
			char link[128];

			snprintf(link, sizeof(link), "/tmp/%s", comm);
			symlink(OU_HOG, link);
			execl(link, comm, mbs, "4", NULL);
		}
		execl(OU_HOG, "oomsnap_hog", mbs, "4", NULL);
		_exit(127);
	}
	return pid;
}

/* Wait for @pid; returns the signal that killed it, or 0. */
static OU_UNUSED int ou_wait_killed(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFSIGNALED(st) ? WTERMSIG(st) : 0;
}

/* The kernel's own "Killed process" line for one pid, parsed. */
struct ou_killed {
	int pid;
	char comm[64];
	long total_vm, anon, file, shmem, pgtables;
	unsigned int uid;
	int adj;
};

/*
 * Find the last "Killed process PID" report in the kernel log.
 * Returns 0 when found.
 */
static OU_UNUSED int ou_kmsg_killed(int pid, struct ou_killed *k)
{
	char buf[8192], needle[64];
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK), found = -1;
	ssize_t n;

	if (fd < 0)
		return -errno;
	snprintf(needle, sizeof(needle), "Killed process %d (", pid);
	while ((n = read(fd, buf, sizeof(buf) - 1)) != 0) {
		char *p;

		if (n < 0) {
			if (errno == EPIPE)
				continue;	/* overwritten record */
			break;
		}
		buf[n] = '\0';
		p = strstr(buf, needle);
		if (!p)
			continue;
		memset(k, 0, sizeof(*k));
		if (sscanf(p, "Killed process %d (%63[^)]) total-vm:%ldkB, anon-rss:%ldkB, file-rss:%ldkB, shmem-rss:%ldkB, UID:%u pgtables:%ldkB oom_score_adj:%d",
			   &k->pid, k->comm, &k->total_vm, &k->anon, &k->file,
			   &k->shmem, &k->uid, &k->pgtables, &k->adj) == 9)
			found = 0;
	}
	close(fd);
	return found;
}

/* Every line of events.json, parsed; *n gets the count.  NULL on error. */
static OU_UNUSED json_object **ou_events(int *n)
{
	char *s = ou_read(ou_path("events.json")), *line, *save = NULL;
	json_object **v = NULL;
	int cap = 0;

	*n = 0;
	if (!s)
		return NULL;
	for (line = strtok_r(s, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		json_object *o = json_tokener_parse(line);

		if (!o) {
			fprintf(stderr, "# invalid JSON line: %s\n", line);
			free(s);
			*n = -1;
			return NULL;
		}
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			v = realloc(v, cap * sizeof(*v));
		}
		v[(*n)++] = o;
	}
	free(s);
	if (!v)
		v = calloc(1, sizeof(*v));
	return v;
}

static OU_UNUSED void ou_events_free(json_object **v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		json_object_put(v[i]);
	free(v);
}

/* A member by dotted path ("victim.pid"); NULL when missing. */
static OU_UNUSED json_object *ou_get(json_object *o, const char *path)
{
	char key[64];
	const char *dot;

	while (o && path && *path) {
		dot = strchr(path, '.');
		snprintf(key, sizeof(key), "%.*s",
			 (int)(dot ? dot - path : (long)strlen(path)), path);
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		path = dot ? dot + 1 : NULL;
	}
	return o;
}

static OU_UNUSED long long ou_int(json_object *o, const char *path)
{
	json_object *v = ou_get(o, path);

	return v && json_object_is_type(v, json_type_int) ?
	       json_object_get_int64(v) : -999999;
}

static OU_UNUSED const char *ou_str(json_object *o, const char *path)
{
	json_object *v = ou_get(o, path);

	return v && json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : "(none)";
}

static OU_UNUSED int ou_is_null(json_object *o, const char *path)
{
	json_object *v;

	return json_object_object_get_ex(o, path, &v) && v == NULL;
}

/* The last event whose victim is @pid, or NULL. */
static OU_UNUSED json_object *ou_event_by_victim(json_object **v, int n,
						 int pid)
{
	int i;

	for (i = n - 1; i >= 0; i--)
		if (ou_int(v[i], "victim.pid") == pid)
			return v[i];
	return NULL;
}

/*
 * Wait up to @ms for an event whose victim is @pid; 0, or -1 (printed).
 * The kernel sends SIGKILL inside out_of_memory() and oomsnap commits
 * the event when it returns, after the kill's console lines (slow on a
 * serial console): a victim other than the allocating task can be reaped,
 * and waited for, before its event is in the ring.
 */
static OU_UNUSED int ou_wait_event_of(pid_t pid, int ms)
{
	json_object **v;
	int n, found;

	for (;; ms -= 20) {
		v = ou_events(&n);
		found = v && ou_event_by_victim(v, n, pid);
		ou_events_free(v, n);
		if (found)
			return 0;
		if (ms <= 0)
			break;
		usleep(20000);
	}
	printf("# no event with victim %d in the ring\n", pid);
	return -1;
}

/*
 * Wait for @pid to end and, when SIGKILL ended it, for its event
 * (ou_wait_event_of(), 10 s).  Returns the signal that ended @pid, 0 for
 * a normal exit, -1 when it was not our child or its event never came.
 */
static OU_UNUSED int ou_wait_victim(pid_t pid)
{
	int sig = ou_wait_killed(pid);

	if (sig == SIGKILL && ou_wait_event_of(pid, 10000))
		return -1;
	return sig;
}

/* Wait until the stats file counts @n events; 0, or -1 after @ms. */
static OU_UNUSED int ou_wait_events(long long n, int ms)
{
	for (; ms > 0; ms -= 20) {
		if (ou_stat("events_total") >= n)
			return 0;
		usleep(20000);
	}
	return ou_stat("events_total") >= n ? 0 : -1;
}

/*
 * One memcg OOM: a hog grows in cgroup @cg (which must have a memory.max)
 * until the OOM killer ends it.  Returns its pid when it died of SIGKILL,
 * else -1.
 */
static OU_UNUSED pid_t ou_memcg_oom(const char *cg)
{
	pid_t pid = ou_spawn_hog(cg, "hog", 0, 0);

	if (pid < 0)
		return -1;
	return ou_wait_killed(pid) == SIGKILL ? pid : -1;
}

/*
 * Stress tests: OOMSNAP_STRESS=full (debug lane) or quick (the default,
 * normal lanes) picks the size of a run.
 */
static OU_UNUSED int ou_stress_full(void)
{
	const char *s = getenv("OOMSNAP_STRESS");

	return s && !strcmp(s, "full");
}

static OU_UNUSED long ou_stress_n(long quick, long full)
{
	return ou_stress_full() ? full : quick;
}

/*
 * One line from @fd (the stream file), waiting at most @ms for data.
 * Returns its length, 0 at end of file, -1 on timeout or error.
 */
static OU_UNUSED int ou_read_line(int fd, char *buf, size_t size, int ms)
{
	size_t len = 0;

	while (len < size - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, ms) != 1) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = read(fd, buf + len, size - 1 - len);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += n;
		if (buf[len - 1] == '\n')
			break;
	}
	buf[len] = '\0';
	return len;
}

/*
 * One memcg OOM, cheaper than ou_memcg_oom(): a forked child (no exec)
 * named "hog" joins cgroup @cg and touches memory until the OOM killer
 * ends it.  Returns its pid when it died of SIGKILL, else -1.
 */
static OU_UNUSED pid_t ou_memcg_oom_fork(const char *cg)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		long page = sysconf(_SC_PAGESIZE);

		if (ou_cg_enter(cg, getpid()))
			_exit(126);
		ou_write("/proc/self/oom_score_adj", "0");
		ou_write("/proc/self/comm", "hog");
		for (;;) {
			char *p = malloc(1 << 20);
			long off;

			if (!p)
				_exit(125);
			for (off = 0; off < 1 << 20; off += page)
				p[off] = 1;
		}
	}
	return ou_wait_killed(pid) == SIGKILL ? pid : -1;
}

/*
 * A process that causes memcg OOMs in cgroup @cg, one after the other,
 * until stopped; it can be paused so that counters are read while no OOM
 * is in flight.
 */
struct ou_oomgen {
	pid_t pid;
	int ctl, ack;	/* our ends of the two pipes */
};

static OU_UNUSED int ou_oomgen_start(struct ou_oomgen *g, const char *cg)
{
	int c[2], a[2];

	if (pipe(c) || pipe(a))
		return -errno;
	g->pid = fork();
	if (g->pid < 0)
		return -errno;
	if (g->pid == 0) {
		long done = 0;
		char cmd;

		close(c[1]);
		close(a[0]);
		fcntl(c[0], F_SETFL, O_NONBLOCK);
		for (;;) {
			if (read(c[0], &cmd, 1) == 1) {
				if (cmd == 'q')
					break;
				/* 'p': paused until 'r' */
				fcntl(c[0], F_SETFL, 0);
				if (write(a[1], "a", 1) != 1 ||
				    read(c[0], &cmd, 1) != 1 || cmd == 'q')
					break;
				fcntl(c[0], F_SETFL, O_NONBLOCK);
				continue;
			}
			if (ou_memcg_oom_fork(cg) > 0)
				done++;
		}
		if (write(a[1], &done, sizeof(done)) != sizeof(done))
			_exit(1);
		_exit(0);
	}
	close(c[0]);
	close(a[1]);
	g->ctl = c[1];
	g->ack = a[0];
	return 0;
}

/* Wait until the OOM in flight (if any) is over; 0 or -1. */
static OU_UNUSED int ou_oomgen_pause(struct ou_oomgen *g)
{
	char ack;

	if (write(g->ctl, "p", 1) != 1 || read(g->ack, &ack, 1) != 1)
		return -1;
	return 0;
}

static OU_UNUSED void ou_oomgen_resume(struct ou_oomgen *g)
{
	if (write(g->ctl, "r", 1) != 1)
		perror("oomgen resume");
}

/* Stop it; returns the number of hogs it saw killed, or -1. */
static OU_UNUSED long ou_oomgen_stop(struct ou_oomgen *g)
{
	long done = -1;

	if (write(g->ctl, "q", 1) != 1 ||
	    read(g->ack, &done, sizeof(done)) != sizeof(done))
		done = -1;
	waitpid(g->pid, NULL, 0);
	close(g->ctl);
	close(g->ack);
	return done;
}

/*
 * The retained events are consecutive: seq from first to first + n - 1,
 * the last one being events_total.  Returns the number of problems
 * (printed), and counts in *killed the events whose outcome is killed.
 */
static OU_UNUSED int ou_check_seqs(json_object **v, int n, long long total,
				   long *killed)
{
	int i, bad = 0;

	*killed = 0;
	for (i = 0; i < n; i++) {
		if (i && ou_int(v[i], "seq") != ou_int(v[i - 1], "seq") + 1) {
			printf("# events.json: seq %lld follows %lld\n",
			       ou_int(v[i], "seq"), ou_int(v[i - 1], "seq"));
			bad++;
		}
		if (!strcmp(ou_str(v[i], "outcome"), "killed"))
			(*killed)++;
	}
	if (n && ou_int(v[n - 1], "seq") != total) {
		printf("# events.json: last seq %lld, events_total %lld\n",
		       ou_int(v[n - 1], "seq"), total);
		bad++;
	}
	return bad;
}

/*
 * Tests of many OOMs: their reports go to the kernel log only (hundreds of
 * them on the serial console cost more than the OOMs under TCG); warnings
 * and worse, every sanitizer and lockdep report, still reach the console;
 * no task dumps.  ou_quiet_end() puts back what ou_quiet_begin() found.
 */
struct ou_quiet {
	char printk[64];
	char dump_tasks[16];
};

static OU_UNUSED void ou_quiet_begin(struct ou_quiet *q)
{
	char *p = ou_read("/proc/sys/kernel/printk");
	char *d = ou_read("/proc/sys/vm/oom_dump_tasks");

	snprintf(q->printk, sizeof(q->printk), "%s", p ? p : "");
	snprintf(q->dump_tasks, sizeof(q->dump_tasks), "%s", d ? d : "");
	free(p);
	free(d);
	ou_write("/proc/sys/kernel/printk", "5");
	ou_write("/proc/sys/vm/oom_dump_tasks", "0");
}

static OU_UNUSED void ou_quiet_end(const struct ou_quiet *q)
{
	if (*q->printk)
		ou_write("/proc/sys/kernel/printk", q->printk);
	if (*q->dump_tasks)
		ou_write("/proc/sys/vm/oom_dump_tasks", q->dump_tasks);
}

/* Keep only the capabilities in @eff (effective and permitted). */
static OU_UNUSED int ou_caps_set(unsigned long long eff)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2] = { { 0 } };

	d[0].effective = d[0].permitted = (__u32)eff;
	d[1].effective = d[1].permitted = (__u32)(eff >> 32);
	return syscall(SYS_capset, &h, d);
}

#endif /* OOMSNAP_UTIL_H */
