// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap benchmarks, run inside the VM by scripts/bench.sh (make bench).
 * Not a selftest: built as TEST_GEN_PROGS_EXTENDED.
 *
 *   oomsnap_bench [all|oom|exec|mem|read|alloc] [options]
 *
 * Progress goes to stdout as "# bench: ..." lines; the results are
 * Markdown tables between BENCH-RESULTS-BEGIN and BENCH-RESULTS-END.
 * Every figure compares runs measured side by side in this one boot,
 * interleaved, so that drift of a shared TCG host cancels out.
 *
 * oom:   memcg OOMs with N extra sleepers in the OOMing memcg (the kernel
 *        evaluates each of them), for max_tasks 0, 8, 64 and both sources
 *        of candidates (the oom_badness() hook, candidates=scan); capture_ns
 *        and oom_ns from the event records.
 * exec:  execve() throughput: module unloaded, loaded with no entries, and
 *        with 1,000 comm plus 100 cgroup protection entries.
 * mem:   ring_bytes, event_bytes and memory deltas across insmod for
 *        capacity 64 and 1,024.
 * read:  time to read events.json (and events) with a full ring of 1,024.
 * alloc: the kmem allocation tracepoints, filtered on call sites inside
 *        oomsnap.ko, counted over OOMs (expected 0) and over a positive
 *        control (opening the stream file allocates).
 * report: the kernel's own OOM report at its defaults (oom_dump_tasks=1,
 *        the boot's console loglevel: the report is written to the serial
 *        console inside out_of_memory()) against oomsnap's capture, with
 *        1,000 and 10,000 tasks in the OOMing memcg.
 * cost:  capture_ns and event_bytes of the module before the memory
 *        breakdown (--before-ko) and now, trend_seconds 0 and 60.
 * idle:  the trend sampler on an idle guest: timer interrupts and expiries,
 *        samples taken and busy CPU over a window, unloaded and loaded.
 *
 * Each part's section starts with "<!-- bench:PART -->": scripts/bench.sh
 * replaces only the sections of the parts it ran.
 */
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdint.h>
#include <time.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <linux/sched.h>
#include <stdarg.h>
#include "oomsnap_util.h"

#define BENCH_CG "bench"

static int opt_ooms = 50, opt_block = 10, opt_execs = 200, opt_rounds = 20;
static int opt_read_events = 1024;
static long opt_procs[8] = { 100, 1000, 10000 };
static int opt_nprocs = 3;
static long opt_outside[8] = { 10000 };
static int opt_noutside = 1;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define progress(...) do { printf("# bench: " __VA_ARGS__); printf("\n"); \
			   fflush(stdout); } while (0)

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of @n values (sorted in place). */
static double pct(double *v, int n, double p)
{
	int k;

	if (n <= 0)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_dbl);
	k = (int)(p / 100.0 * n);
	if (k < p / 100.0 * n)
		k++;	/* ceil */
	k--;
	if (k < 0)
		k = 0;
	if (k >= n)
		k = n - 1;
	return v[k];
}

static long long meminfo(const char *key)
{
	char *s = ou_read("/proc/meminfo"), *p;
	long long v = -1;

	p = s ? strstr(s, key) : NULL;
	if (p)
		v = atoll(p + strlen(key) + 1);
	free(s);
	return v;
}

static void load_or_die(const char *params)
{
	int err = ou_load(params);

	if (err) {
		printf("# bench: insmod %s failed: %s\n", params, strerror(-err));
		exit(2);
	}
}

/* Load @ko (another build of the module; NULL: the one under test). */
static void load_ko_or_die(const char *ko, const char *params)
{
	if (ko)
		setenv("OOMSNAP_KO", ko, 1);
	load_or_die(params);
	unsetenv("OOMSNAP_KO");
}

/* ---- processes ---------------------------------------------------------- */

static pid_t clone_into(int cgfd)
{
	struct clone_args args = {
		.flags = CLONE_INTO_CGROUP,
		.exit_signal = SIGCHLD,
		.cgroup = (uint64_t)cgfd,
	};

	return syscall(SYS_clone3, &args, sizeof(args));
}

/*
 * @n sleepers in the cgroup of @cgfd, forked (clone3 CLONE_INTO_CGROUP,
 * no exec) from a small spawner in the root cgroup, so that their kernel
 * memory is charged outside the OOMing memcg.  They end up as our children
 * (we are a subreaper); their pids go to *pids.
 */
static pid_t *spawn_sleepers(int cgfd, long n)
{
	pid_t *pids = mmap(NULL, n * sizeof(pid_t) + 4096,
			   PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			   -1, 0);
	pid_t sp;
	int st;

	if (pids == MAP_FAILED)
		return NULL;
	sp = fork();
	if (sp == 0) {
		/* a few pages each: shared with the spawner, copied on write */
		char *mem = malloc(4 * 4096);
		long i;

		memset(mem, 1, 4 * 4096);
		for (i = 0; i < n; i++) {
			pid_t c = clone_into(cgfd);

			if (c == 0) {
				prctl(PR_SET_PDEATHSIG, 0);
				for (;;)
					pause();
			}
			if (c < 0) {
				printf("# bench: clone3 sleeper %ld: %s\n", i,
				       strerror(errno));
				fflush(stdout);
				_exit(1);
			}
			pids[i] = c;
		}
		_exit(0);	/* the sleepers are re-parented to us */
	}
	if (sp < 0 || waitpid(sp, &st, 0) != sp || !WIFEXITED(st) ||
	    WEXITSTATUS(st)) {
		printf("# bench: spawning %ld sleepers failed\n", n);
		exit(2);
	}
	return pids;
}

static void kill_sleepers(pid_t *pids, long n)
{
	long i;

	for (i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	munmap(pids, n * sizeof(pid_t) + 4096);
}

/* A hog in @cgfd's cgroup, touching memory until the OOM killer ends it. */
static pid_t oom_once(int cgfd)
{
	pid_t pid = clone_into(cgfd);
	int st;

	if (pid == 0) {
		long page = 4096;

		ou_write("/proc/self/comm", "hog");
		for (;;) {
			char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			long off;

			if (p == MAP_FAILED)
				_exit(125);
			for (off = 0; off < 1 << 20; off += page)
				p[off] = 1;
		}
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL ? pid : -1;
}

static long long cg_current(void)
{
	char *s = ou_read(OU_CGROOT "/" BENCH_CG "/memory.current");
	long long v = s ? atoll(s) : -1;

	free(s);
	return v;
}

static long proc_rss_pages(pid_t pid)
{
	char p[64], *s;
	long size = 0, rss = -1;

	snprintf(p, sizeof(p), "/proc/%d/statm", pid);
	s = ou_read(p);
	if (s && sscanf(s, "%ld %ld", &size, &rss) != 2)
		rss = -1;
	free(s);
	return rss;
}

/* ---- ftrace: durations of one kernel function (function_graph) ---------- */

static const char *tracing_dir(void)
{
	if (access("/sys/kernel/tracing/events", F_OK) &&
	    mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) &&
	    access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return "/sys/kernel/debug/tracing";
	return "/sys/kernel/tracing";
}

static int tr_write(const char *file, const char *val)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", tracing_dir(), file);
	return ou_write(p, val);
}

/* Empty the trace buffer: only an open with O_TRUNC does. */
static void tr_clear(void)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/trace", tracing_dir());
	fd = open(p, O_WRONLY | O_TRUNC);
	if (fd >= 0)
		close(fd);
}

/* Trace @fn's durations with function_graph; 0 when it works. */
static int fgraph_on(const char *fn)
{
	tr_write("tracing_on", "0");
	tr_write("current_tracer", "nop");
	if (tr_write("set_ftrace_filter", fn) ||
	    tr_write("current_tracer", "function_graph")) {
		tr_write("set_ftrace_filter", "");
		return -1;
	}
	tr_write("buffer_size_kb", "4096");
	tr_clear();
	tr_write("tracing_on", "1");
	return 0;
}

static void fgraph_off(void)
{
	tr_write("tracing_on", "0");
	tr_write("current_tracer", "nop");
	tr_write("set_ftrace_filter", "");
}

/*
 * The durations (us) of the traced calls since the last call, appended to
 * @v (at most @max); the buffer is cleared.  Lines look like
 * " 1) # 3456.789 us |  mem_cgroup_scan_tasks();".
 */
static int fgraph_collect(double *v, int n, int max)
{
	char p[256], *s, *line, *save = NULL;

	snprintf(p, sizeof(p), "%s/trace", tracing_dir());
	s = ou_read(p);
	for (line = s ? strtok_r(s, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *us = strstr(line, " us ");
		char *q;

		if (line[0] == '#' || !us || !strchr(line, '(') || n >= max)
			continue;
		for (q = us; q > line && (q[-1] == '.' || (q[-1] >= '0' && q[-1] <= '9')); q--)
			;
		v[n++] = atof(q);
	}
	free(s);
	tr_clear();
	return n;
}

/* ---- OOM path ------------------------------------------------------------ */

struct oom_cfg {
	int max_tasks;
	const char *source;	/* candidates= */
	const char *label;
	const char *ko;		/* another build of the module, or NULL */
	double cap[4096], oom[4096], ratio[4096], scan[4096];
	int n, nscan, wrong_victim, no_cands;
	long long oom_calls, badness_calls;	/* from stats, summed */
	char hooksrc[64];
};

/* Collect the events of one block; returns how many. */
static int collect(struct oom_cfg *c, pid_t *victims, int nv)
{
	json_object **v;
	int n, i, j, got = 0;

	v = ou_events(&n);
	if (!v)
		return 0;
	for (i = 0; i < n; i++) {
		json_object *ev = v[i], *cands;
		double cap = ou_int(ev, "capture_ns");
		double oom = ou_int(ev, "oom_ns");
		long long vp = ou_int(ev, "victim.pid");
		int ours = 0;

		if (strcmp(ou_str(ev, "outcome"), "killed") || oom <= 0)
			continue;
		for (j = 0; j < nv; j++)
			ours |= victims[j] == vp;
		if (!ours)
			c->wrong_victim++;
		cands = ou_get(ev, "candidates");
		if (c->max_tasks && (!cands || !json_object_array_length(cands) ||
				     ou_int(json_object_array_get_idx(cands, 0), "pid") != vp))
			c->no_cands++;
		if (c->n < 4096) {
			c->cap[c->n] = cap;
			c->oom[c->n] = oom;
			c->ratio[c->n] = cap / (oom - cap);
			c->n++;
		}
		got++;
	}
	ou_events_free(v, n);
	return got;
}

static void stats_line(const char *key, char *out, size_t size)
{
	char *s = ou_read(ou_path("stats")), *p;

	snprintf(out, size, "?");
	p = s ? strstr(s, key) : NULL;
	if (p)
		sscanf(p + strlen(key), " %31s", out);
	free(s);
}

/* bench.sh --floor: oomsnap whose oom_badness() callback is empty */
static const char *opt_floor_ko = "/oomsnap/floor.ko";

/*
 * @inside: the sleepers are in the OOMing memcg (the kernel evaluates each
 * of them), else in a sibling cgroup (extra processes on the system that a
 * memcg OOM does not evaluate, but a scan of all processes visits).
 */
static void bench_oom_procs(long nprocs, int inside, FILE *res)
{
	struct oom_cfg cfgs[] = {
		{ 0, "auto", "0 (no candidates)" },
		{ 8, "auto", "8" }, { 8, "kretprobe", "8" }, { 8, "scan", "8" },
		{ 64, "auto", "64" }, { 64, "kretprobe", "64" },
		{ 64, "scan", "64" },
		/* last: left out when there is no floor module */
		{ 8, "auto", "8, empty callback (floor.ko)", opt_floor_ko },
	};
	int nc = sizeof(cfgs) / sizeof(cfgs[0]), blocks, b, i, k;
	pid_t *sleepers, victims[256];
	long long base;
	char max[64];
	double t = now_s();
	const char *where = inside ? "in" : "out";
	int cgfd, idlefd, tracing;

	if (access(opt_floor_ko, R_OK))
		nc--;

	ou_unload();
	rmdir(OU_CGROOT "/" BENCH_CG);
	rmdir(OU_CGROOT "/bench_idle");
	ou_cg_create(BENCH_CG, NULL);
	ou_cg_create("bench_idle", NULL);
	cgfd = open(OU_CGROOT "/" BENCH_CG, O_RDONLY | O_DIRECTORY);
	idlefd = open(OU_CGROOT "/bench_idle", O_RDONLY | O_DIRECTORY);
	if (cgfd < 0 || idlefd < 0) {
		printf("# bench: no cgroup %s\n", BENCH_CG);
		exit(2);
	}
	progress("oom: spawning %ld sleepers %sside the OOMing memcg...",
		 nprocs, where);
	sleepers = spawn_sleepers(inside ? cgfd : idlefd, nprocs);
	if (!sleepers)
		exit(2);
	base = inside ? cg_current() : 0;
	/* the hog gets 16 MB above what the sleepers hold */
	snprintf(max, sizeof(max), "%lld", base + (16 << 20));
	ou_write(OU_CGROOT "/" BENCH_CG "/memory.max", max);
	progress("oom: %ld sleepers in %.1f s, rss %ld pages each, memcg %lld kB + 16 MB",
		 nprocs, now_s() - t, proc_rss_pages(sleepers[0]), base >> 10);

	/* one warm-up OOM without the module */
	oom_once(cgfd);
	/*
	 * The kernel's own scan of the memcg's tasks (mem_cgroup_scan_tasks(),
	 * which calls oom_badness() for each): where the hook's per-task cost
	 * lands, timed by the kernel, without page faults and printk around.
	 */
	tracing = !fgraph_on("mem_cgroup_scan_tasks");
	if (!tracing)
		progress("oom: cannot trace mem_cgroup_scan_tasks (no scan column)");
	blocks = (opt_ooms + opt_block - 1) / opt_block;
	for (b = 0; b < blocks; b++) {
		for (i = 0; i < nc; i++) {
			/* rotate the order each block: A B C, B C A, ... */
			struct oom_cfg *c = &cfgs[(i + b) % nc];
			char params[128];
			int got = 0, tries = 0, nv = 0;

			snprintf(params, sizeof(params),
				 "max_tasks=%d candidates=%s", c->max_tasks,
				 c->source);
			load_ko_or_die(c->ko, params);
			stats_line("candidates_source", c->hooksrc,
				   sizeof(c->hooksrc));
			if (!strcmp(c->hooksrc, "oom_badness")) {
				char hook[32];

				/* which hook: ftrace or kretprobe */
				stats_line("oom_badness_hook", hook, sizeof(hook));
				snprintf(c->hooksrc, sizeof(c->hooksrc),
					 "oom_badness (%s)", hook);
			}
			if (tracing)
				fgraph_collect(c->scan, 0, 0);	/* clear */
			while (got < opt_block && tries++ < 3 * opt_block) {
				pid_t v = oom_once(cgfd);

				if (v > 0 && nv < 256)
					victims[nv++] = v;
				if (v > 0)
					got++;
			}
			/* the events of this block */
			ou_wait_events(got, 2000);
			collect(c, victims, nv);
			/* how many oom_badness() returns the hook saw */
			c->oom_calls += ou_stat("oom_calls");
			c->badness_calls += ou_stat("oom_badness_calls") > 0 ?
					    ou_stat("oom_badness_calls") : 0;
			if (tracing)
				c->nscan = fgraph_collect(c->scan, c->nscan, 4096);
			ou_unload();
		}
		progress("oom: %ld procs: block %d/%d done (%.0f s)", nprocs,
			 b + 1, blocks, now_s() - t);
	}

	fgraph_off();
	for (k = 0; k < nc; k++) {
		struct oom_cfg *c = &cfgs[k], *z = &cfgs[0];
		double cm, c99, om, o99, rm, r99, zom, zcm, added, sm, zsm, sadd;

		cm = pct(c->cap, c->n, 50);
		c99 = pct(c->cap, c->n, 99);
		om = pct(c->oom, c->n, 50);
		o99 = pct(c->oom, c->n, 99);
		rm = pct(c->ratio, c->n, 50);
		r99 = pct(c->ratio, c->n, 99);
		zom = pct(z->oom, z->n, 50);
		zcm = pct(z->cap, z->n, 50);
		/*
		 * End to end: what this configuration adds to the kernel's
		 * own out_of_memory() (oom_ns - capture_ns at max_tasks 0),
		 * trampolines and all: its oom_ns over max_tasks 0's, plus
		 * the capture that max_tasks 0 still does.
		 */
		added = (om - zom + zcm) / (zom - zcm);
		/*
		 * Scan-based: the kernel's scan took sm here, zsm without
		 * any hook; the difference is what the hook adds inside it
		 * (trampolines), capture_ns what the handlers add.
		 */
		sm = 1000 * pct(c->scan, c->nscan, 50);
		zsm = 1000 * pct(z->scan, z->nscan, 50);
		sadd = (sm - zsm + cm) / (zom - zcm);
		fprintf(res, "| %ld %sside | %s | %s | %d | %.0f | %.0f | %.0f | %.0f | %.1f%% | %.1f%% | %+.1f%% | %.0f | %+.1f%% | %.0f |%s%s\n",
			nprocs, where, c->label, c->max_tasks ? c->hooksrc : "-", c->n,
			cm / 1000, c99 / 1000, om / 1000, o99 / 1000,
			100 * rm, 100 * r99, 100 * added, sm / 1000, 100 * sadd,
			c->oom_calls ? (double)c->badness_calls / c->oom_calls : 0.0,
			c->wrong_victim ? " victim not the hog!" : "",
			c->no_cands ? " victim not first candidate!" : "");
		progress("oom: %ld procs %sside max_tasks %d %s: n=%d capture %.0f/%.0f us oom %.0f/%.0f us ratio %.1f%%/%.1f%% added %+.1f%% scan %.0f us (n=%d) added(scan-based) %+.1f%% hooked oom_badness %lld in %lld out_of_memory",
			 nprocs, where, c->max_tasks, c->hooksrc, c->n, cm / 1000,
			 c99 / 1000, om / 1000, o99 / 1000, 100 * rm, 100 * r99,
			 100 * added, sm / 1000, c->nscan, 100 * sadd,
			 c->badness_calls, c->oom_calls);
	}
	fflush(res);
	kill_sleepers(sleepers, nprocs);
	close(cgfd);
	close(idlefd);
	rmdir(OU_CGROOT "/" BENCH_CG);
	rmdir(OU_CGROOT "/bench_idle");
}

static void bench_oom(FILE *res)
{
	int i;

	fprintf(res, "<!-- bench:oom -->\n");
	fprintf(res, "### OOM path (memcg OOMs; sleepers inside the OOMing memcg, or outside it)\n\n");
	fprintf(res, "| sleepers | max_tasks | candidates | OOMs | capture_ns median (us) | capture_ns p99 (us) | oom_ns median (us) | oom_ns p99 (us) | capture / kernel median | capture / kernel p99 | added, from oom_ns | mem_cgroup_scan_tasks median (us) | added, from the scan | hooked oom_badness() per out_of_memory() |\n");
	fprintf(res, "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	for (i = 0; i < opt_nprocs; i++)
		bench_oom_procs(opt_procs[i], 1, res);
	for (i = 0; i < opt_noutside; i++)
		bench_oom_procs(opt_outside[i], 0, res);
	fprintf(res, "\n");
}

/* ---- configurations compared block by block ---------------------------- */

/*
 * One configuration of the report and cost parts: a module (@ko, NULL for
 * the one under test) with @params, and the kernel's OOM report settings.
 */
struct cmp_cfg {
	const char *label;
	const char *ko;		/* NULL: /oomsnap/oomsnap.ko */
	const char *params;
	int loglevel;		/* console loglevel during the block */
	int dump_tasks;		/* vm.oom_dump_tasks */
	double cap[1024], oom[1024], fn[1024];
	int n, nfn, missing;
	long long event_bytes;
};

static int bench_loglevel = 7;	/* the guest's console loglevel at start */

static void console_level(int level)
{
	klogctl(8 /* SYSLOG_ACTION_CONSOLE_LEVEL */, NULL, level);
}

static void oom_report(int loglevel, int dump_tasks)
{
	console_level(loglevel);
	ou_write("/proc/sys/vm/oom_dump_tasks", dump_tasks ? "1" : "0");
}

/* Append @val to a tracefs file (set_ftrace_filter: one more function). */
static int tr_append(const char *file, const char *val)
{
	char p[256];
	int fd, err = 0;

	snprintf(p, sizeof(p), "%s/%s", tracing_dir(), file);
	fd = open(p, O_WRONLY | O_APPEND);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/*
 * Trace the functions of @fns (NULL-terminated) with function_graph, each
 * appended on its own (one missing function does not lose the others);
 * closing braces carry the name (funcgraph-tail).  Returns how many could
 * be traced.
 */
static int fgraph_on_list(const char * const *fns)
{
	int n = 0;

	tr_write("tracing_on", "0");
	tr_write("current_tracer", "nop");
	tr_write("set_ftrace_filter", "");
	for (; *fns; fns++)
		n += !tr_append("set_ftrace_filter", *fns);
	if (!n || tr_write("current_tracer", "function_graph")) {
		tr_write("set_ftrace_filter", "");
		return 0;
	}
	tr_write("options/funcgraph-tail", "1");
	tr_write("buffer_size_kb", "4096");
	tr_clear();
	tr_write("tracing_on", "1");
	return n;
}

/*
 * The durations (us) of the traced calls of @fn since the buffer was last
 * cleared, appended to @v (at most @max); the buffer is left alone.
 * Matches "fn();" (a leaf) and "} /" "* fn *" "/" (funcgraph-tail), where
 * a module's function is "fn [oomsnap]".
 */
static int fgraph_durations(const char *trace, const char *fn, double *v,
			    int n, int max)
{
	char *s = strdup(trace ? trace : ""), *line, *save = NULL;
	char leaf[128], mod[128], tail[128];

	snprintf(leaf, sizeof(leaf), " %s();", fn);
	snprintf(mod, sizeof(mod), " %s [", fn);
	snprintf(tail, sizeof(tail), "/* %s ", fn);
	for (line = strtok_r(s, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *us = strstr(line, " us ");
		char *q;

		if (line[0] == '#' || !us || n >= max ||
		    (!strstr(line, leaf) && !strstr(line, mod) &&
		     !strstr(line, tail)))
			continue;
		for (q = us; q > line && (q[-1] == '.' || (q[-1] >= '0' && q[-1] <= '9')); q--)
			;
		v[n++] = atof(q);
	}
	free(s);
	return n;
}

static char *trace_text(void)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/trace", tracing_dir());
	return ou_read(p);
}

/* Load @c's module, run @nooms OOMs in @cgfd, collect their records. */
static void cmp_block(struct cmp_cfg *c, int cgfd, int nooms, const char *fn)
{
	json_object **v;
	int got = 0, tries = 0, n, i;
	char *tr;

	if (c->ko && access(c->ko, R_OK)) {
		c->missing = 1;
		return;
	}
	load_ko_or_die(c->ko, c->params);
	c->event_bytes = ou_stat("event_bytes");
	oom_report(c->loglevel, c->dump_tasks);
	tr_clear();
	while (got < nooms && tries++ < 3 * nooms)
		got += oom_once(cgfd) > 0;
	oom_report(1, 0);
	ou_wait_events(got, 5000);
	v = ou_events(&n);
	for (i = 0; v && i < n; i++) {
		double cap = ou_int(v[i], "capture_ns");
		double oom = ou_int(v[i], "oom_ns");

		if (strcmp(ou_str(v[i], "outcome"), "killed") || oom <= 0 ||
		    c->n >= 1024)
			continue;
		c->cap[c->n] = cap;
		c->oom[c->n] = oom;
		c->n++;
	}
	if (v)
		ou_events_free(v, n);
	if (fn) {
		tr = trace_text();
		c->nfn = fgraph_durations(tr, fn, c->fn, c->nfn, 1024);
		free(tr);
	}
	tr_clear();
	ou_unload();
}

/*
 * @n sleepers in the memcg /bench, whose limit leaves the hog 16 MB;
 * returns the cgroup's fd, *pids the sleepers.
 */
static int oom_setup(long n, pid_t **pids)
{
	double t = now_s();
	long long base;
	char max[64];
	int cgfd;

	ou_unload();
	rmdir(OU_CGROOT "/" BENCH_CG);
	ou_cg_create(BENCH_CG, NULL);
	cgfd = open(OU_CGROOT "/" BENCH_CG, O_RDONLY | O_DIRECTORY);
	if (cgfd < 0) {
		printf("# bench: no cgroup %s\n", BENCH_CG);
		exit(2);
	}
	progress("spawning %ld sleepers in the OOMing memcg...", n);
	*pids = spawn_sleepers(cgfd, n);
	if (!*pids)
		exit(2);
	base = cg_current();
	snprintf(max, sizeof(max), "%lld", base + (16 << 20));
	ou_write(OU_CGROOT "/" BENCH_CG "/memory.max", max);
	progress("%ld sleepers in %.1f s, memcg %lld kB + 16 MB", n,
		 now_s() - t, base >> 10);
	oom_once(cgfd);	/* warm-up, no module */
	return cgfd;
}

static void oom_teardown(int cgfd, pid_t *pids, long n)
{
	kill_sleepers(pids, n);
	close(cgfd);
	rmdir(OU_CGROOT "/" BENCH_CG);
}

/* Interleave @nc configurations in blocks: A B C, B C A, ... */
static void cmp_run(struct cmp_cfg *cfgs, int nc, int cgfd, const char *fn,
		    const char *what, long nprocs)
{
	int blocks = (opt_ooms + opt_block - 1) / opt_block, b, i;
	double t = now_s();

	for (b = 0; b < blocks; b++) {
		for (i = 0; i < nc; i++)
			cmp_block(&cfgs[(i + b) % nc], cgfd, opt_block, fn);
		progress("%s: %ld procs: block %d/%d done (%.0f s)", what, nprocs,
			 b + 1, blocks, now_s() - t);
	}
}

/* ---- the kernel's own OOM report against oomsnap's capture --------------- */

static long opt_report_procs[8] = { 1000, 10000 };
static int opt_nreport_procs = 2;

static void bench_report_procs(long nprocs, FILE *res)
{
	struct cmp_cfg cfgs[] = {
		{ "kernel's defaults: oom_dump_tasks=1, console loglevel %d",
		  NULL, "", 0, 1 },
		{ "oom_dump_tasks=1, console loglevel 4 (`quiet`)", NULL, "", 4, 1 },
		{ "oom_dump_tasks=0, console loglevel 1 (report in the log buffer only)",
		  NULL, "", 1, 0 },
	};
	int nc = sizeof(cfgs) / sizeof(cfgs[0]), k, cgfd;
	const char * const fns[] = { "dump_header", NULL };
	int tracing;
	pid_t *pids;
	char label[128];

	cfgs[0].loglevel = bench_loglevel;
	cgfd = oom_setup(nprocs, &pids);
	tracing = fgraph_on_list(fns);
	if (!tracing)
		progress("report: cannot trace dump_header (no column)");
	cmp_run(cfgs, nc, cgfd, tracing ? "dump_header" : NULL, "report", nprocs);
	fgraph_off();
	oom_teardown(cgfd, pids, nprocs);
	for (k = 0; k < nc; k++) {
		struct cmp_cfg *c = &cfgs[k], *z = &cfgs[nc - 1];
		double om = pct(c->oom, c->n, 50), cm = pct(c->cap, c->n, 50);
		double zom = pct(z->oom, z->n, 50);
		double dm = pct(c->fn, c->nfn, 50);

		snprintf(label, sizeof(label), c->label, c->loglevel);
		fprintf(res, "| %ld | %s | %d | %.1f | %.1f | %.1f | %.0f | %.0f | %.0f | %.1f |\n",
			nprocs, label, c->n, om / 1e6, pct(c->oom, c->n, 99) / 1e6,
			(om - zom) / 1e6, cm / 1000, pct(c->cap, c->n, 99) / 1000,
			(om - zom) / cm, c->nfn ? dm / 1000 : NAN);
		progress("report: %ld procs, %s: n=%d oom %.0f us capture %.0f us dump_header %.0f us (n=%d)",
			 nprocs, label, c->n, om / 1000, cm / 1000, dm, c->nfn);
	}
	fflush(res);
}

static void bench_report(FILE *res)
{
	int i;

	fprintf(res, "<!-- bench:report -->\n");
	fprintf(res, "### The kernel's OOM report against oomsnap's capture (memcg OOMs, sleepers inside the memcg, oomsnap at its defaults)\n\n");
	fprintf(res, "| tasks in the memcg | kernel's report | OOMs | oom_ns median (ms) | oom_ns p99 (ms) | the report's cost: oom_ns median over the last row's (ms) | oomsnap capture_ns median (us) | capture_ns p99 (us) | the report's cost / capture_ns | dump_header median (ms) |\n");
	fprintf(res, "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	for (i = 0; i < opt_nreport_procs; i++)
		bench_report_procs(opt_report_procs[i], res);
	fprintf(res, "\n");
}

/* ---- capture cost before and after the breakdown, stack and trend -------- */

static long opt_cost_procs[8] = { 10000 };
static int opt_ncost_procs = 1;
static const char *opt_before_ko = "/oomsnap/before.ko";

static void bench_cost_procs(long nprocs, FILE *res)
{
	struct cmp_cfg cfgs[] = {
		{ "before (no breakdown, stack, pressure, trend)", NULL,
		  "max_tasks=8", 1, 0 },
		{ "now, trend_seconds=0", NULL, "max_tasks=8 trend_seconds=0", 1, 0 },
		{ "now, trend_seconds=60 (default)", NULL,
		  "max_tasks=8 trend_seconds=60", 1, 0 },
	};
	static const char * const parts[] = {
		"oomsnap_capture_system", "oomsnap_mem_capture",
		"oomsnap_capture_zones", "oomsnap_capture_stack",
		"oomsnap_psi_capture", "oomsnap_trend_capture", NULL,
	};
	static double d[1024];
	int nc = sizeof(cfgs) / sizeof(cfgs[0]), k, i, cgfd, nd;
	struct cmp_cfg traced = { "traced", NULL, "max_tasks=8 trend_seconds=60", 1, 0 };
	char *tr;
	pid_t *pids;

	cfgs[0].ko = opt_before_ko;
	cgfd = oom_setup(nprocs, &pids);
	cmp_run(cfgs, nc, cgfd, NULL, "cost", nprocs);
	for (k = 0; k < nc; k++) {
		struct cmp_cfg *c = &cfgs[k];

		if (c->missing) {
			fprintf(res, "| %ld | %s | - | no module at %s | | | | |\n",
				nprocs, c->label, c->ko);
			continue;
		}
		fprintf(res, "| %ld | %s | %d | %lld | %.0f | %.0f | %.0f | %.2f |\n",
			nprocs, c->label, c->n, c->event_bytes,
			pct(c->cap, c->n, 50) / 1000, pct(c->cap, c->n, 99) / 1000,
			pct(c->oom, c->n, 50) / 1000,
			pct(c->cap, c->n, 50) / pct(cfgs[1].cap, cfgs[1].n, 50));
		progress("cost: %ld procs, %s: n=%d event %lld capture %.0f us oom %.0f us",
			 nprocs, c->label, c->n, c->event_bytes,
			 pct(c->cap, c->n, 50) / 1000, pct(c->oom, c->n, 50) / 1000);
	}
	/*
	 * The parts, timed by the kernel: function_graph on the capture's
	 * steps (those not inlined); the tracer's own cost is in each figure.
	 */
	load_or_die(traced.params);
	if (fgraph_on_list(parts)) {
		for (i = 0; i < opt_block; i++)
			oom_once(cgfd);
		tr = trace_text();
		fprintf(res, "\nThe capture's steps at %ld tasks, timed by the kernel (function_graph, trend_seconds=60, %d OOMs; the tracer's own cost is in each figure, and a function the compiler inlined or the tracer could not see is not listed):", nprocs, opt_block);
		for (k = 0, i = 0; parts[k]; k++) {
			nd = fgraph_durations(tr, parts[k], d, 0, 1024);
			if (nd)
				fprintf(res, " %s %.1f us (median of %d);", parts[k],
					pct(d, nd, 50), nd);
			i += nd;
		}
		fprintf(res, "%s\n", i ? "" : " none: the tracer recorded no call of them");
		free(tr);
		fgraph_off();
	}
	ou_unload();
	oom_teardown(cgfd, pids, nprocs);
	fflush(res);
}

static void bench_cost(FILE *res)
{
	int i;

	fprintf(res, "<!-- bench:cost -->\n");
	fprintf(res, "### Capture cost before and after the breakdown, stack, pressure and trend (memcg OOMs, sleepers inside, max_tasks 8)\n\n");
	fprintf(res, "| tasks in the memcg | module | OOMs | event_bytes | capture_ns median (us) | capture_ns p99 (us) | oom_ns median (us) | capture median / trend_seconds=0's |\n");
	fprintf(res, "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	for (i = 0; i < opt_ncost_procs; i++)
		bench_cost_procs(opt_cost_procs[i], res);
	fprintf(res, "\n");
}

/* ---- the trend sampler on an idle guest ----------------------------------- */

static int opt_idle = 60;

/* Local timer interrupts (LOC), all CPUs. */
static long long loc_irqs(void)
{
	char *s = ou_read("/proc/interrupts"), *p, *end;
	long long sum = 0;

	p = s ? strstr(s, "LOC:") : NULL;
	if (p) {
		p += 4;
		for (;;) {
			long long v = strtoll(p, &end, 10);

			if (end == p)
				break;
			sum += v;
			p = end;
		}
	}
	free(s);
	return sum;
}

/* Busy and total jiffies from the first line of /proc/stat. */
static void cpu_jiffies(long long *busy, long long *total)
{
	char *s = ou_read("/proc/stat");
	long long f[10] = { 0 };
	int i;

	*busy = *total = 0;
	if (s && sscanf(s, "cpu %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld",
			&f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7],
			&f[8], &f[9]) >= 8) {
		for (i = 0; i < 8; i++)
			*total += f[i];
		*busy = *total - f[3] - f[4];	/* idle, iowait */
	}
	free(s);
}

struct idle_cfg {
	const char *label, *params;	/* params NULL: unloaded */
	long long loc, expiries, ticks, samples, busy, total;
};

static void idle_window(struct idle_cfg *c, int seconds)
{
	char p[256], *tr, *line, *save = NULL;
	long long l0, b0, t0, b1, t1, s0 = 0;

	ou_unload();
	if (c->params)
		load_or_die(c->params);
	sleep(2);	/* the load's own work and first tick out of the window */
	snprintf(p, sizeof(p), "%s/events/timer/timer_expire_entry/enable",
		 tracing_dir());
	tr_write("tracing_on", "0");
	tr_clear();
	ou_write(p, "1");
	tr_write("tracing_on", "1");
	if (c->params)
		s0 = ou_stat("trend_samples_taken");
	l0 = loc_irqs();
	cpu_jiffies(&b0, &t0);
	sleep(seconds);
	cpu_jiffies(&b1, &t1);
	c->loc += loc_irqs() - l0;
	if (c->params)
		c->samples += ou_stat("trend_samples_taken") - s0;
	tr_write("tracing_on", "0");
	ou_write(p, "0");
	c->busy += b1 - b0;
	c->total += t1 - t0;
	tr = trace_text();
	for (line = tr ? strtok_r(tr, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || !strstr(line, "timer_expire_entry"))
			continue;
		c->expiries++;
		c->ticks += !!strstr(line, "oomsnap_trend_tick");
	}
	free(tr);
	tr_clear();
	ou_unload();
}

static void bench_idle(FILE *res)
{
	struct idle_cfg cfgs[] = {
		{ "unloaded", NULL },
		{ "loaded, trend_seconds=60 (default)", "trend_seconds=60" },
		{ "loaded, trend_seconds=0", "trend_seconds=0" },
	};
	static const char * const tick[] = { "oomsnap_trend_tick", NULL };
	static double d[4096];
	char num[32];
	int nc = sizeof(cfgs) / sizeof(cfgs[0]), k, r, nd = 0;
	char *tr;

	/* two rounds of half windows, rotated: A B C, B C A */
	for (r = 0; r < 2; r++) {
		for (k = 0; k < nc; k++) {
			struct idle_cfg *c = &cfgs[(k + r) % nc];

			idle_window(c, opt_idle / 2);
			progress("idle: round %d: %s: LOC %lld, timer expiries %lld (sampler %lld), samples %lld, busy %lld/%lld jiffies",
				 r + 1, c->label, c->loc, c->expiries, c->ticks,
				 c->samples, c->busy, c->total);
		}
	}
	/* the tick's own duration, timed by the kernel */
	load_or_die("trend_seconds=60");
	if (fgraph_on_list(tick)) {
		sleep(20);
		tr = trace_text();
		nd = fgraph_durations(tr, "oomsnap_trend_tick", d, 0, 4096);
		free(tr);
		fgraph_off();
	}
	ou_unload();
	fprintf(res, "<!-- bench:idle -->\n");
	fprintf(res, "### The trend sampler on an idle guest (%d s per configuration, in two rounds of %d s, rotated)\n\n",
		opt_idle / 2 * 2, opt_idle / 2);
	fprintf(res, "| module | local timer interrupts (LOC) per s | timer expiries per s | oomsnap_trend_tick expiries per s | trend_samples_taken per s | busy CPU (jiffies of all CPUs) |\n");
	fprintf(res, "| --- | ---: | ---: | ---: | ---: | ---: |\n");
	opt_idle = opt_idle / 2 * 2;
	for (k = 0; k < nc; k++)
		fprintf(res, "| %s | %.2f | %.2f | %.2f | %s | %lld of %lld |\n",
			cfgs[k].label, (double)cfgs[k].loc / opt_idle,
			(double)cfgs[k].expiries / opt_idle,
			(double)cfgs[k].ticks / opt_idle,
			cfgs[k].params ? (snprintf(num, sizeof(num), "%.2f",
				(double)cfgs[k].samples / opt_idle), num) : "-",
			cfgs[k].busy, cfgs[k].total);
	if (nd)
		fprintf(res, "\noomsnap_trend_tick timed by the kernel (function_graph, 20 s, trend_seconds=60): median %.1f us, max %.1f us over %d ticks; at the rate above that is %.4f%% of one CPU.\n",
			pct(d, nd, 50), pct(d, nd, 100), nd,
			100 * pct(d, nd, 50) * 1e-6 * cfgs[1].ticks / opt_idle);
	else
		fprintf(res, "\n(function_graph on oomsnap_trend_tick unavailable: no tick duration.)\n");
	fprintf(res, "\n");
	fflush(res);
}

/* ---- exec path ----------------------------------------------------------- */

/* oomsnap_bench exec-chain N: exec ourselves N more times, then exit. */
static int exec_chain(long n)
{
	char arg[32];

	if (n <= 0)
		return 0;
	snprintf(arg, sizeof(arg), "%ld", n - 1);
	execl("/proc/self/exe", "oomsnap_bench", "exec-chain", arg, NULL);
	return 127;
}

/* Seconds for a chain of opt_execs execs. */
static double time_execs(void)
{
	double t = now_s();
	char arg[32];
	pid_t pid;
	int st;

	snprintf(arg, sizeof(arg), "%d", opt_execs);
	pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", "oomsnap_bench", "exec-chain", arg, NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		printf("# bench: exec chain failed\n");
		exit(2);
	}
	return now_s() - t;
}

/* Written in batches of up to 3,800 bytes; @last flushes. */
static int protect_batch(char *buf, size_t size, int *len, int last,
			 const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	*len += vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (*len <= 3800 && !last)
		return 0;
	err = ou_write(ou_path("protect"), buf);
	*len = 0;
	return err;
}

static int add_entries(void)
{
	char buf[4000];
	int i, len = 0, err;

	for (i = 0; i < 100; i++) {
		char cg[64];

		snprintf(cg, sizeof(cg), "benchcg%02d", i);
		if (ou_cg_create(cg, NULL))
			return -1;
		err = protect_batch(buf, sizeof(buf), &len, i == 99,
				    "add cgroup=/%s adj=-500\n", cg);
		if (err)
			return err;
	}
	for (i = 0; i < 1000; i++) {
		err = protect_batch(buf, sizeof(buf), &len, i == 999,
				    "add comm=benchname%04d adj=-500\n", i);
		if (err)
			return err;
	}
	return 0;
}

static void bench_exec(FILE *res)
{
	const char *names[3] = { "unloaded", "loaded, 0 entries",
				 "loaded, 1,000 comm + 100 cgroup entries" };
	double *rate[3], *ratio[3], med[3];
	static double probe[4096], probe0[4096];
	int r, c, i, probe_n, probe0_n;

	for (c = 0; c < 3; c++) {
		rate[c] = calloc(opt_rounds, sizeof(double));
		ratio[c] = calloc(opt_rounds, sizeof(double));
	}
	ou_unload();
	time_execs();	/* warm-up */
	for (r = 0; r < opt_rounds; r++) {
		for (c = 0; c < 3; c++) {
			if (c == 0)
				ou_unload();
			if (c == 1)
				load_or_die("protect_max=2048");
			if (c == 2) {
				int err = add_entries();
				long long n = ou_stat("protect_entries");

				if (err || n != 1100) {
					printf("# bench: protect entries: %s, %lld\n",
					       strerror(-err), n);
					exit(2);
				}
			}
			rate[c][r] = opt_execs / time_execs();
		}
		for (c = 0; c < 3; c++)
			ratio[c][r] = rate[c][r] / rate[0][r];
		progress("exec: round %d/%d: %.0f %.0f %.0f execs/s", r + 1,
			 opt_rounds, rate[0][r], rate[1][r], rate[2][r]);
	}
	/*
	 * The probe itself, timed by the kernel (function_graph on
	 * oomsnap_exec_probe, the sched_process_exec probe), with the
	 * 1,100 entries still loaded: a figure the host's noise hardly
	 * touches, against an exec's time.
	 */
	probe_n = probe0_n = 0;
	if (!fgraph_on("oomsnap_exec_probe")) {
		time_execs();
		probe_n = fgraph_collect(probe, 0, 4096);
		/* the same with no entries: the tracer's own cost */
		ou_write(ou_path("protect"), "clear\n");
		time_execs();
		probe0_n = fgraph_collect(probe0, 0, 4096);
		fgraph_off();
	}
	ou_unload();
	for (i = 0; i < 100; i++) {
		char cg[64];

		snprintf(cg, sizeof(cg), "benchcg%02d", i);
		ou_cg_remove(cg);
	}
	fprintf(res, "<!-- bench:exec -->\n");
	fprintf(res, "### Exec path (%d rounds of %d execve() each, interleaved)\n\n",
		opt_rounds, opt_execs);
	fprintf(res, "| module | execs/s median | ratio to unloaded, median of rounds | min ratio | max ratio |\n");
	fprintf(res, "| --- | ---: | ---: | ---: | ---: |\n");
	for (c = 0; c < 3; c++) {
		double lo, hi;

		med[c] = pct(rate[c], opt_rounds, 50);
		lo = pct(ratio[c], opt_rounds, 0);
		hi = pct(ratio[c], opt_rounds, 100);
		fprintf(res, "| %s | %.0f | %.4f | %.4f | %.4f |\n", names[c],
			med[c], pct(ratio[c], opt_rounds, 50), lo, hi);
	}
	if (probe_n && probe0_n) {
		double pm = pct(probe, probe_n, 50), p0 = pct(probe0, probe0_n, 50);
		double ex = 1e6 / med[0];

		fprintf(res, "\nThe exec probe (sched_process_exec) timed by the kernel, function_graph on oomsnap_exec_probe, median of %d execs: %.2f us with 1,100 entries, %.2f us with none (the tracer's own cost, TCG); an exec takes %.0f us here (median, unloaded): the entries' lookups cost %.3f%% of an exec, the whole traced probe %.3f%%.\n",
			probe_n, pm, p0, ex, 100 * (pm - p0) / ex, 100 * pm / ex);
	} else {
		fprintf(res, "\n(function_graph on oomsnap_exec_probe unavailable: no in-kernel probe time.)\n");
	}
	fprintf(res, "\n");
	fflush(res);
}

/* ---- memory -------------------------------------------------------------- */

/* oomsnap's size in /proc/modules (its line may be the first one) */
static long long module_size(void)
{
	return ou_file_num("/proc/modules", "oomsnap ");
}

static void bench_mem(FILE *res)
{
	static const int caps[] = { 64, 1024 };
	static const int mts[] = { 0, 8, 64 };
	long long ring[2] = { 0 }, free_d[2] = { 0 };
	int i, j, k;

	fprintf(res, "<!-- bench:mem -->\n");
	fprintf(res, "### Memory (protect_max 1024 default)\n\n");
	fprintf(res, "| capacity | max_tasks | event_bytes | ring_bytes | /proc/modules size | MemFree drop at insmod (kB, median of 5) | Slab + VmallocUsed growth (kB) |\n");
	fprintf(res, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	for (j = 0; j < 3; j++) {
		for (i = 0; i < 2; i++) {
			double dfree[5], dslab[5];
			long long rb = 0, eb = 0, ms = 0;
			char params[64];

			snprintf(params, sizeof(params), "capacity=%d max_tasks=%d",
				 caps[i], mts[j]);
			for (k = 0; k < 5; k++) {
				long long f0, s0, f1, s1;

				ou_unload();
				usleep(200000);
				f0 = meminfo("MemFree:");
				s0 = meminfo("Slab:") + meminfo("VmallocUsed:");
				load_or_die(params);
				f1 = meminfo("MemFree:");
				s1 = meminfo("Slab:") + meminfo("VmallocUsed:");
				dfree[k] = f0 - f1;
				dslab[k] = s1 - s0;
				rb = ou_stat("ring_bytes");
				eb = ou_stat("event_bytes");
				ms = module_size();
			}
			ou_unload();
			if (mts[j] == 8) {
				ring[i] = rb;
				free_d[i] = (long long)pct(dslab, 5, 50);
			}
			fprintf(res, "| %d | %d | %lld | %lld | %lld | %.0f | %.0f |\n",
				caps[i], mts[j], eb, rb, ms, pct(dfree, 5, 50),
				pct(dslab, 5, 50));
			progress("mem: capacity %d max_tasks %d: event %lld ring %lld", caps[i],
				 mts[j], eb, rb);
		}
	}
	fprintf(res, "\nmax_tasks 8, capacity 64 to 1,024: ring_bytes grows by %.0f bytes per event; Slab + VmallocUsed by %.0f bytes per event (the ring is one vmalloc area: page-granular).  MemFree moves in per-CPU page batches and is shown only for completeness.\n\n",
		(double)(ring[1] - ring[0]) / 960, (double)(free_d[1] - free_d[0]) * 1024 / 960);
	fflush(res);
}

/* ---- readers ------------------------------------------------------------- */

static double time_read(const char *name, size_t *bytes)
{
	double t = now_s();
	char buf[65536];
	ssize_t n;
	int fd = open(ou_path(name), O_RDONLY);

	*bytes = 0;
	if (fd < 0)
		return NAN;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		*bytes += n;
	close(fd);
	return now_s() - t;
}

static void bench_read(FILE *res)
{
	static const char * const files[] = { "events.json", "events" };
	double t = now_s();
	int cgfd, i, k;
	char params[64];

	ou_unload();
	snprintf(params, sizeof(params), "capacity=%d max_tasks=8", opt_read_events);
	load_or_die(params);
	rmdir(OU_CGROOT "/" BENCH_CG);
	ou_cg_create(BENCH_CG, "4M");
	cgfd = open(OU_CGROOT "/" BENCH_CG, O_RDONLY | O_DIRECTORY);
	progress("read: filling a ring of %d events...", opt_read_events);
	while (ou_stat("events_retained") < opt_read_events) {
		oom_once(cgfd);
		if (ou_stat("events_total") % 128 == 0)
			progress("read: %lld events (%.0f s)", ou_stat("events_total"),
				 now_s() - t);
	}
	close(cgfd);
	fprintf(res, "<!-- bench:read -->\n");
	fprintf(res, "### Readers (a full ring of %lld events, max_tasks 8)\n\n",
		ou_stat("events_retained"));
	fprintf(res, "| file | bytes | read time median of 7 (ms) | max (ms) | per event (us) |\n");
	fprintf(res, "| --- | ---: | ---: | ---: | ---: |\n");
	for (i = 0; i < 2; i++) {
		double v[7];
		size_t bytes = 0;

		for (k = 0; k < 7; k++)
			v[k] = time_read(files[i], &bytes);
		fprintf(res, "| %s | %zu | %.1f | %.1f | %.1f |\n", files[i], bytes,
			1000 * pct(v, 7, 50), 1000 * pct(v, 7, 100),
			1e6 * pct(v, 7, 50) / opt_read_events);
	}
	fprintf(res, "\n");
	fflush(res);
	ou_unload();
	rmdir(OU_CGROOT "/" BENCH_CG);
}

/* ---- no allocation on the OOM path ---------------------------------------- */

static const char * const kmem_events[] = {
	"kmalloc", "kmalloc_node", "kmem_cache_alloc", "kmem_cache_alloc_node",
};

/* Enable (or disable) the kmem allocation events, filtered on [lo, hi). */
static int kmem_trace(const char *tr, int on, unsigned long lo, unsigned long hi)
{
	char p[256], f[128];
	unsigned int i;
	int n = 0;

	for (i = 0; i < sizeof(kmem_events) / sizeof(kmem_events[0]); i++) {
		snprintf(p, sizeof(p), "%s/events/kmem/%s/filter", tr, kmem_events[i]);
		if (access(p, F_OK))
			continue;
		if (on) {
			snprintf(f, sizeof(f), "call_site >= 0x%lx && call_site < 0x%lx",
				 lo, hi);
			if (ou_write(p, f))
				continue;
		}
		snprintf(p, sizeof(p), "%s/events/kmem/%s/enable", tr, kmem_events[i]);
		if (!ou_write(p, on ? "1" : "0"))
			n++;
	}
	return n;
}

/* Trace lines (not comments) in the buffer; prints the first few. */
static int trace_count(const char *tr)
{
	char p[256], *s, *line, *save = NULL;
	int n = 0;

	snprintf(p, sizeof(p), "%s/trace", tr);
	s = ou_read(p);
	for (line = s ? strtok_r(s, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		if (n++ < 5)
			printf("# bench: alloc: %s\n", line);
	}
	free(s);
	return n;
}

static void bench_alloc(FILE *res)
{
	const char *tr = tracing_dir();
	char p[256], *s;
	unsigned long lo = 0, size;
	int cgfd, i, k, ev, in_oom[2] = { 0 }, control, ooms[2] = { 0 };
	static const char * const srcs[] = { "auto", "scan" };

	fprintf(res, "<!-- bench:alloc -->\n");
	fprintf(res, "### No allocation on the OOM path\n\n");
	for (k = 0; k < 2; k++) {
		snprintf(p, sizeof(p), "max_tasks=64 candidates=%s", srcs[k]);
		load_or_die(p);
		s = ou_read("/sys/module/oomsnap/sections/.text");
		lo = s ? strtoul(s, NULL, 16) : 0;
		free(s);
		size = module_size();
		if (!lo) {
			fprintf(res, "No module address (kptr_restrict?): not verified.\n\n");
			return;
		}
		tr_clear();
		ev = kmem_trace(tr, 1, lo, lo + size);
		if (!ev) {
			fprintf(res, "No kmem tracepoints in %s: not verified.\n\n", tr);
			return;
		}
		rmdir(OU_CGROOT "/" BENCH_CG);
		ou_cg_create(BENCH_CG, "8M");
		cgfd = open(OU_CGROOT "/" BENCH_CG, O_RDONLY | O_DIRECTORY);
		for (i = 0; i < 20; i++)
			ooms[k] += oom_once(cgfd) > 0;
		close(cgfd);
		rmdir(OU_CGROOT "/" BENCH_CG);
		ou_wait_events(ooms[k], 2000);
		kmem_trace(tr, 0, 0, 0);
		in_oom[k] = trace_count(tr);
		progress("alloc: candidates=%s: %d allocations from oomsnap.ko during %d OOMs",
			 srcs[k], in_oom[k], ooms[k]);
	}
	/* positive control: opening the stream file allocates in the module */
	tr_clear();
	kmem_trace(tr, 1, lo, lo + size);
	i = open(ou_path("stream"), O_RDONLY);
	if (i >= 0)
		close(i);
	kmem_trace(tr, 0, 0, 0);
	control = trace_count(tr);
	ou_unload();
	fprintf(res, "| window | allocations from call sites in oomsnap.ko |\n| --- | ---: |\n");
	for (k = 0; k < 2; k++)
		fprintf(res, "| %d memcg OOMs, max_tasks 64, candidates=%s | %d |\n",
			ooms[k], srcs[k], in_oom[k]);
	fprintf(res, "| positive control: one open()+close() of stream | %d |\n\n",
		control);
	fprintf(res, "Tracepoints: %d of kmem/{kmalloc,kmalloc_node,kmem_cache_alloc,kmem_cache_alloc_node} present, each with the filter `call_site >= .text && call_site < .text + size` (oomsnap.ko's .text from /sys/module/oomsnap/sections, size from /proc/modules).\n\n",
		ev);
	fflush(res);
}

/* ---- main ---------------------------------------------------------------- */

/* @what is "all" or a comma-separated list of parts naming @name */
static int part(const char *what, const char *name)
{
	size_t len = strlen(name);
	const char *p;

	if (!strcmp(what, "all"))
		return 1;
	for (p = what; (p = strstr(p, name)); p += len)
		if ((p == what || p[-1] == ',') && (!p[len] || p[len] == ','))
			return 1;
	return 0;
}

static void parse_procs(const char *s, long *v, int *n)
{
	char *copy = strdup(s), *t, *save = NULL;

	*n = 0;
	for (t = strtok_r(copy, ",", &save); t && *n < 8;
	     t = strtok_r(NULL, ",", &save))
		if (atol(t) > 0)
			v[(*n)++] = atol(t);
	free(copy);
}

static void usage(void)
{
	printf("usage: oomsnap_bench [all|oom|exec|mem|read|alloc|report|cost|idle]\n"
	       "                     [--procs N,N] [--outside N,N|0] [--ooms N]\n"
	       "                     [--idle SECONDS] [--before-ko FILE] [--floor-ko FILE]\n"
	       "                     [--block N] [--execs N] [--rounds N] [--read-events N]\n");
}

int main(int argc, char **argv)
{
	const char *what = "all";
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	char *buf = NULL, *s;
	size_t len = 0;
	FILE *res;
	double t0;
	int i;

	if (argc == 3 && !strcmp(argv[1], "exec-chain"))
		return exec_chain(atol(argv[2]));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";

		if (!strcmp(a, "--procs")) {
			parse_procs(v, opt_procs, &opt_nprocs);
			parse_procs(v, opt_report_procs, &opt_nreport_procs);
			parse_procs(v, opt_cost_procs, &opt_ncost_procs);
			i++;
		} else if (!strcmp(a, "--idle"))
			opt_idle = atoi(v), i++;
		else if (!strcmp(a, "--before-ko"))
			opt_before_ko = v, i++;
		else if (!strcmp(a, "--floor-ko"))
			opt_floor_ko = v, i++;
		else if (!strcmp(a, "--outside"))
			parse_procs(v, opt_outside, &opt_noutside), i++;
		else if (!strcmp(a, "--ooms"))
			opt_ooms = atoi(v), i++;
		else if (!strcmp(a, "--block"))
			opt_block = atoi(v), i++;
		else if (!strcmp(a, "--execs"))
			opt_execs = atoi(v), i++;
		else if (!strcmp(a, "--rounds"))
			opt_rounds = atoi(v), i++;
		else if (!strcmp(a, "--read-events"))
			opt_read_events = atoi(v), i++;
		else if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return usage(), 0;
		else if (a[0] != '-')
			what = a;
		else
			return usage(), 2;
	}
	if (opt_ooms < 1 || opt_block < 1 || opt_execs < 1 || opt_rounds < 1 ||
	    opt_idle < 2) {
		usage();
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	setrlimit(RLIMIT_NPROC, &rl);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* the boot's console loglevel: the report part's "default" */
	s = ou_read("/proc/sys/kernel/printk");
	if (s && atoi(s) > 0)
		bench_loglevel = atoi(s);
	free(s);
	/* the OOM report must not go to the (slow, synchronous) console */
	klogctl(8 /* SYSLOG_ACTION_CONSOLE_LEVEL */, NULL, 1);
	ou_write("/proc/sys/vm/oom_dump_tasks", "0");
	ou_write("/proc/sys/kernel/kptr_restrict", "0");
	if (!ou_memcg_available()) {
		printf("# bench: no memory controller\n");
		return 2;
	}
	res = open_memstream(&buf, &len);
	t0 = now_s();
	if (part(what, "mem"))
		bench_mem(res);
	if (part(what, "alloc"))
		bench_alloc(res);
	if (part(what, "exec"))
		bench_exec(res);
	if (part(what, "read"))
		bench_read(res);
	if (part(what, "oom"))
		bench_oom(res);
	if (part(what, "report"))
		bench_report(res);
	if (part(what, "cost"))
		bench_cost(res);
	if (part(what, "idle"))
		bench_idle(res);
	fclose(res);
	progress("done in %.0f s", now_s() - t0);
	printf("BENCH-RESULTS-BEGIN\n%sBENCH-RESULTS-END\n", buf);
	fflush(stdout);
	free(buf);
	return 0;
}
