// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap_load_test: the module loads and unloads cleanly, creates its
 * debugfs files with the modes of interface section 2, keeps them root-only,
 * and refuses bad module parameters.
 *
 * Needs root.  The module is taken from $OOMSNAP_KO (default
 * /oomsnap/oomsnap.ko) and loaded with finit_module(2).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define MOD_NAME	"oomsnap"
#define MOD_SYSFS	"/sys/module/" MOD_NAME
#define DEBUGFS		"/sys/kernel/debug"
#define OOMSNAP_DIR	DEBUGFS "/oomsnap"
#define DEBUGFS_MAGIC_NR 0x64626720
#define NOBODY		65534

static const char *ko_path(void)
{
	const char *p = getenv("OOMSNAP_KO");

	return p && *p ? p : "/oomsnap/oomsnap.ko";
}

static int mod_loaded(void)
{
	return access(MOD_SYSFS, F_OK) == 0;
}

/* finit_module(2) with @params; returns 0 or -errno. */
static int mod_load(const char *params)
{
	int fd, ret, err = 0;

	fd = open(ko_path(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0);
	if (ret)
		err = -errno;
	close(fd);
	return err;
}

/* delete_module(2); returns 0 or -errno. */
static int mod_unload(void)
{
	if (syscall(SYS_delete_module, MOD_NAME, O_NONBLOCK))
		return -errno;
	return 0;
}

static int debugfs_mounted(void)
{
	struct statfs st;

	return statfs(DEBUGFS, &st) == 0 && st.f_type == DEBUGFS_MAGIC_NR;
}

static const struct {
	const char *name;
	mode_t mode;
	int flags;	/* how root would open it */
} files[] = {
	{ "events",	 0400, O_RDONLY },
	{ "events.json", 0400, O_RDONLY },
	{ "stream",	 0400, O_RDONLY | O_NONBLOCK },
	{ "stats",	 0400, O_RDONLY },
	{ "protect",	 0600, O_RDWR },
	{ "clear",	 0200, O_WRONLY },
};

#define NFILES (sizeof(files) / sizeof(files[0]))

/* Every test starts with the module unloaded and leaves it unloaded. */
static void start_unloaded(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, geteuid()) TH_LOG("must run as root");
	if (mod_loaded())
		ASSERT_EQ(0, mod_unload()) TH_LOG("stale module could not be unloaded");
	ASSERT_EQ(0, access(ko_path(), R_OK)) TH_LOG("%s: %s", ko_path(), strerror(errno));
}

FIXTURE(mod) {
	int loaded_by_us;
};

FIXTURE_SETUP(mod)
{
	start_unloaded(_metadata);
}

FIXTURE_TEARDOWN(mod)
{
	if (mod_loaded())
		EXPECT_EQ(0, mod_unload());
}

TEST_F_TIMEOUT(mod, load_unload_20_times, 300)
{
	int i, ret;

	for (i = 0; i < 20; i++) {
		ret = mod_load("");
		ASSERT_EQ(0, ret) TH_LOG("load %d: %s", i + 1, strerror(-ret));
		ASSERT_TRUE(mod_loaded()) TH_LOG("load %d: %s missing", i + 1, MOD_SYSFS);
		ret = mod_unload();
		ASSERT_EQ(0, ret) TH_LOG("unload %d: %s", i + 1, strerror(-ret));
		ASSERT_FALSE(mod_loaded()) TH_LOG("unload %d: %s still there", i + 1, MOD_SYSFS);
		if (debugfs_mounted())
			ASSERT_NE(0, access(OOMSNAP_DIR, F_OK))
				TH_LOG("unload %d: %s left behind", i + 1, OOMSNAP_DIR);
	}
}

TEST_F(mod, debugfs_files_and_modes)
{
	char path[256];
	struct stat st;
	size_t i;
	int ret;

	if (!debugfs_mounted())
		SKIP(return, "debugfs is not mounted at " DEBUGFS);
	ret = mod_load("");
	ASSERT_EQ(0, ret) TH_LOG("load: %s", strerror(-ret));
	ASSERT_EQ(0, stat(OOMSNAP_DIR, &st)) TH_LOG("%s: %s", OOMSNAP_DIR, strerror(errno));
	ASSERT_TRUE(S_ISDIR(st.st_mode));

	for (i = 0; i < NFILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", OOMSNAP_DIR, files[i].name);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %s", path, strerror(errno));
		EXPECT_TRUE(S_ISREG(st.st_mode)) TH_LOG("%s is not a regular file", path);
		EXPECT_EQ(files[i].mode, st.st_mode & 07777)
			TH_LOG("%s: mode %04o, want %04o", path,
			       st.st_mode & 07777, files[i].mode);
		EXPECT_EQ(0, st.st_uid) TH_LOG("%s: owner uid %u", path, st.st_uid);
	}
}

TEST_F(mod, root_can_open_files)
{
	char path[256];
	size_t i;
	int fd, ret;

	if (!debugfs_mounted())
		SKIP(return, "debugfs is not mounted at " DEBUGFS);
	ret = mod_load("");
	ASSERT_EQ(0, ret) TH_LOG("load: %s", strerror(-ret));
	for (i = 0; i < NFILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", OOMSNAP_DIR, files[i].name);
		fd = open(path, files[i].flags | O_CLOEXEC);
		EXPECT_LE(0, fd) TH_LOG("root: open %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
}

TEST_F(mod, non_root_cannot_open)
{
	static const int modes[] = { O_RDONLY, O_WRONLY, O_RDWR };
	char path[256];
	int status;
	pid_t pid;
	size_t i, m;

	if (!debugfs_mounted())
		SKIP(return, "debugfs is not mounted at " DEBUGFS);
	ASSERT_EQ(0, mod_load(""));
	ASSERT_EQ(0, access(OOMSNAP_DIR, F_OK));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int bad = 0;

		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY)) {
			fprintf(stderr, "# cannot drop to uid %d: %s\n", NOBODY, strerror(errno));
			_exit(100);
		}
		for (i = 0; i < NFILES; i++) {
			for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
				int fd;

				snprintf(path, sizeof(path), "%s/%s", OOMSNAP_DIR, files[i].name);
				fd = open(path, modes[m] | O_NONBLOCK | O_CLOEXEC);
				if (fd >= 0) {
					fprintf(stderr, "# uid %d opened %s (flags 0x%x)\n",
						NOBODY, path, modes[m]);
					close(fd);
					bad++;
				} else if (errno != EACCES && errno != EPERM) {
					fprintf(stderr, "# uid %d: open %s: unexpected %s\n",
						NOBODY, path, strerror(errno));
					bad++;
				}
			}
		}
		_exit(bad > 99 ? 99 : bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_NE(100, WEXITSTATUS(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("%d opens succeeded or failed oddly",
						 WEXITSTATUS(status));
}

/* Bad parameters: the load fails with an errno and leaves no module. */
FIXTURE(badparam) {
	int unused;
};

FIXTURE_VARIANT(badparam) {
	const char *params;
};

FIXTURE_VARIANT_ADD(badparam, capacity_0) { .params = "capacity=0" };
FIXTURE_VARIANT_ADD(badparam, capacity_minus_1) { .params = "capacity=-1" };
FIXTURE_VARIANT_ADD(badparam, capacity_abc) { .params = "capacity=abc" };
FIXTURE_VARIANT_ADD(badparam, capacity_100000000) { .params = "capacity=100000000" };
FIXTURE_VARIANT_ADD(badparam, max_tasks_100000) { .params = "max_tasks=100000" };
FIXTURE_VARIANT_ADD(badparam, protect_max_0) { .params = "protect_max=0" };
FIXTURE_VARIANT_ADD(badparam, candidates_fast) { .params = "candidates=fast" };
FIXTURE_VARIANT_ADD(badparam, procfs_2) { .params = "procfs=2" };
FIXTURE_VARIANT_ADD(badparam, protect_bogus) { .params = "protect=frobnicate" };

FIXTURE_SETUP(badparam)
{
	start_unloaded(_metadata);
}

FIXTURE_TEARDOWN(badparam)
{
	if (mod_loaded())
		mod_unload();
}

TEST_F(badparam, refused)
{
	int ret = mod_load(variant->params);

	EXPECT_NE(0, ret) TH_LOG("'%s' was accepted", variant->params);
	if (ret)
		TH_LOG("'%s' refused: %s", variant->params, strerror(-ret));
	EXPECT_FALSE(mod_loaded()) TH_LOG("module loaded after '%s'", variant->params);
	/* A good load still works: the failure was about the parameter. */
	if (!mod_loaded()) {
		ret = mod_load("");
		EXPECT_EQ(0, ret) TH_LOG("good load after '%s': %s",
					 variant->params, strerror(-ret));
	}
}

TEST_HARNESS_MAIN
