// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap_stream_test: the stream file (interface section 2, issue 5).
 *
 * Each open reads only new events, one JSON line each; read() blocks and
 * wakes within a second of an OOM; poll() and epoll time out while nothing
 * happens and report a new event; O_NONBLOCK gives EAGAIN; readers are
 * independent; a reader the ring overtakes gets {"v":1,"lost":N} and goes
 * on from the oldest retained event; a signal interrupts a blocked read
 * (EINTR, or a transparent restart under SA_RESTART: the read returns
 * -ERESTARTSYS); a clear is reported as {"v":1,"cleared":N}, not as lost.
 *
 * Unload: an open stream pins the module on debugfs (debugfs takes a
 * reference on the file's owner) and on procfs (oomsnap_fs.c does), so
 * unload is refused with EWOULDBLOCK and the reader keeps waiting.
 *
 * Events come from memcg OOMs in small cgroups (fast under TCG).
 */
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <sys/epoll.h>

#include "kselftest_harness.h"
#include "oomsnap_util.h"

#define CG "st_t"
#define PROC_STREAM "/proc/oomsnap/stream"

static long long now_boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long line_seq(const char *line)
{
	json_object *o = json_tokener_parse(line);
	long long seq = o ? ou_int(o, "seq") : -1;

	json_object_put(o);
	return seq;
}

/* Load the module (with @params) and make the test cgroup. */
static int setup(const char *params)
{
	int err = ou_load(params);

	if (err)
		return err;
	return ou_cg_create(CG, "16M");
}

static void teardown(void)
{
	ou_cg_remove(CG);
}

/* A reader blocked in read() */
struct reader {
	int fd;
	pthread_t thread;
	volatile int done;
	ssize_t ret;
	int err;
	long long t_ns;		/* CLOCK_BOOTTIME when read() returned */
	char buf[65536];
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;

	r->ret = read(r->fd, r->buf, sizeof(r->buf) - 1);
	r->err = errno;
	r->t_ns = now_boot_ns();
	if (r->ret >= 0)
		r->buf[r->ret] = '\0';
	r->done = 1;
	return NULL;
}

static int reader_wait(struct reader *r, int ms)
{
	for (; ms > 0 && !r->done; ms -= 10)
		usleep(10000);
	return r->done ? 0 : -1;
}

static volatile int sig_count;

static void on_sig(int sig)
{
	sig_count++;
}

static void set_handler(int sig, int flags)
{
	struct sigaction sa = { .sa_handler = on_sig, .sa_flags = flags };

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* A blocked reader wakes within a second of the OOM's commit. */
TEST(blocked_reader_wakes)
{
	static struct reader r;
	json_object *o;
	long long commit, lat;
	pid_t pid;

	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	ASSERT_EQ(0, setup(""));
	r.fd = open(ou_path("stream"), O_RDONLY);
	ASSERT_LE(0, r.fd);
	r.done = 0;
	ASSERT_EQ(0, pthread_create(&r.thread, NULL, reader_main, &r));
	usleep(300000);
	EXPECT_EQ(0, r.done);	/* nothing happened yet: still blocked */
	pid = ou_memcg_oom(CG);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, reader_wait(&r, 10000));
	pthread_join(r.thread, NULL);
	ASSERT_LT(0, r.ret) TH_LOG("read: %s", strerror(r.err));
	ASSERT_EQ('\n', r.buf[r.ret - 1]);
	o = json_tokener_parse(r.buf);
	ASSERT_NE(NULL, o) TH_LOG("not JSON: %s", r.buf);
	EXPECT_EQ(1, ou_int(o, "seq"));
	EXPECT_STREQ("memcg_limit", ou_str(o, "cause"));
	EXPECT_EQ(pid, ou_int(o, "victim.pid"));
	/* boot_ns is when the OOM began, oom_ns how long it took to commit */
	commit = ou_int(o, "boot_ns") + (ou_is_null(o, "oom_ns") ? 0 : ou_int(o, "oom_ns"));
	lat = r.t_ns - commit;
	TH_LOG("woke %lld us after the commit", lat / 1000);
	EXPECT_LT(lat, 1000000000LL);
	json_object_put(o);
	close(r.fd);
	teardown();
}

/* poll() and epoll time out with no event, and report a new one. */
TEST(poll_timeout_and_wake)
{
	struct epoll_event e = { .events = EPOLLIN }, out;
	struct pollfd p;
	fd_set rfds;
	struct timeval tv = { 0, 200000 };
	char buf[65536];
	int fd, ep;

	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	ASSERT_EQ(0, setup(""));
	fd = open(ou_path("stream"), O_RDONLY);
	ASSERT_LE(0, fd);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	EXPECT_EQ(0, poll(&p, 1, 300));
	EXPECT_EQ(0, p.revents);
	FD_ZERO(&rfds);
	FD_SET(fd, &rfds);
	EXPECT_EQ(0, select(fd + 1, &rfds, NULL, NULL, &tv));
	ep = epoll_create1(0);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e));
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 300));

	ASSERT_LT(0, ou_memcg_oom(CG));
	EXPECT_EQ(1, epoll_wait(ep, &out, 1, 5000));
	p.revents = 0;
	EXPECT_EQ(1, poll(&p, 1, 5000));
	EXPECT_TRUE(p.revents & POLLIN);
	FD_ZERO(&rfds);
	FD_SET(fd, &rfds);
	tv = (struct timeval){ 5, 0 };
	EXPECT_EQ(1, select(fd + 1, &rfds, NULL, NULL, &tv));
	ASSERT_LT(0, ou_read_line(fd, buf, sizeof(buf), 1000));
	EXPECT_EQ(1, line_seq(buf));
	/* consumed: quiet again */
	p.revents = 0;
	EXPECT_EQ(0, poll(&p, 1, 200));
	close(ep);
	close(fd);
	teardown();
}

/* O_NONBLOCK: EAGAIN while there is nothing, the line once there is. */
TEST(nonblock_eagain)
{
	char buf[65536];
	ssize_t n;
	int fd;

	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	ASSERT_EQ(0, setup(""));
	fd = open(ou_path("stream"), O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, fd);
	errno = 0;
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_LT(0, ou_memcg_oom(CG));
	ASSERT_EQ(0, ou_wait_events(1, 5000));
	n = read(fd, buf, sizeof(buf) - 1);
	ASSERT_LT(0, n);
	buf[n] = '\0';
	EXPECT_EQ('\n', buf[n - 1]);
	EXPECT_EQ(1, line_seq(buf));
	errno = 0;
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
	close(fd);
	teardown();
}

/* Only new events: a reader opened after an event does not see it. */
TEST(open_sees_only_new)
{
	char buf[65536];
	int fd;

	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	ASSERT_EQ(0, setup(""));
	ASSERT_LT(0, ou_memcg_oom(CG));
	ASSERT_EQ(0, ou_wait_events(1, 5000));
	fd = open(ou_path("stream"), O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ou_read_line(fd, buf, sizeof(buf), 200));
	ASSERT_LT(0, ou_memcg_oom(CG));
	ASSERT_LT(0, ou_read_line(fd, buf, sizeof(buf), 5000));
	EXPECT_EQ(ou_stat("events_total"), line_seq(buf));
	close(fd);
	teardown();
}

/* Two readers both get every event, in order, byte for byte alike. */
TEST(two_readers)
{
	char a[65536], b[65536];
	int fa, fb, i, n;
	long long total;

	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	ASSERT_EQ(0, setup(""));
	fa = open(ou_path("stream"), O_RDONLY);
	fb = open(ou_path("stream"), O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, fa);
	ASSERT_LE(0, fb);
	for (i = 0; i < 3; i++)
		ASSERT_LT(0, ou_memcg_oom(CG));
	total = ou_stat("events_total");
	ASSERT_LE(3, total);
	for (n = 1; n <= total; n++) {
		ASSERT_LT(0, ou_read_line(fa, a, sizeof(a), 2000));
		ASSERT_LT(0, ou_read_line(fb, b, sizeof(b), 2000));
		EXPECT_EQ(n, line_seq(a));
		EXPECT_STREQ(a, b);
	}
	/* and nothing more */
	EXPECT_EQ(-1, ou_read_line(fb, b, sizeof(b), 100));
	close(fa);
	close(fb);
	teardown();
}

/*
 * A reader that falls more than the ring (capacity=4) behind gets one
 * lost line, then the oldest retained event and on, without a gap.
 */
/*
 * Load with capacity=4, open a stream, then six memcg OOMs: two events
 * overwritten, four retained.  Return: the stream, or -1.
 */
static int six_into_four(void)
{
	int fd, i;

	if (setup("capacity=4"))
		return -1;
	fd = open(ou_path("stream"), O_RDONLY);
	for (i = 0; fd >= 0 && i < 6; i++) {
		if (ou_memcg_oom(CG) <= 0) {
			close(fd);
			return -1;
		}
	}
	if (fd >= 0 && ou_wait_events(6, 10000)) {
		close(fd);
		return -1;
	}
	return fd;
}

TEST(slow_reader_lost)
{
	char buf[65536];
	json_object *o;
	long long total, seq;
	int fd;

	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	fd = six_into_four();
	ASSERT_LE(0, fd);
	total = ou_stat("events_total");
	ASSERT_LE(6, total);
	ASSERT_LT(0, ou_read_line(fd, buf, sizeof(buf), 2000));
	o = json_tokener_parse(buf);
	ASSERT_NE(NULL, o) TH_LOG("not JSON: %s", buf);
	EXPECT_EQ(1, ou_int(o, "v"));
	EXPECT_EQ(total - 4, ou_int(o, "lost")) TH_LOG("line: %s", buf);
	json_object_put(o);
	for (seq = total - 3; seq <= total; seq++) {
		ASSERT_LT(0, ou_read_line(fd, buf, sizeof(buf), 2000));
		EXPECT_EQ(seq, line_seq(buf));
	}
	EXPECT_EQ(-1, ou_read_line(fd, buf, sizeof(buf), 100));
	EXPECT_EQ(total - 4, ou_stat("events_overwritten"));
	close(fd);
	teardown();
}

/*
 * A clear is not data loss: a reader that had not read the events a clear
 * dropped gets {"v":1,"cleared":N} for them, and {"v":1,"lost":N} only for
 * those the ring overwrote.  capacity=4, six OOMs (two overwritten, four
 * retained), a clear (four dropped), one more OOM: the reader reads
 * cleared 4, lost 2, then the new event.  Before the fix it read one
 * "lost":6 line.
 */
TEST(clear_is_not_lost)
{
	char buf[65536], *nl;
	json_object *o;
	long long total;
	int fd;

	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	fd = six_into_four();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ou_write(ou_path("clear"), "1"));
	ASSERT_LT(0, ou_memcg_oom(CG));
	ASSERT_EQ(0, ou_wait_events(7, 10000));
	total = ou_stat("events_total");
	ASSERT_EQ(7, total);

	/* the gap comes as one read: the cleared line, then the lost line */
	ASSERT_LT(0, ou_read_line(fd, buf, sizeof(buf), 2000));
	nl = strchr(buf, '\n');
	if (nl && nl[1]) {
		/* both lines arrived in one read: check the second below */
		*nl = '\0';
	}
	o = json_tokener_parse(buf);
	ASSERT_NE(NULL, o) TH_LOG("not JSON: %s", buf);
	EXPECT_EQ(4, ou_int(o, "cleared")) TH_LOG("line: %s", buf);
	EXPECT_EQ(NULL, ou_get(o, "lost")) TH_LOG("line: %s", buf);
	json_object_put(o);
	if (nl && nl[1])
		memmove(buf, nl + 1, strlen(nl + 1) + 1);
	else
		ASSERT_LT(0, ou_read_line(fd, buf, sizeof(buf), 2000));
	o = json_tokener_parse(buf);
	ASSERT_NE(NULL, o) TH_LOG("not JSON: %s", buf);
	EXPECT_EQ(2, ou_int(o, "lost")) TH_LOG("line: %s", buf);
	json_object_put(o);
	ASSERT_LT(0, ou_read_line(fd, buf, sizeof(buf), 2000));
	EXPECT_EQ(7, line_seq(buf));
	EXPECT_EQ(-1, ou_read_line(fd, buf, sizeof(buf), 100));
	close(fd);

	/* a reader opened after the clear has nothing to be told */
	fd = open(ou_path("stream"), O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ou_write(ou_path("clear"), "1"));
	EXPECT_EQ(-1, ou_read_line(fd, buf, sizeof(buf), 100));
	close(fd);
	teardown();
}

/*
 * A signal ends a blocked read with EINTR when its handler has no
 * SA_RESTART; with SA_RESTART the read restarts and returns the next event.
 */
TEST(signal_interrupts_read)
{
	char buf[65536];
	long long t0;
	ssize_t n;
	pid_t child;
	int fd;

	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	ASSERT_EQ(0, setup(""));
	fd = open(ou_path("stream"), O_RDONLY);
	ASSERT_LE(0, fd);

	set_handler(SIGALRM, 0);
	sig_count = 0;
	t0 = now_boot_ns();
	alarm(1);
	errno = 0;
	n = read(fd, buf, sizeof(buf));
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EINTR, errno);
	EXPECT_EQ(1, sig_count);
	EXPECT_LT(now_boot_ns() - t0, 3000000000LL);

	/* SA_RESTART: the handler runs, the read goes on to the event */
	set_handler(SIGALRM, SA_RESTART);
	sig_count = 0;
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		usleep(2500000);
		_exit(ou_memcg_oom(CG) > 0 ? 0 : 1);
	}
	alarm(1);
	n = read(fd, buf, sizeof(buf) - 1);
	EXPECT_LT(0, n);
	if (n > 0) {
		buf[n] = '\0';
		EXPECT_EQ(1, line_seq(buf));
	}
	EXPECT_EQ(1, sig_count);
	waitpid(child, NULL, 0);
	signal(SIGALRM, SIG_DFL);
	close(fd);
	teardown();
}

/*
 * An open stream pins the module, on debugfs (debugfs takes a reference on
 * the file's owner) and on procfs (oomsnap_fs.c does; before, procfs
 * revoked the file at removal and the unload went through, leaving pollers
 * on freed memory: oomsnap_security_test).  Unload is refused
 * (EWOULDBLOCK), the blocked reader keeps waiting, undisturbed; a signal
 * ends its read, and once it closed the module unloads.
 */
static void unload_refused_while_reader(struct __test_metadata *_metadata,
					const char *params, const char *path)
{
	static struct reader r;

	ASSERT_EQ(0, ou_load(params));
	if (access(path, F_OK))
		SKIP(return, "no %s", path);
	r.fd = open(path, O_RDONLY);
	ASSERT_LE(0, r.fd);
	r.done = 0;
	set_handler(SIGUSR1, 0);
	ASSERT_EQ(0, pthread_create(&r.thread, NULL, reader_main, &r));
	usleep(300000);
	ASSERT_EQ(0, r.done);
	errno = 0;
	EXPECT_EQ(-1, syscall(SYS_delete_module, "oomsnap", O_NONBLOCK));
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY) TH_LOG("errno %d", errno);
	EXPECT_EQ(1, ou_loaded());
	usleep(200000);
	EXPECT_EQ(0, r.done);
	pthread_kill(r.thread, SIGUSR1);
	ASSERT_EQ(0, reader_wait(&r, 2000));
	pthread_join(r.thread, NULL);
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EINTR, r.err);
	close(r.fd);
	EXPECT_EQ(0, ou_unload());
	EXPECT_EQ(0, ou_loaded());
	signal(SIGUSR1, SIG_DFL);
}

TEST(unload_refused_while_procfs_reader)
{
	unload_refused_while_reader(_metadata, "procfs=1", PROC_STREAM);
}

TEST(unload_refused_while_debugfs_reader)
{
	unload_refused_while_reader(_metadata, "procfs=0",
				    "/sys/kernel/debug/oomsnap/stream");
}

/*
 * A line far longer than the stream's first buffer: 12 candidates (and
 * the victim) in a cgroup four levels of 200 0xff bytes deep, each
 * candidate's path escaped six-fold, over 50 KB; the stream grows its
 * buffer and delivers the whole line, equal to the event in events.json
 * (before: {"error":"too long"}).
 */
TEST(long_line_whole)
{
	enum { HOLDERS = 12, LEVELS = 4, NAME = 200 };
	char rel[LEVELS * (NAME + 1) + 1] = "", name[NAME + 1];
	size_t size = 4 << 20;
	char *buf = malloc(size);
	pid_t holders[HOLDERS];
	json_object *line, *cands;
	struct ou_oom o;
	int fd, i, len;

	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, ou_load("max_tasks=64"));
	memset(name, 0xff, NAME);
	name[NAME] = '\0';
	for (i = 0; i < LEVELS; i++) {
		if (i)
			ASSERT_EQ(0, ou_cg_enable_memory(rel));
		len = strlen(rel);
		snprintf(rel + len, sizeof(rel) - len, "%s%s", i ? "/" : "", name);
		ASSERT_EQ(0, ou_cg_create(rel, i == LEVELS - 1 ? "96M" : "max"));
	}
	for (i = 0; i < HOLDERS; i++) {
		holders[i] = ou_spawn_holder(rel, "holder", 1, 0);
		ASSERT_LT(0, holders[i]);
	}
	fd = open(ou_path("stream"), O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ou_oom_hog(&o, rel, NULL, "hog"));
	/* the hog's event (a holder's, were one killed first, comes before) */
	do {
		len = ou_read_line(fd, buf, size, 10000);
		ASSERT_LT(0, len);
	} while (line_seq(buf) >= 0 && line_seq(buf) < ou_int(o.ev, "seq"));
	ASSERT_LT(50000, len) TH_LOG("a line of %d bytes: %.200s", len, buf);
	line = json_tokener_parse(buf);
	ASSERT_NE(NULL, line) TH_LOG("not JSON: %.200s", buf);
	EXPECT_EQ(NULL, ou_get(line, "error"));
	EXPECT_EQ(ou_int(o.ev, "seq"), ou_int(line, "seq"));
	cands = ou_get(line, "candidates");
	ASSERT_NE(NULL, cands);
	EXPECT_LE(HOLDERS, (int)json_object_array_length(cands));
	EXPECT_EQ(json_object_array_length(ou_get(o.ev, "candidates")),
		  json_object_array_length(cands));
	EXPECT_STREQ(ou_str(o.ev, "victim.memcg"),
		     ou_str(json_object_array_get_idx(cands, 1), "memcg"));
	json_object_put(line);
	close(fd);
	ou_oom_free(&o);
	ou_kill_wait(holders, HOLDERS);
	for (i = LEVELS - 1; i >= 0; i--) {
		ou_cg_remove(rel);
		if (i)
			*strrchr(rel, '/') = '\0';
	}
	free(buf);
}

TEST_HARNESS_MAIN
