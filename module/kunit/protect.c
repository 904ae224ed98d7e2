// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap KUnit: the protect command parser (oomsnap_protect_parse.c,
 * interface section 5), on its own: text in, commands out.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "../oomsnap.h"
#include "../oomsnap_protect.h"

/*
 * The parser is pure (oomsnap_protect_parse.c): text in, commands out, no
 * list, no lookup, nothing in the system touched.  Its errors are those
 * of a malformed line; what needs the list or the system (ESRCH, ENOENT,
 * ENOSPC, EPERM, an unmapped uid) is the enforcement's, tested by the
 * protect and security selftests on the real module.
 */

/* Parse a copy of @text; the commands (paths too) are the test's. */
static int prot_parse(struct kunit *test, const char *text,
		      struct oomsnap_protect_cmd **out, unsigned int *n)
{
	size_t len = strlen(text), plen;
	struct oomsnap_protect_cmd *c, *copy;
	unsigned int i, lines = 1;
	bool paths = true;
	char *buf;
	int ret;

	for (i = 0; i < len; i++)
		lines += text[i] == '\n';
	buf = kunit_kmalloc(test, len + 1, GFP_KERNEL);
	copy = kunit_kcalloc(test, lines, sizeof(*copy), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, copy);
	memcpy(buf, text, len + 1);
	ret = oomsnap_protect_parse(buf, &c, n);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	KUNIT_EXPECT_LE(test, *n, lines);
	for (i = 0; i < *n && i < lines; i++) {
		copy[i] = c[i];
		if (!c[i].path)
			continue;
		plen = strlen(c[i].path) + 1;
		copy[i].path = kunit_kmalloc(test, plen, GFP_KERNEL);
		if (copy[i].path)
			memcpy(copy[i].path, c[i].path, plen);
		else
			paths = false;
	}
	oomsnap_protect_free(c, *n);
	KUNIT_ASSERT_TRUE(test, paths);
	*out = copy;
	return ret;
}

/* One command as the interface document writes it, from its fields. */
static const char *prot_format(struct kunit *test,
			       const struct oomsnap_protect_cmd *c)
{
	char *buf = kunit_kzalloc(test, PATH_MAX + 64, GFP_KERNEL);
	size_t len = PATH_MAX + 64, o;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	if (c->op == OOMSNAP_OP_CLEAR)
		return "clear";
	o = scnprintf(buf, len, "%s ", c->op == OOMSNAP_OP_ADD ? "add" : "del");
	if (c->type == OOMSNAP_P_PID)
		o += scnprintf(buf + o, len - o, "pid=%d", c->nr);
	else if (c->type == OOMSNAP_P_CGROUP)
		o += scnprintf(buf + o, len - o, "cgroup=%s", c->path);
	else
		o += scnprintf(buf + o, len - o, "comm=%.*s", TASK_COMM_LEN,
			       c->comm);
	if (c->has_uid)
		o += scnprintf(buf + o, len - o, " uid=%u", c->uid_nr);
	if (c->op == OOMSNAP_OP_ADD)
		scnprintf(buf + o, len - o, " adj=%d", c->adj);
	return buf;
}

static void prot_expect_same(struct kunit *test,
			     const struct oomsnap_protect_cmd *a,
			     const struct oomsnap_protect_cmd *b, const char *text)
{
	KUNIT_EXPECT_EQ_MSG(test, a->op, b->op, "\"%s\"", text);
	if (a->op == OOMSNAP_OP_CLEAR)
		return;
	KUNIT_EXPECT_EQ_MSG(test, a->type, b->type, "\"%s\"", text);
	KUNIT_EXPECT_EQ_MSG(test, a->adj, b->adj, "\"%s\"", text);
	KUNIT_EXPECT_EQ_MSG(test, a->nr, b->nr, "\"%s\"", text);
	KUNIT_EXPECT_EQ_MSG(test, a->has_uid, b->has_uid, "\"%s\"", text);
	KUNIT_EXPECT_EQ_MSG(test, a->uid_nr, b->uid_nr, "\"%s\"", text);
	KUNIT_EXPECT_EQ_MSG(test, 0, memcmp(a->comm, b->comm, TASK_COMM_LEN),
			    "\"%s\"", text);
	KUNIT_EXPECT_EQ_MSG(test, !a->path, !b->path, "\"%s\"", text);
	if (a->path && b->path)
		KUNIT_EXPECT_STREQ_MSG(test, a->path, b->path, "\"%s\"", text);
}

/* Valid commands, each with the command it must give. */
static const struct prot_valid_case {
	const char *text;
	struct oomsnap_protect_cmd want;
} prot_valid[] = {
	{ "clear", { .op = OOMSNAP_OP_CLEAR } },
	{ "add pid=1 adj=-1000",
	  { .op = OOMSNAP_OP_ADD, .type = OOMSNAP_P_PID, .nr = 1, .adj = -1000 } },
	/* syntax only: no such process is no parse error */
	{ "add pid=4194304 adj=1000",
	  { .op = OOMSNAP_OP_ADD, .type = OOMSNAP_P_PID, .nr = 4194304, .adj = 1000 } },
	{ "del pid=42", { .op = OOMSNAP_OP_DEL, .type = OOMSNAP_P_PID, .nr = 42 } },
	{ "add comm=sshd adj=-1000",
	  { .op = OOMSNAP_OP_ADD, .type = OOMSNAP_P_COMM, .comm = "sshd", .adj = -1000 } },
	/* 15 bytes is the longest comm */
	{ "add comm=123456789012345 adj=0",
	  { .op = OOMSNAP_OP_ADD, .type = OOMSNAP_P_COMM, .comm = "123456789012345" } },
	/* a comm may hold blanks: the key runs up to the last word(s) */
	{ "add comm=ku e adj=4",
	  { .op = OOMSNAP_OP_ADD, .type = OOMSNAP_P_COMM, .comm = "ku e", .adj = 4 } },
	{ "add comm=ku adj=1 adj=2",
	  { .op = OOMSNAP_OP_ADD, .type = OOMSNAP_P_COMM, .comm = "ku adj=1", .adj = 2 } },
	{ "add\tcomm=ku-d   adj=3",
	  { .op = OOMSNAP_OP_ADD, .type = OOMSNAP_P_COMM, .comm = "ku-d", .adj = 3 } },
	{ "del comm=ku e", { .op = OOMSNAP_OP_DEL, .type = OOMSNAP_P_COMM, .comm = "ku e" } },
	/* the owner: the word before adj=, or the last one of a del */
	{ "add comm=postgres uid=105 adj=-900",
	  { .op = OOMSNAP_OP_ADD, .type = OOMSNAP_P_COMM, .comm = "postgres",
	    .has_uid = true, .uid_nr = 105, .adj = -900 } },
	{ "add comm=ku e\tuid=7 adj=4",
	  { .op = OOMSNAP_OP_ADD, .type = OOMSNAP_P_COMM, .comm = "ku e",
	    .has_uid = true, .uid_nr = 7, .adj = 4 } },
	{ "add comm=ku uid=0 adj=1",
	  { .op = OOMSNAP_OP_ADD, .type = OOMSNAP_P_COMM, .comm = "ku",
	    .has_uid = true, .uid_nr = 0, .adj = 1 } },
	/* a u32: whether the opener's namespace maps it is not the parser's */
	{ "add comm=ku uid=4294967295 adj=1",
	  { .op = OOMSNAP_OP_ADD, .type = OOMSNAP_P_COMM, .comm = "ku",
	    .has_uid = true, .uid_nr = 4294967295U, .adj = 1 } },
	{ "del comm=postgres uid=105",
	  { .op = OOMSNAP_OP_DEL, .type = OOMSNAP_P_COMM, .comm = "postgres",
	    .has_uid = true, .uid_nr = 105 } },
	/* cgroup paths, normalized: one key however written */
	{ "add cgroup=/system.slice/db.service adj=-900",
	  { .op = OOMSNAP_OP_ADD, .type = OOMSNAP_P_CGROUP,
	    .path = "/system.slice/db.service", .adj = -900 } },
	{ "add cgroup=db.service adj=1",
	  { .op = OOMSNAP_OP_ADD, .type = OOMSNAP_P_CGROUP, .path = "/db.service", .adj = 1 } },
	{ "add cgroup=/db.service/ adj=1",
	  { .op = OOMSNAP_OP_ADD, .type = OOMSNAP_P_CGROUP, .path = "/db.service", .adj = 1 } },
	{ "add cgroup=//a//b// adj=1",
	  { .op = OOMSNAP_OP_ADD, .type = OOMSNAP_P_CGROUP, .path = "/a/b", .adj = 1 } },
	{ "add cgroup=/ adj=1",
	  { .op = OOMSNAP_OP_ADD, .type = OOMSNAP_P_CGROUP, .path = "/", .adj = 1 } },
	{ "add cgroup=/// adj=1",
	  { .op = OOMSNAP_OP_ADD, .type = OOMSNAP_P_CGROUP, .path = "/", .adj = 1 } },
	{ "del cgroup=db.service/",
	  { .op = OOMSNAP_OP_DEL, .type = OOMSNAP_P_CGROUP, .path = "/db.service" } },
};

static void protect_parse_valid(struct kunit *test)
{
	struct oomsnap_protect_cmd *c;
	unsigned int i, n;

	for (i = 0; i < ARRAY_SIZE(prot_valid); i++) {
		KUNIT_EXPECT_EQ_MSG(test, 0, prot_parse(test, prot_valid[i].text, &c, &n),
				    "\"%s\"", prot_valid[i].text);
		KUNIT_EXPECT_EQ(test, 1, n);
		if (n == 1)
			prot_expect_same(test, &prot_valid[i].want, c,
					 prot_valid[i].text);
	}
}

/* Fields to text and back give the same command, and the same text. */
static void protect_parse_roundtrip(struct kunit *test)
{
	struct oomsnap_protect_cmd *a, *b;
	const char *text;
	unsigned int i, n;

	for (i = 0; i < ARRAY_SIZE(prot_valid); i++) {
		KUNIT_ASSERT_EQ(test, 0, prot_parse(test, prot_valid[i].text, &a, &n));
		KUNIT_ASSERT_EQ(test, 1, n);
		text = prot_format(test, a);
		KUNIT_EXPECT_EQ_MSG(test, 0, prot_parse(test, text, &b, &n),
				    "\"%s\"", text);
		KUNIT_ASSERT_EQ(test, 1, n);
		prot_expect_same(test, a, b, text);
		KUNIT_EXPECT_STREQ(test, text, prot_format(test, b));
	}
}

/* Every malformed command is EINVAL, wherever it stands in a write. */
static void protect_parse_einval(struct kunit *test)
{
	static const char * const bad[] = {
		"foo", "add", "del", "clear now", "ADD comm=ku adj=1",
		"add comm=ku", "add comm=ku adj=", "add comm=ku adj=x",
		"add comm=ku adj=1x", "add comm=ku adj=1001", "add comm=ku adj=-1001",
		"add comm=ku adj=99999", "add comm=ku adj=-32769",
		"add comm=ku adj=1 adj=2x", "add comm= adj=1",
		"add comm=1234567890123456 adj=1", "add pid=0 adj=1",
		"add pid=-5 adj=1", "add pid=12a adj=1", "add pid= adj=1",
		"add pid=4294967296 adj=1", "add uid=5 adj=1",
		"add cgroup= adj=1", "add adj=1", "add host=x adj=1",
		"del comm=", "del pid=x", "del foo=1", "del pid=1 adj=1",
		"add comm=ku adj=1 extra", "adj=1 add comm=ku",
		/* uid=N: comm keys only, a u32 */
		"add comm=ku uid=x adj=1", "add comm=ku uid=-1 adj=1",
		"add comm=ku uid= adj=1", "add comm=ku uid=4294967296 adj=1",
		"add pid=1 uid=0 adj=1", "add cgroup=/ uid=0 adj=1",
		"add comm= uid=0 adj=1", "del uid=5", "del comm=ku uid=1x",
		"del cgroup=/a uid=0",
	};
	struct oomsnap_protect_cmd *c;
	char list[128];
	unsigned int i, n;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, -EINVAL, prot_parse(test, bad[i], &c, &n),
				    "\"%s\"", bad[i]);
		KUNIT_EXPECT_EQ(test, 0, n);
		/* the bad line's index among the non-empty ones, those before kept */
		snprintf(list, sizeof(list),
			 "add comm=ku-ok adj=1\n\n %s\nadd comm=ku-ok2 adj=2", bad[i]);
		KUNIT_EXPECT_EQ_MSG(test, -EINVAL, prot_parse(test, list, &c, &n),
				    "\"%s\"", list);
		KUNIT_EXPECT_EQ(test, 1, n);
		KUNIT_EXPECT_STREQ(test, "ku-ok", c[0].comm);
	}
}

/* PATH_MAX counts the NUL: a path of PATH_MAX bytes is too long. */
static void protect_parse_path_max(struct kunit *test)
{
	char *text = kunit_kzalloc(test, PATH_MAX + 32, GFP_KERNEL);
	struct oomsnap_protect_cmd *c;
	unsigned int n;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, text);
	strscpy(text, "add cgroup=", PATH_MAX + 32);
	memset(text + 11, 'a', PATH_MAX - 1);
	strscpy(text + 11 + PATH_MAX - 1, " adj=1", 32);
	KUNIT_EXPECT_EQ(test, 0, prot_parse(test, text, &c, &n));
	KUNIT_ASSERT_EQ(test, 1, n);
	/* and the leading '/' */
	KUNIT_EXPECT_EQ(test, (size_t)PATH_MAX, strlen(c[0].path));
	memset(text + 11, 'a', PATH_MAX);
	strscpy(text + 11 + PATH_MAX, " adj=1", 32);
	KUNIT_EXPECT_EQ(test, -EINVAL, prot_parse(test, text, &c, &n));
	KUNIT_EXPECT_EQ(test, 0, n);
}

/* Lines, blanks and the count: what a write or protect= is cut into. */
static void protect_parse_lines(struct kunit *test)
{
	struct oomsnap_protect_cmd *c;
	unsigned int i, n;
	char *page;

	KUNIT_EXPECT_EQ(test, 0, prot_parse(test, "", &c, &n));
	KUNIT_EXPECT_EQ(test, 0, n);
	KUNIT_EXPECT_EQ(test, 0, prot_parse(test, "\n\x20\n\t\n  ", &c, &n));
	KUNIT_EXPECT_EQ(test, 0, n);
	KUNIT_EXPECT_EQ(test, 0,
			prot_parse(test, "  add\tcomm=ku-d   adj=3\t\n\n\t\ndel comm=ku-d\nclear\n",
				   &c, &n));
	KUNIT_ASSERT_EQ(test, 3, n);
	KUNIT_EXPECT_EQ(test, OOMSNAP_OP_ADD, c[0].op);
	KUNIT_EXPECT_STREQ(test, "ku-d", c[0].comm);
	KUNIT_EXPECT_EQ(test, OOMSNAP_OP_DEL, c[1].op);
	KUNIT_EXPECT_STREQ(test, "ku-d", c[1].comm);
	KUNIT_EXPECT_EQ(test, OOMSNAP_OP_CLEAR, c[2].op);
	/* parsing stops at the first bad line; a cgroup before it is kept */
	KUNIT_EXPECT_EQ(test, -EINVAL,
			prot_parse(test, "add cgroup=a adj=1\nadd cgroup=b uid=1 adj=1\nfoo",
				   &c, &n));
	KUNIT_ASSERT_EQ(test, 1, n);
	KUNIT_EXPECT_STREQ(test, "/a", c[0].path);
	/* a page of one-word lines: thousands of commands */
	page = kunit_kzalloc(test, PAGE_SIZE + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, page);
	for (i = 0; i + 6 <= PAGE_SIZE; i += 6)
		memcpy(page + i, "clear\n", 6);
	KUNIT_EXPECT_EQ(test, 0, prot_parse(test, page, &c, &n));
	KUNIT_EXPECT_EQ(test, (unsigned int)(PAGE_SIZE / 6), n);
}

static void protect_write_too_big(struct kunit *test)
{
	/* checked before the user buffer or the list is touched */
	KUNIT_EXPECT_EQ(test, -E2BIG,
			oomsnap_protect_write(NULL, (const char __user *)1, PAGE_SIZE + 1));
	KUNIT_EXPECT_EQ(test, -E2BIG,
			oomsnap_protect_write(NULL, (const char __user *)1, SIZE_MAX));
}

static struct kunit_case oomsnap_protect_cases[] = {
	KUNIT_CASE(protect_parse_valid),
	KUNIT_CASE(protect_parse_roundtrip),
	KUNIT_CASE(protect_parse_einval),
	KUNIT_CASE(protect_parse_path_max),
	KUNIT_CASE(protect_parse_lines),
	KUNIT_CASE(protect_write_too_big),
	{}
};

static struct kunit_suite oomsnap_protect_suite = {
	.name = "oomsnap_protect",
	.test_cases = oomsnap_protect_cases,
};

kunit_test_suite(oomsnap_protect_suite);
