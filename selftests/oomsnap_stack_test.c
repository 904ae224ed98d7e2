// SPDX-License-Identifier: GPL-2.0
/*
 * The record's "stack" (what allocated) against the kernel's own report of
 * the same OOM: the "Call Trace:" that dump_header() prints.  The kernel
 * prints it from oom_kill_process(), oomsnap takes it when out_of_memory()
 * starts; from the caller of out_of_memory() outwards both walk the same
 * frames, so every reliable frame the kernel prints after out_of_memory
 * must be in the record, in order, with the same offsets.  One exception:
 * the kernel's unwinder may show oomsnap's own kretprobe trampoline, which
 * sits in out_of_memory()'s return address while it runs, in place of the
 * caller; that one frame is then compared by position only.  And where the
 * kernel's unwinder cannot get past that trampoline (5.10: it prints the
 * rest as "?" guesses, found by scanning the stack, stale ones included),
 * the record's frames must be those guesses' real ones: a subsequence of
 * them, in order.
 *
 * Two allocation paths: a page fault (a hog touching memory in a memcg)
 * and a system call (mmap(MAP_POPULATE) in a memcg: entry through
 * do_syscall_64, el0_svc on arm64, and __mm_populate).
 */
#include <sys/mman.h>
#include "kselftest_harness.h"
#include "oomsnap_util.h"

#define CG "stack"
/*
 * The system call entry's frame: do_syscall_64 on x86, el0_svc on arm64
 * (noinstr, so never inlined: invoke_syscall and el0_svc_common may be).
 */
#ifdef __aarch64__
#define SYSCALL_ENTRY "el0_svc"
#else
#define SYSCALL_ENTRY "do_syscall_64"
#endif
#define MAX_FRAMES 64

struct frames {
	int n;
	char f[MAX_FRAMES][160];
	bool guess[MAX_FRAMES];	/* kernel: printed with "?" */
};

/*
 * The frames after "out_of_memory+" of the last OOM report whose
 * "CPU: .. PID: @pid" line names @pid, from /dev/kmsg, each marked when
 * the kernel printed it with "?" (a guess, not in a reliable trace).
 * Returns 0 when a trace was found.
 */
static int kmsg_trace(int pid, struct frames *k)
{
	char rec[8192], needle[64];
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	int state = 0, found = -1;	/* 1: our report, 2: after out_of_memory */
	bool guess;
	ssize_t n;

	if (fd < 0)
		return -errno;
	snprintf(needle, sizeof(needle), " PID: %d ", pid);
	while ((n = read(fd, rec, sizeof(rec) - 1)) != 0) {
		char *msg, *end;

		if (n < 0) {
			if (errno == EPIPE)
				continue;
			break;
		}
		rec[n] = '\0';
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		end = strchr(msg, '\n');
		if (end)
			*end = '\0';
		if (!strncmp(msg, "CPU: ", 5)) {
			state = strstr(msg, needle) ? 1 : 0;
			continue;
		}
		if (state == 1 && strstr(msg, "out_of_memory+")) {
			state = 2;
			k->n = 0;
			found = 0;
			continue;
		}
		if (state != 2)
			continue;
		while (*msg == ' ')
			msg++;
		guess = !strncmp(msg, "? ", 2);
		if (guess)
			msg += 2;
		if (!strstr(msg, "+0x") || strchr(msg, ':') || msg[0] == '<') {
			state = 0;	/* RIP:, </TASK>: the task's frames end */
			continue;
		}
		if (k->n < MAX_FRAMES) {
			k->guess[k->n] = guess;
			snprintf(k->f[k->n++], sizeof(k->f[0]), "%s", msg);
		}
	}
	close(fd);
	return found;
}

/* The record's frames for the event whose victim is @pid. */
static int record_trace(int pid, struct frames *r, int *truncated)
{
	json_object **v, *ev, *fr;
	int n, i, ret = -1;

	v = ou_events(&n);
	ev = v ? ou_event_by_victim(v, n, pid) : NULL;
	fr = ev ? ou_get(ev, "stack.frames") : NULL;
	if (fr && json_object_is_type(fr, json_type_array)) {
		r->n = 0;
		for (i = 0; i < (int)json_object_array_length(fr) && i < MAX_FRAMES; i++)
			snprintf(r->f[r->n++], sizeof(r->f[0]), "%s",
				 json_object_get_string(json_object_array_get_idx(fr, i)));
		*truncated = json_object_get_boolean(ou_get(ev, "stack.truncated"));
		ret = 0;
	}
	ou_events_free(v, n);
	return ret;
}

static int has_frame(const struct frames *r, const char *fn)
{
	size_t len = strlen(fn);
	int i;

	for (i = 0; i < r->n; i++)
		if (!strncmp(r->f[i], fn, len) && r->f[i][len] == '+')
			return 1;
	return 0;
}

/* Compare as the header says; prints both traces on a mismatch. */
static int same_trace(const struct frames *k, const struct frames *r,
		      int truncated)
{
	int i, j, bad = 0, reliable = 1, nk = 0;

	for (i = 1; i < k->n; i++)
		reliable &= !k->guess[i];
	if (r->n == 0 || k->n == 0) {
		bad = 1;
	} else if (reliable) {
		for (i = 0; i < k->n; i++)
			nk += !k->guess[i];
		bad = truncated ? r->n > nk : r->n != nk;
		for (i = 1; !bad && i < r->n; i++)
			bad = strcmp(k->f[i], r->f[i]) != 0;
	} else {
		/* the record's frames among the kernel's guesses, in order */
		printf("# the kernel's unwinder guessed past oomsnap's trampoline\n");
		for (i = 1, j = 1; i < r->n && j < k->n; j++)
			if (!strcmp(k->f[j], r->f[i]))
				i++;
		bad = i < r->n;
	}
	/* frame 0: the caller, or the trampoline standing in for it */
	if (!bad && strcmp(k->f[0], r->f[0]))
		printf("# kernel frame 0 %s taken for oomsnap's trampoline (record: %s)\n",
		       k->f[0], r->f[0]);
	if (bad) {
		for (i = 0; i < k->n || i < r->n; i++)
			printf("# %2d kernel %s%-40s record %s\n", i,
			       i < k->n && k->guess[i] ? "? " : "",
			       i < k->n ? k->f[i] : "-", i < r->n ? r->f[i] : "-");
	}
	return bad ? -1 : 0;
}

FIXTURE(stack) {
	int unused;
};

FIXTURE_SETUP(stack)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!ou_memcg_available())
		SKIP(return, "no memory controller (cgroup v2) in this kernel");
	ou_unload();
	ASSERT_EQ(0, ou_load(NULL));
	ASSERT_EQ(0, ou_cg_create(CG, "32M"));
	/* the kernel's report must print its trace: the default, made sure */
	ou_write("/proc/sys/vm/oom_dump_tasks", "1");
}

FIXTURE_TEARDOWN(stack)
{
	ou_cg_remove(CG);
	ou_unload();
}

/* A page fault in a memcg at its limit: the hog touching its memory. */
TEST_F(stack, page_fault)
{
	struct frames k, r;
	int truncated = 0;
	pid_t pid = ou_memcg_oom(CG);

	ASSERT_LT(0, pid);
	ASSERT_EQ(0, ou_wait_event_of(pid, 10000));
	ASSERT_EQ(0, record_trace(pid, &r, &truncated));
	ASSERT_EQ(0, kmsg_trace(pid, &k));
	EXPECT_EQ(0, same_trace(&k, &r, truncated));
	EXPECT_EQ(0, strncmp(r.f[0], "mem_cgroup_out_of_memory+", 25));
	EXPECT_TRUE(has_frame(&r, "handle_mm_fault"));
	EXPECT_FALSE(has_frame(&r, "out_of_memory"));
}

/* A system call that allocates: mmap(MAP_POPULATE) beyond the limit. */
TEST_F(stack, syscall_populate)
{
	struct frames k, r;
	int truncated = 0;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (ou_cg_enter(CG, getpid()))
			_exit(126);
		mmap(NULL, 128 << 20, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		_exit(0);	/* not killed: the test fails below */
	}
	ASSERT_EQ(SIGKILL, ou_wait_killed(pid));
	ASSERT_EQ(0, ou_wait_event_of(pid, 10000));
	ASSERT_EQ(0, record_trace(pid, &r, &truncated));
	ASSERT_EQ(0, kmsg_trace(pid, &k));
	EXPECT_EQ(0, same_trace(&k, &r, truncated));
	EXPECT_EQ(0, strncmp(r.f[0], "mem_cgroup_out_of_memory+", 25));
	EXPECT_TRUE(has_frame(&r, "__mm_populate"));
	EXPECT_TRUE(has_frame(&r, SYSCALL_ENTRY));
}

TEST_HARNESS_MAIN
