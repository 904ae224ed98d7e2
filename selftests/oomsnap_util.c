// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the oomsnap selftests: what each does is in
 * oomsnap_util.h.
 */
#include <dirent.h>
#include <stdarg.h>
#include <limits.h>
#include <sys/swap.h>
#include "oomsnap_util.h"

const char *ou_dir(void)
{
	if (access("/sys/kernel/debug/oomsnap/stats", F_OK) == 0)
		return "/sys/kernel/debug/oomsnap";
	return "/proc/oomsnap";
}

const char *ou_path(const char *name)
{
	/* per thread: the stress test reads views from several threads */
	static __thread char buf[4][256];
	static __thread int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", ou_dir(), name);
	return buf[i];
}

const char *ou_ko(void)
{
	const char *p = getenv("OOMSNAP_KO");

	return p && *p ? p : "/oomsnap/oomsnap.ko";
}

int ou_loaded(void)
{
	return access("/sys/module/oomsnap", F_OK) == 0;
}

int ou_unload(void)
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

int ou_load(const char *params)
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

char *ou_read(const char *path)
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

int ou_write(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		err = -errno;
	close(fd);
	return err;
}

long long ou_stat(const char *key)
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

long long ou_file_num(const char *path, const char *key)
{
	char *s = ou_read(path), *p;
	long long v = -1;

	p = s ? strstr(s, key) : NULL;
	if (p)
		v = atoll(p + strlen(key));
	free(s);
	return v;
}

long long ou_vmstat_oom_kill(void)
{
	return ou_file_num("/proc/vmstat", "\noom_kill ");
}

int ou_cg_create(const char *cg, const char *max)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), OU_CGROOT "/%s", cg);
	if (mkdir(p, 0755) && errno != EEXIST)
		return -errno;
	if (max) {
		snprintf(p, sizeof(p), OU_CGROOT "/%s/memory.max", cg);
		return ou_write(p, max);
	}
	return 0;
}

int ou_cg_enable_memory(const char *cg)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), OU_CGROOT "/%s/cgroup.subtree_control", cg);
	return ou_write(p, "+memory");
}

void ou_cg_remove(const char *cg)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), OU_CGROOT "/%s", cg);
	rmdir(p);
}

int ou_memcg_available(void)
{
	char *s = ou_read(OU_CGROOT "/cgroup.subtree_control");
	int ok = s && strstr(s, "memory");

	free(s);
	return ok;
}

int ou_cg_enter(const char *cg, pid_t pid)
{
	char p[PATH_MAX], v[32];

	snprintf(p, sizeof(p), OU_CGROOT "/%s/cgroup.procs", cg);
	snprintf(v, sizeof(v), "%d", pid);
	return ou_write(p, v);
}

pid_t ou_spawn_hog(const char *cg, const char *comm,
		   long mb, int adj)
{
	pid_t pid = fork();

	if (pid == 0) {
		char a[32], link[128];

		snprintf(a, sizeof(a), "%d", adj);
		ou_write("/proc/self/oom_score_adj", a);
		if (comm) {
			/* comm is the exec'd file's name: exec a link so named */
			snprintf(link, sizeof(link), "/tmp/%s", comm);
			symlink(OU_HOG, link);
		}
		ou_exec_hog(comm ? link : NULL, cg, mb, 4);
	}
	return pid;
}

void ou_exec_hog(const char *path, const char *cg, long mb, long step_mb)
{
	char mbs[32], steps[32];
	int fd = open("/dev/null", O_WRONLY);

	if (fd >= 0) {
		dup2(fd, 1);
		close(fd);
	}
	if (cg && ou_cg_enter(cg, getpid()))
		_exit(126);
	snprintf(mbs, sizeof(mbs), "%ld", mb);
	snprintf(steps, sizeof(steps), "%ld", step_mb);
	if (path)
		execl(path, strrchr(path, '/') ? strrchr(path, '/') + 1 : path,
		      mbs, steps, NULL);
	execl(OU_HOG, "oomsnap_hog", mbs, steps, NULL);
	_exit(127);
}

int ou_wait_killed(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFSIGNALED(st) ? WTERMSIG(st) : 0;
}

int ou_kmsg_last(const char *needle, char *buf, size_t size)
{
	char rec[8192];
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK), found = -1;
	ssize_t n;

	if (fd < 0)
		return -errno;
	/* one record a read; EAGAIN at the end */
	while ((n = read(fd, rec, sizeof(rec) - 1)) != 0) {
		char *p;

		if (n < 0) {
			if (errno == EPIPE)
				continue;	/* overwritten record */
			break;
		}
		rec[n] = '\0';
		p = strstr(rec, needle);
		if (p) {
			snprintf(buf, size, "%s", p);
			found = 0;
		}
	}
	close(fd);
	return found;
}

int ou_kmsg_killed(int pid, struct ou_killed *k)
{
	char line[1024], needle[64];

	snprintf(needle, sizeof(needle), "Killed process %d (", pid);
	if (ou_kmsg_last(needle, line, sizeof(line)))
		return -1;
	memset(k, 0, sizeof(*k));
	if (sscanf(line, "Killed process %d (%63[^)]) total-vm:%ldkB, anon-rss:%ldkB, file-rss:%ldkB, shmem-rss:%ldkB, UID:%u pgtables:%ldkB oom_score_adj:%d",
		   &k->pid, k->comm, &k->total_vm, &k->anon, &k->file,
		   &k->shmem, &k->uid, &k->pgtables, &k->adj) != 9)
		return -1;
	return 0;
}

json_object **ou_events(int *n)
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

void ou_events_free(json_object **v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		json_object_put(v[i]);
	free(v);
}

json_object *ou_get(json_object *o, const char *path)
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

long long ou_int(json_object *o, const char *path)
{
	json_object *v = ou_get(o, path);

	return v && json_object_is_type(v, json_type_int) ?
	       json_object_get_int64(v) : -999999;
}

const char *ou_str(json_object *o, const char *path)
{
	json_object *v = ou_get(o, path);

	return v && json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : "(none)";
}

int ou_is_null(json_object *o, const char *path)
{
	json_object *v;

	return json_object_object_get_ex(o, path, &v) && v == NULL;
}

json_object *ou_event_by_victim(json_object **v, int n,
				int pid)
{
	int i;

	for (i = n - 1; i >= 0; i--)
		if (ou_int(v[i], "victim.pid") == pid)
			return v[i];
	return NULL;
}

int ou_wait_event_of(pid_t pid, int ms)
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

int ou_wait_victim(pid_t pid)
{
	int sig = ou_wait_killed(pid);

	if (sig == SIGKILL && ou_wait_event_of(pid, 10000))
		return -1;
	return sig;
}

int ou_wait_events(long long n, int ms)
{
	for (; ms > 0; ms -= 20) {
		if (ou_stat("events_total") >= n)
			return 0;
		usleep(20000);
	}
	return ou_stat("events_total") >= n ? 0 : -1;
}

pid_t ou_memcg_oom(const char *cg)
{
	pid_t pid = ou_spawn_hog(cg, "hog", 0, 0);

	if (pid < 0)
		return -1;
	return ou_wait_killed(pid) == SIGKILL ? pid : -1;
}

int ou_stress_full(void)
{
	const char *s = getenv("OOMSNAP_STRESS");

	return s && !strcmp(s, "full");
}

long ou_stress_n(long quick, long full)
{
	return ou_stress_full() ? full : quick;
}

int ou_read_line(int fd, char *buf, size_t size, int ms)
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

pid_t ou_memcg_oom_fork(const char *cg)
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

int ou_oomgen_start(struct ou_oomgen *g, const char *cg)
{
	int to, from;

	g->pid = ou_fork_pipes(&to, &from);
	if (g->pid < 0)
		return -errno;
	if (g->pid == 0) {
		long done = 0;
		char cmd;

		fcntl(from, F_SETFL, O_NONBLOCK);
		for (;;) {
			if (read(from, &cmd, 1) == 1) {
				if (cmd == 'q')
					break;
				/* 'p': paused until 'r' */
				fcntl(from, F_SETFL, 0);
				if (write(to, "a", 1) != 1 ||
				    read(from, &cmd, 1) != 1 || cmd == 'q')
					break;
				fcntl(from, F_SETFL, O_NONBLOCK);
				continue;
			}
			if (ou_memcg_oom_fork(cg) > 0)
				done++;
		}
		if (write(to, &done, sizeof(done)) != sizeof(done))
			_exit(1);
		_exit(0);
	}
	g->ctl = to;
	g->ack = from;
	return 0;
}

pid_t ou_fork_pipes(int *to, int *from)
{
	int down[2], up[2];
	pid_t pid;

	if (pipe(down))
		return -1;
	if (pipe(up)) {
		close(down[0]);
		close(down[1]);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		close(down[0]);
		close(down[1]);
		close(up[0]);
		close(up[1]);
		return -1;
	}
	/* down: parent to child; up: child to parent */
	close(pid ? down[0] : down[1]);
	close(pid ? up[1] : up[0]);
	*to = pid ? down[1] : up[1];
	*from = pid ? up[0] : down[0];
	return pid;
}

int ou_oomgen_pause(struct ou_oomgen *g)
{
	char ack;

	if (write(g->ctl, "p", 1) != 1 || read(g->ack, &ack, 1) != 1)
		return -1;
	return 0;
}

void ou_oomgen_resume(struct ou_oomgen *g)
{
	if (write(g->ctl, "r", 1) != 1)
		perror("oomgen resume");
}

long ou_oomgen_stop(struct ou_oomgen *g)
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

int ou_check_seqs(json_object **v, int n, long long total,
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

void ou_quiet_begin(struct ou_quiet *q)
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

void ou_quiet_end(const struct ou_quiet *q)
{
	if (*q->printk)
		ou_write("/proc/sys/kernel/printk", q->printk);
	if (*q->dump_tasks)
		ou_write("/proc/sys/vm/oom_dump_tasks", q->dump_tasks);
}

int ou_caps_set(unsigned long long eff)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2] = { { 0 } };

	d[0].effective = d[0].permitted = (__u32)eff;
	d[1].effective = d[1].permitted = (__u32)(eff >> 32);
	return syscall(SYS_capset, &h, d);
}

int ou_wait_asleep(pid_t pid, const char *comm, long rss_kb, int ms)
{
	char path[64], want[16], *s, *p;
	int ok = 0;

	/* the kernel keeps 15 bytes of a name */
	snprintf(want, sizeof(want), "%s", comm ?: "");

	for (; !ok; ms -= 20) {
		if (ms < 0) {
			printf("# process %d: not asleep%s%s with %ld kB after the wait\n",
			       pid, comm ? " as " : "", comm ?: "", rss_kb);
			return -1;
		}
		usleep(20000);
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		s = ou_read(path);
		/* "PID (COMM) S ..." with any bytes in COMM */
		p = s ? strrchr(s, ')') : NULL;
		ok = p && p[1] == ' ' && p[2] == 'S';
		if (ok && comm) {
			*p = '\0';
			ok = strchr(s, '(') && !strcmp(strchr(s, '(') + 1, want);
		}
		free(s);
		if (ok && rss_kb) {
			snprintf(path, sizeof(path), "/proc/%d/status", pid);
			ok = ou_file_num(path, "\nVmRSS:") >= rss_kb;
		}
	}
	return 0;
}

pid_t ou_spawn_holder(const char *cg, const char *comm, long mb, int adj)
{
	pid_t pid = ou_spawn_hog(cg, comm, mb, adj);

	if (pid < 0)
		return -1;
	if (ou_wait_asleep(pid, comm ?: "oomsnap_hog", mb << 10, 20000)) {
		ou_kill_wait(&pid, 1);
		return -1;
	}
	return pid;
}

void ou_kill_wait(const pid_t *pids, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
}

int ou_oom_events(struct ou_oom *o, pid_t victim)
{
	memset(o, 0, sizeof(*o));
	o->victim = victim;
	o->v = ou_events(&o->n);
	if (!o->v) {
		printf("# events.json unreadable or invalid\n");
		o->n = 0;
		return -1;
	}
	o->ev = ou_event_by_victim(o->v, o->n, o->victim);
	if (!o->ev) {
		printf("# no event with victim %d in events.json\n", o->victim);
		ou_oom_free(o);
		return -1;
	}
	return 0;
}

int ou_oom_wait(struct ou_oom *o, pid_t pid)
{
	int sig;

	memset(o, 0, sizeof(*o));
	if (pid <= 0)
		return -1;
	sig = ou_wait_victim(pid);
	if (sig != SIGKILL) {
		printf("# process %d ended with %d, not SIGKILL\n", pid, sig);
		return -1;
	}
	return ou_oom_events(o, pid);
}

int ou_oom_hog(struct ou_oom *o, const char *cg, const char *max,
	       const char *comm)
{
	int err;

	memset(o, 0, sizeof(*o));
	if (cg) {
		err = ou_cg_create(cg, max);
		if (err) {
			printf("# cgroup %s (memory.max %s): %s\n", cg,
			       max ?: "-", strerror(-err));
			return -1;
		}
	}
	return ou_oom_wait(o, ou_spawn_hog(cg, comm, 0, 0));
}

int ou_oom_sysrq(struct ou_oom *o, const char *comm, long mb)
{
	long long before = ou_stat("events_total");
	pid_t pid;
	int sig;

	memset(o, 0, sizeof(*o));
	pid = ou_spawn_holder(NULL, comm, mb, 0);
	if (pid < 0)
		return -1;
	if (ou_write("/proc/sysrq-trigger", "f") ||
	    ou_wait_events(before + 1, 10000)) {
		printf("# sysrq-f: no event counted\n");
		ou_kill_wait(&pid, 1);
		return -1;
	}
	sig = ou_wait_killed(pid);
	if (sig != SIGKILL) {
		printf("# sysrq-f: %s %d ended with %d, not SIGKILL\n", comm,
		       pid, sig);
		return -1;
	}
	o->victim = pid;
	o->v = ou_events(&o->n);
	if (!o->v || !o->n) {
		printf("# events.json empty, unreadable or invalid\n");
		ou_oom_free(o);
		return -1;
	}
	o->ev = o->v[o->n - 1];
	return 0;
}

void ou_oom_free(struct ou_oom *o)
{
	if (o->v)
		ou_events_free(o->v, o->n);
	memset(o, 0, sizeof(*o));
}

/* whether some /proc/PID/fd/N of process @pid links to @target */
static int holds_open(const char *pid, const char *target)
{
	char dir[64], fd[PATH_MAX], link[PATH_MAX];
	struct dirent *e;
	int found = 0;
	ssize_t n;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%s/fd", pid);
	d = opendir(dir);
	while (d && !found && (e = readdir(d))) {
		snprintf(fd, sizeof(fd), "%s/%s", dir, e->d_name);
		n = readlink(fd, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = '\0';
			found = !strcmp(link, target);
		}
	}
	if (d)
		closedir(d);
	return found;
}

int ou_wait_stream_open(int ms)
{
	const char *stream = ou_path("stream");
	struct dirent *e;
	int found = 0;
	DIR *d;

	for (; !found && ms >= 0; ms -= 20) {
		d = opendir("/proc");
		while (d && !found && (e = readdir(d)))
			found = e->d_name[0] >= '1' && e->d_name[0] <= '9' &&
				holds_open(e->d_name, stream);
		if (d)
			closedir(d);
		if (!found)
			usleep(20000);
	}
	if (!found)
		printf("# nobody opened %s\n", stream);
	return found ? 0 : -1;
}

int ou_memcg_ooms(const char *cg, const char *max, int n)
{
	int i, killed = 0;

	if (ou_cg_create(cg, max))
		return -1;
	for (i = 0; i < n; i++)
		killed += ou_memcg_oom(cg) > 0;
	return killed;
}

pid_t ou_ancestor_oom_start(const char *parent, pid_t *sleeper)
{
	char a[128], b[128];

	snprintf(a, sizeof(a), "%s/a", parent);
	snprintf(b, sizeof(b), "%s/b", parent);
	*sleeper = -1;
	if (ou_cg_create(parent, "48M") || ou_cg_enable_memory(parent) ||
	    ou_cg_create(a, "64M") || ou_cg_create(b, "64M")) {
		printf("# cannot make cgroups %s, %s and %s\n", parent, a, b);
		return -1;
	}
	*sleeper = ou_spawn_holder(a, "sleeper", 20, 0);
	if (*sleeper < 0)
		return -1;
	/* the grower's 28M + the sleeper's 20M hit the parent's 48M */
	return ou_spawn_hog(b, "grower", 0, 0);
}

void ou_ancestor_oom_end(const char *parent, pid_t sleeper, pid_t grower)
{
	pid_t pids[2] = { sleeper, grower };
	char cg[128];

	ou_kill_wait(pids, 2);
	snprintf(cg, sizeof(cg), "%s/a", parent);
	ou_cg_remove(cg);
	snprintf(cg, sizeof(cg), "%s/b", parent);
	ou_cg_remove(cg);
	ou_cg_remove(parent);
}

#define OU_ZRAM_MODS	"/oomsnap/modules"
#define OU_ZRAM_DEV	"/dev/zram0"

/* finit_module() of OU_ZRAM_MODS/@name.ko; 0 when loaded or already there */
static int ou_insmod_zram(const char *name)
{
	char p[128];
	int fd, r;

	snprintf(p, sizeof(p), OU_ZRAM_MODS "/%s.ko", name);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = syscall(SYS_finit_module, fd, "", 0);
	r = r && errno != EEXIST ? -errno : 0;
	close(fd);
	return r;
}

const char *ou_swap_on(const char *size)
{
	if (access("/sys/block/zram0", F_OK)) {
		char *order = ou_read(OU_ZRAM_MODS "/order"), *save = NULL, *m;

		if (!order)
			return "no zram (the guest lacks " OU_ZRAM_MODS "/order)";
		for (m = strtok_r(order, "\n", &save); m;
		     m = strtok_r(NULL, "\n", &save)) {
			if (ou_insmod_zram(m)) {
				free(order);
				return "a module of " OU_ZRAM_MODS "/order does not load";
			}
		}
		free(order);
		if (access("/sys/block/zram0", F_OK))
			return "zram loaded but no /sys/block/zram0";
	}
	ou_swap_off();
	if (ou_write("/sys/block/zram0/disksize", size))
		return "zram disksize refused";
	if (system("mkswap " OU_ZRAM_DEV " >/dev/null 2>&1"))
		return "mkswap failed";
	if (swapon(OU_ZRAM_DEV, 0))
		return "swapon failed";
	return NULL;
}

void ou_swap_off(void)
{
	swapoff(OU_ZRAM_DEV);
	ou_write("/sys/block/zram0/reset", "1");
}

const char *ou_cli(void)
{
	const char *p = getenv("OOMSNAP_CLI");

	return p && *p ? p : "/bin/oomsnap";
}

int ou_cli_run(char **out, const char *fmt, ...)
{
	char args[512], cmd[768], *buf;
	size_t cap = 1 << 16, len = 0, n;
	va_list ap;
	FILE *f;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", ou_cli(), args);
	buf = malloc(cap);
	f = popen(cmd, "r");
	if (!f || !buf) {
		free(buf);
		*out = strdup("(popen failed)");
		return -1;
	}
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 4096)
			buf = realloc(buf, cap *= 2);
	}
	buf[len] = '\0';
	st = pclose(f);
	*out = buf;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
