// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap_security_test: unload safety and access rules (issue 14;
 * interface section 2).
 *
 * Unload with watchers: a stream watched by epoll, poll() or select(), on
 * debugfs and on procfs, must keep the module loaded (rmmod refused with
 * EBUSY/EWOULDBLOCK while the watcher waits), the watcher must still work,
 * and once the files are closed the module unloads.  Before the fix, the
 * procfs stream did not pin the module: delete_module() returned 0 and
 * closing the epoll-watched descriptor then crashed the kernel
 * (remove_wait_queue on freed module memory); the run's serial log is
 * judged by the harness, so that crash fails this test.
 *
 * Access: a uid-0 process without capabilities (a container's root with
 * its capabilities dropped) is refused what the kernel refuses it for the
 * same act: reading records needs CAP_SYSLOG or CAP_SYS_ADMIN, writing
 * protect or clear CAP_SYS_ADMIN, an adj below 0 CAP_SYS_RESOURCE too.
 * The check is against the opener's credentials: a descriptor opened by a
 * privileged process works in an unprivileged child, one opened by a less
 * privileged process and passed to a privileged one (SCM_RIGHTS) carries
 * only its opener's rights.  Opening protect or clear for writing without
 * CAP_SYS_ADMIN is refused already (no pinning the module for nothing).  The protect= module parameter is not readable by other users.
 */
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <grp.h>
#include <linux/capability.h>

#include "kselftest_harness.h"
#include "oomsnap_util.h"

#define CG "sec_t"
#define NOBODY 65534

/* The directory whose files the access checks use: debugfs or procfs. */
static const char *dir;

static const char *fpath(const char *name)
{
	static char buf[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

/* /proc/PID/oom_score_adj */
static int adj_of(pid_t pid)
{
	char path[64], *s;
	int v;

	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", pid);
	s = ou_read(path);
	if (!s)
		return -10000;
	v = atoi(s);
	free(s);
	return v;
}

/* ------------------------------------------------------------ capabilities */

#define CAPBIT(c) (1ULL << (c))

/*
 * Run @fn in a child that stays uid 0 but keeps only the capabilities in
 * @keep; the child's exit status is @fn's return value.
 */
static int as_capless_root(unsigned long long keep, int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (ou_caps_set(keep))
			_exit(100);
		_exit(fn(arg));
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* open(@path, @flags): 0 if it opens, the errno otherwise */
static int try_open(const char *path, int flags)
{
	int fd = open(path, flags);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/*
 * write(@s) to @path: 0 if it is accepted, the errno otherwise (of the open:
 * a writer without CAP_SYS_ADMIN is refused there already, so that it
 * cannot hold the file and pin the module; or of the write)
 */
static int try_write(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, s, strlen(s)) < 0)
		err = errno;
	close(fd);
	return err;
}

/* The child's exit status has one bit per refused read. */
static int probe_reads(void *arg)
{
	(void)arg;
	return (try_open(fpath("events"), O_RDONLY) == EPERM) << 0 |
	       (try_open(fpath("events.json"), O_RDONLY) == EPERM) << 1 |
	       (try_open(fpath("stats"), O_RDONLY) == EPERM) << 2 |
	       (try_open(fpath("stream"), O_RDONLY) == EPERM) << 3 |
	       (try_open(fpath("protect"), O_RDONLY) == EPERM) << 4;
}

static char pid_cmd[64], pid_cmd_neg[64];

/* The child's exit status has one bit per refused write. */
static int probe_writes(void *arg)
{
	(void)arg;
	return (try_write(fpath("protect"), pid_cmd) == EPERM) << 0 |
	       (try_write(fpath("protect"), pid_cmd_neg) == EPERM) << 1 |
	       (try_write(fpath("clear"), "1") == EPERM) << 2 |
	       /* refused at open: no holding the file (and the module) */
	       (try_open(fpath("clear"), O_WRONLY) == EPERM) << 3 |
	       (try_open(fpath("protect"), O_WRONLY) == EPERM) << 4;
}

/* Every access rule, on the files of the current load (debugfs or procfs). */
static void check_access(struct __test_metadata *_metadata)
{
	const unsigned long long syslog = CAPBIT(CAP_SYSLOG);
	const unsigned long long admin = CAPBIT(CAP_SYS_ADMIN);
	const unsigned long long resource = CAPBIT(CAP_SYS_RESOURCE);

	/* a sleeping helper process to name in the pid= entries */
	pid_t target = fork();

	ASSERT_LE(0, target);
	if (target == 0) {
		pause();
		_exit(0);
	}
	snprintf(pid_cmd, sizeof(pid_cmd), "add pid=%d adj=500\n", target);
	snprintf(pid_cmd_neg, sizeof(pid_cmd_neg), "add pid=%d adj=-1000\n", target);

	/* the refused writes below must not have changed it */
	usleep(100000);
	EXPECT_EQ(0, adj_of(target));
	/* no capabilities: every read and every write refused */
	EXPECT_EQ(0x1f, as_capless_root(0, probe_reads, NULL));
	EXPECT_EQ(0x1f, as_capless_root(0, probe_writes, NULL));
	/* CAP_SYSLOG reads, writes nothing */
	EXPECT_EQ(0, as_capless_root(syslog, probe_reads, NULL));
	EXPECT_EQ(0x1f, as_capless_root(syslog, probe_writes, NULL));
	/* CAP_SYS_ADMIN reads and writes, but no adj below 0 */
	EXPECT_EQ(0, as_capless_root(admin, probe_reads, NULL));
	EXPECT_EQ(0x2, as_capless_root(admin, probe_writes, NULL));
	/* with CAP_SYS_RESOURCE too, everything */
	EXPECT_EQ(0, as_capless_root(admin | resource, probe_writes, NULL));
	/* nothing refused changed anything: only the last write's value */
	EXPECT_EQ(-1000, adj_of(target));
	EXPECT_EQ(0, ou_write(fpath("protect"), "clear\n"));
	EXPECT_EQ(0, adj_of(target));
	kill(target, SIGKILL);
	waitpid(target, NULL, 0);
}

static int write_fd(int fd, const char *s)
{
	return write(fd, s, strlen(s)) < 0 ? errno : 0;
}

/*
 * The opener's credentials count: a descriptor opened with every
 * capability works in a child that dropped them; one opened by a child
 * with CAP_SYS_ADMIN only and passed to a fully privileged process
 * (SCM_RIGHTS) cannot add an adj below 0, which needs CAP_SYS_RESOURCE.
 */
static void check_opener_creds(struct __test_metadata *_metadata)
{
	char cbuf[CMSG_SPACE(sizeof(int))], cmd[64];
	struct msghdr msg = { 0 };
	struct iovec iov;
	struct cmsghdr *cm;
	int sv[2], fd, st;
	char byte = 0;
	pid_t pid, target;

	fd = open(fpath("clear"), O_WRONLY);
	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(ou_caps_set(0) ? 100 : write_fd(fd, "1"));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st)) TH_LOG("inherited descriptor refused: %s",
					     strerror(WEXITSTATUS(st)));
	close(fd);

	target = fork();
	ASSERT_LE(0, target);
	if (target == 0) {
		pause();
		_exit(0);
	}
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	iov.iov_base = &byte;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (ou_caps_set(CAPBIT(CAP_SYS_ADMIN)))
			_exit(100);
		fd = open(fpath("protect"), O_WRONLY);
		if (fd < 0)
			_exit(101);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
		_exit(sendmsg(sv[1], &msg, 0) == 1 ? 0 : 102);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_EQ(0, WEXITSTATUS(st));
	ASSERT_EQ(1, recvmsg(sv[0], &msg, 0));
	cm = CMSG_FIRSTHDR(&msg);
	ASSERT_NE(NULL, cm);
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	snprintf(cmd, sizeof(cmd), "add pid=%d adj=-1000\n", target);
	EXPECT_EQ(EPERM, write_fd(fd, cmd));
	EXPECT_EQ(0, adj_of(target));
	snprintf(cmd, sizeof(cmd), "add pid=%d adj=7\n", target);
	EXPECT_EQ(0, write_fd(fd, cmd));
	EXPECT_EQ(7, adj_of(target));
	EXPECT_EQ(0, write_fd(fd, "clear\n"));
	close(fd);
	close(sv[0]);
	close(sv[1]);
	kill(target, SIGKILL);
	waitpid(target, NULL, 0);
}

TEST(access_debugfs)
{
	ASSERT_EQ(0, ou_load("procfs=0"));
	if (access("/sys/kernel/debug/oomsnap/stats", F_OK))
		SKIP(return, "no debugfs");
	dir = "/sys/kernel/debug/oomsnap";
	check_access(_metadata);
	check_opener_creds(_metadata);
}

TEST(access_procfs)
{
	ASSERT_EQ(0, ou_load("procfs=1"));
	dir = "/proc/oomsnap";
	check_access(_metadata);
	check_opener_creds(_metadata);
	EXPECT_EQ(0, ou_unload());
}

/* The protect= parameter names what it protects: root only. */
TEST(protect_param_not_world_readable)
{
	const char *p = "/sys/module/oomsnap/parameters/protect";
	struct stat st;
	pid_t pid;
	int status;

	ASSERT_EQ(0, ou_load("protect=\"add comm=sshd adj=-1000\""));
	ASSERT_EQ(0, stat(p, &st));
	EXPECT_EQ(0, st.st_mode & 0077) TH_LOG("mode %o", st.st_mode & 07777);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(100);
		_exit(try_open(p, O_RDONLY));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(EACCES, WEXITSTATUS(status));
}

/* ------------------------------------------------------- unload, watchers */

enum watch { W_EPOLL, W_POLL, W_SELECT };

struct watcher {
	enum watch how;
	int fd, epfd;
	pthread_t thread;
	volatile int done;
	int ret;
};

/* Wait up to 20 s for the stream to become readable; ret: ready count. */
static void *watch_main(void *arg)
{
	struct watcher *w = arg;
	struct epoll_event ev;
	struct pollfd pfd = { .fd = w->fd, .events = POLLIN };
	struct timeval tv = { .tv_sec = 20 };
	fd_set rd;

	switch (w->how) {
	case W_EPOLL:
		w->ret = epoll_wait(w->epfd, &ev, 1, 20000);
		break;
	case W_POLL:
		w->ret = poll(&pfd, 1, 20000);
		break;
	case W_SELECT:
		FD_ZERO(&rd);
		FD_SET(w->fd, &rd);
		w->ret = select(w->fd + 1, &rd, NULL, NULL, &tv);
		break;
	}
	w->done = 1;
	return NULL;
}

static const char *watch_name(enum watch how)
{
	return how == W_EPOLL ? "epoll" : how == W_POLL ? "poll" : "select";
}

/*
 * A watcher of @how on @stream: rmmod is refused while it waits, the
 * watcher is woken by the next event, and the module unloads once the
 * descriptors are closed.
 */
static void unload_with_watcher(struct __test_metadata *_metadata,
				const char *params, const char *stream,
				enum watch how)
{
	static struct watcher w;
	struct epoll_event ev = { .events = EPOLLIN };
	int i;

	ASSERT_EQ(0, ou_load(params));
	ASSERT_EQ(0, ou_cg_create(CG, "16M"));
	memset(&w, 0, sizeof(w));
	w.how = how;
	w.fd = open(stream, O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, w.fd) TH_LOG("%s: %s", stream, strerror(errno));
	w.epfd = -1;
	if (how == W_EPOLL) {
		w.epfd = epoll_create1(0);
		ASSERT_LE(0, w.epfd);
		ev.data.fd = w.fd;
		ASSERT_EQ(0, epoll_ctl(w.epfd, EPOLL_CTL_ADD, w.fd, &ev));
	}
	ASSERT_EQ(0, pthread_create(&w.thread, NULL, watch_main, &w));
	usleep(300000);
	ASSERT_EQ(0, w.done);

	/* rmmod while it waits: refused, several times, the module stays */
	for (i = 0; i < 3; i++) {
		errno = 0;
		EXPECT_EQ(-1, syscall(SYS_delete_module, "oomsnap", O_NONBLOCK))
			TH_LOG("%s on %s: rmmod succeeded under a watcher",
			       watch_name(how), stream);
		EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY)
			TH_LOG("errno %d", errno);
	}
	ASSERT_EQ(1, ou_loaded());

	/* the watcher still works: an event wakes it */
	ASSERT_LT(0, ou_memcg_oom(CG));
	for (i = 0; i < 500 && !w.done; i++)
		usleep(20000);
	EXPECT_EQ(1, w.done) TH_LOG("%s watcher not woken by an event", watch_name(how));
	pthread_join(w.thread, NULL);
	EXPECT_EQ(1, w.ret);

	/* rmmod still refused while only the epoll set and the fd remain */
	errno = 0;
	EXPECT_EQ(-1, syscall(SYS_delete_module, "oomsnap", O_NONBLOCK));
	close(w.fd);
	if (w.epfd >= 0)
		close(w.epfd);
	ou_cg_remove(CG);
	EXPECT_EQ(0, ou_unload());
	EXPECT_EQ(0, ou_loaded());
}

/*
 * The reported crash, step by step: epoll on the procfs stream, rmmod,
 * then close the watched descriptor.  Before the fix rmmod returned 0 and
 * the close faulted in remove_wait_queue(); now rmmod is refused.
 */
TEST(procfs_epoll_rmmod_close)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int fd, epfd, rc;

	ASSERT_EQ(0, ou_load("procfs=1"));
	fd = open("/proc/oomsnap/stream", O_RDONLY);
	ASSERT_LE(0, fd);
	epfd = epoll_create1(0);
	ASSERT_LE(0, epfd);
	ASSERT_EQ(0, epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev));
	errno = 0;
	rc = syscall(SYS_delete_module, "oomsnap", O_NONBLOCK);
	EXPECT_EQ(-1, rc) TH_LOG("rmmod succeeded with an epoll-watched procfs stream");
	close(fd);
	close(epfd);
	usleep(100000);
	EXPECT_EQ(0, ou_unload());
}

/* Each watcher (epoll, poll, select) on each stream (procfs, debugfs). */
FIXTURE(watched) {};

FIXTURE_VARIANT(watched) {
	const char *params, *stream;
	enum watch how;
};

#define WATCHED(fs, p, dir, w, h)					\
	FIXTURE_VARIANT_ADD(watched, fs##_##w) {			\
		.params = p, .stream = dir "/stream", .how = h,		\
	}
#define WATCHED_ALL(fs, p, dir)						\
	WATCHED(fs, p, dir, epoll, W_EPOLL);				\
	WATCHED(fs, p, dir, poll, W_POLL);				\
	WATCHED(fs, p, dir, select, W_SELECT)

WATCHED_ALL(procfs, "procfs=1", "/proc/oomsnap");
WATCHED_ALL(debugfs, "procfs=0", "/sys/kernel/debug/oomsnap");

FIXTURE_SETUP(watched) {}
FIXTURE_TEARDOWN(watched) {}

TEST_F(watched, rmmod_refused_then_unloads)
{
	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	if (!strcmp(variant->params, "procfs=0") && access("/sys/kernel/debug", F_OK))
		SKIP(return, "no debugfs");
	unload_with_watcher(_metadata, variant->params, variant->stream, variant->how);
}

/* Every procfs file pins the module while open, not only the stream. */
TEST(procfs_any_file_pins)
{
	static const char * const names[] = {
		"events", "events.json", "stats", "protect", "clear", "stream",
	};
	char path[64];
	unsigned int i;
	int fd;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ASSERT_EQ(0, ou_load("procfs=1"));
		snprintf(path, sizeof(path), "/proc/oomsnap/%s", names[i]);
		fd = open(path, strcmp(names[i], "clear") ? O_RDONLY : O_WRONLY);
		ASSERT_LE(0, fd) TH_LOG("%s: %s", path, strerror(errno));
		errno = 0;
		EXPECT_EQ(-1, syscall(SYS_delete_module, "oomsnap", O_NONBLOCK))
			TH_LOG("rmmod succeeded with %s open", path);
		close(fd);
		EXPECT_EQ(0, ou_unload());
	}
}

TEST_HARNESS_MAIN
