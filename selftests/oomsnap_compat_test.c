// SPDX-License-Identifier: GPL-2.0
/*
 * What differs between kernels (module/oomsnap_compat.h, README
 * "Compatibility"): every hook is attached or says why not, the figures
 * read through the compat wrappers agree with the kernel's own files, and
 * the files that call nonseekable_open() really refuse to seek on debugfs
 * and procfs.
 */
#include <sys/utsname.h>
#include "kselftest_harness.h"
#include "oomsnap_util.h"

static const char * const hooks[] = {
	"out_of_memory", "oom_kill_process", "mark_victim",
	"finish_task_reaping", "oom_notifier", "oom_badness",
};

/* Does /proc/kallsyms list @sym, or a compiler clone of it (@sym.xxx)? */
static int kallsyms_has(const char *sym)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512], name[256];
	size_t l = strlen(sym);
	int found = 0;

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %255s", name) == 1 &&
		    !strncmp(name, sym, l) && (!name[l] || name[l] == '.'))
			found = 1;
	fclose(f);
	return found;
}

/*
 * Every hook has a line "hook NAME ok" or "hook NAME missing" with its
 * reason ("missing (why)" or a "hook_reason NAME why" line).
 * A missing hook fails unless the kernel really lacks what it hooks.
 */
TEST(hooks_ok_or_why)
{
	struct utsname u;
	char *s, *p;
	unsigned int i;

	uname(&u);
	ASSERT_EQ(0, ou_load(""));
	s = ou_read(ou_path("stats"));
	ASSERT_NE(NULL, s);
	for (i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		char key[64];
		const char *st;

		snprintf(key, sizeof(key), "\nhook %s ", hooks[i]);
		p = strstr(s, key);
		if (!p && !strncmp(s, key + 1, strlen(key + 1)))
			p = s - 1;
		ASSERT_NE(NULL, p) TH_LOG("no '%s' line in stats", key + 1);
		st = p + strlen(key);
		fprintf(stderr, "# %s: hook %s %.*s\n", u.release, hooks[i],
			(int)strcspn(st, "\n"), st);
		if (!strncmp(st, "ok\n", 3))
			continue;
		/* "missing (why)", or "missing" and a "hook_reason NAME why" line */
		snprintf(key, sizeof(key), "hook_reason %s ", hooks[i]);
		ASSERT_TRUE(!strncmp(st, "missing (", 9) ||
			    (!strncmp(st, "missing\n", 8) && strstr(s, key)))
			TH_LOG("hook %s: neither ok nor missing with a reason",
			       hooks[i]);
		if (!strcmp(hooks[i], "oom_kill_process") &&
		    kallsyms_has("oom_kill_process") == 0)
			continue;	/* inlined away on this build */
		EXPECT_TRUE(0)
			TH_LOG("hook %s missing on %s although the kernel has it",
			       hooks[i], u.release);
	}
	p = strstr(s, "hook_symbol oom_kill_process ");
	if (p)
		fprintf(stderr, "# %.*s\n", (int)strcspn(p, "\n"), p);
	free(s);
	ASSERT_EQ(0, ou_unload());
}

/* Free lists per zone: as many as /proc/buddyinfo shows, whatever its name. */
TEST(free_blocks_match_buddyinfo)
{
	char *bi = ou_read("/proc/buddyinfo"), *line;
	json_object **v, *ev, *zones, *fb;
	int n, cols = 0, len;
	pid_t pid;

	if (!ou_memcg_available())
		SKIP(return, "cgroup v2 memory controller not available");
	ASSERT_NE(NULL, bi);
	/* "Node 0, zone   Normal   n0 n1 ..." */
	line = strstr(bi, "zone");
	ASSERT_NE(NULL, line);
	line += 4;
	while (*line == ' ')
		line++;
	line += strcspn(line, " ");	/* the zone name */
	while (*line && *line != '\n') {
		line += strspn(line, " ");
		if (*line && *line != '\n') {
			cols++;
			line += strcspn(line, " \n");
		}
	}
	free(bi);
	ASSERT_GT(cols, 0);

	ASSERT_EQ(0, ou_load(""));
	ASSERT_EQ(0, ou_cg_create("compat_t", "16M"));
	pid = ou_memcg_oom("compat_t");
	ASSERT_GT(pid, 0);
	v = ou_events(&n);
	ASSERT_NE(NULL, v);
	ev = ou_event_by_victim(v, n, pid);
	ASSERT_NE(NULL, ev);
	zones = ou_get(ev, "zones");
	ASSERT_NE(NULL, zones);
	ASSERT_GT((int)json_object_array_length(zones), 0);
	fb = ou_get(json_object_array_get_idx(zones, 0), "free_blocks");
	ASSERT_NE(NULL, fb);
	len = json_object_array_length(fb);
	EXPECT_EQ(cols, len);
	/* the figures behind the other wrappers are there, not null */
	EXPECT_FALSE(ou_is_null(ev, "victim"));
	EXPECT_GE(ou_int(ev, "victim.points"), 0);
	EXPECT_GE(ou_int(ev, "victim.anon_rss_kb"), 0);
	EXPECT_GE(ou_int(ev, "victim.pgtables_kb"), 0);
	EXPECT_STREQ("/compat_t", ou_str(ev, "memcg.path"));
	ou_events_free(v, n);
	ou_cg_remove("compat_t");
	ASSERT_EQ(0, ou_unload());
}

static void expect_espipe(struct __test_metadata *_metadata, const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK);

	ASSERT_LE(0, fd) TH_LOG("open %s: %s", path, strerror(errno));
	errno = 0;
	EXPECT_EQ(-1, lseek(fd, 0, SEEK_SET)) TH_LOG("%s is seekable", path);
	EXPECT_EQ(ESPIPE, errno) TH_LOG("%s: lseek errno %d", path, errno);
	close(fd);
}

/*
 * The stream cannot seek, on debugfs and on procfs.  It has no llseek
 * (no_llseek is gone from 6.12; before 6.0 a NULL .proc_lseek meant
 * default_llseek): nonseekable_open() must refuse it on every kernel.
 */
TEST(stream_not_seekable)
{
	ASSERT_EQ(0, ou_load(""));
	if (!access("/sys/kernel/debug/oomsnap/stream", F_OK))
		expect_espipe(_metadata, "/sys/kernel/debug/oomsnap/stream");
	ASSERT_EQ(0, ou_load("procfs=1"));
	expect_espipe(_metadata, "/proc/oomsnap/stream");
	ASSERT_EQ(0, ou_unload());
}

TEST_HARNESS_MAIN
