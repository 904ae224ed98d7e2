// SPDX-License-Identifier: GPL-2.0
/*
 * Before and after the kill (interface section 3.4), against the kernel's
 * own word:
 *  - pressure: a memcg that thrashes (a working set larger than its
 *    memory.max, re-read over and over, swapping to zram) before its OOM:
 *    the record's memory pressure, read when the OOM starts, is nonzero
 *    "full" and agrees with the memcg's memory.pressure (and the system's
 *    /proc/pressure/memory) read right after, within what can have changed
 *    in between; with psi=0 the record says "psi_off" and has no figures;
 *  - trend: a hog that allocates over ~20 s: the samples show available
 *    memory falling by what it took, the oldest agreeing with MemAvailable
 *    read before it started; trend_seconds=0 takes no sample and records no
 *    trend;
 *  - time to free: the victim's exit after the kill agrees with waitpid()
 *    in its parent, and the reaper's time with the kernel's "oom_reaper:
 *    reaped process" line.
 */
#include <pthread.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include "kselftest_harness.h"
#include "oomsnap_util.h"

#define CG		"trend"

/* The test itself must never be the victim. */
__attribute__((constructor)) static void shield_self(void)
{
	ou_write("/proc/self/oom_score_adj", "-1000");
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static double now_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * Keep every CPU busy for @ms: the sampler's timer is deferrable, so on a
 * guest whose CPUs all sleep it takes no sample until one wakes (by
 * design, interface section 3.4); a test that wants samples from a quiet
 * period must make the period not idle (bullseye's CI run: none in 4 s).
 */
static void busy_all_cpus(int ms)
{
	long i, n = sysconf(_SC_NPROCESSORS_ONLN);
	pid_t kids[64];

	if (n < 1)
		n = 1;
	if (n > 64)
		n = 64;
	for (i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			double end = now_ms(CLOCK_MONOTONIC) + ms;

			while (now_ms(CLOCK_MONOTONIC) < end)
				;
			_exit(0);
		}
	}
	for (i = 0; i < n; i++)
		if (kids[i] > 0)
			waitpid(kids[i], NULL, 0);
}

static double fabs_d(double x)
{
	return x < 0 ? -x : x;
}

/* The event whose victim is @pid, once it is in the ring; *@v to free. */
static json_object *victim_event(pid_t pid, json_object ***v, int *n)
{
	*v = NULL;
	*n = 0;
	if (ou_wait_event_of(pid, 10000))
		return NULL;
	*v = ou_events(n);
	return *v ? ou_event_by_victim(*v, *n, pid) : NULL;
}

/* "some|full avg10=A avg60=B avg300=C total=T" of a pressure file. */
struct psi_line {
	double avg10, avg60, avg300;
	long long total;
};

static int read_pressure(const char *path, struct psi_line *some,
			 struct psi_line *full)
{
	char *s = ou_read(path), *p;
	int n = 0;

	if (!s)
		return -1;
	p = strstr(s, "some ");
	if (p && sscanf(p, "some avg10=%lf avg60=%lf avg300=%lf total=%lld",
			&some->avg10, &some->avg60, &some->avg300,
			&some->total) == 4)
		n++;
	p = strstr(s, "full ");
	if (p && sscanf(p, "full avg10=%lf avg60=%lf avg300=%lf total=%lld",
			&full->avg10, &full->avg60, &full->avg300,
			&full->total) == 4)
		n++;
	free(s);
	return n == 2 ? 0 : -1;
}

/* @path ("a.b") is present and null; ou_is_null() takes top-level keys. */
static int jnull(json_object *o, const char *path)
{
	const char *dot = strrchr(path, '.');
	char parent[64];
	json_object *v;

	if (!dot)
		return ou_is_null(o, path);
	snprintf(parent, sizeof(parent), "%.*s", (int)(dot - path), path);
	o = ou_get(o, parent);
	return o && json_object_object_get_ex(o, dot + 1, &v) && v == NULL;
}

/* 6.1 and later link every pressure group up to the system's. */
static int linked_psi(void)
{
	struct utsname u;
	int maj = 0, min = 0;

	uname(&u);
	sscanf(u.release, "%d.%d", &maj, &min);
	return maj > 6 || (maj == 6 && min >= 1);
}

static double jnum(json_object *o, const char *path)
{
	json_object *v = ou_get(o, path);

	return v ? json_object_get_double(v) : -1.0;
}

/*
 * The child: a working set of @ws_mb of random (incompressible) data,
 * re-read for @secs seconds, then growing without end: the OOM.
 */
static void thrash(long ws_mb, int secs)
{
	size_t len = (size_t)ws_mb << 20, i;
	unsigned long long x = 88172645463325252ULL, *p = malloc(len);
	time_t end = time(NULL) + secs;
	volatile unsigned long long sum = 0;

	if (!p)
		_exit(125);
	for (i = 0; i < len / 8; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		p[i] = x;
	}
	while (time(NULL) < end)
		for (i = 0; i < len / 8; i += 512)
			sum += p[i];
	for (;;) {
		unsigned long long *q = malloc(4 << 20);

		if (!q)
			_exit(124);
		for (i = 0; i < (4 << 20) / 8; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			q[i] = x;
		}
	}
}

/* No swap for @cg, where the kernel has memory.swap.max. */
static void no_swap(const char *cg)
{
	char p[256];

	snprintf(p, sizeof(p), OU_CGROOT "/%s/memory.swap.max", cg);
	ou_write(p, "0");
}

/* A memcg OOM in CG (32 MB, no swap): its event; *@v to free. */
static json_object *memcg_oom_event(json_object ***v, int *n)
{
	pid_t pid;

	*v = NULL;
	*n = 0;
	if (ou_cg_create(CG, "32M"))
		return NULL;
	no_swap(CG);
	pid = ou_memcg_oom(CG);
	return pid > 0 ? victim_event(pid, v, n) : NULL;
}

/* kmsg timestamp (us) of the last record holding @needle, or -1. */
static long long kmsg_ts(const char *needle)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	long long ts = -1, t;
	char rec[8192];
	ssize_t n;

	if (fd < 0)
		return -1;
	while ((n = read(fd, rec, sizeof(rec) - 1)) != 0) {
		if (n < 0) {
			if (errno == EPIPE)
				continue;
			break;
		}
		rec[n] = '\0';
		if (strstr(rec, needle) &&
		    sscanf(rec, "%*d,%*d,%lld", &t) == 1)
			ts = t;
	}
	close(fd);
	return ts;
}

FIXTURE(trend) {
	int swap;
};

FIXTURE_SETUP(trend)
{
	self->swap = 0;
	if (!ou_memcg_available())
		SKIP(return, "no memory controller (cgroup v2) in this kernel");
	ASSERT_EQ(0, ou_load(NULL));
	ou_cg_remove(CG);
}

FIXTURE_TEARDOWN(trend)
{
	ou_cg_remove(CG);
	if (self->swap)
		ou_swap_off();
	ou_unload();
}

/*
 * Thrashing, then the OOM: the record's memcg pressure against the
 * memcg's memory.pressure read right after.  total only grows, and by no
 * more than the wall time in between plus the 2 s the kernel's averaging
 * work may lag (the record reads its last figures; memory.pressure brings
 * them up to date); avg10 is a 10 s average, so what the file shows a
 * moment later still holds most of it.
 */
TEST_F_TIMEOUT(trend, thrash_pressure, 400)
{
	struct psi_line some, full, sys_some, sys_full;
	double t_read, rec_full10, rec_some10, dt_ms;
	const char *why;
	json_object **v, *ev;
	long long rec_total;
	char path[256];
	pid_t pid;
	int n;

	if (access("/proc/pressure/memory", F_OK))
		SKIP(return, "PSI is off (psi=0): see psi_off");
	why = ou_swap_on("256M");
	if (why)
		SKIP(return, "%s", why);
	self->swap = 1;
	ASSERT_EQ(0, ou_cg_create(CG, "48M"));
	snprintf(path, sizeof(path), OU_CGROOT "/" CG "/memory.swap.max");
	ASSERT_EQ(0, ou_write(path, "64M"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (ou_cg_enter(CG, getpid()))
			_exit(126);
		ou_write("/proc/self/oom_score_adj", "0");
		thrash(80, 15);
	}
	ASSERT_EQ(SIGKILL, ou_wait_killed(pid));
	snprintf(path, sizeof(path), OU_CGROOT "/" CG "/memory.pressure");
	ASSERT_EQ(0, read_pressure(path, &some, &full));
	ASSERT_EQ(0, read_pressure("/proc/pressure/memory", &sys_some, &sys_full));
	t_read = now_ms(CLOCK_BOOTTIME);
	ev = victim_event(pid, &v, &n);
	ASSERT_NE(NULL, ev);
	ASSERT_STREQ("ok", ou_str(ev, "pressure.state"));
	ASSERT_FALSE(jnull(ev, "pressure.memcg"));
	rec_full10 = jnum(ev, "pressure.memcg.full_avg10");
	rec_some10 = jnum(ev, "pressure.memcg.some_avg10");
	rec_total = ou_int(ev, "pressure.memcg.full_total_us");
	dt_ms = t_read - ou_int(ev, "boot_ns") / 1e6;
	printf("# record: full avg10=%.2f some avg10=%.2f full total=%lld us; memory.pressure %.0f ms later: full avg10=%.2f total=%lld\n",
	       rec_full10, rec_some10, rec_total, dt_ms, full.avg10, full.total);
	EXPECT_LT(0.0, rec_full10);
	EXPECT_LE(rec_full10, rec_some10);
	EXPECT_LE(rec_full10, 100.0);
	EXPECT_LT(0, rec_total);
	EXPECT_LE(rec_total, full.total);
	EXPECT_LE(full.total - rec_total, (long long)((dt_ms + 2100) * 1000));
	/*
	 * a 10 s average decays by exp(-dt/10 s) at most without new stalls,
	 * and exp(-x) >= 1 - x
	 */
	EXPECT_LE(rec_full10 * (1 - (dt_ms + 2100) / 10000.0) - 0.5, full.avg10);
	/* the system group: the top of the memcg's chain, 6.1 on */
	if (jnull(ev, "pressure.system")) {
		printf("# system pressure null on this kernel (no link to psi_system)\n");
		EXPECT_FALSE(linked_psi());
	} else {
		rec_total = ou_int(ev, "pressure.system.full_total_us");
		EXPECT_LT(0, rec_total);
		EXPECT_LE(rec_total, sys_full.total);
		EXPECT_LE(sys_full.total - rec_total,
			  (long long)((dt_ms + 2100) * 1000));
	}
	ou_events_free(v, n);
}

/* psi=0: no figures, and the record says why (run with --append psi=0). */
TEST_F_TIMEOUT(trend, psi_off, 120)
{
	json_object **v, *ev;
	int n, off = access("/proc/pressure/memory", F_OK) != 0;

	ev = memcg_oom_event(&v, &n);
	ASSERT_NE(NULL, ev);
	printf("# PSI %s: pressure.state %s\n", off ? "off" : "on",
	       ou_str(ev, "pressure.state"));
	if (off) {
		EXPECT_STREQ("psi_off", ou_str(ev, "pressure.state"));
		EXPECT_TRUE(jnull(ev, "pressure.memcg"));
		EXPECT_TRUE(jnull(ev, "pressure.system"));
	} else {
		EXPECT_STREQ("ok", ou_str(ev, "pressure.state"));
		EXPECT_FALSE(jnull(ev, "pressure.memcg"));
	}
	ou_events_free(v, n);
}

/*
 * A hog that allocates 8 MB every 0.8 s in a memcg of 160 MB: over about
 * 20 s available memory falls by what it took, and the samples show it;
 * the oldest sample, taken before the hog started, agrees with what
 * /proc/meminfo said then.
 */
TEST_F_TIMEOUT(trend, ramp, 240)
{
	long long avail0, first = -1, last = -1, prev_ms = -1;
	double t0, ramp_ms;
	json_object **v, *ev, *tr;
	int n, i, len, before = -1;
	pid_t pid;

	ASSERT_EQ(0, ou_cg_create(CG, "160M"));
	no_swap(CG);
	busy_all_cpus(4000);	/* samples before the ramp */
	avail0 = ou_file_num("/proc/meminfo", "MemAvailable:");
	t0 = now_ms(CLOCK_BOOTTIME);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		if (ou_cg_enter(CG, getpid()))
			_exit(126);
		ou_write("/proc/self/oom_score_adj", "0");
		execl(OU_HOG, "hog", "0", "8", "800", NULL);
		_exit(127);
	}
	ASSERT_EQ(SIGKILL, ou_wait_killed(pid));
	ev = victim_event(pid, &v, &n);
	ASSERT_NE(NULL, ev);
	ramp_ms = ou_int(ev, "boot_ns") / 1e6 - t0;
	tr = ou_get(ev, "trend");
	ASSERT_TRUE(tr && json_object_is_type(tr, json_type_array));
	len = json_object_array_length(tr);
	printf("# ramp of %.0f ms, %d samples; MemAvailable before: %lld kB\n",
	       ramp_ms, len, avail0);
	for (i = 0; i < len; i++) {
		json_object *s = json_object_array_get_idx(tr, i);
		long long ms = ou_int(s, "ms_before");
		long long av = ou_int(s, "available_kb");

		if (prev_ms >= 0)
			EXPECT_LT(ms, prev_ms);
		prev_ms = ms;
		if (ms > ramp_ms + 100)
			before = i;
		else if (first < 0)
			first = av;
		last = av;
	}
	ASSERT_LE(0, before);
	ASSERT_LE(0, first);
	printf("# available: %lld kB before, %lld kB at the ramp's first sample, %lld kB %lld ms before the OOM\n",
	       ou_int(json_object_array_get_idx(tr, before), "available_kb"),
	       first, last, prev_ms);
	EXPECT_LE(15000, ramp_ms);
	EXPECT_GE(3000, prev_ms);	/* the newest sample is recent */
	EXPECT_LE(100 * 1024, first - last);	/* of 160 MB taken */
	EXPECT_GE(32 * 1024,
		  llabs(ou_int(json_object_array_get_idx(tr, before),
			       "available_kb") - avail0));
	ou_events_free(v, n);
}

/* trend_seconds=0: smaller records, no sample taken, no trend recorded. */
TEST_F_TIMEOUT(trend, trend_off, 120)
{
	long long bytes = ou_stat("event_bytes");
	json_object **v, *ev;
	int n;

	ASSERT_EQ(60, ou_stat("trend_seconds"));
	ASSERT_EQ(0, ou_load("trend_seconds=0"));
	EXPECT_EQ(0, ou_stat("trend_seconds"));
	printf("# event_bytes %lld with trend_seconds=60, %lld with 0\n",
	       bytes, ou_stat("event_bytes"));
	EXPECT_EQ(bytes - 60 * 40, ou_stat("event_bytes"));
	sleep(3);
	EXPECT_EQ(0, ou_stat("trend_samples_taken"));
	ev = memcg_oom_event(&v, &n);
	ASSERT_NE(NULL, ev);
	EXPECT_TRUE(ou_is_null(ev, "trend"));
	EXPECT_EQ(0, ou_stat("trend_samples_taken"));
	ou_events_free(v, n);
}

/*
 * Time to free.  The record's clock starts at the victim's mark, after the
 * OOM's start (boot_ns) and before its end (boot_ns + oom_ns): the exit it
 * saw lies in [boot_ns + exit_ms, boot_ns + oom_ns + exit_ms], and the
 * parent's waitpid() returns after that exit, within a scheduling delay
 * (1 s allowed, for a loaded emulated guest).  The reaper's time is the
 * distance between the kernel's "Killed process" and "oom_reaper: reaped
 * process" lines, within 50 ms, when the reaper printed one (it seldom
 * does here: the victim exits first; time_to_free_reaper makes it).
 */
TEST_F_TIMEOUT(trend, time_to_free, 120)
{
	double t_wait, exit_ms, boot_ms, oom_ms;
	long long ts_kill, ts_reap;
	json_object **v, *ev;
	char needle[64];
	int n;
	pid_t pid;

	ASSERT_EQ(0, ou_cg_create(CG, "32M"));
	no_swap(CG);
	pid = ou_spawn_hog(CG, "hog", 0, 0);
	ASSERT_LT(0, pid);
	ASSERT_EQ(SIGKILL, ou_wait_killed(pid));
	t_wait = now_ms(CLOCK_BOOTTIME);
	ev = victim_event(pid, &v, &n);
	ASSERT_NE(NULL, ev);
	ASSERT_FALSE(ou_is_null(ev, "freed"));
	ASSERT_FALSE(jnull(ev, "freed.exit_ms"));
	exit_ms = jnum(ev, "freed.exit_ms");
	boot_ms = ou_int(ev, "boot_ns") / 1e6;
	oom_ms = ou_int(ev, "oom_ns") / 1e6;
	printf("# exit %.3f ms after the mark; waitpid returned %.3f ms after the OOM started (OOM took %.3f ms)\n",
	       exit_ms, t_wait - boot_ms, oom_ms);
	EXPECT_LE(boot_ms + exit_ms, t_wait + 0.001);
	EXPECT_LE(t_wait - (boot_ms + exit_ms), oom_ms + 1000);
	EXPECT_FALSE(json_object_get_boolean(ou_get(ev, "freed.exit_late")));

	snprintf(needle, sizeof(needle), "Killed process %d ", pid);
	ts_kill = kmsg_ts(needle);
	snprintf(needle, sizeof(needle), "oom_reaper: reaped process %d ", pid);
	ts_reap = kmsg_ts(needle);
	ASSERT_LT(0, ts_kill);
	if (ts_reap < 0) {
		printf("# the reaper printed no line (the victim exited first); reap_ms %s\n",
		       jnull(ev, "freed.reap_ms") ? "null" : "set");
	} else {
		printf("# reaper's line %.3f ms after the kill's; record reap_ms %.3f\n",
		       (ts_reap - ts_kill) / 1e3, jnum(ev, "freed.reap_ms"));
		ASSERT_FALSE(jnull(ev, "freed.reap_ms"));
		EXPECT_GE(50.0, fabs_d(jnum(ev, "freed.reap_ms") -
				       (ts_reap - ts_kill) / 1e3));
	}
	ou_events_free(v, n);
}

static void *frozen_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/*
 * A victim whose mm the OOM reaper has to free: @mb MB in cgroup CG,
 * oom_score_adj 1000, and a second thread.  Frozen in a cgroup v1 freezer,
 * the process cannot exit after the kill: the OOM killer thaws only the
 * task it chose (mark_oom_victim()), SIGKILL does not wake a frozen task,
 * so the other thread keeps the mm until the test thaws it, and the reaper
 * frees the memory (5.10: at once; 5.18 on: 2 s after the kill).
 */
static pid_t spawn_frozen_victim(int mb, int ready)
{
	pid_t pid = fork();

	if (pid == 0) {
		pthread_t t;
		char *p;

		ou_write("/proc/self/oom_score_adj", "1000");
		if (ou_write(OU_CGROOT "/" CG "/cgroup.procs", "0"))
			_exit(125);
		p = mmap(NULL, (size_t)mb << 20, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(125);
		memset(p, 1, (size_t)mb << 20);
		if (pthread_create(&t, NULL, frozen_thread, NULL) ||
		    write(ready, "r", 1) != 1)
			_exit(125);
		for (;;)
			pause();
	}
	return pid;
}

#define FREEZER	"/tmp/oomsnap-freezer"

/*
 * Time to free when the reaper does the work: the record's reap_ms is the
 * distance between the kernel's "Killed process" and "oom_reaper: reaped
 * process" lines, within 50 ms; its exit comes after the thaw.
 */
TEST_F_TIMEOUT(trend, time_to_free_reaper, 120)
{
	long long ts_kill = -1, ts_reap = -1;
	json_object **v, *ev;
	char needle[64], pidstr[32], *state;
	int ready[2], i, st = 0, n_events, held;
	pid_t pid, hog;

	mkdir(FREEZER, 0755);
	if (mount("oomsnap-freezer", FREEZER, "cgroup", 0, "freezer"))
		SKIP(return, "no cgroup v1 freezer: %s", strerror(errno));
	mkdir(FREEZER "/reap", 0755);
	ASSERT_EQ(0, ou_cg_create(CG, "64M"));
	no_swap(CG);
	ASSERT_EQ(0, pipe(ready));
	pid = spawn_frozen_victim(24, ready[1]);
	ASSERT_LT(0, pid);
	ASSERT_EQ(1, read(ready[0], pidstr, 1));
	snprintf(pidstr, sizeof(pidstr), "%d", pid);
	ASSERT_EQ(0, ou_write(FREEZER "/reap/cgroup.procs", pidstr));
	ASSERT_EQ(0, ou_write(FREEZER "/reap/freezer.state", "FROZEN"));
	for (i = 0; i < 100; i++) {
		state = ou_read(FREEZER "/reap/freezer.state");
		st = state && !strncmp(state, "FROZEN", 6);
		free(state);
		if (st)
			break;
		usleep(50000);
	}
	ASSERT_EQ(1, st);
	hog = ou_spawn_hog(CG, "hog", 0, 0);
	ASSERT_LT(0, hog);
	snprintf(needle, sizeof(needle), "oom_reaper: reaped process %d ", pid);
	for (i = 0; i < 200 && ts_reap < 0; i++) {
		usleep(100000);
		ts_reap = kmsg_ts(needle);
	}
	/* still there (a zombie at most) before the thaw: the freezer held it */
	held = waitpid(pid, &st, WNOHANG) == 0;
	if (!held)
		printf("# the victim exited before the thaw (status %#x)\n", st);
	ou_write(FREEZER "/reap/freezer.state", "THAWED");
	kill(hog, SIGKILL);
	waitpid(hog, NULL, 0);
	if (held)
		EXPECT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	rmdir(FREEZER "/reap");
	umount(FREEZER);
	rmdir(FREEZER);
	close(ready[0]);
	close(ready[1]);
	snprintf(needle, sizeof(needle), "Killed process %d ", pid);
	ts_kill = kmsg_ts(needle);
	ASSERT_LT(0, ts_kill);
	if (!held && ts_reap < 0)
		SKIP(return, "a frozen thread did not keep the victim from exiting on this kernel");
	ASSERT_LT(0, ts_reap) TH_LOG("the reaper printed no line for %d", pid);
	ev = victim_event(pid, &v, &n_events);
	ASSERT_NE(NULL, ev);
	printf("# reaper's line %.3f ms after the kill's; record reap_ms %s %.3f, exit_ms %.3f\n",
	       (ts_reap - ts_kill) / 1e3, jnull(ev, "freed.reap_ms") ? "null" : "",
	       jnum(ev, "freed.reap_ms"), jnum(ev, "freed.exit_ms"));
	ASSERT_FALSE(jnull(ev, "freed.reap_ms"));
	EXPECT_GE(50.0, fabs_d(jnum(ev, "freed.reap_ms") -
			       (ts_reap - ts_kill) / 1e3));
	ou_events_free(v, n_events);
}

TEST_HARNESS_MAIN
