// SPDX-License-Identifier: GPL-2.0
/*
 * What protection spared (docs/interface.md 3.1, "spared"): the same OOM
 * run twice in a memcg, a big process (40 MB) beside a small one (4 MB)
 * and a grower that runs the memcg out of memory.
 *
 *  - unprotected: the kernel kills the big one; its points are the
 *    kernel's own (victim.points, oc->chosen_points);
 *  - protected (both get oom_score_adj -1000 from oomsnap): the kernel
 *    kills the grower, and the record lists both as spared, the big one
 *    with exactly the points the unprotected run's kernel gave it and
 *    would_be_victim true, the small one with its own points and false.
 *
 * Address space layout randomization is off for the test: the points
 * count page-table pages, and where a randomized mapping falls decides
 * whether it needs one page table more or less (1-2 pages between runs).
 *
 * Two runs are two processes: the file pages a process maps depend on the
 * page cache (fault-around maps up to 16 cached pages at a time), so the
 * runs' points may differ by a few pages (1 seen on 6.1); the test allows
 * RUN_PAGES between the runs.  Exactness is checked within one OOM: the
 * spared points equal the kernel's formula applied to the figures the
 * kernel itself printed for that process in the same OOM's task dump
 * (vm.oom_dump_tasks), with its own oom_score_adj.
 *
 * That holds where the kernel's own rss figures are exact when read:
 * up to 6.1 (per-task caches folded into the mm's counters by then) and
 * from 6.18 on (the OOM killer sums the per-CPU counters).  From 6.2 to
 * 6.17 the OOM killer reads them approximately (percpu_counter_read():
 * each of the three rss counters and the swap counter may lack up to one
 * batch, max(32, 2 x CPUs) pages, per CPU), so the same process gets
 * points that differ between two OOMs by up to that much: the test allows
 * exactly that drift there, and none elsewhere.
 */
#include <sys/utsname.h>
#include "kselftest_harness.h"
#include "oomsnap_util.h"

#define CG "spared"

/* The test's own lines reach the log even from the harness's child. */
__attribute__((constructor)) static void line_buffered(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/* The points' drift between two OOMs allowed on this kernel (above). */
static long points_drift(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN), batch;
	struct utsname u;
	int maj = 0, min = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &maj, &min) != 2)
		return 0;
	if (maj * 100 + min < 602 || maj * 100 + min >= 618)
		return 0;
	batch = 2 * ncpu > 32 ? 2 * ncpu : 32;
	return 4 * batch * ncpu;
}

/* Pages the same scenario's process may differ by between two runs. */
#define RUN_PAGES	32

/*
 * The kernel's points for @pid (oom_score_adj 0) from its row in the task
 * dump of the OOM report: rss + swapents + pgtables_bytes / page size.
 * The row is "[pid] uid tgid total_vm rss pgtables_bytes swapents adj
 * name" up to 6.8, with "rss_anon rss_file rss_shmem" after rss from 6.9.
 * -1 when there is no row.
 */
static long dump_points(pid_t pid)
{
	char needle[32], row[512];
	long long v[10];
	int n;

	snprintf(needle, sizeof(needle), "[%7d]", pid);
	if (ou_kmsg_last(needle, row, sizeof(row)))
		return -1;
	n = sscanf(row + strlen(needle), "%lld %lld %lld %lld %lld %lld %lld %lld %lld %lld",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
	printf("# the kernel's dump row: %s\n", row);
	if (n == 7)	/* uid tgid total_vm rss pgtables swapents adj */
		return v[3] + v[5] + v[4] / sysconf(_SC_PAGESIZE);
	if (n == 10)	/* ... rss anon file shmem pgtables swapents adj */
		return v[3] + v[8] + v[7] / sysconf(_SC_PAGESIZE);
	return -1;
}

/* Wait until @pid's resident memory reaches @kb (the hog holds it). */
static int wait_rss(pid_t pid, long kb)
{
	char path[64], *s, *p;
	int ms;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	for (ms = 0; ms < 30000; ms += 50) {
		s = ou_read(path);
		p = s ? strstr(s, "VmRSS:") : NULL;
		if (p && atol(p + 6) >= kb) {
			free(s);
			return 0;
		}
		free(s);
		usleep(50000);
	}
	return -1;
}

struct run {
	long victim_points;	/* the victim's, from the kernel */
	long big_dump;		/* big's points from the kernel's task dump */
	pid_t victim, big, small;
	json_object *ev;	/* the event, owned by evs */
	json_object **evs;
	int n;
};

static void run_free(struct run *r)
{
	ou_events_free(r->evs, r->n);
	r->evs = NULL;
}

/*
 * One run: big and small hold their memory, optionally protected, then
 * the grower runs the memcg out of memory.  Returns 0 with the event of
 * the OOM in @r.
 */
static int one_run(struct __test_metadata *_metadata, struct run *r,
		   bool protect)
{
	pid_t grower;
	char cmd[128];
	int sig;

	memset(r, 0, sizeof(*r));
	r->big = ou_spawn_hog(CG, "big", 40, 0);
	r->small = ou_spawn_hog(CG, "small", 4, 0);
	EXPECT_EQ(0, wait_rss(r->big, 40 * 1024));
	EXPECT_EQ(0, wait_rss(r->small, 4 * 1024));
	if (protect) {
		snprintf(cmd, sizeof(cmd), "add pid=%d adj=-1000\nadd pid=%d adj=-1000\n",
			 r->big, r->small);
		EXPECT_EQ(0, ou_write(ou_path("protect"), cmd));
	}
	grower = ou_spawn_hog(CG, "grower", 0, 0);
	r->victim = protect ? grower : r->big;
	sig = ou_wait_killed(r->victim);
	EXPECT_EQ(SIGKILL, sig);
	EXPECT_EQ(0, ou_wait_event_of(r->victim, 10000));
	r->big_dump = dump_points(r->big);
	/* the others, by hand */
	if (!protect)
		kill(grower, SIGKILL), ou_wait_killed(grower);
	else
		kill(r->big, SIGKILL), ou_wait_killed(r->big);
	kill(r->small, SIGKILL);
	ou_wait_killed(r->small);
	if (protect)
		ou_write(ou_path("protect"), "clear\n");
	r->evs = ou_events(&r->n);
	r->ev = r->evs ? ou_event_by_victim(r->evs, r->n, r->victim) : NULL;
	if (!r->ev)
		return -1;
	r->victim_points = ou_int(r->ev, "victim.points");
	return 0;
}

FIXTURE(spared) {
	char *aslr;	/* randomize_va_space before the test */
};

#define ASLR "/proc/sys/kernel/randomize_va_space"

FIXTURE_SETUP(spared)
{
	if (!ou_memcg_available())
		SKIP(return, "no memory controller (cgroup v2) in this kernel");
	ou_unload();
	ASSERT_EQ(0, ou_load(NULL));
	ASSERT_EQ(0, ou_cg_create(CG, "64M"));
	self->aslr = ou_read(ASLR);
	ASSERT_EQ(0, ou_write(ASLR, "0"));
	/* the kernel's default, which the exactness check reads */
	ASSERT_EQ(0, ou_write("/proc/sys/vm/oom_dump_tasks", "1"));
}

FIXTURE_TEARDOWN(spared)
{
	if (self->aslr) {
		ou_write(ASLR, self->aslr);
		free(self->aslr);
	}
	ou_cg_remove(CG);
	ou_unload();
}

TEST_F_TIMEOUT(spared, same_oom_twice, 120)
{
	struct run plain, prot;
	json_object *sp, *big = NULL, *small = NULL;
	int i, n;

	ASSERT_EQ(0, one_run(_metadata, &plain, false));
	EXPECT_EQ(0, json_object_array_length(ou_get(plain.ev, "spared")));
	EXPECT_EQ(0, ou_int(plain.ev, "spared_seen"));

	ASSERT_EQ(0, one_run(_metadata, &prot, true));
	sp = ou_get(prot.ev, "spared");
	ASSERT_TRUE(sp && json_object_is_type(sp, json_type_array));
	n = json_object_array_length(sp);
	EXPECT_EQ(2, n);
	EXPECT_EQ(2, ou_int(prot.ev, "spared_seen"));
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(sp, i);

		if (ou_int(e, "pid") == prot.big)
			big = e;
		else if (ou_int(e, "pid") == prot.small)
			small = e;
	}
	ASSERT_TRUE(big && small);
	/*
	 * the big one: scored by the kernel's formula from the figures the
	 * kernel printed for it in this OOM, and as the unprotected run's
	 * kernel scored its twin
	 */
	printf("# this OOM's task dump: %ld points; unprotected run: the kernel's points %ld; spared: %lld (drift allowed %ld, %d between runs)\n",
	       prot.big_dump, plain.victim_points, ou_int(big, "points"),
	       points_drift(), RUN_PAGES);
	ASSERT_LE(0, prot.big_dump);
	EXPECT_LE(labs(prot.big_dump - ou_int(big, "points")), points_drift());
	EXPECT_LE(labs(plain.victim_points - ou_int(big, "points")),
		  points_drift() + RUN_PAGES);
	EXPECT_EQ(-1000, ou_int(big, "oom_score_adj"));
	EXPECT_EQ(0, ou_int(big, "own_oom_score_adj"));
	EXPECT_STREQ("big", ou_str(big, "comm"));
	EXPECT_TRUE(json_object_get_boolean(ou_get(big, "would_be_victim")));
	EXPECT_LT(prot.victim_points, ou_int(big, "points"));
	/* the small one: spared, but it would not have been chosen */
	EXPECT_FALSE(json_object_get_boolean(ou_get(small, "would_be_victim")));
	EXPECT_LT(ou_int(small, "points"), prot.victim_points);
	/* highest first */
	EXPECT_EQ(prot.big, ou_int(json_object_array_get_idx(sp, 0), "pid"));
	run_free(&plain);
	run_free(&prot);
}

TEST_HARNESS_MAIN
