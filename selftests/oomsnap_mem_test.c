// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap_mem_test: the memory breakdown and the reasons swap did not help
 * (interface sections 3.3 and 4.1), on real OOMs with swap in the guest.
 *
 * The guest's swap is zram (scripts/vm.sh puts the kernel's own zram and
 * zsmalloc modules in /oomsnap/modules).  Each scenario causes one OOM with
 * swap free and checks the record's figures against the kernel's own
 * report for the same event, read from /dev/kmsg: the Mem-Info block, the
 * node lines' kernel_stack, "Free swap"/"Total swap" (global OOMs), and the
 * memcg's "swap: usage .. limit .." line (memcg OOMs).
 *
 * Drift: the kernel's counters are per-CPU batched, and its report is
 * printed a moment after oomsnap read them.  A figure may differ from the
 * report's by 125 pages (the largest vmstat threshold) per online CPU per
 * node, plus 2% of the figure for what changed in between.
 */
#include <ctype.h>
#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include "kselftest_harness.h"
#include "oomsnap_util.h"

#define ZRAM_SIZE	"256M"

/* The test itself must never be the victim. */
__attribute__((constructor)) static void shield_self(void)
{
	ou_write("/proc/self/oom_score_adj", "-1000");
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/* Total swap in kB as /proc/meminfo says. */
static long long meminfo_kb(const char *key)
{
	return ou_file_num("/proc/meminfo", key);
}

/* ---- the kernel's report ------------------------------------------------ */

/* Everything /dev/kmsg holds, records joined by '\n'; the caller frees. */
static char *kmsg_all(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	size_t len = 0, cap = 1 << 20;
	char *all = malloc(cap), rec[8192];
	ssize_t n;

	if (fd < 0 || !all) {
		free(all);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, rec, sizeof(rec) - 1)) != 0) {
		if (n < 0) {
			if (errno == EPIPE)
				continue;
			break;
		}
		if (len + n + 2 > cap) {
			char *b = realloc(all, cap *= 2);

			if (!b)
				break;
			all = b;
		}
		memcpy(all + len, rec, n);
		len += n;
		all[len++] = '\n';
	}
	all[len] = '\0';
	close(fd);
	return all;
}

/*
 * The part of the log that is the OOM report of the kill of @pid: from
 * the last "invoked oom-killer" before its "Killed process PID (" line to
 * that line.  Returned in place inside @all (NUL-terminated there).
 */
static char *report_of(char *all, int pid)
{
	char needle[64], *kill, *start = NULL, *p;

	snprintf(needle, sizeof(needle), "Killed process %d (", pid);
	kill = strstr(all, needle);
	if (!kill)
		return NULL;
	*kill = '\0';
	for (p = all; (p = strstr(p, "invoked oom-killer")); p++)
		start = p;
	return start;
}

/*
 * The value after "KEY:" (or "KEY = ", or "KEY "), where KEY starts a word:
 * the @nth (0-based) such word in @s.  -1 when absent.
 */
static long long report_num(const char *s, const char *key, int nth)
{
	size_t kl = strlen(key);
	const char *p;

	for (p = s; (p = strstr(p, key)); p += kl) {
		const char *v = p + kl;

		if (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
			continue;
		if (*v != ':' && *v != ' ' && *v != '=')
			continue;
		while (*v == ':' || *v == ' ' || *v == '=')
			v++;
		if (!isdigit((unsigned char)*v))
			continue;
		if (nth-- == 0)
			return strtoll(v, NULL, 10);
	}
	return -1;
}

/* The sum of every "KEY:NkB" of the report's "Node N" lines. */
static long long report_node_sum(const char *s, const char *key)
{
	long long sum = 0, v;
	int i;

	for (i = 0; (v = report_num(s, key, i)) >= 0; i++)
		sum += v;
	return sum;
}

static int drift_ok(const char *what, long long rec_kb, long long rep_kb,
		    int nodes)
{
	long long tol = 125LL * sysconf(_SC_NPROCESSORS_ONLN) * nodes * 4 +
			rep_kb / 50;
	long long d = rec_kb - rep_kb;

	printf("# %-20s record %lld kB, report %lld kB (drift %lld, allowed %lld)\n",
	       what, rec_kb, rep_kb, d, tol);
	return rep_kb >= 0 && rec_kb >= 0 && llabs(d) <= tol;
}

/* ou_is_null() for a member of a member ("memcg_mem", "anon_kb"). */
static int null_at(json_object *ev, const char *parent, const char *key)
{
	json_object *o = ou_get(ev, parent);

	return o ? ou_is_null(o, key) : -1;
}

/*
 * With OOMSNAP_MEM_SAVE=FILE, append the event's JSON line to FILE: the
 * CLI's host tests take their records from a run
 * (tools/oomsnap/tests/data/vm-bookworm-mem).
 */
static void save_event(json_object *ev)
{
	const char *path = getenv("OOMSNAP_MEM_SAVE");
	FILE *f = path ? fopen(path, "a") : NULL;

	if (!f)
		return;
	fprintf(f, "%s\n", json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN));
	fclose(f);
}

static int has_reason(json_object *ev, const char *name)
{
	json_object *r = ou_get(ev, "reasons");
	size_t i;

	if (!r || !json_object_is_type(r, json_type_array))
		return -1;
	for (i = 0; i < json_object_array_length(r); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(r, i)),
			    name))
			return 1;
	return 0;
}

static int nr_nodes(json_object *ev)
{
	json_object *a = ou_get(ev, "mem_nodes");

	return a ? (int)json_object_array_length(a) : 1;
}

/*
 * A global OOM's record against the kernel's Mem-Info for the same
 * event (pages there, kB here); returns the number of mismatches.
 */
static int check_global_report(json_object *ev, int pid)
{
	static const char * const pages[] = {
		"active_anon", "inactive_anon", "active_file",
		"inactive_file", "unevictable", "slab_reclaimable",
		"slab_unreclaimable", "pagetables", "shmem",
	};
	char *all = kmsg_all(), *rep, *mi, key[64];
	int nodes = nr_nodes(ev), bad = 0;
	unsigned int i;

	rep = all ? report_of(all, pid) : NULL;
	mi = rep ? strstr(rep, "Mem-Info:") : NULL;
	if (!mi) {
		printf("# no Mem-Info in the kernel's report of %d\n", pid);
		free(all);
		return 1;
	}
	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		snprintf(key, sizeof(key), "mem.%s_kb", pages[i]);
		bad += !drift_ok(pages[i], ou_int(ev, key),
				 report_num(mi, pages[i], 0) * 4, nodes);
	}
	bad += !drift_ok("kernel_stack", ou_int(ev, "mem.kernel_stack_kb"),
			 report_node_sum(mi, "kernel_stack"), nodes);
	/* swap: one figure each, no per-CPU batching */
	bad += !drift_ok("freeswap", ou_int(ev, "system.freeswap_kb"),
			 report_num(mi, "Free swap", 0), nodes);
	printf("# totalswap: record %lld kB, report %lld kB\n",
	       ou_int(ev, "system.totalswap_kb"),
	       report_num(mi, "Total swap", 0));
	bad += ou_int(ev, "system.totalswap_kb") !=
	       report_num(mi, "Total swap", 0);
	/* who invoked it: the "CPU: N [UID: U ]PID: P Comm: ..." line */
	printf("# trigger: record pid %lld, report pid %lld\n",
	       ou_int(ev, "trigger.pid"), report_num(rep, "PID", 0));
	bad += ou_int(ev, "trigger.pid") != report_num(rep, "PID", 0);
	free(all);
	return bad;
}

/* ---- scenarios ---------------------------------------------------------- */

/*
 * The event of @pid, a victim of the OOM killer, once the module has
 * committed it: events.json read into @o (ou_oom_free() releases it) and
 * the event saved for the record.  Ends the test when there is none.
 */
static json_object *victim_event(struct __test_metadata *_metadata,
				 struct ou_oom *o, pid_t pid)
{
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, ou_wait_event_of(pid, 10000));
	ASSERT_EQ(0, ou_oom_events(o, pid));
	save_event(o->ev);
	return o->ev;
}

/*
 * A global OOM's event whose one reason among those that name what fills
 * RAM is @reason.
 */
static void expect_global_reason(struct __test_metadata *_metadata,
				 json_object *ev, const char *reason)
{
	static const char * const fills[] = {
		"unevictable", "kernel_memory", "unaccounted",
	};
	unsigned int i;

	EXPECT_STREQ("global", ou_str(ev, "kind"));
	for (i = 0; i < ARRAY_SIZE(fills); i++) {
		int want = !strcmp(fills[i], reason);

		if (has_reason(ev, fills[i]) != want)
			printf("# reason %s: want %d\n", fills[i], want);
		EXPECT_EQ(want, has_reason(ev, fills[i]));
	}
}

/*
 * The kernel's OOM report of @pid in the kernel log, which *@all holds
 * (free() it).  Ends the test when there is none.
 */
static char *victim_report(struct __test_metadata *_metadata, pid_t pid,
			   char **all)
{
	char *rep;

	*all = kmsg_all();
	ASSERT_NE(NULL, *all);
	rep = report_of(*all, pid);
	ASSERT_NE(NULL, rep);
	return rep;
}

FIXTURE(swap) {
	struct ou_quiet q;
	const char *skip;
};

FIXTURE_SETUP(swap)
{
	self->skip = ou_swap_on(ZRAM_SIZE);
	/* the report must reach the kernel log; tasks are not needed */
	ou_quiet_begin(&self->q);
	ASSERT_EQ(0, ou_load(""));
}

FIXTURE_TEARDOWN(swap)
{
	ou_quiet_end(&self->q);
	ou_swap_off();
}

/*
 * (a) A memcg whose memory.swap.max is 0 while system swap is free:
 * memcg_swap_limit, with the memcg's swap figures those of the report's
 * "swap:" line; without system swap the same OOM is not that reason.
 */
TEST_F_TIMEOUT(swap, memcg_swap_limit, 120)
{
	struct ou_oom o;
	json_object *ev;
	long long usage, limit;
	char *all, *rep;
	pid_t pid;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	if (!ou_memcg_available())
		SKIP(return, "no memory controller");
	ou_cg_remove("memsw");
	ASSERT_EQ(0, ou_cg_create("memsw", "32M"));
	if (ou_write(OU_CGROOT "/memsw/memory.swap.max", "0")) {
		ou_cg_remove("memsw");
		SKIP(return, "no memory.swap.max (swap accounting off)");
	}
	pid = ou_memcg_oom("memsw");
	ev = victim_event(_metadata, &o, pid);
	EXPECT_STREQ("memcg_limit", ou_str(ev, "cause"));
	EXPECT_EQ(1, has_reason(ev, "memcg_swap_limit"));
	EXPECT_LT(0, ou_int(ev, "system.freeswap_kb"));
	/* a memcg OOM does not size totalpages by swap: null, no guess */
	EXPECT_EQ(1, null_at(ev, "system", "totalswap_kb"));
	rep = victim_report(_metadata, pid, &all);
	/* "swap: usage 0kB, limit 0kB, failcnt 0": exact, page counters */
	rep = strstr(rep, "swap: usage ");
	ASSERT_NE(NULL, rep);
	ASSERT_EQ(2, sscanf(rep, "swap: usage %lldkB, limit %lldkB",
			    &usage, &limit));
	printf("# report swap: usage %lld kB limit %lld kB; record %lld kB %lld kB\n",
	       usage, limit, ou_int(ev, "memcg_mem.swap_kb"),
	       ou_int(ev, "memcg_mem.swap_max_kb"));
	EXPECT_EQ(usage, ou_int(ev, "memcg_mem.swap_kb"));
	EXPECT_EQ(limit, ou_int(ev, "memcg_mem.swap_max_kb"));
	free(all);
	ou_oom_free(&o);

	/* the other side: no free system swap, same memcg, same limit */
	ou_swap_off();
	pid = ou_memcg_oom("memsw");
	ev = victim_event(_metadata, &o, pid);
	EXPECT_EQ(0, ou_int(ev, "system.freeswap_kb"));
	EXPECT_EQ(0, has_reason(ev, "memcg_swap_limit"));
	ou_oom_free(&o);
	ou_cg_remove("memsw");
}

/* A child that locks everything it will ever map, then grows until killed. */
static pid_t spawn_mlocker(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		ou_write("/proc/self/oom_score_adj", "0");
		if (mlockall(MCL_CURRENT | MCL_FUTURE))
			_exit(125);
		for (;;) {
			char *p = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED)
				_exit(124);
			memset(p, 1, 4 << 20);
		}
	}
	return pid;
}

/*
 * (b) mlocked memory fills RAM while swap is free: a global OOM with
 * reason unevictable (and not kernel_memory), its figures those of the
 * kernel's Mem-Info, its total swap the kernel's.
 */
TEST_F_TIMEOUT(swap, mlocked_fills_ram, 180)
{
	struct ou_oom o;
	json_object *ev;
	pid_t pid;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	pid = spawn_mlocker();
	ASSERT_LT(0, pid);
	ASSERT_EQ(SIGKILL, ou_wait_victim(pid));
	ev = victim_event(_metadata, &o, pid);
	expect_global_reason(_metadata, ev, "unevictable");
	EXPECT_EQ(1, ou_is_null(ev, "memcg_mem"));
	EXPECT_EQ(0, has_reason(ev, "memcg_swap_limit"));
	EXPECT_LT(ou_int(ev, "system.totalram_kb") / 2,
		  ou_int(ev, "mem.mlocked_kb"));
	EXPECT_EQ(meminfo_kb("\nSwapTotal:"), ou_int(ev, "system.totalswap_kb"));
	EXPECT_LT(0, ou_int(ev, "system.freeswap_kb"));
	EXPECT_EQ(0, check_global_report(ev, pid));
	ou_oom_free(&o);
}

/*
 * A child whose memory is page tables: one page of a memfd mapped shared
 * every 2 MB, each mapping needing a page table page of its own, and
 * only one page of data for all of them.
 */
static pid_t spawn_pgtable_hog(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		char *base = (char *)(1UL << 40);
		int fd = memfd_create("pt", 0);
		long i;

		ou_write("/proc/self/oom_score_adj", "0");
		if (fd < 0 || ftruncate(fd, 4096))
			_exit(125);
		for (i = 0; i < 60000; i++) {
			char *p = mmap(base + (i << 21), 4096, PROT_READ,
				       MAP_SHARED | MAP_FIXED_NOREPLACE |
				       MAP_POPULATE, fd, 0);

			if (p == MAP_FAILED)
				break;
		}
		for (;;)
			pause();
	}
	return pid;
}

/*
 * (c) Kernel memory to a global OOM with swap free: page tables of a few
 * processes (which swap cannot take) outgrow what user space holds:
 * reason kernel_memory, not unevictable; figures as the Mem-Info's.
 */
TEST_F_TIMEOUT(swap, page_tables_fill_ram, 300)
{
	struct ou_oom o;
	json_object *ev;
	pid_t kids[4], victim = -1;
	int i, st;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	for (i = 0; i < 4; i++)
		kids[i] = spawn_pgtable_hog();
	for (i = 0; i < 4 && victim < 0; i++) {
		pid_t p = waitpid(-1, &st, 0);

		if (p > 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
			victim = p;
		else if (p > 0)
			printf("# child %d ended with status %#x\n", p, st);
	}
	for (i = 0; i < 4; i++)
		kill(kids[i], SIGKILL);
	while (waitpid(-1, NULL, 0) > 0)
		;
	ev = victim_event(_metadata, &o, victim);
	expect_global_reason(_metadata, ev, "kernel_memory");
	EXPECT_LT(0, ou_int(ev, "system.freeswap_kb"));
	EXPECT_EQ(0, check_global_report(ev, victim));
	ou_oom_free(&o);
}

/*
 * (d) A hugetlb pool of about half of RAM, then mlocked memory fills the
 * rest while swap is free: reason unaccounted (the pool is in
 * unaccounted_kb, or in hugetlb_kb where NR_HUGETLB exists), not
 * unevictable (less than half of RAM is locked); the pool as the report's
 * "hugepages_total" lines say.
 */
TEST_F_TIMEOUT(swap, hugetlb_pool, 180)
{
	struct ou_oom o;
	json_object *ev;
	long long pool_kb, held;
	char *all, *rep, *p;
	pid_t pid;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	if (ou_write("/proc/sys/vm/nr_hugepages", "120"))
		SKIP(return, "no hugetlb pool (vm.nr_hugepages)");
	pool_kb = meminfo_kb("\nHugetlb:");
	printf("# hugetlb pool %lld kB\n", pool_kb);
	if (pool_kb < ou_file_num("/proc/meminfo", "MemTotal:") * 2 / 5) {
		ou_write("/proc/sys/vm/nr_hugepages", "0");
		SKIP(return, "the pool did not grow to 40%% of RAM");
	}
	pid = spawn_mlocker();
	ASSERT_LT(0, pid);
	ASSERT_EQ(SIGKILL, ou_wait_victim(pid));
	ou_write("/proc/sys/vm/nr_hugepages", "0");
	ev = victim_event(_metadata, &o, pid);
	expect_global_reason(_metadata, ev, "unaccounted");
	held = ou_int(ev, "mem.unaccounted_kb");
	if (null_at(ev, "mem", "hugetlb_kb") == 0)
		held += ou_int(ev, "mem.hugetlb_kb");
	EXPECT_LE(pool_kb, held);
	EXPECT_EQ(0, check_global_report(ev, pid));
	/* the report's "Node N hugepages_total=.. hugepages_size=2048kB" */
	rep = victim_report(_metadata, pid, &all);
	held = 0;
	for (p = rep; (p = strstr(p, "hugepages_total=")); p++) {
		long long total, size;

		if (sscanf(p, "hugepages_total=%lld hugepages_free=%*d hugepages_surp=%*d hugepages_size=%lldkB",
			   &total, &size) == 2)
			held += total * size;
	}
	printf("# report: hugepages %lld kB\n", held);
	EXPECT_EQ(pool_kb, held);
	free(all);
	ou_oom_free(&o);
}

/*
 * Every event carries the breakdown: keys of interface section 3.3 present,
 * figures that add up to no more than RAM.  swap.max is left at "max" (the
 * test reads it back), so the hog swaps to the guest's zram before its
 * memcg OOMs, which under TCG on a loaded host can take longer than the
 * harness's default 30 s (a CI run on bullseye 5.10 timed out with no OOM
 * yet): the timeout of the other swap tests.
 */
TEST_F_TIMEOUT(swap, breakdown_keys, 180)
{
	static const char * const always[] = {
		"free", "pcp_free", "active_anon", "inactive_anon", "active_file",
		"inactive_file", "unevictable", "mlocked", "shmem",
		"slab_reclaimable", "slab_unreclaimable", "kernel_stack",
		"pagetables", "dirty", "writeback", "isolated_anon",
		"isolated_file", "kernel_misc_reclaimable", "unaccounted",
	};
	static const char * const maybe[] = {
		"sec_pagetables", "swapcache", "zspages", "hugetlb", "vmalloc",
	};
	json_object *ev, *mem;
	struct ou_oom o;
	char key[64];
	unsigned int i;
	pid_t pid;

	if (!ou_memcg_available())
		SKIP(return, "no memory controller");
	ou_cg_remove("memkeys");
	ASSERT_EQ(0, ou_cg_create("memkeys", "16M"));
	pid = ou_memcg_oom("memkeys");
	ev = victim_event(_metadata, &o, pid);
	mem = ou_get(ev, "mem");
	ASSERT_NE(NULL, mem);
	for (i = 0; i < ARRAY_SIZE(always); i++) {
		snprintf(key, sizeof(key), "%s_kb", always[i]);
		EXPECT_EQ(0, null_at(ev, "mem", key));
		snprintf(key, sizeof(key), "mem.%s_kb", always[i]);
		EXPECT_LE(0, ou_int(ev, key));
		EXPECT_GE(ou_int(ev, "system.totalram_kb"), ou_int(ev, key));
	}
	for (i = 0; i < ARRAY_SIZE(maybe); i++) {
		snprintf(key, sizeof(key), "%s_kb", maybe[i]);
		if (null_at(ev, "mem", key) == 1)
			printf("# mem.%s is null on this kernel\n", key);
	}
	EXPECT_LE(1, nr_nodes(ev));
	EXPECT_EQ(0, ou_is_null(ev, "memcg_mem"));
	EXPECT_EQ(0, null_at(ev, "memcg_mem", "min_kb"));
	EXPECT_EQ(0, null_at(ev, "memcg_mem", "swap_kb"));
	EXPECT_LE(0, ou_int(ev, "memcg_mem.swap_kb"));
	/* swap.max untouched: "max" */
	EXPECT_STREQ("max", ou_str(ev, "memcg_mem.swap_max_kb"));
	if (null_at(ev, "memcg_mem", "anon_kb") == 1)
		printf("# memcg_mem.anon_kb is null on this kernel\n");
	else
		EXPECT_LT(8 * 1024, ou_int(ev, "memcg_mem.anon_kb"));
	ou_oom_free(&o);
	ou_cg_remove("memkeys");
}

/* ---- kernel memory a user can make the kernel hold ----------------------- */

/*
 * A bait: @mb MB of locked memory, oom_score_adj 1000, so that the first
 * OOM of the scenario kills it and nothing else (every other child of the
 * test keeps the -1000 it inherits).  Locked, so that its death gives RAM
 * back (swapped out, it would free nothing, and the OOMs that followed
 * would kill the guest's init).
 */
static pid_t spawn_bait(int mb)
{
	pid_t pid = fork();

	if (pid == 0) {
		char *p = mmap(NULL, (size_t)mb << 20, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED |
			       MAP_POPULATE, -1, 0);

		ou_write("/proc/self/oom_score_adj", "1000");
		if (p == MAP_FAILED)
			_exit(125);
		memset(p, 1, (size_t)mb << 20);
		for (;;)
			pause();
	}
	return pid;
}

/* SO_SNDBUFFORCE doubles it: 512 kB a holder, well under the bait's size */
#define HOLD_SNDBUF	(256 << 10)

/*
 * A holder: a process (a kernel stack, page tables, a task_struct) with a
 * unix stream socket pair whose queue holds HOLD_SNDBUF of 3,000-byte
 * messages nobody reads: each is an skb whose head is kmalloc'd
 * (kmalloc-4k), unreclaimable slab that no swap can take.  Writes one
 * byte to @ready when full, then sleeps.
 */
static pid_t spawn_holder(int ready)
{
	pid_t pid = fork();

	if (pid == 0) {
		static char msg[3000];
		int sv[2], sz = HOLD_SNDBUF;

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv))
			_exit(125);
		/* root: past net.core.wmem_max */
		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
		while (write(sv[0], msg, sizeof(msg)) > 0)
			;
		if (write(ready, "r", 1) != 1)
			_exit(124);
		for (;;)
			pause();
	}
	return pid;
}

/* Whether @pid (our child) has been killed by SIGKILL; reaps it then. */
static int killed(pid_t pid)
{
	int st;

	return waitpid(pid, &st, WNOHANG) == pid && WIFSIGNALED(st) &&
	       WTERMSIG(st) == SIGKILL;
}

struct holders {
	pid_t pid[4096];
	int n;
	int ready[2];
};

/*
 * Add holders until the bait is killed (1) or, @avail_kb > 0, until
 * MemAvailable falls below @avail_kb (0); -1 when neither happened.
 */
static int hold_until(struct holders *h, pid_t bait, long long avail_kb)
{
	char c;

	while (h->n < (int)ARRAY_SIZE(h->pid)) {
		pid_t p = spawn_holder(h->ready[1]);

		if (p < 0)
			return -1;
		h->pid[h->n++] = p;
		if (read(h->ready[0], &c, 1) != 1)
			return -1;
		if (killed(bait))
			return 1;
		if (avail_kb > 0 && meminfo_kb("MemAvailable:") < avail_kb)
			return 0;
	}
	return -1;
}

static void holders_end(struct holders *h)
{
	int i;

	for (i = 0; i < h->n; i++)
		kill(h->pid[i], SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	close(h->ready[0]);
	close(h->ready[1]);
}

/* The record's figure @key (kB) and what /proc/meminfo said before. */
static void expect_grew(struct __test_metadata *_metadata, json_object *ev,
			const char *key, long long before_kb, long long by_kb)
{
	printf("# %s: %lld kB at the OOM, %lld kB before (want +%lld)\n", key,
	       ou_int(ev, key), before_kb, by_kb);
	EXPECT_LE(before_kb + by_kb, ou_int(ev, key));
}

/*
 * (c) Kernel memory a user can make the kernel hold, to a global OOM with
 * swap free: hundreds of processes (kernel stacks, page tables), each with
 * a socket queue of unread messages (unreclaimable slab).  The record says
 * kernel_memory (not unevictable, not unaccounted), its slab, kernel stack
 * and page table figures are the kernel's own Mem-Info's for the event, and
 * they are the memory the scenario made: the check fails if the module's
 * figures were wrong or stale.  Pipes with buffered data are left out on
 * purpose: a pipe's pages are counted by no vmstat item (they would show as
 * unaccounted, a different reason).
 */
TEST_F_TIMEOUT(swap, kernel_memory_fills_ram, 400)
{
	static struct holders h;
	long long slab0 = meminfo_kb("SUnreclaim:");
	long long stack0 = meminfo_kb("KernelStack:");
	struct ou_oom o;
	json_object *ev;
	pid_t bait;
	int i;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	h.n = 0;
	ASSERT_EQ(0, pipe(h.ready));
	bait = spawn_bait(32);
	ASSERT_LT(0, bait);
	usleep(500000);
	i = hold_until(&h, bait, 0);
	printf("# %d holders when the bait was killed\n", h.n);
	if (i != 1)
		kill(bait, SIGKILL);	/* reaped by holders_end() */
	holders_end(&h);
	ASSERT_EQ(1, i);
	ev = victim_event(_metadata, &o, bait);
	expect_global_reason(_metadata, ev, "kernel_memory");
	EXPECT_LT(0, ou_int(ev, "system.freeswap_kb"));
	EXPECT_EQ(0, check_global_report(ev, bait));
	/* the scenario's memory, as the record has it */
	expect_grew(_metadata, ev, "mem.slab_unreclaimable_kb", slab0,
		    ou_int(ev, "system.totalram_kb") / 3);
	expect_grew(_metadata, ev, "mem.kernel_stack_kb", stack0,
		    (long long)h.n * 16 * 3 / 4);
	ou_oom_free(&o);
}

/* A CLONE_VM child: no page tables of its own, no faults: it only sleeps. */
static int fork_child(void *arg)
{
	(void)arg;
	for (;;)
#ifdef SYS_pause
		syscall(SYS_pause);
#else
		/* arm64 has no pause(2): ppoll with no fds and no timeout */
		syscall(SYS_ppoll, NULL, 0, NULL, NULL, 0);
#endif
	return 0;
}

/*
 * The forker: a file table of 16,384 descriptors (128 kB that dup_fd()
 * copies with kvmalloc(): the seed's vmalloc when the kmalloc of 32
 * contiguous pages fails, as it does under this pressure), and, once @go
 * is readable, CLONE_VM children, each on its own page of a stack area
 * locked beforehand, so that nothing but fork allocates, until the bait
 * is gone (its pidfd polls readable).  Exits 3 when @nr forks did not
 * get there.
 */
static pid_t spawn_forker(pid_t bait, int nr, int go)
{
	pid_t pid = fork();

	if (pid == 0) {
		size_t sz = 4096;
		char *stacks = mmap(NULL, sz * nr, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED |
				    MAP_POPULATE, -1, 0);
		int pfd = syscall(SYS_pidfd_open, bait, 0), i;
		struct pollfd pf = { .fd = pfd, .events = POLLIN };
		struct rlimit nofile = { 16384, 16384 };
		char c;

		setpgid(0, 0);
		if (setrlimit(RLIMIT_NOFILE, &nofile))
			_exit(126);
		/* no swap-in fault of our own pages once forking starts */
		if (stacks == MAP_FAILED || pfd < 0 || dup2(0, 16383) < 0 ||
		    mlockall(MCL_CURRENT) || read(go, &c, 1) != 1)
			_exit(125);
		for (i = 0; i < nr; i++) {
			if (poll(&pf, 1, 0) > 0)
				break;
			clone(fork_child, stacks + (i + 1) * sz,
			      CLONE_VM | SIGCHLD, NULL);
		}
		if (i == nr)
			_exit(3);
		for (;;)
			pause();
	}
	return pid;
}

/*
 * (e) The seed-002 shape (../shared/seeds/002_*.txt: a fork whose dup_fd()
 * vmalloc failed while the kernel's own memory filled RAM, 3 GB of swap
 * free), as closely as the guest allows: kernel memory (the holders of
 * (c)) brought to 48 MB of MemAvailable, then a process with a 16,384-entry
 * file table forks until the OOM; nothing else allocates then.  The record
 * is a global OOM with swap free, triggered by the forker, whose stack
 * names copy_process and whose reason is kernel_memory, with the kernel's
 * Mem-Info.  dup_fd() is printed when it is in the stack, not required:
 * which of fork's allocations meets the empty free list first is not under
 * the test's control: on bullseye's 5.10 it was the seed's own path
 * (copy_process -> dup_fd -> alloc_fdtable -> __vmalloc_node), on
 * bookworm's 6.1 the vmalloc of the new task's kernel stack, one step
 * before dup_fd().
 */
TEST_F_TIMEOUT(swap, fork_with_kernel_memory, 400)
{
	static struct holders h;
	int nframes, i, fork_seen = 0, dup_fd_seen = 0, go[2], st, got = 0;
	int held;
	json_object *ev, *frames;
	struct ou_oom o;
	pid_t bait, spare, forker;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	h.n = 0;
	ASSERT_EQ(0, pipe(h.ready));
	ASSERT_EQ(0, pipe(go));
	bait = spawn_bait(32);
	ASSERT_LT(0, bait);
	/*
	 * A second, smaller bait for an OOM after the first: the clones in
	 * flight while the first dies take the memory its reaping freed, and
	 * the kernel's next choice would be the guest's own shell or tee
	 * (seen on 5.10 and arm64: the test then died of SIGPIPE).
	 */
	spare = spawn_bait(16);
	ASSERT_LT(0, spare);
	forker = spawn_forker(bait, 2048, go[0]);
	ASSERT_LT(0, forker);
	/*
	 * Nor ours: swapped out while the holders fill RAM, the test's own
	 * pages were faulted back in during the fork phase, and the OOM was
	 * the test's (do_swap_page under rseq's return to user space).
	 */
	ASSERT_EQ(0, mlockall(MCL_CURRENT));
	usleep(500000);
	held = hold_until(&h, bait, 48 << 10);
	printf("# %d holders, MemAvailable %lld kB: forking\n", h.n,
	       meminfo_kb("MemAvailable:"));
	if (!held && write(go[1], "g", 1) == 1) {
		/* up to 4 minutes for the OOM */
		for (i = 0; i < 2400 && !got; i++) {
			got = killed(bait);
			if (!got && waitpid(forker, &st, WNOHANG) == forker) {
				printf("# the forker ended (status %#x) before an OOM\n", st);
				break;
			}
			usleep(100000);
		}
	}
	kill(-forker, SIGKILL);
	kill(forker, SIGKILL);
	if (!got && held != 1)
		kill(bait, SIGKILL);	/* reaped by holders_end() */
	kill(spare, SIGKILL);	/* reaped by holders_end() too */
	holders_end(&h);
	close(go[0]);
	close(go[1]);
	munlockall();
	/*
	 * Whether the kernel's memory runs out during the fork phase is the
	 * scenario's, not the module's: where it did not (an OOM came while
	 * the holders filled RAM, or fork kept succeeding: seen on arm64 and
	 * now and then on x86 under load), there is no record to check.
	 */
	if (!got)
		SKIP(return, "no OOM in the fork phase: %s",
		     held == 1 ? "one came while kernel memory filled RAM" :
		     held ? "kernel memory did not fill RAM" :
		     "fork kept succeeding for 4 minutes or the forker ended");
	ev = victim_event(_metadata, &o, bait);
	frames = ou_get(ev, "stack.frames");
	ASSERT_NE(NULL, frames);
	nframes = json_object_array_length(frames);
	for (i = 0; i < nframes; i++) {
		const char *f = json_object_get_string(json_object_array_get_idx(frames, i));

		printf("# stack %s\n", f);
		fork_seen |= !strncmp(f, "copy_process+", 13);
		dup_fd_seen |= !strncmp(f, "dup_fd+", 7);
	}
	printf("# trigger %s (pid %lld), dup_fd %s\n", ou_str(ev, "trigger.comm"),
	       ou_int(ev, "trigger.pid"), dup_fd_seen ? "in the stack (the seed's path)" :
	       "not in the stack (another of fork's allocations)");
	expect_global_reason(_metadata, ev, "kernel_memory");
	EXPECT_LT(0, ou_int(ev, "system.freeswap_kb"));
	EXPECT_EQ(0, check_global_report(ev, bait));
	/*
	 * Which task's allocation meets the empty free list first is the
	 * scenario's too: a task outside the test (CI's run: busybox timeout,
	 * waking each second, faulting its swapped-out stack back in) can be
	 * the one.  The record still has to be the kernel's word for that
	 * OOM (checked above: trigger pid, Mem-Info); the fork path is
	 * checked only when the fork met it.
	 */
	if (ou_int(ev, "trigger.pid") != forker) {
		if (_metadata->passed)
			SKIP(ou_oom_free(&o); return,
			     "the OOM came from %s (pid %lld), not from the forker",
			     ou_str(ev, "trigger.comm"), ou_int(ev, "trigger.pid"));
		ou_oom_free(&o);
		return;
	}
	EXPECT_EQ(1, fork_seen);
	ou_oom_free(&o);
}

TEST_HARNESS_MAIN
