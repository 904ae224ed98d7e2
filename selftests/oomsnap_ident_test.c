// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap_ident_test: the CLI names the container, pod and unit of an OOM
 * from the cgroup paths the module recorded (tools/oomsnap/ident.c).
 *
 * The kernel does not care which program made a cgroup directory, so the
 * test makes the directories a runtime would (cgroup v2), with the naming
 * of each scheme, runs an OOM in one, and checks that every view of the
 * CLI names what the test created: events --json (the "identity"
 * object, with the module's fields unchanged), events (the text view's
 * identity lines), explain (the sentence), watch (the line's keys).  A
 * path that only looks like a container's names none.
 *
 * The CLI is $OOMSNAP_CLI (default /bin/oomsnap, built and copied in by
 * vm.sh).  The parsing itself, for every runtime and v1-shaped paths, is
 * tested on the host (tools/oomsnap/tests/unit.c).
 *
 * The command line and executable the module records (victim.argv,
 * trigger.argv, .exe): exact bytes with spaces, quotes and control bytes,
 * a 5000-byte argument cut at 1024 and flagged, and a victim read in its
 * own context as it takes the SIGKILL, racing the OOM reaper (the result
 * is printed: "# victim argv in its own context: ok|fault").  They show
 * only to a reader with CAP_SYS_PTRACE, as /proc/PID/exe and cmdline do:
 * a reader with CAP_SYSLOG (or all but CAP_SYS_PTRACE) reads them null
 * with argv_state "hidden" in events.json, events and the stream.  A victim
 * already exiting when chosen, which takes no SIGKILL, has argv_state
 * "none", before and after it exits, never "pending".
 */
#include <limits.h>
#include <stdarg.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <linux/capability.h>
#include <sys/ptrace.h>

#include "kselftest_harness.h"
#include "oomsnap_util.h"

#define CID "3f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c"
#define UID "0c2b8c2e-5d1a-4b7e-9f3c-2a1b0c9d8e7f"
#define UID_ "0c2b8c2e_5d1a_4b7e_9f3c_2a1b0c9d8e7f"

/* mkdir each level of @cg (below the root), memory enabled below each. */
static int make_tree(const char *cg)
{
	char p[PATH_MAX], rel[1024];
	const char *s = cg;
	int err;

	while ((s = strchr(s, '/'))) {
		snprintf(rel, sizeof(rel), "%.*s", (int)(s - cg), cg);
		snprintf(p, sizeof(p), OU_CGROOT "/%s", rel);
		if (mkdir(p, 0755) && errno != EEXIST)
			return -errno;
		err = ou_cg_enable_memory(rel);
		if (err)
			return err;
		s++;
	}
	snprintf(p, sizeof(p), OU_CGROOT "/%s", cg);
	return mkdir(p, 0755) && errno != EEXIST ? -errno : 0;
}

/* rmdir @cg and its ancestors below the root, innermost first. */
static void remove_tree(const char *cg)
{
	char rel[1024], *s;

	snprintf(rel, sizeof(rel), "%s", cg);
	do {
		ou_cg_remove(rel);
		s = strrchr(rel, '/');
		if (s)
			*s = '\0';
	} while (s);
}

static int set_max(const char *cg, const char *max)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), OU_CGROOT "/%s/memory.max", cg);
	return ou_write(p, max);
}

/* The record of event @seq in @out (events --json); NULL if none. */
static json_object *json_line(const char *out, long long seq)
{
	const char *p = out, *nl;
	json_object *o;

	for (; *p; p = *nl ? nl + 1 : nl) {
		char *one;

		nl = strchrnul(p, '\n');
		one = strndup(p, nl - p);
		o = json_tokener_parse(one);
		free(one);
		if (o && ou_int(o, "seq") == seq)
			return o;
		json_object_put(o);
	}
	return NULL;
}

/* What a test expects of one path's identity; NULL: absent. */
struct want {
	const char *runtime, *container, *pod, *qos, *unit, *slice;
};

static int check_ident(struct __test_metadata *_metadata, json_object *line,
		       const char *who, const struct want *w)
{
	static const char * const keys[] = {
		"runtime", "container_id", "pod_uid", "qos", "unit", "slice",
	};
	const char * const want[] = {
		w->runtime, w->container, w->pod, w->qos, w->unit, w->slice,
	};
	char path[64];
	size_t i;
	int bad = 0;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *got;

		snprintf(path, sizeof(path), "identity.%s.%s", who, keys[i]);
		got = ou_get(line, path) ? ou_str(line, path) : NULL;	/* null: absent */
		if (want[i] ? !got || strcmp(got, want[i]) : !!got) {
			TH_LOG("%s: '%s', expected '%s'", path, got ?: "(null)",
			       want[i] ?: "(null)");
			bad++;
		}
	}
	return bad;
}

/* explain's words wrap: compare them with single spaces */
static char *unwrapped(char *s)
{
	char *p, *q;

	for (p = q = s; *p; p++) {
		if (*p == '\n') {
			while (p[1] == ' ')
				p++;
			*p = ' ';
		}
		*q++ = *p;
	}
	*q = '\0';
	return s;
}

/*
 * An OOM in @leaf (its memory.max @leaf_max), or at @limit_at (an ancestor,
 * memory.max 32M) while @leaf grows; every view of the CLI is checked
 * against @trigger (the leaf's identity) and @memcg (the one at its
 * limit).  watch runs across the OOM.
 */
static void container_oom(struct __test_metadata *_metadata, const char *leaf,
			  const char *limit_at, const struct want *trigger,
			  const struct want *memcg, const char *says)
{
	char *out, want[512], wline[8192], cmd[256];
	json_object *line;
	struct ou_oom o;
	long long seq;
	FILE *watch;

	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	ASSERT_EQ(0, ou_load(""));
	ASSERT_EQ(0, make_tree(leaf)) TH_LOG("cannot create %s", leaf);
	ASSERT_EQ(0, set_max(limit_at ?: leaf, "32M"));
	snprintf(cmd, sizeof(cmd), "%s watch --count 1 --timeout 300", ou_cli());
	watch = popen(cmd, "r");
	ASSERT_NE(NULL, watch);
	ASSERT_EQ(0, ou_oom_hog(&o, leaf, NULL, "hog"));
	seq = ou_int(o.ev, "seq");
	/* the module recorded the paths whole (no identity of a cut path) */
	snprintf(want, sizeof(want), "/%s", leaf);
	EXPECT_STREQ(want, ou_str(o.ev, "trigger.memcg"));
	EXPECT_STREQ(want, ou_str(o.ev, "victim.memcg"));
	snprintf(want, sizeof(want), "/%s", limit_at ?: leaf);
	EXPECT_STREQ(want, ou_str(o.ev, "memcg.path"));

	/* events --json: the module's fields, and "identity" */
	EXPECT_EQ(0, ou_cli_run(&out, "events --json"));
	line = json_line(out, seq);
	ASSERT_NE(NULL, line) TH_LOG("no event %lld in:\n%s", seq, out);
	EXPECT_EQ(o.victim, ou_int(line, "victim.pid"));
	EXPECT_STREQ(ou_str(o.ev, "victim.memcg"), ou_str(line, "victim.memcg"));
	EXPECT_EQ(0, check_ident(_metadata, line, "trigger", trigger));
	EXPECT_EQ(0, check_ident(_metadata, line, "victim", trigger));
	EXPECT_EQ(0, check_ident(_metadata, line, "memcg", memcg));
	json_object_put(line);
	free(out);

	/* events: the identity line of the victim */
	EXPECT_EQ(0, ou_cli_run(&out, "events"));
	snprintf(want, sizeof(want), "  identity victim runtime=%s container=%s", trigger->runtime,
		 trigger->container);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("no '%s' in:\n%s", want, out);
	free(out);

	/* explain: the sentence */
	EXPECT_EQ(0, ou_cli_run(&out, "explain %lld", seq));
	unwrapped(out);
	EXPECT_NE(NULL, strstr(out, says)) TH_LOG("no '%s' in:\n%s", says, out);
	free(out);

	/* watch: the event's line carries the ids */
	ASSERT_NE(NULL, fgets(wline, sizeof(wline), watch));
	pclose(watch);
	snprintf(want, sizeof(want), " identity.victim.container_id=%s", trigger->container);
	EXPECT_NE(NULL, strstr(wline, want)) TH_LOG("watch: %s", wline);
	if (trigger->pod) {
		snprintf(want, sizeof(want), " identity.victim.pod_uid=%s identity.victim.qos=%s",
			 trigger->pod, trigger->qos);
		EXPECT_NE(NULL, strstr(wline, want)) TH_LOG("watch: %s", wline);
	}
	ou_oom_free(&o);
	remove_tree(leaf);
}

FIXTURE(quiet) {
	struct ou_quiet q;
};

FIXTURE_SETUP(quiet)
{
	ou_quiet_begin(&self->q);
}

FIXTURE_TEARDOWN(quiet)
{
	ou_quiet_end(&self->q);
}

/* The kubelet's cgroupfs driver: /kubepods/burstable/pod<uid>/<id>. */
TEST_F(quiet, kubelet_cgroupfs_container)
{
	static const struct want c = {
		"cri", CID, UID, "burstable", NULL, NULL,
	};

	container_oom(_metadata, "kubepods/burstable/pod" UID "/" CID, NULL, &c, &c,
		      "(container 3f0a1b2c3d4e (cri) of pod " UID " (burstable))");
}

/*
 * The kubelet's systemd driver (the default with cgroup v2): a guaranteed
 * pod's slice at its limit, the container's scope growing.  190 bytes.
 */
TEST_F(quiet, kubelet_systemd_pod_limit)
{
	static const struct want c = {
		"containerd", CID, UID, "guaranteed", "cri-containerd-" CID ".scope",
		"kubepods-pod" UID_ ".slice",
	};
	static const struct want pod = {
		NULL, NULL, UID, "guaranteed", NULL, "kubepods-pod" UID_ ".slice",
	};

	container_oom(_metadata,
		      "kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" CID ".scope",
		      "kubepods.slice/kubepods-pod" UID_ ".slice", &c, &pod,
		      "(pod " UID " (guaranteed)), an ancestor");
}

/* docker's systemd driver, and an nspawn machine with an escaped name. */
TEST_F(quiet, docker_scope)
{
	static const struct want c = {
		"docker", CID, NULL, NULL, "docker-" CID ".scope", "system.slice",
	};

	container_oom(_metadata, "system.slice/docker-" CID ".scope", NULL, &c, &c,
		      "(container 3f0a1b2c3d4e (docker))");
}

TEST_F(quiet, nspawn_machine)
{
	static const struct want c = {
		"systemd-nspawn", "web-1", NULL, NULL, "machine-web\\x2d1.scope", "machine.slice",
	};

	container_oom(_metadata, "machine.slice/machine-web\\x2d1.scope", NULL, &c, &c,
		      "(machine web-1 (systemd-nspawn))");
}

/* Only looks like a pod's container: "podcast" is no pod, nothing named. */
TEST_F(quiet, lookalike_named_nothing)
{
	const char *cg = "kubepods/burstable/podcast/" CID;
	char *out, want[256];
	struct ou_oom o;
	long long seq;

	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	ASSERT_EQ(0, ou_load(""));
	ASSERT_EQ(0, make_tree(cg));
	ASSERT_EQ(0, ou_oom_hog(&o, cg, "32M", "hog"));
	seq = ou_int(o.ev, "seq");
	snprintf(want, sizeof(want), "/%s", cg);
	EXPECT_STREQ(want, ou_str(o.ev, "victim.memcg"));
	EXPECT_EQ(0, ou_cli_run(&out, "events --json"));
	EXPECT_EQ(NULL, strstr(out, "\"identity\"")) TH_LOG("%s", out);
	free(out);
	EXPECT_EQ(0, ou_cli_run(&out, "explain %lld", seq));
	unwrapped(out);
	EXPECT_EQ(NULL, strstr(out, "(container")) TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "(pod")) TH_LOG("%s", out);
	free(out);
	EXPECT_EQ(0, ou_cli_run(&out, "events"));
	EXPECT_EQ(NULL, strstr(out, "  identity ")) TH_LOG("%s", out);
	free(out);
	ou_oom_free(&o);
	remove_tree(cg);
}

/* The candidate of pid @pid in @ev's candidates, and its index; NULL: none. */
static json_object *cand_of(json_object *ev, pid_t pid, size_t *at)
{
	json_object *arr = ou_get(ev, "candidates");
	size_t i;

	for (i = 0; arr && i < json_object_array_length(arr); i++) {
		json_object *c = json_object_array_get_idx(arr, i);

		if (ou_int(c, "pid") == pid) {
			*at = i;
			return c;
		}
	}
	return NULL;
}

/* @pid's cgroup v2 path as the kernel shows it in /proc/PID/cgroup. */
static char *proc_cgroup(pid_t pid)
{
	char p[64], *s, *at, *nl;

	snprintf(p, sizeof(p), "/proc/%d/cgroup", pid);
	s = ou_read(p);
	at = s ? strstr(s, "0::") : NULL;
	if (!at) {
		free(s);
		return NULL;
	}
	memmove(s, at + 3, strlen(at + 3) + 1);
	nl = strchr(s, '\n');
	if (nl)
		*nl = '\0';
	return s;
}

/*
 * A pod at its limit with two containers (burstable, systemd driver):
 * each candidate carries its own container's cgroup path, the one the
 * kernel shows in /proc/PID/cgroup (read while the holder lives), the
 * victim's from the event's table and the other one looked up, and the
 * CLI names each candidate's container (identity.candidates.N, the text
 * view's identity lines, explain's runner-up).
 */
TEST_F(quiet, pod_candidates_named)
{
#define POD "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice"
#define CID2 "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d"
	const char *a = POD "/cri-containerd-" CID ".scope";
	const char *b = POD "/cri-containerd-" CID2 ".scope";
	char want[512], label[64], *out, *kernel_says;
	json_object *c, *line;
	struct ou_oom o;
	size_t at, bt;
	pid_t holder;
	long long seq;

	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	ASSERT_EQ(0, ou_load(""));
	ASSERT_EQ(0, make_tree(a));
	ASSERT_EQ(0, make_tree(b));
	ASSERT_EQ(0, set_max(POD, "32M"));
	holder = ou_spawn_holder(a, "db", 8, 0);
	ASSERT_LT(0, holder);
	kernel_says = proc_cgroup(holder);
	ASSERT_NE(NULL, kernel_says);
	snprintf(want, sizeof(want), "/%s", a);
	ASSERT_STREQ(want, kernel_says);
	ASSERT_EQ(0, ou_oom_hog(&o, b, NULL, "hog"));
	seq = ou_int(o.ev, "seq");

	/* the module: each candidate's own path, the holder's as the kernel's */
	c = cand_of(o.ev, holder, &at);
	ASSERT_NE(NULL, c) TH_LOG("the holder %d is no candidate", holder);
	EXPECT_STREQ(kernel_says, ou_str(c, "memcg"));
	EXPECT_STREQ("false", json_object_to_json_string(ou_get(c, "memcg_truncated")));
	c = cand_of(o.ev, o.victim, &bt);
	ASSERT_NE(NULL, c) TH_LOG("the victim %d is no candidate", o.victim);
	snprintf(want, sizeof(want), "/%s", b);
	EXPECT_STREQ(want, ou_str(c, "memcg"));
	EXPECT_STREQ(want, ou_str(o.ev, "victim.memcg"));

	/* the CLI: identity.candidates.N, the text view, explain */
	EXPECT_EQ(0, ou_cli_run(&out, "events --json"));
	line = json_line(out, seq);
	ASSERT_NE(NULL, line);
	snprintf(label, sizeof(label), "candidates.%zu", at);
	{
		json_object *ids = ou_get(line, "identity.candidates");
		json_object *id = ids ? json_object_array_get_idx(ids, at) : NULL;

		ASSERT_NE(NULL, id) TH_LOG("no identity for %s in:\n%s", label, out);
		EXPECT_STREQ("containerd", ou_str(id, "runtime"));
		EXPECT_STREQ(CID, ou_str(id, "container_id"));
		EXPECT_STREQ(UID, ou_str(id, "pod_uid"));
		EXPECT_STREQ("burstable", ou_str(id, "qos"));
		id = ids ? json_object_array_get_idx(ids, bt) : NULL;
		ASSERT_NE(NULL, id);
		EXPECT_STREQ(CID2, ou_str(id, "container_id"));
	}
	json_object_put(line);
	free(out);
	EXPECT_EQ(0, ou_cli_run(&out, "events"));
	snprintf(want, sizeof(want), "  identity %s runtime=containerd container=%s pod=%s qos=burstable",
		 label, CID, UID);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("no '%s' in:\n%s", want, out);
	free(out);
	EXPECT_EQ(0, ou_cli_run(&out, "explain %lld", seq));
	unwrapped(out);
	snprintf(want, sizeof(want), "in cgroup %s (container 3f0a1b2c3d4e (containerd) of pod %s (burstable))",
		 kernel_says, UID);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("no '%s' in:\n%s", want, out);
	free(out);

	free(kernel_says);
	ou_oom_free(&o);
	ou_kill_wait(&holder, 1);
	remove_tree(a);
	remove_tree(b);
#undef POD
#undef CID2
}

/*
 * Command lines (issue 17 item 3).  The argument area as the test built
 * it: @args joined by NULs, cut at the record's 1024 bytes; the record's
 * argv must be exactly its pieces, argv_truncated set when it was cut.
 */
#define ARGV_LEN 1024

static int check_argv(struct __test_metadata *_metadata, json_object *ev,
		      const char *who, char *const *args)
{
	char area[8192], path[64];
	size_t len = 0, i, n, k;
	json_object *a, *e;
	const char *p;
	int bad = 0;
	bool cut;

	for (i = 0; args[i]; i++) {
		n = strlen(args[i]) + 1;
		if (len + n > sizeof(area))
			break;
		memcpy(area + len, args[i], n);
		len += n;
	}
	snprintf(path, sizeof(path), "%s.argv_state", who);
	if (strcmp(ou_str(ev, path), "ok")) {
		TH_LOG("%s: '%s'", path, ou_str(ev, path));
		return 1;
	}
	snprintf(path, sizeof(path), "%s.argv_truncated", who);
	e = ou_get(ev, path);
	cut = len > ARGV_LEN;
	if (!e || json_object_get_boolean(e) != cut) {
		TH_LOG("%s: %s for an area of %zu bytes", path,
		       e ? json_object_to_json_string(e) : "null", len);
		bad++;
	}
	if (len > ARGV_LEN)
		len = ARGV_LEN;
	snprintf(path, sizeof(path), "%s.argv", who);
	a = ou_get(ev, path);
	if (!a || !json_object_is_type(a, json_type_array)) {
		TH_LOG("%s is not a list", path);
		return bad + 1;
	}
	for (p = area, k = 0; p < area + len; k++) {
		const char *nul = memchr(p, '\0', area + len - p);
		size_t want = nul ? (size_t)(nul - p) : (size_t)(area + len - p);

		e = json_object_array_get_idx(a, k);
		if (!e || (size_t)json_object_get_string_len(e) != want ||
		    memcmp(json_object_get_string(e), p, want)) {
			TH_LOG("%s.%zu: '%s', expected %zu bytes '%.*s'", path, k,
			       e ? json_object_get_string(e) : "(none)", want, (int)want, p);
			bad++;
		}
		p += want + 1;
	}
	if (json_object_array_length(a) != k) {
		TH_LOG("%s: %zu arguments, expected %zu", path, json_object_array_length(a), k);
		bad++;
	}
	return bad;
}

/* fork, join @cg, oom_score_adj @adj, exec the hog with @args */
static pid_t spawn_args(const char *cg, int adj, char *const *args)
{
	pid_t pid = fork();

	if (pid == 0) {
		char a[16];
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0)
			dup2(fd, 1);
		snprintf(a, sizeof(a), "%d", adj);
		ou_write("/proc/self/oom_score_adj", a);
		if (ou_cg_enter(cg, getpid()))
			_exit(126);
		execv(OU_HOG, args);
		_exit(127);
	}
	return pid;
}

/*
 * The victim is the trigger (it ran out in its own memcg): its argv is
 * read on the OOM path.  Spaces, quotes, control bytes, and a 5000-byte
 * argument (the record keeps 1024 bytes and says it cut them); the text
 * view escapes them; exe is the file the hog runs.
 */
TEST_F(quiet, argv_trigger_victim)
{
	static char big[5001];
	static char * const args[] = {
		"oomsnap_hog", "0", "4", "0", "with space", "q\"uo'te",
		"ctl\001\033\177", "", big, NULL,
	};
	long long read0, tread0;
	struct ou_oom o;
	char *out;

	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	memset(big, 'x', sizeof(big) - 1);
	ASSERT_EQ(0, ou_load(""));
	read0 = ou_stat("argv_victim_read");
	tread0 = ou_stat("argv_trigger_read");
	ASSERT_EQ(0, ou_cg_create("argv_t", "32M"));
	ASSERT_EQ(0, ou_oom_wait(&o, spawn_args("argv_t", 0, args)));
	EXPECT_EQ(o.victim, ou_int(o.ev, "trigger.pid"));
	EXPECT_EQ(0, check_argv(_metadata, o.ev, "victim", args));
	EXPECT_EQ(0, check_argv(_metadata, o.ev, "trigger", args));
	EXPECT_STREQ("/selftests/oomsnap_hog", ou_str(o.ev, "victim.exe"));
	EXPECT_STREQ("/selftests/oomsnap_hog", ou_str(o.ev, "trigger.exe"));
	EXPECT_EQ(read0 + 1, ou_stat("argv_victim_read"));
	EXPECT_EQ(tread0 + 1, ou_stat("argv_trigger_read"));
	/* the text view: one space-free field, ',' between the arguments */
	out = ou_read(ou_path("events"));
	ASSERT_NE(NULL, out);
	EXPECT_NE(NULL, strstr(out, " argv=oomsnap_hog,0,4,0,with\\040space,q\\042uo'te,ctl\\001\\033\\177,\"\",xxxx"))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, " argv-truncated=true argv-state=ok")) TH_LOG("%s", out);
	free(out);
	ou_oom_free(&o);
	ou_cg_remove("argv_t");
}

#define CAPBIT(c) (1ULL << (c))

/* Every capability this kernel knows (its cap_last_cap, not the headers'). */
static unsigned long long all_caps(void)
{
	char *s = ou_read("/proc/sys/kernel/cap_last_cap");
	int last = s ? atoi(s) : CAP_LAST_CAP;

	free(s);
	return (1ULL << (last + 1)) - 1;
}

/*
 * Fork a reader that keeps only the capabilities @keep (uid 0, as a
 * container's root whose capabilities were dropped) and has opened @path
 * when this returns.  It copies to *@out what it reads: the whole file,
 * or the stream's first line.  Returns its pid, or -1.
 */
static pid_t reader_as(unsigned long long keep, const char *path, int *out)
{
	int data[2], ready[2];
	pid_t pid;
	char c;

	if (pipe(data) || pipe(ready))
		return -1;
	pid = fork();
	if (pid == 0) {
		static char buf[256 << 10];
		ssize_t n;
		int fd;

		close(data[0]);
		close(ready[0]);
		if (ou_caps_set(keep))
			_exit(100);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			_exit(101);
		if (write(ready[1], "r", 1) != 1)
			_exit(102);
		if (strstr(path, "stream")) {
			n = ou_read_line(fd, buf, sizeof(buf), 120000);
			_exit(n > 0 && write(data[1], buf, n) == n ? 0 : 103);
		}
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (write(data[1], buf, n) != n)
				_exit(104);
		_exit(n ? 105 : 0);
	}
	close(data[1]);
	close(ready[1]);
	if (pid < 0 || read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		close(data[0]);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		return -1;
	}
	close(ready[0]);
	*out = data[0];
	return pid;
}

/* What reader_as()'s @pid read from @fd, NULL if it failed. */
static char *reader_end(pid_t pid, int fd)
{
	size_t len = 0, size = 1 << 16;
	char *buf = malloc(size);
	ssize_t n;
	int st;

	while (buf && (n = read(fd, buf + len, size - 1 - len)) > 0) {
		len += n;
		if (len == size - 1)
			buf = realloc(buf, size *= 2);
	}
	close(fd);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) ||
	    !buf) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

/* The whole of @name as read by a reader keeping @keep. */
static char *read_as(unsigned long long keep, const char *name)
{
	int fd;
	pid_t pid = reader_as(keep, ou_path(name), &fd);

	return pid < 0 ? NULL : reader_end(pid, fd);
}

/*
 * Who sees argv and exe (interface 2.1): the kernel shows another
 * process's /proc/PID/exe, and its cmdline under hidepid, only to a reader
 * with ptrace access; of any process, CAP_SYS_PTRACE.  A reader with
 * CAP_SYSLOG only, or with every capability but CAP_SYS_PTRACE, reads the
 * records but argv, exe and argv_truncated null and argv_state "hidden"
 * in events.json, events and the stream (opened before the OOM, so the
 * opener's credentials count, not the reader's at read time); with
 * CAP_SYS_PTRACE as well it sees them.  Before the fix the argument and
 * the executable showed to every reader of the records.
 */
TEST_F(quiet, argv_hidden_without_ptrace)
{
	static char * const args[] = {
		"oomsnap_hog", "0", "4", "0", "argv-secret-4711", NULL,
	};
	const unsigned long long syslog = CAPBIT(CAP_SYSLOG);
	const unsigned long long ptrace = CAPBIT(CAP_SYS_PTRACE);
	const unsigned long long keeps[] = { syslog, all_caps() & ~ptrace };
	const char *secret = "argv-secret-4711", *exe = "/selftests/oomsnap_hog";
	int sfd[2];
	pid_t spid[2];
	struct ou_oom o;
	unsigned int i;
	char *out;

	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	ASSERT_EQ(0, ou_load(""));
	for (i = 0; i < 2; i++) {
		spid[i] = reader_as(keeps[i], ou_path("stream"), &sfd[i]);
		ASSERT_LT(0, spid[i]);
	}
	ASSERT_EQ(0, ou_cg_create("argv_h", "32M"));
	ASSERT_EQ(0, ou_oom_wait(&o, spawn_args("argv_h", 0, args)));
	/* full capabilities: the record as captured */
	EXPECT_EQ(0, check_argv(_metadata, o.ev, "victim", args));
	EXPECT_STREQ(exe, ou_str(o.ev, "victim.exe"));

	for (i = 0; i < 2; i++) {
		const char *what[] = { "stream", "events.json", "events" };
		unsigned int k;

		for (k = 0; k < 3; k++) {
			out = k ? read_as(keeps[i], what[k]) : reader_end(spid[i], sfd[i]);
			ASSERT_NE(NULL, out) TH_LOG("caps %#llx: %s not read", keeps[i], what[k]);
			EXPECT_EQ(NULL, strstr(out, secret))
				TH_LOG("caps %#llx: %s shows argv: %s", keeps[i], what[k], out);
			EXPECT_EQ(NULL, strstr(out, exe))
				TH_LOG("caps %#llx: %s shows exe: %s", keeps[i], what[k], out);
			if (k == 2) {
				EXPECT_NE(NULL, strstr(out, " exe=null argv=null argv-truncated=null argv-state=hidden"))
					TH_LOG("%s", out);
				EXPECT_EQ(NULL, strstr(out, "argv-state=ok")) TH_LOG("%s", out);
			} else {
				EXPECT_NE(NULL, strstr(out, "\"exe\":null,\"argv\":null,\"argv_truncated\":null,\"argv_state\":\"hidden\""))
					TH_LOG("%s", out);
				EXPECT_EQ(NULL, strstr(out, "\"argv_state\":\"ok\"")) TH_LOG("%s", out);
			}
			free(out);
		}
	}
	/* CAP_SYSLOG with CAP_SYS_PTRACE: shown */
	out = read_as(syslog | ptrace, "events.json");
	ASSERT_NE(NULL, out);
	EXPECT_NE(NULL, strstr(out, secret)) TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "\"hidden\"")) TH_LOG("%s", out);
	free(out);
	ou_oom_free(&o);
	ou_cg_remove("argv_h");
}

/*
 * The victim is not the trigger: a sleeping holder at oom_score_adj 1000
 * is chosen while another hog allocates.  Its memory is not current's on
 * the OOM path; it is read in its own context as it takes the SIGKILL,
 * racing the OOM reaper.  Either it was still there and argv is exactly
 * the holder's, or it was gone and argv is null with argv_state "fault":
 * never pending once the victim has exited, never another's, and one of
 * the two counters says which (the measurement: printed).
 */
TEST_F(quiet, argv_victim_own_context)
{
	static char * const hold[] = { "oomsnap_hog", "24", "4", "0", "holder arg", NULL };
	static char * const trig[] = { "oomsnap_hog", "20", "4", "0", "trigger", NULL };
	long long late0, fault0, late, fault;
	pid_t holder, hog;
	struct ou_oom o;
	const char *state;

	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	ASSERT_EQ(0, ou_load(""));
	late0 = ou_stat("argv_victim_late_read");
	fault0 = ou_stat("argv_victim_late_fault");
	ASSERT_EQ(0, ou_cg_create("argv_v", "40M"));
	holder = spawn_args("argv_v", 1000, hold);
	ASSERT_LT(0, holder);
	ASSERT_EQ(0, ou_wait_asleep(holder, "oomsnap_hog", 24 << 10, 60000));
	hog = spawn_args("argv_v", 0, trig);
	ASSERT_LT(0, hog);
	ASSERT_EQ(0, ou_oom_wait(&o, holder));
	EXPECT_EQ(hog, ou_int(o.ev, "trigger.pid"));
	EXPECT_EQ(0, check_argv(_metadata, o.ev, "trigger", trig));
	state = ou_str(o.ev, "victim.argv_state");
	late = ou_stat("argv_victim_late_read") - late0;
	fault = ou_stat("argv_victim_late_fault") - fault0;
	printf("# victim argv in its own context: %s (late_read +%lld, late_fault +%lld)\n",
	       state, late, fault);
	EXPECT_EQ(1, late + fault);
	if (!strcmp(state, "ok")) {
		EXPECT_EQ(1, late);
		EXPECT_EQ(0, check_argv(_metadata, o.ev, "victim", hold));
	} else {
		EXPECT_STREQ("fault", state);
		EXPECT_EQ(1, fault);
		EXPECT_TRUE(!ou_get(o.ev, "victim.argv"));
	}
	EXPECT_STREQ("/selftests/oomsnap_hog", ou_str(o.ev, "victim.exe"));
	ou_oom_free(&o);
	ou_kill_wait(&hog, 1);
	ou_cg_remove("argv_v");
}

static void *idle_thread(void *unused)
{
	for (;;)
		pause();
	return NULL;
}

/*
 * A traced process of two threads holding 24 MB at oom_score_adj 1000
 * calls exit_group(): the kernel sets SIGNAL_GROUP_EXIT and stops it at
 * PTRACE_EVENT_EXIT, before it drops its memory.  A hog in its memcg runs
 * out: the kernel chooses it and, as it is exiting (task_will_free_mem()),
 * only marks it and lets the reaper free its memory; no SIGKILL is sent,
 * so its argv cannot be read in its own context: "none" (and counted in
 * argv_victim_missed) at once, and still after it exits.  It stayed
 * "pending" for good before.
 */
TEST_F(quiet, argv_victim_exiting)
{
	static char * const trig[] = { "oomsnap_hog", "16", "4", "0", "trigger", NULL };
	json_object **v = NULL, *ev = NULL;
	long long missed0;
	pid_t tracee, hog;
	int st, n = 0, i;

	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	ASSERT_EQ(0, ou_load(""));
	ASSERT_EQ(0, ou_cg_create("argv_x", "32M"));
	tracee = fork();
	if (!tracee) {
		pthread_t th;
		char *p;

		ou_write("/proc/self/oom_score_adj", "1000");
		if (ou_cg_enter("argv_x", getpid()) ||
		    ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			_exit(126);
		raise(SIGSTOP);
		p = mmap(NULL, 24 << 20, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(125);
		memset(p, 1, 24 << 20);
		/* a second thread: exit_group() sets SIGNAL_GROUP_EXIT on 5.10 too */
		if (pthread_create(&th, NULL, idle_thread, NULL))
			_exit(124);
		syscall(SYS_exit_group, 0);
		_exit(123);
	}
	ASSERT_LT(0, tracee);
	ASSERT_EQ(tracee, waitpid(tracee, &st, __WALL));
	ASSERT_TRUE(WIFSTOPPED(st));
	ASSERT_EQ(0, ptrace(PTRACE_SETOPTIONS, tracee, NULL,
			    (void *)PTRACE_O_TRACEEXIT));
	ASSERT_EQ(0, ptrace(PTRACE_CONT, tracee, NULL, NULL));
	ASSERT_EQ(tracee, waitpid(tracee, &st, __WALL));
	ASSERT_TRUE(WIFSTOPPED(st));
	ASSERT_EQ(SIGTRAP | (PTRACE_EVENT_EXIT << 8), st >> 8);
	missed0 = ou_stat("argv_victim_missed");
	hog = spawn_args("argv_x", 0, trig);
	ASSERT_LT(0, hog);
	for (i = 0; i < 300 && !ev; i++) {
		usleep(100000);
		if (v)
			ou_events_free(v, n);
		v = ou_events(&n);
		ev = v ? ou_event_by_victim(v, n, tracee) : NULL;
	}
	ASSERT_NE(NULL, ev) TH_LOG("no event with victim %d", tracee);
	printf("# exiting victim: outcome %s, argv_state %s\n",
	       ou_str(ev, "outcome"), ou_str(ev, "victim.argv_state"));
	EXPECT_STREQ("current_exiting", ou_str(ev, "outcome"));
	EXPECT_STREQ("none", ou_str(ev, "victim.argv_state"));
	EXPECT_EQ(1, ou_is_null(ou_get(ev, "victim"), "argv"));
	EXPECT_EQ(missed0 + 1, ou_stat("argv_victim_missed"));
	ou_events_free(v, n);
	/* let it exit: its record does not change */
	ASSERT_EQ(0, ptrace(PTRACE_CONT, tracee, NULL, NULL));
	ASSERT_EQ(tracee, waitpid(tracee, &st, __WALL));
	v = ou_events(&n);
	ASSERT_NE(NULL, v);
	ev = ou_event_by_victim(v, n, tracee);
	ASSERT_NE(NULL, ev);
	EXPECT_STREQ("none", ou_str(ev, "victim.argv_state"));
	ou_events_free(v, n);
	ou_kill_wait(&hog, 1);
	ou_cg_remove("argv_x");
}

/*
 * A page of the argument area not present: the process points its
 * argument area (prctl PR_SET_MM) at a page of its own and drops it
 * (MADV_DONTNEED), then runs out of memory in its memcg.  The OOM path
 * may not fault it back in: argv is null with argv_state "fault", never
 * a guess, and argv_trigger_fault and argv_victim_fault count it.
 */
TEST_F(quiet, argv_not_present)
{
	long long tf0, vf0;
	long page = sysconf(_SC_PAGESIZE);
	struct ou_oom o;
	pid_t pid;
	int st;

	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	ASSERT_EQ(0, ou_load(""));
	tf0 = ou_stat("argv_trigger_fault");
	vf0 = ou_stat("argv_victim_fault");
	ASSERT_EQ(0, ou_cg_create("argv_f", "32M"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char *a = mmap(NULL, page, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (a == MAP_FAILED || ou_cg_enter("argv_f", getpid()))
			_exit(2);
		memcpy(a, "faulty\0arg", 11);
		if (prctl(PR_SET_MM, PR_SET_MM_ARG_START, (unsigned long)a, 0, 0) ||
		    prctl(PR_SET_MM, PR_SET_MM_ARG_END, (unsigned long)a + 11, 0, 0))
			_exit(3);
		madvise(a, page, MADV_DONTNEED);
		for (;;) {
			char *m = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (m != MAP_FAILED)
				memset(m, 1, 4 << 20);
		}
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 3) {
		ou_cg_remove("argv_f");
		SKIP(return, "prctl(PR_SET_MM) refused");
	}
	ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	ASSERT_EQ(0, ou_wait_event_of(pid, 10000));
	ASSERT_EQ(0, ou_oom_events(&o, pid));
	EXPECT_EQ(pid, ou_int(o.ev, "trigger.pid"));
	EXPECT_STREQ("fault", ou_str(o.ev, "trigger.argv_state"));
	EXPECT_STREQ("fault", ou_str(o.ev, "victim.argv_state"));
	EXPECT_TRUE(!ou_get(o.ev, "trigger.argv"));
	EXPECT_TRUE(!ou_get(o.ev, "victim.argv"));
	EXPECT_TRUE(!ou_get(o.ev, "victim.argv_truncated"));
	EXPECT_STREQ("/selftests/oomsnap_ident_test", ou_str(o.ev, "victim.exe"));
	EXPECT_EQ(tf0 + 1, ou_stat("argv_trigger_fault"));
	EXPECT_EQ(vf0 + 1, ou_stat("argv_victim_fault"));
	ou_oom_free(&o);
	ou_cg_remove("argv_f");
}

TEST_HARNESS_MAIN
