// SPDX-License-Identifier: GPL-2.0
/*
 * Who was killed, in container-shaped cgroups (docs/interface.md 3.1,
 * cgroup paths): the record's cgroup paths against the kernel's own
 * report.
 *
 *  - kube_path: a memcg OOM in a Kubernetes container's cgroup as the
 *    systemd driver names it (191 bytes): memcg.path, trigger.memcg and
 *    victim.memcg are the whole path, not truncated, and equal the
 *    kernel's "oom_memcg=" and "task_memcg=" in its oom-kill line.
 *  - long_path: a cgroup path of 1,397 bytes, beyond the 1,024 kept: the
 *    record holds its first 1,024 bytes and says it is truncated (the
 *    kernel's own line is cut too, at its 1,024-byte record limit).
 *
 *  - group_leaf, group_parent: memory.oom.group kills of four tasks, the
 *    group set on the container's cgroup at its limit, then on the pod's
 *    cgroup at its limit above two containers: the pids of the kernel's
 *    "Killed process" lines for that OOM are exactly the record's
 *    killed_tasks (killed_total counts them), each task's figures are its
 *    line's (equal where the record says settled, else within the bound
 *    of interface section 3.1 for a task that may finish a page fault:
 *    the rss counters the kernel prints are the ones oomsnap reads, the
 *    same approximate per-CPU read on 6.2 to 6.17), each memcg is the
 *    task's container, and group.memcg is the kernel's "Tasks in PATH are
 *    going to be killed due to memory.oom.group set".
 *  - shared_mm: a process sharing the victim's memory (CLONE_VM, not a
 *    thread) is killed with it, without a line of its own: the record
 *    lists it with why "shared_mm".
 *  - shared_mm_group: the same pair in a memory.oom.group memcg, where
 *    the kernel kills both with a line each (unless the other exited
 *    first, woken by the victim's kill): the victim stays "victim",
 *    the other is "group" (a sharer found while the group is killed does
 *    not overwrite an entry already kept: it did, and one of the two
 *    became "shared_mm").
 *  - vfork_child: a vfork child that grows while its parent waits: the
 *    kernel kills the parent and the child with it; the record lists the
 *    child as "shared_mm" (its memory is not MMF_MULTIPROCESS).
 *
 * The kernel does not care which runtime made a directory: the tests make
 * them with mkdir, on cgroup v2.
 */
#include <limits.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "kselftest_harness.h"
#include "oomsnap_util.h"

#define PATH_KEPT	1024	/* OOMSNAP_PATH_MAX */

#define KUBE_POD	"kubepods-burstable-pod0c2b8c2e_1f3a_4b5c_9d8e_7f6a5b4c3d2e.slice"
#define KUBE_CTR	"cri-containerd-" \
	"3f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8.scope"
#define KUBE_PARENT	"kubepods.slice/kubepods-burstable.slice/" KUBE_POD
#define KUBE		KUBE_PARENT "/" KUBE_CTR
#define KUBE_CTR2	KUBE_PARENT "/cri-containerd-" \
	"9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d.scope"

/*
 * Interface section 3.1's bound for a task that may finish one page fault
 * between oomsnap's read and the kernel's line (as the capture test): page
 * tables 16 kB, rss one huge page plus the counter caching (66 pages up to
 * 6.1, the per-CPU batch since); total_vm only with a mapping call.
 */
#define BOUND_PGTABLES_KB	16
#define BOUND_RSS_KB		(2048 + 66 * 4)
#define HOG_MMAP_KB		(4096 + 4)

/* The test itself must never be the victim. */
__attribute__((constructor)) static void shield_self(void)
{
	ou_write("/proc/self/oom_score_adj", "-1000");
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/* Write @val to file @file of cgroup @cg (below the root, any length). */
static int cg_write(const char *cg, const char *file, const char *val)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), OU_CGROOT "/%s/%s", cg, file);
	return ou_write(p, val);
}

/*
 * Make every directory of @cg (below the root, components separated by
 * '/'), the memory controller enabled in each for the next.  0 or -errno.
 */
static int cg_mkdirs(const char *cg)
{
	char p[PATH_MAX], ctl[PATH_MAX + 32];
	size_t root = strlen(OU_CGROOT "/"), i;
	int err;

	snprintf(p, sizeof(p), OU_CGROOT "/%s/", cg);
	for (i = root; p[i]; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0755) && errno != EEXIST)
			return -errno;
		if (p[i + 1]) {
			snprintf(ctl, sizeof(ctl), "%s/cgroup.subtree_control", p);
			err = ou_write(ctl, "+memory");
			if (err)
				return err;
		}
		p[i] = '/';
	}
	return 0;
}

/* Remove @cg and its ancestors below the root, deepest first (empty). */
static void cg_rmdirs(const char *cg)
{
	char p[PATH_MAX], *s;

	snprintf(p, sizeof(p), OU_CGROOT "/%s", cg);
	do {
		rmdir(p);
		s = strrchr(p, '/');
		if (s)
			*s = '\0';
	} while (s && strlen(p) > strlen(OU_CGROOT));
}

/*
 * A hog named @comm in cgroup @cg (any length: it joins by itself) at
 * oom_score_adj 0, taking @mb MB (0: without end) and then sleeping.
 */
static pid_t spawn_in(const char *cg, const char *comm, long mb)
{
	pid_t pid = fork();

	if (pid == 0) {
		char me[32], link[128];

		snprintf(me, sizeof(me), "%d", getpid());
		if (cg_write(cg, "cgroup.procs", me))
			_exit(126);
		ou_write("/proc/self/oom_score_adj", "0");
		snprintf(link, sizeof(link), "/tmp/%s", comm);
		symlink(OU_HOG, link);
		ou_exec_hog(link, NULL, mb, 4);
	}
	return pid;
}

/*
 * From the kernel's oom-kill line for @pid ("oom-kill:constraint=...,
 * oom_memcg=P,task_memcg=P,task=...,pid=N,uid=U"), the value of @key
 * ("oom_memcg=") up to the next ','.  0 when found.
 */
static int kmsg_oom_field(pid_t pid, const char *key, char *out, size_t size)
{
	char line[8192], want[64], *p, *e;

	if (ou_kmsg_last("oom-kill:constraint=", line, sizeof(line)))
		return -1;
	snprintf(want, sizeof(want), ",pid=%d,", pid);
	p = strstr(line, key);
	if (!strstr(line, want) || !p)
		return -1;
	p += strlen(key);
	e = strchr(p, ',');
	if (!e)
		return -1;
	snprintf(out, size, "%.*s", (int)(e - p), p);
	return 0;
}

static int is_true(json_object *ev, const char *path)
{
	json_object *b = ou_get(ev, path);

	return b && json_object_is_type(b, json_type_boolean) ?
	       json_object_get_boolean(b) : -1;
}

/* the long path's cgroup, removed by the teardown */
static char deep[PATH_MAX];

FIXTURE(group) {
};

FIXTURE_SETUP(group)
{
	if (!ou_memcg_available())
		SKIP(return, "no memory controller (cgroup v2) in this kernel");
	ou_unload();
	ASSERT_EQ(0, ou_load(NULL));
}

FIXTURE_TEARDOWN(group)
{
	if (deep[0])
		cg_rmdirs(deep);
	cg_rmdirs(KUBE_CTR2);
	cg_rmdirs(KUBE);
	ou_unload();
}

TEST_F_TIMEOUT(group, kube_path, 120)
{
	char want[PATH_MAX], got[PATH_MAX];
	struct ou_oom o;
	pid_t pid;

	snprintf(want, sizeof(want), "/%s", KUBE);
	ASSERT_EQ(0, cg_mkdirs(KUBE));
	ASSERT_EQ(0, cg_write(KUBE, "memory.max", "32M"));
	pid = spawn_in(KUBE, "ctr_hog", 0);
	ASSERT_EQ(0, ou_oom_wait(&o, pid));
	printf("# path of %zu bytes\n", strlen(want));
	EXPECT_STREQ(want, ou_str(o.ev, "memcg.path"));
	EXPECT_STREQ(want, ou_str(o.ev, "trigger.memcg"));
	EXPECT_STREQ(want, ou_str(o.ev, "victim.memcg"));
	EXPECT_EQ(0, is_true(o.ev, "memcg.path_truncated"));
	EXPECT_EQ(0, is_true(o.ev, "trigger.memcg_truncated"));
	EXPECT_EQ(0, is_true(o.ev, "victim.memcg_truncated"));
	/* the kernel's own word */
	ASSERT_EQ(0, kmsg_oom_field(pid, ",oom_memcg=", got, sizeof(got)));
	EXPECT_STREQ(got, ou_str(o.ev, "memcg.path"));
	ASSERT_EQ(0, kmsg_oom_field(pid, ",task_memcg=", got, sizeof(got)));
	EXPECT_STREQ(got, ou_str(o.ev, "victim.memcg"));
	ou_oom_free(&o);
}

TEST_F_TIMEOUT(group, long_path, 120)
{
	char *cg = deep, want[PATH_MAX], name[256];
	struct ou_oom o;
	size_t len;
	pid_t pid;
	int i;

	/* the pod's cgroup, then six levels of 200-byte names below it */
	snprintf(cg, sizeof(deep), "%s", KUBE);
	for (i = 0; i < 6; i++) {
		memset(name, 'a' + i, 200);
		name[200] = '\0';
		len = strlen(cg);
		snprintf(cg + len, sizeof(deep) - len, "/%s", name);
	}
	snprintf(want, sizeof(want), "/%s", cg);
	ASSERT_GT(strlen(want), PATH_KEPT);
	ASSERT_EQ(0, cg_mkdirs(cg));
	ASSERT_EQ(0, cg_write(cg, "memory.max", "32M"));
	pid = spawn_in(cg, "deep_hog", 0);
	ASSERT_EQ(0, ou_oom_wait(&o, pid));
	printf("# path of %zu bytes\n", strlen(want));
	want[PATH_KEPT] = '\0';
	EXPECT_STREQ(want, ou_str(o.ev, "memcg.path"));
	EXPECT_STREQ(want, ou_str(o.ev, "trigger.memcg"));
	EXPECT_STREQ(want, ou_str(o.ev, "victim.memcg"));
	EXPECT_EQ(1, is_true(o.ev, "memcg.path_truncated"));
	EXPECT_EQ(1, is_true(o.ev, "trigger.memcg_truncated"));
	EXPECT_EQ(1, is_true(o.ev, "victim.memcg_truncated"));
	ou_oom_free(&o);
}

/*
 * The pids of the kernel's "Killed process" lines of the last OOM whose
 * oom-kill line names one of @pids, from that line to the next OOM's
 * report, each once: at most @max into @out.  Returns how many, -1 when
 * no such OOM.
 */
static int kmsg_killed_set(const pid_t *pids, int n, pid_t *out, int max)
{
	char rec[8192], want[64];
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK), count = -1, i;
	bool ours = false;
	pid_t pid;
	ssize_t len;

	if (fd < 0)
		return -1;
	while ((len = read(fd, rec, sizeof(rec) - 1)) != 0) {
		char *p;

		if (len < 0) {
			if (errno == EPIPE)
				continue;
			break;
		}
		rec[len] = '\0';
		if (strstr(rec, "invoked oom-killer:"))
			ours = false;	/* the next OOM's report begins */
		if (strstr(rec, "oom-kill:constraint=")) {
			for (i = 0; i < n; i++) {
				snprintf(want, sizeof(want), ",pid=%d,", pids[i]);
				if (strstr(rec, want)) {
					ours = true;
					count = 0;
				}
			}
			continue;
		}
		p = strstr(rec, "Killed process ");
		if (!p || !ours)
			continue;
		pid = atoi(p + strlen("Killed process "));
		/* a victim in its own group gets a second line */
		for (i = 0; i < count && out[i] != pid; i++)
			;
		if (i == count && count < max)
			out[count++] = pid;
	}
	close(fd);
	return count;
}

/* The path of the kernel's last "Tasks in PATH are going to be killed..." */
static int kmsg_group(char *out, size_t size)
{
	static const char tail[] =
		" are going to be killed due to memory.oom.group set";
	char line[8192], *e;

	if (ou_kmsg_last("Tasks in ", line, sizeof(line)))
		return -1;
	e = strstr(line, tail);
	if (!e)
		return -1;
	snprintf(out, size, "%.*s", (int)(e - line - strlen("Tasks in ")),
		 line + strlen("Tasks in "));
	return 0;
}

/* The entry of killed_tasks for @pid, or NULL. */
static json_object *killed_task(json_object *ev, pid_t pid)
{
	json_object *a = ou_get(ev, "killed_tasks");
	int i, n = a ? json_object_array_length(a) : 0;

	for (i = 0; i < n; i++)
		if (ou_int(json_object_array_get_idx(a, i), "pid") == pid)
			return json_object_array_get_idx(a, i);
	return NULL;
}

/*
 * A killed task's figures against its "Killed process" line: equal when
 * settled, else within the bound above.  Returns the number of misses
 * (printed).
 */
static int task_vs_kernel(json_object *t)
{
	int pid = ou_int(t, "pid"), settled = is_true(t, "settled"), bad = 0;
	long rss = settled == 1 ? 0 : BOUND_RSS_KB;
	long pgt = settled == 1 ? 0 : BOUND_PGTABLES_KB;
	long vm = settled == 1 ? 0 : HOG_MMAP_KB;
	struct ou_killed k;

	if (settled < 0 || ou_kmsg_killed(pid, &k)) {
		printf("# %d: settled %d, or no 'Killed process' line\n", pid, settled);
		return 1;
	}
#define CMPK(field, key, hi) do {					\
	long long d = k.field - ou_int(t, key);				\
	if (d < 0 || d > (hi)) {					\
		printf("# %d %s: kernel %ld, oomsnap %lld, settled %d\n",	\
		       pid, key, (long)k.field, ou_int(t, key), settled);	\
		bad++;							\
	} } while (0)
	CMPK(total_vm, "total_vm_kb", vm);
	CMPK(anon, "anon_rss_kb", rss);
	CMPK(file, "file_rss_kb", rss);
	CMPK(shmem, "shmem_rss_kb", rss);
	CMPK(pgtables, "pgtables_kb", pgt);
	CMPK(uid, "uid", 0);
	CMPK(adj, "oom_score_adj", 0);
#undef CMPK
	if (strcmp(k.comm, ou_str(t, "comm"))) {
		printf("# %d comm: kernel '%s', oomsnap '%s'\n", pid, k.comm,
		       ou_str(t, "comm"));
		bad++;
	}
	return bad;
}

/* The event whose killed list holds @pid, newest first; NULL if none. */
static json_object *event_killing(json_object **v, int n, pid_t pid)
{
	while (n-- > 0)
		if (killed_task(v[n], pid))
			return v[n];
	return NULL;
}

/*
 * A group kill: @nhold holders of 8 MB each in cgroups @cgs[i] (they hold
 * their memory and sleep), then a grower in @grow_cg, in a memcg whose
 * memory.oom.group is set on @group (also the one at its limit).  Every
 * task dies; the record must say so as the kernel did.
 */
static void group_kill(struct __test_metadata *_metadata,
		       const char * const *cgs, int nhold, const char *grow_cg,
		       const char *group)
{
	char comm[16], want[PATH_MAX], got[PATH_MAX];
	pid_t pids[8], kpids[16];
	json_object **v, *ev, *t;
	int i, n, nk, nt, bad = 0;
	long long before;

	ASSERT_EQ(0, cg_write(group, "memory.max", "64M"));
	ASSERT_EQ(0, cg_write(group, "memory.oom.group", "1"));
	for (i = 0; i < nhold; i++) {
		snprintf(comm, sizeof(comm), "holder%d", i);
		pids[i] = spawn_in(cgs[i], comm, 8);
		ASSERT_EQ(0, ou_wait_asleep(pids[i], comm, 8 << 10, 20000));
	}
	before = ou_stat("events_total");
	pids[nhold] = spawn_in(grow_cg, "grower", 0);
	for (i = 0; i <= nhold; i++)
		EXPECT_EQ(SIGKILL, ou_wait_killed(pids[i]));
	ASSERT_EQ(0, ou_wait_events(before + 1, 10000));
	v = ou_events(&n);
	ASSERT_NE(NULL, v);
	ev = event_killing(v, n, pids[nhold]);
	ASSERT_NE(NULL, ev);
	printf("# victim %lld (%s), killed_total %lld\n", ou_int(ev, "victim.pid"),
	       ou_str(ev, "victim.comm"), ou_int(ev, "killed_total"));

	/* the kernel's "Killed process" lines of this OOM: exactly ours */
	nk = kmsg_killed_set(pids, nhold + 1, kpids, 16);
	EXPECT_EQ(nhold + 1, nk);
	EXPECT_EQ(nhold + 1, ou_int(ev, "killed_total"));
	nt = json_object_array_length(ou_get(ev, "killed_tasks"));
	EXPECT_EQ(nhold + 1, nt);
	EXPECT_EQ(nhold + 1, json_object_array_length(ou_get(ev, "killed")));
	for (i = 0; i < nk; i++) {
		t = killed_task(ev, kpids[i]);
		if (!t) {
			printf("# the kernel killed %d, the record does not say so\n",
			       kpids[i]);
			bad++;
			continue;
		}
		bad += task_vs_kernel(t);
		EXPECT_STREQ(kpids[i] == ou_int(ev, "victim.pid") ? "victim" : "group",
			     ou_str(t, "why"));
		EXPECT_EQ(0, is_true(t, "memcg_truncated"));
		EXPECT_EQ(0, is_true(t, "protected"));
	}
	EXPECT_EQ(0, bad);
	for (i = 0; i <= nhold; i++) {
		t = killed_task(ev, pids[i]);
		if (!t)
			continue;
		snprintf(want, sizeof(want), "/%s", i < nhold ? cgs[i] : grow_cg);
		EXPECT_STREQ(want, ou_str(t, "memcg"));
	}
	/* which memcg had memory.oom.group: the kernel's word */
	snprintf(want, sizeof(want), "/%s", group);
	EXPECT_STREQ(want, ou_str(ev, "group.memcg"));
	EXPECT_EQ(0, is_true(ev, "group.memcg_truncated"));
	ASSERT_EQ(0, kmsg_group(got, sizeof(got)));
	EXPECT_STREQ(got, ou_str(ev, "group.memcg"));
	ou_events_free(v, n);
}

TEST_F_TIMEOUT(group, group_leaf, 180)
{
	static const char * const cgs[] = { KUBE, KUBE, KUBE };

	ASSERT_EQ(0, cg_mkdirs(KUBE));
	group_kill(_metadata, cgs, 3, KUBE, KUBE);
}

TEST_F_TIMEOUT(group, group_parent, 180)
{
	static const char * const cgs[] = { KUBE, KUBE, KUBE_CTR2 };

	ASSERT_EQ(0, cg_mkdirs(KUBE));
	ASSERT_EQ(0, cg_mkdirs(KUBE_CTR2));
	group_kill(_metadata, cgs, 3, KUBE_CTR2, KUBE_PARENT);
}

static int sharer(void *unused)
{
	for (;;)
		pause();
	return 0;
}

/* The calling process joins @cg with oom_score_adj 0, or exits 126. */
static void join_at_zero(const char *cg)
{
	char me[32];

	snprintf(me, sizeof(me), "%d", getpid());
	if (cg_write(cg, "cgroup.procs", me))
		_exit(126);
	ou_write("/proc/self/oom_score_adj", "0");
}

/*
 * A process in @cg that clones a second process sharing its memory
 * (CLONE_VM without CLONE_THREAD), tells its pid on @fd, then grows
 * without end.
 */
static void __attribute__((noreturn)) grow_shared(const char *cg, int fd)
{
	static char stack[64 << 10];
	pid_t s;

	join_at_zero(cg);
	s = clone(sharer, stack + sizeof(stack), CLONE_VM | SIGCHLD, NULL);
	if (s < 0 || write(fd, &s, sizeof(s)) != sizeof(s))
		_exit(125);
	for (;;) {
		char *p = malloc(1 << 20);

		if (p)
			memset(p, 1, 1 << 20);
	}
}

/* One OOM's record of two processes sharing their memory. */
struct shared_oom {
	pid_t pids[2];		/* the grower, the process sharing its mm */
	json_object **v;	/* events.json */
	int n;
	json_object *ev;	/* the event that killed one of them */
};

/*
 * The grower and its CLONE_VM sibling in KUBE (memory.max 32M, and
 * memory.oom.group 1 when @group) until the kernel kills the grower;
 * @so->ev is the event.
 */
static void shared_oom(struct __test_metadata *_metadata, bool group,
		       struct shared_oom *so)
{
	long long before = ou_stat("events_total");
	pid_t grower;
	int fd[2];

	ASSERT_EQ(0, cg_mkdirs(KUBE));
	ASSERT_EQ(0, cg_write(KUBE, "memory.max", "32M"));
	if (group)
		ASSERT_EQ(0, cg_write(KUBE, "memory.oom.group", "1"));
	ASSERT_EQ(0, pipe(fd));
	grower = fork();
	if (!grower)
		grow_shared(KUBE, fd[1]);
	close(fd[1]);
	so->pids[0] = grower;
	ASSERT_EQ(sizeof(pid_t), read(fd[0], &so->pids[1], sizeof(pid_t)));
	close(fd[0]);
	EXPECT_EQ(SIGKILL, ou_wait_killed(grower));
	ASSERT_EQ(0, ou_wait_events(before + 1, 10000));
	so->v = ou_events(&so->n);
	ASSERT_NE(NULL, so->v);
	so->ev = event_killing(so->v, so->n, grower) ?:
		 event_killing(so->v, so->n, so->pids[1]);
	ASSERT_NE(NULL, so->ev);
}

TEST_F_TIMEOUT(group, shared_mm, 120)
{
	struct shared_oom so;
	json_object *ev, *a, *b;
	pid_t kpids[2];

	shared_oom(_metadata, false, &so);
	ev = so.ev;
	a = killed_task(ev, so.pids[0]);
	b = killed_task(ev, so.pids[1]);
	ASSERT_TRUE(a && b);
	/* one is the victim, with the kernel's line; the other shared its memory */
	if (!strcmp(ou_str(a, "why"), "shared_mm")) {
		json_object *x = a;

		a = b;
		b = x;
	}
	EXPECT_STREQ("victim", ou_str(a, "why"));
	EXPECT_STREQ("shared_mm", ou_str(b, "why"));
	EXPECT_EQ(ou_int(ev, "victim.pid"), ou_int(a, "pid"));
	EXPECT_EQ(2, ou_int(ev, "killed_total"));
	EXPECT_EQ(1, kmsg_killed_set(so.pids, 2, kpids, 2));
	EXPECT_EQ(ou_int(a, "pid"), kpids[0]);
	EXPECT_EQ(0, task_vs_kernel(a));
	EXPECT_EQ(1, ou_is_null(ev, "group"));
	ou_events_free(so.v, so.n);
}

TEST_F_TIMEOUT(group, shared_mm_group, 120)
{
	struct shared_oom so;
	json_object *ev, *a, *b;
	pid_t kpids[2], victim;
	int nk, i;

	shared_oom(_metadata, true, &so);
	ev = so.ev;
	/*
	 * The kernel killed both, each with a line of its own, unless the
	 * other, woken by the victim's kill, had dropped its memory before
	 * the group kill reached it (then no line: a sharer only).
	 */
	nk = kmsg_killed_set(so.pids, 2, kpids, 2);
	ASSERT_LE(1, nk);
	victim = ou_int(ev, "victim.pid");
	a = killed_task(ev, victim);
	b = killed_task(ev, victim == so.pids[0] ? so.pids[1] : so.pids[0]);
	ASSERT_TRUE(a && b);
	printf("# victim %lld: why %s; the other %lld: why %s; kernel lines %d\n",
	       ou_int(a, "pid"), ou_str(a, "why"), ou_int(b, "pid"),
	       ou_str(b, "why"), nk);
	EXPECT_STREQ("victim", ou_str(a, "why"));
	EXPECT_STREQ(nk == 2 ? "group" : "shared_mm", ou_str(b, "why"));
	EXPECT_EQ(2, ou_int(ev, "killed_total"));
	EXPECT_EQ(2, json_object_array_length(ou_get(ev, "killed_tasks")));
	for (i = 0; i < nk; i++)
		EXPECT_NE(NULL, killed_task(ev, kpids[i]));
	EXPECT_EQ(0, task_vs_kernel(a));
	if (nk == 2)
		EXPECT_EQ(0, task_vs_kernel(b));
	ou_events_free(so.v, so.n);
}

/*
 * A vfork child growing in KUBE (memory.max 32M) while its parent waits:
 * the OOM killer never chooses a vfork child (oom_badness(): in_vfork())
 * and kills the parent, whose memory it is, and with it the child
 * (process_shares_mm(), without a line).  The memory is not
 * MMF_MULTIPROCESS (copy_oom_score_adj() leaves CLONE_VFORK out): the
 * record lists the child as "shared_mm" all the same, and killed_total
 * counts it.  Before the fix (review of 467c154) it listed the parent
 * only.
 */
static void __attribute__((noreturn)) grow_in_vfork(const char *cg, int fd)
{
	pid_t c;

	join_at_zero(cg);
	c = vfork();
	if (c == 0) {
		/* the parent's memory; the parent is suspended until we die */
		c = getpid();
		if (write(fd, &c, sizeof(c)) != sizeof(c))
			_exit(125);
		for (;;) {
			char *p = malloc(1 << 20);

			if (p)
				memset(p, 1, 1 << 20);
		}
	}
	_exit(c < 0 ? 124 : 0);
}

TEST_F_TIMEOUT(group, vfork_child, 120)
{
	long long before = ou_stat("events_total");
	json_object **v, *ev, *a, *b;
	pid_t parent, child = -1, kpids[2], pids[2];
	int fd[2], n, st;

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	ASSERT_EQ(0, cg_mkdirs(KUBE));
	ASSERT_EQ(0, cg_write(KUBE, "memory.max", "32M"));
	ASSERT_EQ(0, pipe(fd));
	parent = fork();
	if (!parent)
		grow_in_vfork(KUBE, fd[1]);
	close(fd[1]);
	ASSERT_EQ(sizeof(pid_t), read(fd[0], &child, sizeof(pid_t)));
	close(fd[0]);
	EXPECT_EQ(SIGKILL, ou_wait_killed(parent));
	/* reparented to us (a subreaper): its own end */
	ASSERT_EQ(child, waitpid(child, &st, 0));
	EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
		TH_LOG("the vfork child ended with status 0x%x", st);
	ASSERT_EQ(0, ou_wait_events(before + 1, 10000));
	v = ou_events(&n);
	ASSERT_NE(NULL, v);
	ev = event_killing(v, n, parent);
	ASSERT_NE(NULL, ev) TH_LOG("no event killed the parent %d", parent);
	EXPECT_EQ(parent, ou_int(ev, "victim.pid"));
	a = killed_task(ev, parent);
	b = killed_task(ev, child);
	ASSERT_NE(NULL, a);
	EXPECT_STREQ("victim", ou_str(a, "why"));
	ASSERT_NE(NULL, b) TH_LOG("the vfork child %d is not in killed_tasks", child);
	EXPECT_STREQ("shared_mm", ou_str(b, "why"));
	EXPECT_EQ(2, ou_int(ev, "killed_total"));
	/* the kernel's own word: one line, for the parent */
	pids[0] = parent;
	pids[1] = child;
	EXPECT_EQ(1, kmsg_killed_set(pids, 2, kpids, 2));
	EXPECT_EQ(parent, kpids[0]);
	EXPECT_EQ(0, task_vs_kernel(a));
	ou_events_free(v, n);
}

TEST_HARNESS_MAIN
