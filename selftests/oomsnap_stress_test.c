// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap_stress_test: races and load.
 *
 *   oom_storm        memcg OOMs (500+ with OOMSNAP_STRESS=full) while
 *                    threads read every view, a stream reader follows,
 *                    and writers add and delete protection entries
 *   reload_cycles    unload/reload (50 full) while OOMs keep happening
 *   protect_fuzz     random and mutated lines (10,000 full) into protect;
 *                    the listing stays consistent, errors change nothing
 *   failslab_load    load with the Nth slab allocation failing, N = 1, 2,
 *                    ... until the load succeeds (debug kernel only)
 *
 * After each: events_total agrees with the kernel's oom_kill counter for
 * the same period (events whose outcome is killed), and no seq is lost or
 * duplicated.  OOMSNAP_STRESS (quick | full) is set by scripts/vm.sh.
 */
#include <ctype.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include "kselftest_harness.h"
#include "oomsnap_util.h"

#define CG1 "stress_a"
#define CG2 "stress_b"

__attribute__((constructor)) static void shield_self(void)
{
	ou_write("/proc/self/oom_score_adj", "-1000");
	/* the harness ends each test with _exit(): no output may wait in a buffer */
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/*
 * The debug kernel needs minutes for a full-size run; the harness's
 * default of 30 s per test fits the quick size only.
 */
FIXTURE(stress) {
	struct ou_quiet q;
};

/*
 * Hundreds of OOM reports on the serial console cost more than the OOMs
 * under TCG: keep warnings and worse on the console (every sanitizer and
 * lockdep report), the rest goes to the kernel log only; no task dumps.
 */
FIXTURE_SETUP(stress)
{
	ou_quiet_begin(&self->q);
}

FIXTURE_TEARDOWN(stress)
{
	ou_quiet_end(&self->q);
	ou_cg_remove(CG1);
	ou_cg_remove(CG2);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static unsigned int rnd_state = 12345;

static unsigned int rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

/* ------------------------------------------------------------------------ */

/* Everything the background threads share. */
struct storm {
	volatile int stop;
	volatile int stream_stop;
	int stream_fd;
	/* stream reader */
	long long last_seq;
	long stream_events, stream_killed, stream_lost, stream_bad;
	/* view readers and protect writers */
	long reads, read_errors, bad_json, writes, write_errors;
};

/* Follows stream: every seq once, in order, no "lost" line. */
static void *stream_main(void *arg)
{
	struct storm *s = arg;
	char *line = malloc(1 << 20);

	while (!s->stream_stop) {
		json_object *o;
		int n = ou_read_line(s->stream_fd, line, 1 << 20, 100);

		if (n <= 0)
			continue;
		o = json_tokener_parse(line);
		if (!o) {
			printf("# stream: invalid JSON: %.80s\n", line);
			s->stream_bad++;
			continue;
		}
		if (ou_get(o, "lost")) {
			printf("# stream: %s", line);
			s->stream_lost++;
		} else {
			long long seq = ou_int(o, "seq");

			if (seq != s->last_seq + 1) {
				printf("# stream: seq %lld after %lld\n", seq,
				       s->last_seq);
				s->stream_bad++;
			}
			s->last_seq = seq;
			s->stream_events++;
			if (!strcmp(ou_str(o, "outcome"), "killed"))
				s->stream_killed++;
		}
		json_object_put(o);
	}
	free(line);
	return NULL;
}

/* Reads every view in a loop; JSON views must parse. */
static void *reader_main(void *arg)
{
	static const char * const files[] = {
		"events", "events.json", "stats", "protect",
	};
	struct storm *s = arg;
	unsigned int i = 0;

	while (!s->stop) {
		const char *f = files[i++ % 4];
		char *t;

		/* a breather: the OOMs need the CPUs too (TCG, KASAN) */
		usleep(20000);
		t = ou_read(ou_path(f));

		__sync_fetch_and_add(&s->reads, 1);
		if (!t) {
			if (__sync_fetch_and_add(&s->read_errors, 1) < 3)
				printf("# reading %s: %s\n", f, strerror(errno));
			continue;
		}
		if (!strcmp(f, "events.json")) {
			char *save = NULL, *l;
			long long prev = 0, seq;

			/*
			 * Each line a whole record, and one read gives
			 * consecutive seqs (the ring keeps the whole storm):
			 * no record torn, skipped or repeated by a read that
			 * races the OOMs.
			 */
			for (l = strtok_r(t, "\n", &save); l;
			     l = strtok_r(NULL, "\n", &save)) {
				json_object *o = json_tokener_parse(l);

				if (!o) {
					if (__sync_fetch_and_add(&s->bad_json, 1) < 3)
						printf("# events.json: invalid line (%zu bytes read): %.300s\n",
						       strlen(l), l);
					continue;
				}
				seq = ou_int(o, "seq");
				if (prev && seq != prev + 1 &&
				    __sync_fetch_and_add(&s->bad_json, 1) < 3)
					printf("# events.json: seq %lld after %lld in one read\n",
					       seq, prev);
				prev = seq;
				json_object_put(o);
			}
		}
		free(t);
	}
	return NULL;
}

/*
 * Adds and deletes protection entries.  Only entries that do not stop the
 * hogs from being killed: a positive adj for the hogs, others for names
 * and cgroups no hog has.
 */
static void *writer_main(void *arg)
{
	struct storm *s = arg;
	char cmd[128];
	unsigned int i = 0;

	while (!s->stop) {
		switch (i++ % 6) {
		case 0:
			snprintf(cmd, sizeof(cmd), "add comm=hog adj=%u", i % 1000);
			break;
		case 1:
			snprintf(cmd, sizeof(cmd), "add cgroup=/" CG1 " adj=%u\nadd comm=w%u adj=-900",
				 i % 500, i % 50);
			break;
		case 2:
			snprintf(cmd, sizeof(cmd), "del comm=hog");
			break;
		case 3:
			snprintf(cmd, sizeof(cmd), "add pid=%d adj=-1000", getpid());
			break;
		case 4:
			snprintf(cmd, sizeof(cmd), "del cgroup=/" CG1 "\ndel pid=%d", getpid());
			break;
		default:
			snprintf(cmd, sizeof(cmd), (i & 64) ? "clear" : "del comm=w%u", i % 50);
			break;
		}
		__sync_fetch_and_add(&s->writes, 1);
		usleep(10000);
		if (ou_write(ou_path("protect"), cmd))
			__sync_fetch_and_add(&s->write_errors, 1);
	}
	return NULL;
}

/*
 * Counters of one measured period: the module's and the kernel's, taken
 * while no OOM is in flight.
 */
struct period {
	long long events0, kills0;
};

static void period_start(struct period *p)
{
	p->events0 = ou_stat("events_total");
	p->kills0 = ou_vmstat_oom_kill();
}

/*
 * The period's events agree with the kernel's kills, and the retained
 * events are consecutive.  Returns the number of problems (printed).
 */
static int period_check(struct period *p, const char *what)
{
	long long events = ou_stat("events_total") - p->events0;
	long long kills = ou_vmstat_oom_kill() - p->kills0;
	long long total = ou_stat("events_total");
	long killed = 0, killed_period = 0;
	int n, i, bad;
	json_object **v = ou_events(&n);

	if (!v) {
		printf("# %s: events.json unreadable\n", what);
		return 1;
	}
	bad = ou_check_seqs(v, n, total, &killed);
	for (i = 0; i < n; i++)
		if (ou_int(v[i], "seq") > p->events0 &&
		    !strcmp(ou_str(v[i], "outcome"), "killed"))
			killed_period++;
	if (n < events) {
		printf("# %s: only %d of the period's %lld events retained\n",
		       what, n, events);
		bad++;
	}
	if (killed_period != kills) {
		printf("# %s: %ld events with outcome killed, vmstat oom_kill +%lld (events +%lld)\n",
		       what, killed_period, kills, events);
		bad++;
	}
	printf("# %s: %lld events, %ld killed, vmstat oom_kill +%lld\n", what,
	       events, killed_period, kills);
	ou_events_free(v, n);
	return bad;
}

static int need_memcg(void)
{
	return ou_memcg_available();
}

TEST_F_TIMEOUT(stress, oom_storm, 1200)
{
	long target = ou_stress_n(40, 520);
	struct storm s = { .last_seq = 0 };
	struct ou_oomgen g1, g2;
	pthread_t rd[2], wr, st;
	struct period p;
	long long t0 = now_ms(), deadline;
	int i;

	if (!need_memcg())
		SKIP(return, "no memory controller");
	/* the ring keeps the whole storm, so every event can be checked */
	ASSERT_EQ(0, ou_load("capacity=2048"));
	ASSERT_EQ(0, ou_cg_create(CG1, "4M"));
	ASSERT_EQ(0, ou_cg_create(CG2, "4M"));
	s.stream_fd = open(ou_path("stream"), O_RDONLY);
	ASSERT_LE(0, s.stream_fd);
	period_start(&p);
	ASSERT_EQ(0, p.events0);

	ASSERT_EQ(0, pthread_create(&st, NULL, stream_main, &s));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&rd[i], NULL, reader_main, &s));
	ASSERT_EQ(0, pthread_create(&wr, NULL, writer_main, &s));
	ASSERT_EQ(0, ou_oomgen_start(&g1, CG1));
	ASSERT_EQ(0, ou_oomgen_start(&g2, CG2));

	deadline = t0 + ou_stress_n(120, 700) * 1000LL;
	while (ou_stat("events_total") < target && now_ms() < deadline)
		usleep(200000);
	ou_oomgen_pause(&g1);
	ou_oomgen_pause(&g2);
	/* let the stream reader catch up */
	for (i = 0; i < 100 && s.last_seq < ou_stat("events_total"); i++)
		usleep(100000);
	s.stop = 1;
	s.stream_stop = 1;
	pthread_join(st, NULL);
	for (i = 0; i < 2; i++)
		pthread_join(rd[i], NULL);
	pthread_join(wr, NULL);
	printf("# %ld events in %lld s; %ld reads (%ld failed), %ld protect writes (%ld refused)\n",
	       s.stream_events, (now_ms() - t0) / 1000, s.reads, s.read_errors,
	       s.writes, s.write_errors);

	EXPECT_GE(ou_stat("events_total"), target);
	EXPECT_EQ(0, period_check(&p, "storm"));
	/* the stream saw every event exactly once */
	EXPECT_EQ(ou_stat("events_total"), s.last_seq);
	EXPECT_EQ(ou_stat("events_total"), s.stream_events);
	EXPECT_EQ(0, s.stream_lost);
	EXPECT_EQ(0, s.stream_bad);
	EXPECT_EQ(0, s.bad_json);
	EXPECT_EQ(0, s.read_errors);
	EXPECT_GT(s.writes, 0);

	ou_oomgen_stop(&g1);
	ou_oomgen_stop(&g2);
	close(s.stream_fd);
	ou_write(ou_path("protect"), "clear");
	EXPECT_EQ(0, ou_unload());
	ou_cg_remove(CG1);
	ou_cg_remove(CG2);
}

TEST_F_TIMEOUT(stress, reload_cycles, 1200)
{
	long cycles = ou_stress_n(5, 50);
	struct ou_oomgen g;
	long c, bad = 0, events = 0;
	long long t0 = now_ms();

	if (!need_memcg())
		SKIP(return, "no memory controller");
	ASSERT_EQ(0, ou_cg_create(CG1, "4M"));
	ASSERT_EQ(0, ou_oomgen_start(&g, CG1));
	for (c = 0; c < cycles; c++) {
		struct period p;
		long long e0;
		char *t;
		int fd, i;

		/* load while an OOM may be in flight */
		ASSERT_EQ(0, ou_load(c & 1 ? "capacity=256 procfs=1" : "capacity=256"));
		fd = open(ou_path("stream"), O_RDONLY | O_NONBLOCK);
		/* a measured period with no OOM in flight at either end */
		ASSERT_EQ(0, ou_oomgen_pause(&g));
		period_start(&p);
		ou_oomgen_resume(&g);
		e0 = p.events0;
		for (i = 0; i < 300 && ou_stat("events_total") < e0 + 1; i++)
			usleep(50000);
		t = ou_read(ou_path("events"));
		free(t);
		ou_write(ou_path("protect"), "add comm=hog adj=10");
		ASSERT_EQ(0, ou_oomgen_pause(&g));
		if (period_check(&p, "cycle"))
			bad++;
		events += ou_stat("events_total") - e0;
		ou_oomgen_resume(&g);
		if (fd >= 0)
			close(fd);
		/* unload while OOMs go on */
		usleep((rnd() % 200) * 1000);
		ASSERT_EQ(0, ou_unload());
	}
	printf("# %ld cycles, %ld events in measured periods, %lld s, %ld OOMs in all\n",
	       cycles, events, (now_ms() - t0) / 1000, ou_oomgen_stop(&g));
	EXPECT_EQ(0, bad);
	EXPECT_GE(events, cycles);
	ou_cg_remove(CG1);
}

/* ------------------------------------------------------------------------ */
/* protect fuzzer                                                           */

#define FUZZ_MAX	16	/* protect_max: ENOSPC comes up often */
#define FUZZ_ADJ0	"17"	/* the fuzzed processes' own oom_score_adj */

static pid_t fuzz_pids[3];
static const char * const fuzz_cgs[] = { "/fz", "/fz/a", "/fz/a/b" };
static const char * const fuzz_comms[] = {
	"sleep", "fz1", "a", "x-y.z", "longname1234567", "hog",
};

/* A valid command, possibly naming what does not exist. */
static void fuzz_valid(char *buf, size_t size)
{
	static const char * const ops[] = { "add", "add", "add", "del" };
	const char *op = ops[rnd() % 4];
	int adj = (int)(rnd() % 2001) - 1000;
	char key[96];

	switch (rnd() % 5) {
	case 0:
		snprintf(key, sizeof(key), "pid=%d", fuzz_pids[rnd() % 3]);
		break;
	case 1:
		snprintf(key, sizeof(key), "pid=%u", 30000 + rnd() % 1000);
		break;
	case 2:
		snprintf(key, sizeof(key), "comm=%s", fuzz_comms[rnd() % 6]);
		break;
	case 3:
		snprintf(key, sizeof(key), "cgroup=%s", fuzz_cgs[rnd() % 3]);
		break;
	default:
		snprintf(key, sizeof(key), "cgroup=/nope%u", rnd() % 3);
		break;
	}
	if (rnd() % 40 == 0)
		snprintf(buf, size, "clear");
	else if (!strcmp(op, "add"))
		snprintf(buf, size, "add %s adj=%d", key, adj);
	else
		snprintf(buf, size, "del %s", key);
}

/* Mutate @buf in place (length @len, room for @size). */
static size_t fuzz_mutate(char *buf, size_t len, size_t size)
{
	static const char * const junk[] = {
		"=", " ", "\t", "\n", "adj=", "pid=", "-", "99999999999999999999",
		"-1001", "1001", "comm=", "cgroup=", "/", "//", "..", "\\", "add",
		"del", "clear", "\0", "0x10", "+5", "adj=-0", "\xff", "  ", "=-",
	};
	int k, m = 1 + rnd() % 3;

	for (k = 0; k < m; k++) {
		size_t pos = len ? rnd() % (len + 1) : 0;
		const char *j;
		size_t jl;

		switch (rnd() % 5) {
		case 0:		/* flip a byte */
			if (len)
				buf[rnd() % len] = rnd() % 256;
			break;
		case 1:		/* truncate */
			len = pos;
			break;
		case 2:		/* delete a byte */
			if (pos < len) {
				memmove(buf + pos, buf + pos + 1, len - pos - 1);
				len--;
			}
			break;
		default:	/* insert a token */
			j = junk[rnd() % (sizeof(junk) / sizeof(junk[0]))];
			jl = *j ? strlen(j) : 1;
			if (len + jl < size) {
				memmove(buf + pos + jl, buf + pos, len - pos);
				memcpy(buf + pos, j, jl);
				len += jl;
			}
			break;
		}
	}
	return len;
}

/* The listing is well formed; returns problems (printed), sets *lines. */
static int listing_sane(const char *s, int *lines)
{
	char keys[FUZZ_MAX * 2][96];
	const char *p = s, *nl;
	int n = 0, bad = 0, i;

	for (; *p; p = nl + 1) {
		char key[96], line[96], rest[8];
		int adj, tasks, len;
		char *a, *q;

		nl = strchr(p, '\n');
		if (!nl) {
			printf("# listing: unterminated line\n");
			*lines = n;
			return bad + 1;
		}
		len = nl - p;
		/* KEY adj=N tasks=N, the key may hold spaces (a comm) */
		snprintf(line, sizeof(line), "%.*s", len, p);
		for (a = NULL, q = line; (q = strstr(q, " adj=")); q++)
			a = q;
		if (a)
			snprintf(key, sizeof(key), "%.*s", (int)(a - line), line);
		if (len >= 95 || !a ||
		    sscanf(a, " adj=%d tasks=%d%7s", &adj, &tasks, rest) != 2 ||
		    adj < -1000 || adj > 1000 || tasks < 0 ||
		    (strncmp(key, "pid=", 4) && strncmp(key, "comm=", 5) &&
		     strncmp(key, "cgroup=/", 8)) || !strchr(key, '=')[1]) {
			printf("# listing: bad line: %.*s\n", len, p);
			bad++;
			continue;
		}
		for (i = 0; i < n && i < FUZZ_MAX * 2; i++)
			if (!strcmp(keys[i], key)) {
				printf("# listing: %s twice\n", key);
				bad++;
			}
		if (n < FUZZ_MAX * 2)
			strcpy(keys[n], key);
		n++;
	}
	if (n > FUZZ_MAX) {
		printf("# listing: %d entries, protect_max %d\n", n, FUZZ_MAX);
		bad++;
	}
	*lines = n;
	return bad;
}

static int line_has(const char *listing, const char *prefix)
{
	const char *p = listing;
	size_t l = strlen(prefix);

	for (; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, prefix, l))
			return 1;
	return 0;
}

static int read_adj(pid_t pid)
{
	char path[64], *t;
	int v;

	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", pid);
	t = ou_read(path);
	v = t ? atoi(t) : -9999;
	free(t);
	return v;
}

TEST_F_TIMEOUT(stress, protect_fuzz, 1200)
{
	long iters = ou_stress_n(1000, 10000);
	long ok = 0, refused = 0, bad = 0, it;
	char params[32], *before = NULL, *after;
	int i, lines = 0, adj0[3];
	long long t0 = now_ms();

	snprintf(params, sizeof(params), "protect_max=%d", FUZZ_MAX);
	ASSERT_EQ(0, ou_load(params));
	for (i = 0; i < 3; i++) {
		fuzz_pids[i] = fork();
		if (!fuzz_pids[i]) {
			/*
			 * A value of their own, not the -1000 inherited from
			 * this test: a module that left its own -1000 behind
			 * after clear or unload would go unnoticed otherwise.
			 */
			ou_write("/proc/self/oom_score_adj", FUZZ_ADJ0);
			execl("/bin/sleep", "sleep", "100000", NULL);
			_exit(127);
		}
	}
	mkdir(OU_CGROOT "/fz", 0755);
	mkdir(OU_CGROOT "/fz/a", 0755);
	mkdir(OU_CGROOT "/fz/a/b", 0755);
	usleep(200000);
	for (i = 0; i < 3; i++) {
		adj0[i] = read_adj(fuzz_pids[i]);
		EXPECT_EQ(atoi(FUZZ_ADJ0), adj0[i]);
	}
	before = ou_read(ou_path("protect"));
	ASSERT_NE(NULL, before);

	for (it = 0; it < iters; it++) {
		char buf[1024];
		size_t len = 0;
		int nl = 1 + (rnd() % 8 == 0 ? rnd() % 4 : 0), k, err;
		int mutated = rnd() % 2, single_valid;
		char one[256];

		/* one or more lines in one write, maybe mutated */
		for (k = 0; k < nl && len < 700; k++) {
			fuzz_valid(one, sizeof(one));
			len += snprintf(buf + len, sizeof(buf) - len, "%s%s",
					k ? "\n" : "", one);
		}
		if (rnd() % 4 == 0 && len < sizeof(buf) - 1)
			buf[len++] = '\n';
		single_valid = nl == 1 && !mutated;
		if (single_valid)
			len = snprintf(buf, sizeof(buf), "%s", one);	/* no newline */
		if (mutated)
			len = fuzz_mutate(buf, len, sizeof(buf) - 1);
		buf[len] = '\0';
		if (rnd() % 500 == 0) {
			/* bigger than a page: E2BIG */
			char *big = malloc(8192);
			int fd = open(ou_path("protect"), O_WRONLY);

			memset(big, 'a', 8192);
			memcpy(big, "add comm=", 9);
			errno = 0;
			if (fd < 0 || write(fd, big, 8192) >= 0 || errno != E2BIG) {
				printf("# 8192-byte write: errno %d, want E2BIG\n", errno);
				bad++;
			}
			if (fd >= 0)
				close(fd);
			free(big);
		}
		{
			int fd = open(ou_path("protect"), O_WRONLY);

			ASSERT_LE(0, fd);
			err = write(fd, buf, len) < 0 ? errno : 0;
			close(fd);
		}
		after = ou_read(ou_path("protect"));
		ASSERT_NE(NULL, after);
		if (listing_sane(after, &lines)) {
			printf("# after writing: %.*s\n", (int)len, buf);
			bad++;
		}
		if (lines != ou_stat("protect_entries")) {
			printf("# %d lines listed, protect_entries %lld\n", lines,
			       ou_stat("protect_entries"));
			bad++;
		}
		if (err) {
			refused++;
			if (err != EINVAL && err != ESRCH && err != ENOENT &&
			    err != ENOSPC && err != E2BIG) {
				printf("# write refused with errno %d: %.*s\n",
				       err, (int)len, buf);
				bad++;
			}
			/* all-or-nothing: a refused write changes nothing */
			if (strcmp(before, after)) {
				printf("# refused write (errno %d) changed the list: %.*s\n",
				       err, (int)len, buf);
				bad++;
			}
		} else {
			ok++;
			if (single_valid && !strncmp(buf, "add ", 4)) {
				char want[128];
				char *sp = strchr(buf + 4, ' ');

				snprintf(want, sizeof(want), "%.*s %s ",
					 (int)(sp - buf - 4), buf + 4, sp + 1);
				if (!line_has(after, want)) {
					printf("# '%s' accepted but not listed\n", buf);
					bad++;
				}
			} else if (single_valid && !strncmp(buf, "del ", 4)) {
				char want[128];

				snprintf(want, sizeof(want), "%.100s ", buf + 4);
				if (line_has(after, want)) {
					printf("# '%s' accepted but still listed\n", buf);
					bad++;
				}
			} else if (single_valid && !strcmp(buf, "clear") && *after) {
				printf("# clear accepted, list not empty\n");
				bad++;
			}
		}
		free(before);
		before = after;
		if (bad > 20)
			break;
	}
	printf("# %ld writes: %ld accepted, %ld refused, %lld s\n", it, ok, refused,
	       (now_ms() - t0) / 1000);
	EXPECT_EQ(0, bad);
	EXPECT_GT(ok, iters / 20);
	EXPECT_GT(refused, iters / 20);
	/* clear restores what the module changed */
	EXPECT_EQ(0, ou_write(ou_path("protect"), "clear"));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(adj0[i], read_adj(fuzz_pids[i]));
	free(before);
	/* and so does unload, with entries in place */
	EXPECT_EQ(0, ou_write(ou_path("protect"),
			      "add comm=sleep adj=-1000\nadd cgroup=/fz adj=5"));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(-1000, read_adj(fuzz_pids[i]));
	EXPECT_EQ(0, ou_unload());
	for (i = 0; i < 3; i++)
		EXPECT_EQ(adj0[i], read_adj(fuzz_pids[i]));
	for (i = 0; i < 3; i++) {
		kill(fuzz_pids[i], SIGKILL);
		waitpid(fuzz_pids[i], NULL, 0);
	}
	rmdir(OU_CGROOT "/fz/a/b");
	rmdir(OU_CGROOT "/fz/a");
	rmdir(OU_CGROOT "/fz");
}

/* ------------------------------------------------------------------------ */
/* failslab                                                                 */

#define FAILSLAB "/sys/kernel/debug/failslab"

static int fail_nth_fd(void)
{
	return open("/proc/thread-self/fail-nth", O_RDWR);
}

/* Nothing of a failed load may stay behind. */
static int nothing_left(void)
{
	char *k = ou_read("/sys/kernel/debug/kprobes/list");
	int bad = 0;

	if (ou_loaded()) {
		printf("# /sys/module/oomsnap exists after a failed load\n");
		bad++;
	}
	if (!access("/sys/kernel/debug/oomsnap", F_OK) ||
	    !access("/proc/oomsnap", F_OK)) {
		printf("# oomsnap files exist after a failed load\n");
		bad++;
	}
	if (k && (strstr(k, "out_of_memory") || strstr(k, "oom_kill_process") ||
		  strstr(k, "oom_badness"))) {
		printf("# kprobes left behind:\n%s", k);
		bad++;
	}
	free(k);
	return bad;
}

/*
 * Fault points (slab allocations, with ignore-gfp-wait=N) that one load
 * with @params passes, counted with fail-nth set beyond reach.
 */
static int count_points(int fd, const char *params, int *err)
{
	int kfd = open(ou_ko(), O_RDONLY | O_CLOEXEC), left;
	char buf[32];

	if (kfd < 0)
		return -1;
	pwrite(fd, "1000000", 7, 0);
	*err = syscall(SYS_finit_module, kfd, params, 0) ? errno : 0;
	memset(buf, 0, sizeof(buf));
	left = pread(fd, buf, sizeof(buf) - 1, 0) > 0 ? atoi(buf) : -1;
	pwrite(fd, "0", 1, 0);
	close(kfd);
	return left < 0 ? -1 : 1000000 - left;
}

TEST_F_TIMEOUT(stress, failslab_load, 1200)
{
	int fd, n, err = 0, bad = 0, failed_loads = 0, ok_with_fault = 0;
	int total, before_params, before_init, stride, tried = 0;
	long long t0 = now_ms();
	char buf[32];
	pid_t pid;

	if (access(FAILSLAB, F_OK) || access("/proc/thread-self/fail-nth", F_OK))
		SKIP(return, "no failslab/fail-nth (kernel without fault injection)");
	ou_unload();
	/* fail GFP_KERNEL allocations too, quietly */
	ASSERT_EQ(0, ou_write(FAILSLAB "/ignore-gfp-wait", "N"));
	ASSERT_EQ(0, ou_write(FAILSLAB "/verbose", "0"));
	fd = fail_nth_fd();
	ASSERT_LE(0, fd);

	/*
	 * Every fault point from the module's init to the end of the load
	 * is failed in turn; the kernel's loader, sysfs and KUnit before
	 * it (the same for any module) only every stride-th.  Where init
	 * starts: a ring larger than RAM fails its first step, vzalloc()
	 * refusing before it allocates anything.
	 */
	total = count_points(fd, "", &err);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, ou_unload());
	before_params = count_points(fd, "capacity=0", &err);
	ASSERT_EQ(EINVAL, err);
	before_init = count_points(fd, "capacity=65536 max_tasks=1024", &err);
	ASSERT_EQ(ENOMEM, err);
	ASSERT_LT(0, before_params);
	ASSERT_LT(before_params, before_init);
	ASSERT_LT(before_init, total);
	stride = before_init / 24 + 1;
	printf("# a load passes %d fault points, %d before its parameters, %d before its init\n",
	       total, before_params, before_init);

	for (n = 1; n < total + 1000; n += n < before_init ? stride : 1) {
		int kfd = open(ou_ko(), O_RDONLY | O_CLOEXEC), left;

		tried++;

		ASSERT_LE(0, kfd);
		snprintf(buf, sizeof(buf), "%d", n);
		ASSERT_LT(0, pwrite(fd, buf, strlen(buf), 0));
		err = syscall(SYS_finit_module, kfd, "", 0) ? errno : 0;
		memset(buf, 0, sizeof(buf));
		left = pread(fd, buf, sizeof(buf) - 1, 0) > 0 ? atoi(buf) : -1;
		ASSERT_LT(0, pwrite(fd, "0", 1, 0));
		close(kfd);
		if (err) {
			failed_loads++;
			if (err != ENOMEM && err != EINVAL && err != ENOENT &&
			    err != EEXIST && err != EFAULT) {
				printf("# N=%d: load failed with errno %d\n", n, err);
				bad++;
			}
			bad += nothing_left();
			if (bad > 5)
				break;
			continue;
		}
		if (left > 0)
			break;		/* the Nth allocation never came */
		ok_with_fault++;	/* a failure the module absorbed */
		if (ou_unload()) {
			printf("# N=%d: unload failed\n", n);
			bad++;
			break;
		}
	}
	close(fd);
	printf("# %d loads with fault point N failing (N up to %d): %d failed cleanly, %d succeeded despite it, %lld s\n",
	       tried, n, failed_loads, ok_with_fault, (now_ms() - t0) / 1000);
	EXPECT_EQ(0, err);
	EXPECT_EQ(0, bad);
	EXPECT_GT(failed_loads, 0);

	/* what loaded last works: it captures an OOM */
	ASSERT_TRUE(ou_loaded());
	if (need_memcg()) {
		long long k0 = ou_vmstat_oom_kill();
		int nev;
		long killed;
		json_object **v;

		ASSERT_EQ(0, ou_cg_create(CG1, "4M"));
		pid = ou_memcg_oom(CG1);
		EXPECT_LT(0, pid);
		v = ou_events(&nev);
		ASSERT_NE(NULL, v);
		EXPECT_EQ(0, ou_check_seqs(v, nev, ou_stat("events_total"), &killed));
		EXPECT_EQ(ou_vmstat_oom_kill() - k0, killed);
		EXPECT_EQ(1, nev);
		ou_events_free(v, nev);
		ou_cg_remove(CG1);
	}
	EXPECT_EQ(0, ou_unload());
	EXPECT_EQ(0, nothing_left());
}

TEST_HARNESS_MAIN
