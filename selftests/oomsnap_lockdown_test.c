// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap_lockdown_test: the files under /proc/oomsnap (procfs=1) work,
 * and keep working under integrity lockdown, where debugfs refuses
 * writable files.
 *
 * A kernel booted with lockdown=integrity refuses an unsigned module, so
 * the module is loaded first and lockdown is raised at run time through
 * securityfs.  Lockdown cannot be lowered again: the guest init runs this
 * test after all others.
 */
#include <sys/mount.h>
#include "kselftest_harness.h"
#include "oomsnap_util.h"

#define LOCKDOWN "/sys/kernel/security/lockdown"

static const struct {
	const char *name;
	mode_t mode;
} files[] = {
	{ "events", 0400 }, { "events.json", 0400 }, { "stats", 0400 },
	{ "protect", 0600 }, { "clear", 0200 }, { "stream", 0400 },
};

TEST(procfs_files)
{
	struct stat st;
	char p[128];
	unsigned int i;

	ASSERT_EQ(0, ou_load("procfs=1"));
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "/proc/oomsnap/%s", files[i].name);
		ASSERT_EQ(0, stat(p, &st)) TH_LOG("%s missing", p);
		EXPECT_EQ(files[i].mode, st.st_mode & 07777) TH_LOG("%s", p);
	}
	ASSERT_EQ(0, ou_write("/proc/oomsnap/protect", "add comm=procfsx adj=-5\n"));
	EXPECT_NE(NULL, strstr(ou_read("/proc/oomsnap/protect"), "comm=procfsx"));
	EXPECT_EQ(0, ou_write("/proc/oomsnap/clear", "1"));
	EXPECT_EQ(0, ou_unload());
	EXPECT_NE(0, access("/proc/oomsnap", F_OK));
}

TEST(integrity_lockdown_uses_procfs)
{
	char *mode, *s;
	json_object *ev;
	pid_t pid;

	if (access(LOCKDOWN, F_OK))
		mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL);
	mode = ou_read(LOCKDOWN);
	if (!mode)
		SKIP(return, "no lockdown LSM (%s)", LOCKDOWN);
	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	ASSERT_EQ(0, ou_load("procfs=1"));
	ASSERT_EQ(0, ou_write(LOCKDOWN, "integrity"));
	free(mode);
	mode = ou_read(LOCKDOWN);
	ASSERT_NE(NULL, strstr(mode, "[integrity]"));

	/* debugfs now refuses writable files: that is why procfs exists */
	EXPECT_EQ(-EPERM, ou_write("/sys/kernel/debug/oomsnap/protect",
				   "add comm=x adj=1\n"));
	/* the procfs files all keep working */
	EXPECT_EQ(0, ou_write("/proc/oomsnap/protect", "add comm=lockedx adj=-7\n"));
	EXPECT_NE(NULL, strstr(ou_read("/proc/oomsnap/protect"), "comm=lockedx"));
	ASSERT_EQ(0, ou_cg_create("lock_t", "16M"));
	pid = ou_spawn_hog("lock_t", "lockhog", 0, 0);
	ASSERT_EQ(SIGKILL, ou_wait_killed(pid));
	s = ou_read("/proc/oomsnap/events.json");
	ASSERT_NE(NULL, s);
	ev = json_tokener_parse(s);
	ASSERT_NE(NULL, ev);
	EXPECT_EQ(pid, ou_int(ev, "victim.pid"));
	EXPECT_STREQ("memcg_limit", ou_str(ev, "cause"));
	json_object_put(ev);
	free(s);
	EXPECT_EQ(0, ou_write("/proc/oomsnap/clear", "1"));
	EXPECT_EQ(0, ou_unload());
	/* an unsigned module cannot be loaded now: auto mode is untestable */
	EXPECT_NE(0, ou_load(""));
	ou_cg_remove("lock_t");
}

TEST_HARNESS_MAIN
