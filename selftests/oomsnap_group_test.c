// SPDX-License-Identifier: GPL-2.0
/*
 * Who was killed, in container-shaped cgroups (docs/interface.md 3.1,
 * cgroup paths): the record's cgroup paths against the kernel's own
 * report.
 *
 *  - kube_path: a memcg OOM in a Kubernetes container's cgroup as the
 *    systemd driver names it (191 bytes): memcg.path, trigger.memcg and
 *    victim.memcg are the whole path, not truncated, and equal the
 *    kernel's "oom_memcg=" and "task_memcg=" in its oom-kill line.
 *  - long_path: a cgroup path of 1,397 bytes, beyond the 1,024 kept: the
 *    record holds its first 1,024 bytes and says it is truncated (the
 *    kernel's own line is cut too, at its 1,024-byte record limit).
 *
 * The kernel does not care which runtime made a directory: the tests make
 * them with mkdir, on cgroup v2.
 */
#include <limits.h>
#include "kselftest_harness.h"
#include "oomsnap_util.h"

#define PATH_KEPT	1024	/* OOMSNAP_PATH_MAX */

#define KUBE_POD	"kubepods-burstable-pod0c2b8c2e_1f3a_4b5c_9d8e_7f6a5b4c3d2e.slice"
#define KUBE_CTR	"cri-containerd-" \
	"3f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8.scope"
#define KUBE_PARENT	"kubepods.slice/kubepods-burstable.slice/" KUBE_POD
#define KUBE		KUBE_PARENT "/" KUBE_CTR

/* The test itself must never be the victim. */
__attribute__((constructor)) static void shield_self(void)
{
	ou_write("/proc/self/oom_score_adj", "-1000");
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/* Write @val to file @file of cgroup @cg (below the root, any length). */
static int cg_write(const char *cg, const char *file, const char *val)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), OU_CGROOT "/%s/%s", cg, file);
	return ou_write(p, val);
}

/*
 * Make every directory of @cg (below the root, components separated by
 * '/'), the memory controller enabled in each for the next.  0 or -errno.
 */
static int cg_mkdirs(const char *cg)
{
	char p[PATH_MAX], ctl[PATH_MAX];
	size_t root = strlen(OU_CGROOT "/"), i;
	int err;

	snprintf(p, sizeof(p), OU_CGROOT "/%s/", cg);
	for (i = root; p[i]; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0755) && errno != EEXIST)
			return -errno;
		if (p[i + 1]) {
			snprintf(ctl, sizeof(ctl), "%s/cgroup.subtree_control", p);
			err = ou_write(ctl, "+memory");
			if (err)
				return err;
		}
		p[i] = '/';
	}
	return 0;
}

/* Remove @cg and its ancestors below the root, deepest first (empty). */
static void cg_rmdirs(const char *cg)
{
	char p[PATH_MAX], *s;

	snprintf(p, sizeof(p), OU_CGROOT "/%s", cg);
	do {
		rmdir(p);
		s = strrchr(p, '/');
		if (s)
			*s = '\0';
	} while (s && strlen(p) > strlen(OU_CGROOT));
}

/*
 * A hog named @comm in cgroup @cg (any length: it joins by itself) at
 * oom_score_adj 0, taking @mb MB (0: without end) and then sleeping.
 */
static pid_t spawn_in(const char *cg, const char *comm, long mb)
{
	pid_t pid = fork();

	if (pid == 0) {
		char me[32], link[128];

		snprintf(me, sizeof(me), "%d", getpid());
		if (cg_write(cg, "cgroup.procs", me))
			_exit(126);
		ou_write("/proc/self/oom_score_adj", "0");
		snprintf(link, sizeof(link), "/tmp/%s", comm);
		symlink(OU_HOG, link);
		ou_exec_hog(link, NULL, mb, 4);
	}
	return pid;
}

/*
 * From the kernel's oom-kill line for @pid ("oom-kill:constraint=...,
 * oom_memcg=P,task_memcg=P,task=...,pid=N,uid=U"), the value of @key
 * ("oom_memcg=") up to the next ','.  0 when found.
 */
static int kmsg_oom_field(pid_t pid, const char *key, char *out, size_t size)
{
	char line[8192], want[64], *p, *e;

	if (ou_kmsg_last("oom-kill:constraint=", line, sizeof(line)))
		return -1;
	snprintf(want, sizeof(want), ",pid=%d,", pid);
	p = strstr(line, key);
	if (!strstr(line, want) || !p)
		return -1;
	p += strlen(key);
	e = strchr(p, ',');
	if (!e)
		return -1;
	snprintf(out, size, "%.*s", (int)(e - p), p);
	return 0;
}

static int is_true(json_object *ev, const char *path)
{
	json_object *b = ou_get(ev, path);

	return b && json_object_is_type(b, json_type_boolean) ?
	       json_object_get_boolean(b) : -1;
}

/* the long path's cgroup, removed by the teardown */
static char deep[PATH_MAX];

FIXTURE(group) {
};

FIXTURE_SETUP(group)
{
	if (!ou_memcg_available())
		SKIP(return, "no memory controller (cgroup v2) in this kernel");
	ou_unload();
	ASSERT_EQ(0, ou_load(NULL));
}

FIXTURE_TEARDOWN(group)
{
	if (deep[0])
		cg_rmdirs(deep);
	cg_rmdirs(KUBE);
	ou_unload();
}

TEST_F_TIMEOUT(group, kube_path, 120)
{
	char want[PATH_MAX], got[PATH_MAX];
	struct ou_oom o;
	pid_t pid;

	snprintf(want, sizeof(want), "/%s", KUBE);
	ASSERT_EQ(0, cg_mkdirs(KUBE));
	ASSERT_EQ(0, cg_write(KUBE, "memory.max", "32M"));
	pid = spawn_in(KUBE, "ctr_hog", 0);
	ASSERT_EQ(0, ou_oom_wait(&o, pid));
	printf("# path of %zu bytes\n", strlen(want));
	EXPECT_STREQ(want, ou_str(o.ev, "memcg.path"));
	EXPECT_STREQ(want, ou_str(o.ev, "trigger.memcg"));
	EXPECT_STREQ(want, ou_str(o.ev, "victim.memcg"));
	EXPECT_EQ(0, is_true(o.ev, "memcg.path_truncated"));
	EXPECT_EQ(0, is_true(o.ev, "trigger.memcg_truncated"));
	EXPECT_EQ(0, is_true(o.ev, "victim.memcg_truncated"));
	/* the kernel's own word */
	ASSERT_EQ(0, kmsg_oom_field(pid, ",oom_memcg=", got, sizeof(got)));
	EXPECT_STREQ(got, ou_str(o.ev, "memcg.path"));
	ASSERT_EQ(0, kmsg_oom_field(pid, ",task_memcg=", got, sizeof(got)));
	EXPECT_STREQ(got, ou_str(o.ev, "victim.memcg"));
	ou_oom_free(&o);
}

TEST_F_TIMEOUT(group, long_path, 120)
{
	char *cg = deep, want[PATH_MAX], name[256];
	struct ou_oom o;
	size_t len;
	pid_t pid;
	int i;

	/* the pod's cgroup, then six levels of 200-byte names below it */
	snprintf(cg, sizeof(deep), "%s", KUBE);
	for (i = 0; i < 6; i++) {
		memset(name, 'a' + i, 200);
		name[200] = '\0';
		len = strlen(cg);
		snprintf(cg + len, sizeof(deep) - len, "/%s", name);
	}
	snprintf(want, sizeof(want), "/%s", cg);
	ASSERT_GT(strlen(want), PATH_KEPT);
	ASSERT_EQ(0, cg_mkdirs(cg));
	ASSERT_EQ(0, cg_write(cg, "memory.max", "32M"));
	pid = spawn_in(cg, "deep_hog", 0);
	ASSERT_EQ(0, ou_oom_wait(&o, pid));
	printf("# path of %zu bytes\n", strlen(want));
	want[PATH_KEPT] = '\0';
	EXPECT_STREQ(want, ou_str(o.ev, "memcg.path"));
	EXPECT_STREQ(want, ou_str(o.ev, "trigger.memcg"));
	EXPECT_STREQ(want, ou_str(o.ev, "victim.memcg"));
	EXPECT_EQ(1, is_true(o.ev, "memcg.path_truncated"));
	EXPECT_EQ(1, is_true(o.ev, "trigger.memcg_truncated"));
	EXPECT_EQ(1, is_true(o.ev, "victim.memcg_truncated"));
	ou_oom_free(&o);
}

TEST_HARNESS_MAIN
