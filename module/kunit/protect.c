// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap KUnit: the protect command parser and the list's errors
 * (interface section 5), through oomsnap.ko's own list.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/seq_file.h>
#include "../oomsnap.h"

/*
 * The module's list, through the path of the protect= parameter
 * (commands separated by ';', applied all or nothing, exactly as a write
 * of the protect file).  Each case starts from an empty list and leaves
 * one.  No command here names a process or cgroup that exists: nothing in
 * the system is touched.
 */

/* An empty list, or this suite would destroy someone's protection. */
static int prot_suite_init(struct kunit_suite *suite)
{
	if (oomsnap_protect_entries()) {
		pr_err("%s: oomsnap.ko has protection entries: load the test module only beside an oomsnap.ko without any\n",
		       suite->name);
		return -EBUSY;
	}
	return 0;
}

static void prot_exit(struct kunit *test)
{
	oomsnap_protect_apply_list("clear");
}

/* Apply @list to an empty list; on success it stays until the next. */
static int prot_apply(struct kunit *test, const char *list)
{
	KUNIT_ASSERT_EQ(test, 0, oomsnap_protect_apply_list("clear"));
	return oomsnap_protect_apply_list(list);
}

/* The protect file's listing. */
static char *prot_listing(struct kunit *test)
{
	char *buf = kunit_kzalloc(test, 4096, GFP_KERNEL);
	struct seq_file sf = { .size = 4095 };

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	sf.buf = buf;
	KUNIT_EXPECT_EQ(test, 0, oomsnap_protect_show(&sf, NULL));
	KUNIT_EXPECT_FALSE(test, seq_has_overflowed(&sf));
	buf[sf.count] = '\0';
	return buf;
}

static void protect_valid(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, 0, prot_apply(test, ""));
	KUNIT_EXPECT_EQ(test, 0, oomsnap_protect_entries());
	KUNIT_EXPECT_STREQ(test, "", prot_listing(test));

	KUNIT_ASSERT_EQ(test, 0, prot_apply(test, "add comm=ku-none-1 adj=-1000"));
	KUNIT_EXPECT_EQ(test, 1, oomsnap_protect_entries());
	KUNIT_EXPECT_STREQ(test, "comm=ku-none-1 adj=-1000 tasks=0\n",
			   prot_listing(test));

	/* add on an existing key updates it; order of addition is kept */
	KUNIT_ASSERT_EQ(test, 0,
			prot_apply(test, "add comm=ku-a adj=5;add comm=ku-b adj=1000;"
				   "add comm=ku-a adj=-7"));
	KUNIT_EXPECT_EQ(test, 2, oomsnap_protect_entries());
	KUNIT_EXPECT_STREQ(test, "comm=ku-a adj=-7 tasks=0\ncomm=ku-b adj=1000 tasks=0\n",
			   prot_listing(test));

	/* del and clear, within one batch */
	KUNIT_ASSERT_EQ(test, 0, prot_apply(test, "add comm=ku-a adj=1;del comm=ku-a"));
	KUNIT_EXPECT_EQ(test, 0, oomsnap_protect_entries());
	KUNIT_ASSERT_EQ(test, 0, prot_apply(test, "add comm=ku-a adj=1;add comm=ku-b adj=2;clear"));
	KUNIT_EXPECT_EQ(test, 0, oomsnap_protect_entries());
	KUNIT_ASSERT_EQ(test, 0, prot_apply(test, "clear;add comm=ku-c adj=0"));
	KUNIT_EXPECT_STREQ(test, "comm=ku-c adj=0 tasks=0\n", prot_listing(test));

	/* blanks: tabs, runs, around the line; a comm may hold a blank */
	KUNIT_ASSERT_EQ(test, 0,
			prot_apply(test, "  add\tcomm=ku-d   adj=3  ;; ;add comm=ku e adj=4"));
	KUNIT_EXPECT_STREQ(test, "comm=ku-d adj=3 tasks=0\ncomm=ku e adj=4 tasks=0\n",
			   prot_listing(test));
	/* 15 bytes is the longest comm */
	KUNIT_EXPECT_EQ(test, 0, prot_apply(test, "add comm=123456789012345 adj=1"));

	/* the owner is part of a comm key; uid=0 is the default, not shown */
	KUNIT_ASSERT_EQ(test, 0,
			prot_apply(test, "add comm=ku-u uid=105 adj=-9;add comm=ku-u adj=1;"
				   "add comm=ku-z uid=0 adj=1;add comm=ku-z adj=2;"
				   "add comm=ku e\tuid=7 adj=4"));
	KUNIT_EXPECT_STREQ(test, "comm=ku-u uid=105 adj=-9 tasks=0\ncomm=ku-u adj=1 tasks=0\n"
			   "comm=ku-z adj=2 tasks=0\ncomm=ku e uid=7 adj=4 tasks=0\n",
			   prot_listing(test));
	KUNIT_ASSERT_EQ(test, 0,
			prot_apply(test, "add comm=ku-u uid=105 adj=-9;add comm=ku-u adj=1;"
				   "del comm=ku-u uid=105"));
	KUNIT_EXPECT_STREQ(test, "comm=ku-u adj=1 tasks=0\n", prot_listing(test));
	KUNIT_EXPECT_EQ(test, -ENOENT,
			prot_apply(test, "add comm=ku-u adj=1;del comm=ku-u uid=1"));
}

/* Every malformed command is EINVAL, whatever comes before or after it. */
static void protect_einval(struct kunit *test)
{
	static const char * const bad[] = {
		"foo", "add", "del", "clear now", "ADD comm=ku adj=1",
		"add comm=ku", "add comm=ku adj=", "add comm=ku adj=x",
		"add comm=ku adj=1x", "add comm=ku adj=1001", "add comm=ku adj=-1001",
		"add comm=ku adj=99999", "add comm=ku adj=-32769",
		"add comm=ku adj=1 adj=2x", "add comm= adj=1",
		"add comm=1234567890123456 adj=1", "add pid=0 adj=1",
		"add pid=-5 adj=1", "add pid=12a adj=1", "add pid= adj=1",
		"add uid=5 adj=1", "add cgroup= adj=1", "add adj=1",
		"del comm=", "del pid=x", "del foo=1", "add comm=ku adj=1 extra",
		"adj=1 add comm=ku",
		/* uid=N: comm keys only, a number the namespace maps */
		"add comm=ku uid=x adj=1", "add comm=ku uid=-1 adj=1",
		"add comm=ku uid= adj=1", "add comm=ku uid=4294967295 adj=1",
		"add pid=1 uid=0 adj=1", "add cgroup=/ uid=0 adj=1",
		"add comm= uid=0 adj=1", "del uid=5", "del comm=ku uid=1x",
	};
	char list[128];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, -EINVAL, prot_apply(test, bad[i]),
				    "\"%s\"", bad[i]);
		KUNIT_EXPECT_EQ(test, 0, oomsnap_protect_entries());
		/* all or nothing: valid commands around it are not applied */
		snprintf(list, sizeof(list), "add comm=ku-ok adj=1;%s;add comm=ku-ok2 adj=2",
			 bad[i]);
		KUNIT_EXPECT_EQ_MSG(test, -EINVAL, prot_apply(test, list),
				    "\"%s\"", list);
		KUNIT_EXPECT_EQ(test, 0, oomsnap_protect_entries());
	}
}

static void protect_lookup_errors(struct kunit *test)
{
	/* no such process (pid_max is far below) */
	KUNIT_EXPECT_EQ(test, -ESRCH, prot_apply(test, "add pid=4194304 adj=1"));
	KUNIT_EXPECT_EQ(test, -ESRCH, prot_apply(test, "add comm=ku adj=1;del pid=4194000"));
	/* no such cgroup */
	KUNIT_EXPECT_EQ(test, -ENOENT,
			prot_apply(test, "add cgroup=/oomsnap-kunit/none adj=1"));
	KUNIT_EXPECT_EQ(test, -ENOENT,
			prot_apply(test, "add comm=ku adj=1;add cgroup=oomsnap-kunit-none adj=1"));
	/* del of an entry that does not exist */
	KUNIT_EXPECT_EQ(test, -ENOENT, prot_apply(test, "del comm=ku-none"));
	KUNIT_EXPECT_EQ(test, -ENOENT,
			prot_apply(test, "add comm=ku adj=1;del comm=ku;del comm=ku"));
	KUNIT_EXPECT_EQ(test, 0, oomsnap_protect_entries());
}

static void protect_full(struct kunit *test)
{
	unsigned int max = oomsnap_protect_max, i, len = 0;
	size_t size = (size_t)max * 32 + 64;
	char *list = kunit_kzalloc(test, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, list);
	for (i = 0; i < max; i++)
		len += scnprintf(list + len, size - len, "add comm=ku-%u adj=%u;",
				 i, i % 1000);
	/* protect_max entries fit, updates take no room */
	KUNIT_ASSERT_EQ(test, 0, prot_apply(test, list));
	KUNIT_EXPECT_EQ(test, max, oomsnap_protect_entries());
	scnprintf(list + len, size - len, "add comm=ku-0 adj=-3");
	KUNIT_EXPECT_EQ(test, 0, prot_apply(test, list));
	/* one more is ENOSPC, and nothing of the batch stays */
	scnprintf(list + len, size - len, "add comm=ku-more adj=16");
	KUNIT_EXPECT_EQ(test, -ENOSPC, prot_apply(test, list));
	KUNIT_EXPECT_EQ(test, 0, oomsnap_protect_entries());
	/* unless the batch deletes one first */
	scnprintf(list + len, size - len, "del comm=ku-0;add comm=ku-more adj=16");
	KUNIT_EXPECT_EQ(test, 0, prot_apply(test, list));
	KUNIT_EXPECT_EQ(test, max, oomsnap_protect_entries());
}

static void protect_write_too_big(struct kunit *test)
{
	/* checked before the user buffer is touched */
	KUNIT_EXPECT_EQ(test, -E2BIG,
			oomsnap_protect_write(NULL, (const char __user *)1, PAGE_SIZE + 1));
	KUNIT_EXPECT_EQ(test, -E2BIG,
			oomsnap_protect_write(NULL, (const char __user *)1, SIZE_MAX));
}

static struct kunit_case oomsnap_protect_cases[] = {
	KUNIT_CASE(protect_valid),
	KUNIT_CASE(protect_einval),
	KUNIT_CASE(protect_lookup_errors),
	KUNIT_CASE(protect_full),
	KUNIT_CASE(protect_write_too_big),
	{}
};

static struct kunit_suite oomsnap_protect_suite = {
	.name = "oomsnap_protect",
	.suite_init = prot_suite_init,
	.exit = prot_exit,
	.test_cases = oomsnap_protect_cases,
};

kunit_test_suite(oomsnap_protect_suite);
