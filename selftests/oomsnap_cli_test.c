// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap_cli_test: the oomsnap CLI (tools/oomsnap, static) against real
 * OOM events: every subcommand, its errors and exit codes, `watch
 * --timeout` with and without an OOM, and `explain` naming the right
 * cause and victim for memcg_limit,
 * ancestor_memcg_limit, system_memory, sysrq and the oom_score_adj 1000
 * scenario.
 *
 * The metrics test also prints `oomsnap metrics` between the lines
 * OOMSNAP-METRICS-BEGIN and OOMSNAP-METRICS-END, each line prefixed with
 * "oomsnap-metrics| ", for the host to check with promtool
 * (scripts/promtool-check.sh, run by scripts/vm.sh).
 *
 * The CLI is $OOMSNAP_CLI (default /bin/oomsnap, built and copied in by
 * vm.sh).  Its output on recorded events is checked on the host too
 * (make check-cli).
 */
#include <time.h>

#include "kselftest_harness.h"
#include "oomsnap_util.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* explain SEQ names @cause and @victim. */
static void check_explain(struct __test_metadata *_metadata, long long seq,
			  const char *cause, pid_t victim)
{
	char *out, want[64];
	int rc;

	rc = ou_cli_run(&out, "explain %lld", seq);
	EXPECT_EQ(0, rc);
	snprintf(want, sizeof(want), "): %s (", cause);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("no cause %s in:\n%s", cause, out);
	snprintf(want, sizeof(want), "Who was killed: pid %d (", victim);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("no victim %d in:\n%s", victim, out);
	EXPECT_NE(NULL, strstr(out, "What to do:"));
	free(out);
}

TEST(help_and_usage_errors)
{
	static const char * const cmds[] = {
		"status", "events", "last", "watch", "explain", "protect",
		"metrics",
	};
	char *out;
	unsigned int i;

	ASSERT_EQ(0, ou_cli_run(&out, "--help"));
	EXPECT_NE(NULL, strstr(out, "Usage: oomsnap"));
	EXPECT_NE(NULL, strstr(out, "Exit status:"));
	free(out);
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		EXPECT_EQ(0, ou_cli_run(&out, "%s --help", cmds[i]));
		EXPECT_NE(NULL, strstr(out, "Usage: oomsnap")) TH_LOG("%s --help: %s", cmds[i], out);
		free(out);
	}
	EXPECT_EQ(2, ou_cli_run(&out, "frobnicate"));
	EXPECT_NE(NULL, strstr(out, "unknown command"));
	free(out);
	EXPECT_EQ(2, ou_cli_run(&out, "explain 12abc"));
	EXPECT_NE(NULL, strstr(out, "bad SEQ"));
	free(out);
	EXPECT_EQ(2, ou_cli_run(&out, "events --since -1"));
	free(out);
	EXPECT_EQ(2, ou_cli_run(&out, "watch --timeout x"));
	free(out);
	EXPECT_EQ(2, ou_cli_run(&out, "protect add pid=1 adj=5000"));
	EXPECT_NE(NULL, strstr(out, "bad adj"));
	free(out);
}

TEST(not_loaded)
{
	char *out;

	ASSERT_EQ(0, ou_unload());
	EXPECT_EQ(3, ou_cli_run(&out, "status"));
	EXPECT_NE(NULL, strstr(out, "not loaded"));
	free(out);
	EXPECT_EQ(3, ou_cli_run(&out, "events"));
	EXPECT_NE(NULL, strstr(out, "not loaded"));
	free(out);
	EXPECT_EQ(3, ou_cli_run(&out, "watch --timeout 1"));
	free(out);
	EXPECT_EQ(0, ou_cli_run(&out, "metrics"));
	EXPECT_NE(NULL, strstr(out, "\noomsnap_up 0\n"));
	free(out);
}

TEST(not_root)
{
	char *out = NULL;
	pid_t pid;
	int st;

	ASSERT_EQ(0, ou_load(""));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(99);
		_exit(ou_cli_run(&out, "events"));
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(4, WEXITSTATUS(st));
}

TEST(status_events_last_explain_errors)
{
	json_object *o;
	char *out;
	pid_t v1, v2;

	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	ASSERT_EQ(0, ou_load(""));
	EXPECT_EQ(1, ou_cli_run(&out, "last"));	/* nothing yet */
	free(out);
	EXPECT_EQ(0, ou_cli_run(&out, "events"));
	EXPECT_STREQ("", out);
	free(out);
	ASSERT_EQ(0, ou_cg_create("cli_t", "16M"));
	v1 = ou_memcg_oom("cli_t");
	v2 = ou_memcg_oom("cli_t");
	ASSERT_LT(0, v1);
	ASSERT_LT(0, v2);
	ASSERT_EQ(0, ou_wait_events(2, 5000));

	EXPECT_EQ(0, ou_cli_run(&out, "status"));
	EXPECT_NE(NULL, strstr(out, "oomsnap: loaded, files in /sys/kernel/debug/oomsnap"));
	EXPECT_NE(NULL, strstr(out, "hook out_of_memory"));
	EXPECT_NE(NULL, strstr(out, "events: ")) TH_LOG("%s", out);
	free(out);

	EXPECT_EQ(0, ou_cli_run(&out, "events"));
	EXPECT_NE(NULL, strstr(out, "event 1 memcg"));
	EXPECT_NE(NULL, strstr(out, "event 2 memcg"));
	free(out);
	EXPECT_EQ(0, ou_cli_run(&out, "events --since 1"));
	EXPECT_EQ(NULL, strstr(out, "event 1 "));
	EXPECT_NE(NULL, strstr(out, "event 2 memcg"));
	free(out);
	EXPECT_EQ(0, ou_cli_run(&out, "events --json --since 1"));
	o = json_tokener_parse(out);
	ASSERT_NE(NULL, o) TH_LOG("not one JSON line: %s", out);
	EXPECT_EQ(2, ou_int(o, "seq"));
	EXPECT_EQ(v2, ou_int(o, "victim.pid"));
	json_object_put(o);
	free(out);
	EXPECT_EQ(0, ou_cli_run(&out, "last"));
	EXPECT_EQ(out, strstr(out, "event 2 memcg"));
	free(out);
	EXPECT_EQ(0, ou_cli_run(&out, "last --json"));
	EXPECT_EQ(out, strstr(out, "{\"v\":1,\"seq\":2,"));
	free(out);

	/* explain without SEQ: the newest */
	EXPECT_EQ(0, ou_cli_run(&out, "explain"));
	EXPECT_EQ(out, strstr(out, "OOM event 2 at "));
	free(out);
	EXPECT_EQ(1, ou_cli_run(&out, "explain 99"));
	EXPECT_NE(NULL, strstr(out, "event 99 is not retained (retained: 1-")) TH_LOG("%s", out);
	free(out);
	ou_cg_remove("cli_t");
}

TEST(watch_timeout_without_oom)
{
	double t0;
	char *out;

	ASSERT_EQ(0, ou_load(""));
	t0 = now_s();
	EXPECT_EQ(1, ou_cli_run(&out, "watch --timeout 2"));
	EXPECT_NE(NULL, strstr(out, "no OOM event within 2 s")) TH_LOG("%s", out);
	EXPECT_GE(now_s() - t0, 1.9);
	EXPECT_LT(now_s() - t0, 8);
	free(out);
}

TEST(watch_with_oom)
{
	char *out, want[64];
	double t0;
	pid_t child;
	int pfd[2], rc;
	pid_t victim = 0;

	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	ASSERT_EQ(0, ou_load(""));
	ASSERT_EQ(0, ou_cg_create("cli_w", "16M"));
	ASSERT_EQ(0, pipe(pfd));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		pid_t v = -1;

		/* once watch reads the stream */
		if (!ou_wait_stream_open(30000))
			v = ou_memcg_oom("cli_w");
		write(pfd[1], &v, sizeof(v));
		_exit(0);
	}
	t0 = now_s();
	rc = ou_cli_run(&out, "watch --timeout 60 --count 1");
	EXPECT_EQ(0, rc) TH_LOG("%s", out);
	EXPECT_LT(now_s() - t0, 30);	/* it ended with the event */
	read(pfd[0], &victim, sizeof(victim));
	waitpid(child, NULL, 0);
	snprintf(want, sizeof(want), " outcome=killed victim.pid=%d ", victim);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("no '%s' in: %s", want, out);
	EXPECT_NE(NULL, strstr(out, "seq=1 ")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, " cause=memcg_limit ")) TH_LOG("%s", out);
	free(out);
	close(pfd[0]);
	close(pfd[1]);
	ou_cg_remove("cli_w");
}

TEST(explain_memcg_limit)
{
	pid_t v;

	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	ASSERT_EQ(0, ou_load(""));
	ASSERT_EQ(0, ou_cg_create("cli_m", "32M"));
	v = ou_memcg_oom("cli_m");
	ASSERT_LT(0, v);
	ASSERT_EQ(0, ou_wait_events(1, 5000));
	check_explain(_metadata, ou_stat("events_total"), "memcg_limit", v);
	ou_cg_remove("cli_m");
}

TEST(explain_ancestor_memcg_limit)
{
	pid_t sleeper, grower;
	long long seq;
	char *out;

	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	ASSERT_EQ(0, ou_load(""));
	grower = ou_ancestor_oom_start("cli_p", &sleeper);
	ASSERT_LT(0, grower);
	ASSERT_EQ(SIGKILL, ou_wait_killed(grower));
	ASSERT_EQ(0, ou_wait_events(1, 5000));
	seq = ou_stat("events_total");
	check_explain(_metadata, seq, "ancestor_memcg_limit", grower);
	EXPECT_EQ(0, ou_cli_run(&out, "explain %lld", seq));
	EXPECT_NE(NULL, strstr(out, "cgroup /cli_p, an ancestor of the trigger's cgroup /cli_p/b")) TH_LOG("%s", out);
	free(out);
	ou_ancestor_oom_end("cli_p", sleeper, grower);
}

TEST(explain_system_memory)
{
	pid_t v;

	ASSERT_EQ(0, ou_load(""));
	v = ou_spawn_hog(NULL, "bighog", 0, 0);
	ASSERT_EQ(SIGKILL, ou_wait_killed(v));
	ASSERT_EQ(0, ou_wait_events(1, 5000));
	check_explain(_metadata, ou_stat("events_total"), "system_memory", v);
}

TEST(explain_sysrq)
{
	struct ou_oom o;
	long long seq;
	char *out;
	pid_t v;

	if (access("/proc/sysrq-trigger", W_OK))
		SKIP(return, "no /proc/sysrq-trigger");
	ASSERT_EQ(0, ou_load(""));
	ASSERT_EQ(0, ou_oom_sysrq(&o, "sysrqhog", 32));
	seq = ou_int(o.ev, "seq");
	v = o.victim;
	ou_oom_free(&o);
	check_explain(_metadata, seq, "sysrq", v);
	EXPECT_EQ(0, ou_cli_run(&out, "explain %lld", seq));
	EXPECT_NE(NULL, strstr(out, "sysrq-f"));
	free(out);
}

/* Three hogs, one with oom_score_adj 1000: it is named, with a runner-up. */
TEST(explain_score_adj)
{
	pid_t h[4];	/* h[1] the victim, h[3] the grower */
	char *out;

	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	ASSERT_EQ(0, ou_load(""));
	ASSERT_EQ(0, ou_cg_create("cli_three", "80M"));
	h[0] = ou_spawn_holder("cli_three", "test", 20, 0);
	h[1] = ou_spawn_holder("cli_three", "test1", 20, 1000);
	h[2] = ou_spawn_holder("cli_three", "test2", 20, 0);
	ASSERT_LT(0, h[0]);
	ASSERT_LT(0, h[1]);
	ASSERT_LT(0, h[2]);
	h[3] = ou_spawn_hog("cli_three", "grower", 0, 0);
	ASSERT_EQ(SIGKILL, ou_wait_killed(h[1]));
	ASSERT_EQ(0, ou_wait_events(1, 5000));
	check_explain(_metadata, 1, "memcg_limit", h[1]);
	EXPECT_EQ(0, ou_cli_run(&out, "explain 1"));
	EXPECT_NE(NULL, strstr(out, "oom_score_adj of 1000")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "The runner-up was pid ")) TH_LOG("%s", out);
	free(out);
	h[1] = 0;	/* reaped */
	ou_kill_wait(h, 4);
	ou_cg_remove("cli_three");
}

TEST(protect)
{
	char *out, want[64];
	pid_t sleeper;

	ASSERT_EQ(0, ou_load(""));
	sleeper = ou_spawn_holder(NULL, "psleep", 4, 0);
	ASSERT_LT(0, sleeper);
	EXPECT_EQ(0, ou_cli_run(&out, "protect list"));
	EXPECT_NE(NULL, strstr(out, "empty"));
	free(out);
	EXPECT_EQ(0, ou_cli_run(&out, "protect add pid=%d adj=-500", sleeper)) TH_LOG("%s", out);
	free(out);
	EXPECT_EQ(0, ou_cli_run(&out, "protect list"));
	snprintf(want, sizeof(want), "pid=%d adj=-500", sleeper);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	free(out);
	EXPECT_EQ(0, ou_cli_run(&out, "protect add comm=psleep"));
	free(out);
	/* errors, in words */
	EXPECT_EQ(5, ou_cli_run(&out, "protect add pid=999999"));
	EXPECT_NE(NULL, strstr(out, "no such process")) TH_LOG("%s", out);
	free(out);
	EXPECT_EQ(5, ou_cli_run(&out, "protect add cgroup=/no/such/cgroup"));
	EXPECT_NE(NULL, strstr(out, "no such cgroup")) TH_LOG("%s", out);
	free(out);
	EXPECT_EQ(5, ou_cli_run(&out, "protect add comm=averyveryverylongname"));
	EXPECT_NE(NULL, strstr(out, "malformed")) TH_LOG("%s", out);
	free(out);
	EXPECT_EQ(0, ou_cli_run(&out, "protect del pid=%d", sleeper));
	free(out);
	EXPECT_EQ(0, ou_cli_run(&out, "protect list"));
	EXPECT_EQ(NULL, strstr(out, want));
	EXPECT_NE(NULL, strstr(out, "comm=psleep"));
	free(out);
	EXPECT_EQ(0, ou_cli_run(&out, "protect clear"));
	free(out);
	EXPECT_EQ(0, ou_cli_run(&out, "protect list"));
	EXPECT_NE(NULL, strstr(out, "empty"));
	free(out);
	kill(sleeper, SIGKILL);
	waitpid(sleeper, NULL, 0);
}

/* metrics with events present; the output goes to the host's promtool. */
TEST(metrics)
{
	char *out, *line, *save = NULL;

	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	ASSERT_EQ(0, ou_load(""));
	ASSERT_EQ(0, ou_cg_create("cli_x", "16M"));
	ASSERT_LT(0, ou_memcg_oom("cli_x"));
	ASSERT_LT(0, ou_memcg_oom("cli_x"));
	ASSERT_EQ(0, ou_wait_events(2, 5000));
	EXPECT_EQ(0, ou_cli_run(&out, "metrics"));
	EXPECT_NE(NULL, strstr(out, "# TYPE oomsnap_events_total counter\noomsnap_events_total ")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "oomsnap_classified_events_total{cause=\"memcg_limit\"} "));
	EXPECT_NE(NULL, strstr(out, "oomsnap_retained_events{kind=\"memcg\",constraint=\"memcg\",cause=\"memcg_limit\",outcome=\"killed\"} "));
	EXPECT_NE(NULL, strstr(out, "\noomsnap_last_event_timestamp_seconds 1"));
	printf("OOMSNAP-METRICS-BEGIN\n");
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		printf("oomsnap-metrics| %s\n", line);
	printf("OOMSNAP-METRICS-END\n");
	fflush(stdout);
	free(out);
	ou_cg_remove("cli_x");
}

TEST_HARNESS_MAIN
