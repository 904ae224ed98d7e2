// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap: KUnit suites for the pure parts of the module.
 *
 * Built into oomsnap.ko only when the kernel has KUnit (module/Kbuild).
 * KUnit runs them when the module is loaded (MODULE_STATE_COMING on 6.1,
 * before oomsnap_init()); the results go to the kernel log as KTAP and
 * scripts/guest/init turns them into the run's TAP lines.  Only a load
 * with kunit=1 runs the cases (for the others the suites are empty): the
 * selftests load the module hundreds of times, and the protect suite
 * alone takes seconds under KASAN.
 *
 *   oomsnap_cause    classifier and fragmentation test, constructed zones
 *   oomsnap_render   JSON and text views, hostile strings, nulls, overflow
 *   oomsnap_ring     wrap-around, seq arithmetic, clear, reaper lookup
 *   oomsnap_protect  the protect command parser: every error of interface section 5
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/seq_file.h>
#include <linux/gfp.h>
#include <linux/mmzone.h>
#include <linux/overflow.h>
#include "oomsnap.h"

static bool oomsnap_kunit_param;
module_param_named(kunit, oomsnap_kunit_param, bool, 0444);
MODULE_PARM_DESC(kunit, "run the KUnit suites at this load (kernels with KUnit)");

/*
 * kunit=1 among this load's parameters.  KUnit runs the suites before the
 * parameters are parsed, so the string is read here.
 */
static bool oomsnap_kunit_wanted(void)
{
	const char *a = THIS_MODULE->args;
	size_t n;

	while (a && *a) {
		a = skip_spaces(a);
		n = strcspn(a, " \t\n");
		if ((n == 7 && (!strncmp(a, "kunit=1", 7) ||
				!strncmp(a, "kunit=y", 7) ||
				!strncmp(a, "kunit=Y", 7))) ||
		    (n == 5 && !strncmp(a, "kunit", 5)))
			return true;
		a += n;
	}
	return READ_ONCE(oomsnap_kunit_param);
}

static struct kunit_case oomsnap_no_cases[] = { {} };

#define OOMSNAP_NR_SUITES	4

/* The suites whose cases oomsnap_suite_init() set aside, and the cases. */
static struct {
	struct kunit_suite *suite;
	struct kunit_case *cases;
} oomsnap_set_aside[OOMSNAP_NR_SUITES];

/*
 * The suite_init of every suite: without kunit=1 the suite has no cases
 * (KTAP "1..0", suite skipped), so a load costs no test threads.  The
 * suite is module data: the next load starts from the .ko again.
 */
static int oomsnap_suite_init(struct kunit_suite *suite)
{
	unsigned int i;

	if (oomsnap_kunit_wanted())
		return 0;
	for (i = 0; i < OOMSNAP_NR_SUITES; i++) {
		if (!oomsnap_set_aside[i].suite) {
			oomsnap_set_aside[i].suite = suite;
			oomsnap_set_aside[i].cases = suite->test_cases;
			suite->test_cases = oomsnap_no_cases;
			break;
		}
	}
	return 0;
}

/*
 * The suite_exit of every suite: give back the cases set aside, each
 * marked skipped.  KUnit allocated a log for every case before suite_init
 * ran and frees them at unload by walking suite->test_cases: with the
 * empty list left in place, every load leaked those logs (kmemleak).
 */
static void oomsnap_suite_exit(struct kunit_suite *suite)
{
	struct kunit_case *c;
	unsigned int i;

	for (i = 0; i < OOMSNAP_NR_SUITES; i++) {
		if (oomsnap_set_aside[i].suite != suite)
			continue;
		suite->test_cases = oomsnap_set_aside[i].cases;
		for (c = suite->test_cases; c->run_case; c++)
			c->status = KUNIT_SKIPPED;
		oomsnap_set_aside[i].suite = NULL;
	}
}

/* ------------------------------------------------------------------------ */
/* oomsnap_cause                                                            */
/* ------------------------------------------------------------------------ */

/* A zone with @free pages over a min watermark of 100, no free blocks. */
static struct oomsnap_zone cz(u8 zone, u32 free)
{
	struct oomsnap_zone z = {
		.name = "Normal", .zone = zone, .free = free,
		.min = 100, .low = 125, .high = 150, .managed = 100000,
	};
	return z;
}

static enum oomsnap_cause classify(u8 kind, u8 constraint, int order,
				   const struct oomsnap_zone *zones,
				   unsigned int nr, u8 highest_zone)
{
	struct oomsnap_cause_in in = {
		.kind = kind, .constraint = constraint, .order = order,
		.zones = zones, .nr_zones = nr, .highest_zone = highest_zone,
	};
	return oomsnap_classify(&in);
}

static void cause_sysrq(struct kunit *test)
{
	struct oomsnap_zone z = cz(ZONE_NORMAL, 5000);

	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_SYSRQ,
			classify(OOMSNAP_KIND_GLOBAL, OOMSNAP_CONSTRAINT_NONE,
				 -1, &z, 1, ZONE_NORMAL));
	/* order -1 wins over everything else */
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_SYSRQ,
			classify(OOMSNAP_KIND_GLOBAL, OOMSNAP_CONSTRAINT_CPUSET,
				 -1, NULL, 0, ZONE_NORMAL));
}

static void cause_memcg(struct kunit *test)
{
	struct oomsnap_zone z = cz(ZONE_NORMAL, 5000);	/* fragmented */
	struct oomsnap_cause_in in = {
		.kind = OOMSNAP_KIND_MEMCG,
		.constraint = OOMSNAP_CONSTRAINT_MEMCG,
		.highest_zone = ZONE_NORMAL,
		.zones = &z, .nr_zones = 1, .order = 3,
	};

	/* own memcg at its limit (the descendant test is reflexive) */
	in.trigger_memcg_is_limit = true;
	in.limit_is_ancestor = true;
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_MEMCG_LIMIT, oomsnap_classify(&in));
	in.limit_is_ancestor = false;
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_MEMCG_LIMIT, oomsnap_classify(&in));
	/* an ancestor of the trigger's memcg at its limit */
	in.trigger_memcg_is_limit = false;
	in.limit_is_ancestor = true;
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_ANCESTOR_MEMCG_LIMIT,
			oomsnap_classify(&in));
	/*
	 * neither: the OOM ran in a task outside the memcg at its limit (a
	 * memory.max write, a charge on another cgroup's behalf); this was
	 * memcg_limit before (issue 14, item 5)
	 */
	in.limit_is_ancestor = false;
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_MEMCG_LIMIT_EXTERNAL,
			oomsnap_classify(&in));
	in.order = 0;
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_MEMCG_LIMIT_EXTERNAL,
			oomsnap_classify(&in));
	/* a sysrq-f never has a memcg, but order -1 still wins */
	in.order = -1;
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_SYSRQ, oomsnap_classify(&in));
	/* fragmentation never explains a memcg OOM, order 0 or not */
	in.trigger_memcg_is_limit = true;
	in.order = 0;
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_MEMCG_LIMIT, oomsnap_classify(&in));
}

static void cause_node_memory(struct kunit *test)
{
	struct oomsnap_zone z = cz(ZONE_NORMAL, 5000);	/* fragmented */

	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_NODE_MEMORY,
			classify(OOMSNAP_KIND_GLOBAL, OOMSNAP_CONSTRAINT_CPUSET,
				 0, &z, 1, ZONE_NORMAL));
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_NODE_MEMORY,
			classify(OOMSNAP_KIND_GLOBAL,
				 OOMSNAP_CONSTRAINT_MEMORY_POLICY, 4, &z, 1,
				 ZONE_NORMAL));
	/* constraint not computed (the OOM ended early): not node memory */
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_SYSTEM_MEMORY,
			classify(OOMSNAP_KIND_GLOBAL,
				 OOMSNAP_CONSTRAINT_UNKNOWN, 0, NULL, 0,
				 ZONE_NORMAL));
}

static void cause_zone_fragmented(struct kunit *test)
{
	struct oomsnap_zone z = cz(ZONE_NORMAL, 5000);
	unsigned int o;

	/* free blocks only below the order asked for */
	z.blocks[0] = 1000;
	z.blocks[1] = 500;
	z.blocks[2] = 250;
	KUNIT_EXPECT_TRUE(test, oomsnap_zone_fragmented(&z, 3));
	KUNIT_EXPECT_FALSE(test, oomsnap_zone_fragmented(&z, 2));
	KUNIT_EXPECT_FALSE(test, oomsnap_zone_fragmented(&z, 1));
	/* order 0 and sysrq's -1 are never fragmentation */
	KUNIT_EXPECT_FALSE(test, oomsnap_zone_fragmented(&z, 0));
	KUNIT_EXPECT_FALSE(test, oomsnap_zone_fragmented(&z, -1));
	/* orders the zone does not have */
	KUNIT_EXPECT_FALSE(test, oomsnap_zone_fragmented(&z, OOMSNAP_NR_ORDERS));
	KUNIT_EXPECT_FALSE(test, oomsnap_zone_fragmented(&z, INT_MAX));
	/* one block of the largest order is enough for every order */
	z.blocks[OOMSNAP_NR_ORDERS - 1] = 1;
	for (o = 1; o < OOMSNAP_NR_ORDERS; o++)
		KUNIT_EXPECT_FALSE(test, oomsnap_zone_fragmented(&z, o));
	z.blocks[OOMSNAP_NR_ORDERS - 1] = 0;
	KUNIT_EXPECT_TRUE(test,
			  oomsnap_zone_fragmented(&z, OOMSNAP_NR_ORDERS - 1));
	/* min watermark boundary: free must be above min */
	z.free = z.min;
	KUNIT_EXPECT_FALSE(test, oomsnap_zone_fragmented(&z, 3));
	z.free = z.min + 1;
	KUNIT_EXPECT_TRUE(test, oomsnap_zone_fragmented(&z, 3));
	z.free = 0;
	KUNIT_EXPECT_FALSE(test, oomsnap_zone_fragmented(&z, 3));
}

static void cause_fragmentation(struct kunit *test)
{
	struct oomsnap_zone zones[3] = {
		cz(ZONE_DMA32, 50),	/* below min: exhausted */
		cz(ZONE_NORMAL, 4000),	/* plenty free, all order 0 */
		cz(ZONE_MOVABLE, 4000),
	};

	zones[0].blocks[4] = 2;
	zones[1].blocks[0] = 4000;
	zones[2].blocks[0] = 4000;
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_FRAGMENTATION,
			classify(OOMSNAP_KIND_GLOBAL, OOMSNAP_CONSTRAINT_NONE,
				 2, zones, 3, ZONE_NORMAL));
	/* the same zones at order 0: plain shortage */
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_SYSTEM_MEMORY,
			classify(OOMSNAP_KIND_GLOBAL, OOMSNAP_CONSTRAINT_NONE,
				 0, zones, 3, ZONE_NORMAL));
	/* a GFP_DMA32 request may not use Normal: only DMA32 counts */
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_SYSTEM_MEMORY,
			classify(OOMSNAP_KIND_GLOBAL, OOMSNAP_CONSTRAINT_NONE,
				 2, zones, 3, ZONE_DMA32));
	/* only a zone above the allowed one is fragmented */
	zones[1].blocks[2] = 1;
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_SYSTEM_MEMORY,
			classify(OOMSNAP_KIND_GLOBAL, OOMSNAP_CONSTRAINT_NONE,
				 2, zones, 3, ZONE_NORMAL));
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_FRAGMENTATION,
			classify(OOMSNAP_KIND_GLOBAL, OOMSNAP_CONSTRAINT_NONE,
				 2, zones, 3, ZONE_MOVABLE));
	/* no zones captured: nothing to blame but memory */
	KUNIT_EXPECT_EQ(test, OOMSNAP_CAUSE_SYSTEM_MEMORY,
			classify(OOMSNAP_KIND_GLOBAL, OOMSNAP_CONSTRAINT_NONE,
				 2, zones, 0, ZONE_NORMAL));
	/* the gfp mask the capture code derives highest_zone from */
	KUNIT_EXPECT_EQ(test, ZONE_NORMAL, gfp_zone(GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, ZONE_DMA32, gfp_zone(GFP_DMA32));
}

static void cause_names(struct kunit *test)
{
	static const char * const want[] = {
		[OOMSNAP_CAUSE_MEMCG_LIMIT] = "memcg_limit",
		[OOMSNAP_CAUSE_ANCESTOR_MEMCG_LIMIT] = "ancestor_memcg_limit",
		[OOMSNAP_CAUSE_NODE_MEMORY] = "node_memory",
		[OOMSNAP_CAUSE_FRAGMENTATION] = "fragmentation",
		[OOMSNAP_CAUSE_SYSRQ] = "sysrq",
		[OOMSNAP_CAUSE_SYSTEM_MEMORY] = "system_memory",
		[OOMSNAP_CAUSE_MEMCG_LIMIT_EXTERNAL] = "memcg_limit_external",
	};
	unsigned int i;

	KUNIT_EXPECT_EQ(test, ARRAY_SIZE(want), OOMSNAP_CAUSE_NR);
	for (i = 0; i < ARRAY_SIZE(want); i++)
		KUNIT_EXPECT_STREQ(test, want[i], oomsnap_cause_name(i));
	KUNIT_EXPECT_STREQ(test, "?", oomsnap_cause_name(ARRAY_SIZE(want)));
	KUNIT_EXPECT_STREQ(test, "?", oomsnap_cause_name(UINT_MAX));
	KUNIT_EXPECT_STREQ(test, "global", oomsnap_kind_name(OOMSNAP_KIND_GLOBAL));
	KUNIT_EXPECT_STREQ(test, "memcg", oomsnap_kind_name(OOMSNAP_KIND_MEMCG));
	KUNIT_EXPECT_STREQ(test, "?", oomsnap_kind_name(2));
	KUNIT_EXPECT_STREQ(test, "none",
			   oomsnap_constraint_name(OOMSNAP_CONSTRAINT_NONE));
	KUNIT_EXPECT_STREQ(test, "memory_policy",
			   oomsnap_constraint_name(OOMSNAP_CONSTRAINT_MEMORY_POLICY));
	KUNIT_EXPECT_STREQ(test, "?",
			   oomsnap_constraint_name(OOMSNAP_CONSTRAINT_UNKNOWN));
	KUNIT_EXPECT_STREQ(test, "current_exiting",
			   oomsnap_outcome_name(OOMSNAP_OUTCOME_CURRENT_EXITING));
	KUNIT_EXPECT_STREQ(test, "?", oomsnap_outcome_name(3));
}

static struct kunit_case oomsnap_cause_cases[] = {
	KUNIT_CASE(cause_sysrq),
	KUNIT_CASE(cause_memcg),
	KUNIT_CASE(cause_node_memory),
	KUNIT_CASE(cause_zone_fragmented),
	KUNIT_CASE(cause_fragmentation),
	KUNIT_CASE(cause_names),
	{}
};

static struct kunit_suite oomsnap_cause_suite = {
	.name = "oomsnap_cause",
	.suite_init = oomsnap_suite_init,
	.suite_exit = oomsnap_suite_exit,
	.test_cases = oomsnap_cause_cases,
};

/* ------------------------------------------------------------------------ */
/* oomsnap_render                                                           */
/* ------------------------------------------------------------------------ */

#define RBUF_SIZE	(64 * 1024)

/* Render into a seq_file on the stack, as the stream file does. */
static char *render(struct kunit *test, const struct oomsnap_event *ev,
		    bool json)
{
	char *buf = kunit_kzalloc(test, RBUF_SIZE, GFP_KERNEL);
	struct seq_file sf = { .size = RBUF_SIZE - 1 };

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	sf.buf = buf;
	if (json)
		oomsnap_render_json(&sf, ev);
	else
		oomsnap_render_text(&sf, ev);
	KUNIT_ASSERT_FALSE(test, seq_has_overflowed(&sf));
	buf[sf.count] = '\0';
	return buf;
}

/*
 * A strict JSON checker, enough for one line of oomsnap: objects, arrays,
 * strings (no raw control or non-ASCII bytes: the renderer escapes them),
 * integers, true/false/null.  Decodes the string that follows key @want
 * into @got (first match), so that a test can check the bytes round-trip.
 */
struct jp {
	const char *p;
	const char *want;	/* key whose value to decode */
	u8 *got;
	size_t got_len, got_max;
	unsigned int nth;	/* decode the nth match (0: the first) */
	bool found;
	int depth;
};

static bool jp_value(struct jp *j);

static bool jp_string(struct jp *j, u8 *out, size_t *out_len, size_t max)
{
	size_t n = 0;

	if (*j->p++ != '"')
		return false;
	for (;;) {
		u8 c = *j->p++;
		unsigned int v;

		if (c == '"')
			break;
		if (c < 0x20 || c >= 0x7f)
			return false;
		if (c == '\\') {
			static const char from[] = "\"\\/bfnrt";
			static const char to[] = "\"\\/\b\f\n\r\t";
			const char *e;

			c = *j->p++;
			e = c ? strchr(from, c) : NULL;
			if (e) {
				c = to[e - from];
			} else if (c == 'u') {
				if (!isxdigit(j->p[0]) || !isxdigit(j->p[1]) ||
				    !isxdigit(j->p[2]) || !isxdigit(j->p[3]))
					return false;
				v = hex_to_bin(j->p[0]) << 12 |
				    hex_to_bin(j->p[1]) << 8 |
				    hex_to_bin(j->p[2]) << 4 | hex_to_bin(j->p[3]);
				j->p += 4;
				if (v > 0xff)	/* oomsnap escapes bytes */
					return false;
				c = v;
			} else {
				return false;
			}
		}
		if (out && n < max)
			out[n] = c;
		n++;
	}
	if (out_len)
		*out_len = n;
	return true;
}

static bool jp_object(struct jp *j)
{
	char key[32];
	size_t klen;

	j->p++;
	if (*j->p == '}') {
		j->p++;
		return true;
	}
	for (;;) {
		bool match;

		if (!jp_string(j, key, &klen, sizeof(key) - 1))
			return false;
		key[min(klen, sizeof(key) - 1)] = '\0';
		if (*j->p++ != ':')
			return false;
		match = j->want && !j->found && !strcmp(key, j->want) &&
			*j->p == '"' && !j->nth--;
		if (match) {
			j->found = true;
			if (!jp_string(j, j->got, &j->got_len, j->got_max))
				return false;
		} else if (!jp_value(j)) {
			return false;
		}
		if (*j->p == '}') {
			j->p++;
			return true;
		}
		if (*j->p++ != ',')
			return false;
	}
}

static bool jp_array(struct jp *j)
{
	j->p++;
	if (*j->p == ']') {
		j->p++;
		return true;
	}
	for (;;) {
		if (!jp_value(j))
			return false;
		if (*j->p == ']') {
			j->p++;
			return true;
		}
		if (*j->p++ != ',')
			return false;
	}
}

static bool jp_value(struct jp *j)
{
	bool ok;

	if (++j->depth > 8)
		return false;
	switch (*j->p) {
	case '{':
		ok = jp_object(j);
		break;
	case '[':
		ok = jp_array(j);
		break;
	case '"':
		ok = jp_string(j, NULL, NULL, 0);
		break;
	case 't':
		ok = !strncmp(j->p, "true", 4);
		j->p += ok ? 4 : 0;
		break;
	case 'f':
		ok = !strncmp(j->p, "false", 5);
		j->p += ok ? 5 : 0;
		break;
	case 'n':
		ok = !strncmp(j->p, "null", 4);
		j->p += ok ? 4 : 0;
		break;
	default:
		if (*j->p == '-')
			j->p++;
		ok = isdigit(*j->p);
		while (isdigit(*j->p))
			j->p++;
		break;
	}
	j->depth--;
	return ok;
}

/* @s is one valid JSON object followed by exactly one newline. */
static void expect_json_line(struct kunit *test, const char *s)
{
	struct jp j = { .p = s };

	KUNIT_EXPECT_EQ(test, '{', s[0]);
	KUNIT_EXPECT_TRUE_MSG(test, jp_value(&j), "invalid JSON at offset %td: %.40s",
			      j.p - s, j.p);
	KUNIT_EXPECT_STREQ(test, "\n", j.p);
}

/* The string value of the @nth (from 0) @key in a JSON line, decoded. */
static size_t json_get(struct kunit *test, const char *s, const char *key,
		       unsigned int nth, u8 *out, size_t max)
{
	struct jp j = { .p = s, .want = key, .nth = nth, .got = out,
			.got_max = max };

	KUNIT_ASSERT_TRUE(test, jp_value(&j));
	KUNIT_ASSERT_TRUE_MSG(test, j.found, "no string key %s", key);
	return j.got_len;
}

/* @s contains @sub. */
static void expect_has(struct kunit *test, const char *s, const char *sub)
{
	KUNIT_EXPECT_NOT_ERR_OR_NULL_MSG(test, strstr(s, sub), "missing: %s", sub);
}

/* @s starts with @prefix. */
static void expect_starts(struct kunit *test, const char *s, const char *prefix)
{
	KUNIT_EXPECT_TRUE_MSG(test, !strncmp(s, prefix, strlen(prefix)),
			      "does not start with: %s", prefix);
}

static const char hostile_comm[TASK_COMM_LEN] =
	"\"}\\\n\x01\x1f\x7f\x80\xff{],:=%s";

static struct oomsnap_event *make_event(struct kunit *test, unsigned int cands)
{
	struct oomsnap_event *ev;
	unsigned int i;

	ev = kunit_kzalloc(test, struct_size(ev, cands, cands), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ev);
	ev->seq = 7;
	ev->boot_ns = 1477960064000ULL;
	ev->real_ns = 1763780000123456789ULL;
	ev->kind = OOMSNAP_KIND_MEMCG;
	ev->constraint = OOMSNAP_CONSTRAINT_MEMCG;
	ev->cause = OOMSNAP_CAUSE_MEMCG_LIMIT;
	ev->outcome = OOMSNAP_OUTCOME_KILLED;
	ev->gfp_mask = GFP_KERNEL;
	ev->order = 0;
	ev->totalpages = 8192;
	ev->has = OOMSNAP_HAS_MEMCG | OOMSNAP_HAS_VICTIM |
		  OOMSNAP_HAS_VICTIM_MM | OOMSNAP_HAS_POINTS |
		  OOMSNAP_HAS_OOM_NS | OOMSNAP_HAS_TRIGGER_MEMCG |
		  OOMSNAP_HAS_VICTIM_MEMCG | OOMSNAP_HAS_COMMITTED |
		  OOMSNAP_HAS_SWAP | OOMSNAP_HAS_NODEMASK | OOMSNAP_HAS_REAPED;
	nodes_clear(ev->nodemask);
	node_set(0, ev->nodemask);
	ev->trigger.pid = 93;
	ev->trigger.tgid = 93;
	memcpy(ev->trigger.comm, hostile_comm, TASK_COMM_LEN);
	/* a path that fills its buffer: no terminating NUL */
	memset(ev->trigger.memcg, 'a', OOMSNAP_PATH_LEN);
	ev->trigger.memcg[0] = '/';
	strscpy(ev->memcg.path, "/t\"x\\y\n", OOMSNAP_PATH_LEN);
	ev->memcg.usage = 8192;
	ev->memcg.limit = 8192;
	ev->system.totalram = 65536;
	ev->victim.pid = 93;
	ev->victim.tgid = 93;
	ev->victim.adj = -1000;
	ev->victim.points = 8291;
	memcpy(ev->victim.comm, hostile_comm, TASK_COMM_LEN);
	strscpy(ev->victim.memcg, "/t", OOMSNAP_PATH_LEN);
	ev->victim.total_vm = 8469;
	ev->victim.pgtables_kb = 100;
	ev->nr_zones = 2;
	for (i = 0; i < ev->nr_zones; i++) {
		ev->zones[i].name = i ? "Normal" : "DMA32";
		ev->zones[i].node = i;
		ev->zones[i].zone = i ? ZONE_NORMAL : ZONE_DMA32;
		ev->zones[i].free = 1000;
		ev->zones[i].blocks[0] = 3;
	}
	ev->nr_killed = 2;
	ev->killed[0] = 93;
	ev->killed[1] = 94;
	ev->nr_cands = cands;
	for (i = 0; i < cands; i++) {
		ev->cands[i].pid = 100 + i;
		memcpy(ev->cands[i].comm, hostile_comm, TASK_COMM_LEN);
		ev->cands[i].points = 50 - i;
		ev->cands[i].adj = i;
	}
	return ev;
}

static void render_json_valid(struct kunit *test)
{
	struct oomsnap_event *ev = make_event(test, 3);
	char *s = render(test, ev, true);

	expect_json_line(test, s);
	expect_starts(test, s, "{\"v\":1,\"seq\":7,\"boot_ns\":1477960064000,");
	expect_has(test, s, "\"gfp_mask\":\"0xcc0\",\"gfp\":\"GFP_KERNEL\"");
	expect_has(test, s, "\"usage_kb\":32768,\"limit_kb\":32768");
	expect_has(test, s, "\"killed\":[93,94]");
	expect_has(test, s, "\"nodemask\":\"0\"");
	expect_has(test, s, "\"oom_score_adj\":-1000");
	expect_has(test, s, "\"protected\":false,\"settled\":false}");
	ev->victim.settled = true;
	expect_has(test, render(test, ev, true), "\"protected\":false,\"settled\":true}");
	expect_has(test, render(test, ev, false), " protected=false settled=true\n");
	ev->victim.settled = false;
	/* escapes: quote, backslash, control, DEL and high bytes */
	expect_has(test, s, "\"comm\":\"\\\"}\\\\\\u000a\\u0001");
	expect_has(test, s, "\\u0001\\u001f\\u007f\\u0080\\u00ff{],:=%s\",");
}

static void render_json_key_order(struct kunit *test)
{
	static const char * const keys[] = {
		"\"v\":", "\"seq\":", "\"boot_ns\":", "\"real_ns\":",
		"\"kind\":", "\"constraint\":", "\"cause\":", "\"outcome\":",
		"\"gfp_mask\":", "\"gfp\":", "\"order\":", "\"nodemask\":",
		"\"totalpages\":", "\"trigger\":", "\"memcg\":{", "\"system\":",
		"\"zones\":", "\"victim\":", "\"protected\":", "\"settled\":",
		"\"killed\":", "\"candidates\":",
		"\"reaped\":", "\"capture_ns\":", "\"oom_ns\":",
	};
	struct oomsnap_event *ev = make_event(test, 1);
	char *s = render(test, ev, true);
	const char *prev = s, *p;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		p = strstr(prev, keys[i]);
		KUNIT_EXPECT_NOT_ERR_OR_NULL_MSG(test, p, "key %s missing or out of order",
						 keys[i]);
		if (p)
			prev = p;
	}
}

static void render_json_roundtrip(struct kunit *test)
{
	struct oomsnap_event *ev = make_event(test, 0);
	u8 got[OOMSNAP_PATH_LEN + 8];
	unsigned int b;
	size_t n;

	/* every byte value survives in comm, 15 at a time */
	for (b = 1; b < 256; b += TASK_COMM_LEN - 1) {
		unsigned int i;
		char *s;

		memset(ev->trigger.comm, 0, TASK_COMM_LEN);
		for (i = 0; i < TASK_COMM_LEN - 1 && b + i < 256; i++)
			ev->trigger.comm[i] = b + i;
		s = render(test, ev, true);
		expect_json_line(test, s);
		n = json_get(test, s, "comm", 0, got, sizeof(got));
		KUNIT_EXPECT_EQ(test, i, n);
		KUNIT_EXPECT_EQ(test, 0, memcmp(got, ev->trigger.comm, i));
	}
	/* a path without NUL is cut at its buffer's size */
	n = json_get(test, render(test, ev, true), "memcg", 0, got, sizeof(got));
	KUNIT_EXPECT_EQ(test, OOMSNAP_PATH_LEN, n);
	/* a process name that is empty */
	memset(ev->victim.comm, 0, TASK_COMM_LEN);
	n = json_get(test, render(test, ev, true), "comm", 1, got, sizeof(got));
	KUNIT_EXPECT_EQ(test, 0, n);
}

static void render_json_str_limits(struct kunit *test)
{
	char *buf = kunit_kzalloc(test, 64, GFP_KERNEL);
	struct seq_file sf = { .size = 63 };

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	sf.buf = buf;
	oomsnap_json_str(&sf, "abcdef", 3);
	oomsnap_json_str(&sf, "ab\0cd", 5);
	oomsnap_json_str(&sf, "", 10);
	oomsnap_json_str(&sf, "x", 0);
	buf[sf.count] = '\0';
	KUNIT_EXPECT_STREQ(test, "\"abc\"\"ab\"\"\"\"\"", buf);
}

static void render_json_nulls(struct kunit *test)
{
	struct oomsnap_event *ev = make_event(test, 0);
	char *s;

	ev->has = 0;
	ev->kind = OOMSNAP_KIND_GLOBAL;
	ev->constraint = OOMSNAP_CONSTRAINT_UNKNOWN;
	ev->outcome = OOMSNAP_OUTCOME_NO_VICTIM;
	ev->nr_zones = 0;
	ev->nr_killed = 0;
	s = render(test, ev, true);
	expect_json_line(test, s);
	expect_has(test, s, "\"constraint\":null,");
	expect_has(test, s, "\"nodemask\":null,");
	expect_has(test, s, "\"memcg\":null,\"system\":");
	expect_has(test, s, "\"trigger\":{\"pid\":93,\"tgid\":93,");
	expect_has(test, s, "\"totalswap_kb\":null");
	expect_has(test, s, "\"committed_kb\":null");
	expect_has(test, s, "\"zones\":[],\"victim\":null,\"killed\":[],");
	expect_has(test, s, "\"killed\":[],\"candidates\":[],\"reaped\":null,");
	expect_has(test, s, "\"oom_ns\":null}");
	/* victim known but not its memory figures or points */
	ev->has = OOMSNAP_HAS_VICTIM;
	s = render(test, ev, true);
	expect_json_line(test, s);
	expect_has(test, s, "\"points\":null");
	expect_has(test, s, "\"total_vm_kb\":null,\"anon_rss_kb\":null,\"file_rss_kb\":null,");
	expect_has(test, s, "\"shmem_rss_kb\":null,\"swapents\":null,\"pgtables_kb\":null");
	expect_has(test, s, "\"protected\":false,\"settled\":null}");
	expect_has(test, s, "\"memcg\":null");
}

static void render_text_hostile(struct kunit *test)
{
	struct oomsnap_event *ev = make_event(test, 2);
	char *s = render(test, ev, false);
	const char *p;

	expect_starts(test, s, "event 7 memcg constraint=memcg cause=memcg_limit outcome=killed ");
	expect_has(test, s, " outcome=killed gfp=0xcc0(GFP_KERNEL) order=0 ");
	expect_has(test, s, "\n  trigger pid=93 tgid=93 comm=");
	expect_has(test, s, "\n  memcg path=/t\\042x\\134y\\012 usage=32768kB limit=32768kB");
	expect_has(test, s, "\n  victim pid=93 ");
	expect_has(test, s, " total-vm=33876kB ");
	expect_has(test, s, "\n  zone node=1 zone=Normal free=4000kB");
	expect_has(test, s, "\n  candidate pid=101 ");
	/*
	 * Hostile names cannot break a line, split a field or hide a byte:
	 * all but printable ASCII, and '"', '=' and '\\', become \ooo
	 * (interface section 3.2), so the view is printable ASCII.
	 */
	for (p = s; *p; p++) {
		u8 b = *p;

		KUNIT_EXPECT_TRUE_MSG(test, b == '\n' || (b >= 0x20 && b < 0x7f),
				      "raw byte %#x at offset %td", b, p - s);
		if (*p == '\n' && p[1])
			KUNIT_EXPECT_EQ_MSG(test, ' ', p[1],
					    "line at offset %td does not start with a space",
					    p + 1 - s);
	}
	KUNIT_EXPECT_EQ(test, '\n', s[strlen(s) - 1]);
	expect_has(test, s, " comm=\\042}\\134\\012\\001\\037\\177\\200\\377{],:\\075%s ");
}

/*
 * Spaces, '=' and backslashes in names and paths (issue 14, item 7): each
 * field of the text view stays one space-free "key=value" whose value
 * decodes to the JSON view's string.  Before, "a b=c\d" was written raw.
 */
static void render_text_escape(struct kunit *test)
{
	struct oomsnap_event *ev = make_event(test, 1);
	char *s;

	strscpy_pad(ev->victim.comm, "a b=c\\d", TASK_COMM_LEN);
	strscpy(ev->victim.memcg, "/my dir/x=1", OOMSNAP_PATH_LEN);
	strscpy_pad(ev->cands[0].comm, "\"\"", TASK_COMM_LEN);
	s = render(test, ev, false);
	expect_has(test, s, " comm=a\\040b\\075c\\134d uid=0 memcg=/my\\040dir/x\\0751 ");
	expect_has(test, s, "\n  candidate pid=100 comm=\\042\\042 points=");
	/* an empty name is "", which no escaped name can be */
	memset(ev->victim.comm, 0, TASK_COMM_LEN);
	expect_has(test, render(test, ev, false), "\n  victim pid=93 tgid=93 comm=\"\" uid=0 ");
}

static void render_text_nulls(struct kunit *test)
{
	struct oomsnap_event *ev = make_event(test, 0);
	char *s;

	ev->has = 0;
	ev->kind = OOMSNAP_KIND_GLOBAL;
	ev->constraint = OOMSNAP_CONSTRAINT_UNKNOWN;
	ev->nr_zones = 0;
	ev->nr_killed = 0;
	memset(ev->trigger.comm, 0, TASK_COMM_LEN);
	s = render(test, ev, false);
	expect_starts(test, s, "event 7 global constraint=null ");
	expect_has(test, s, " comm=\"\" ");
	expect_has(test, s, " memcg=null");
	expect_has(test, s, "victim=null");
	KUNIT_EXPECT_NULL(test, strstr(s, "\n  memcg "));
}

/* A buffer too small: seq_file notices, nothing is written past it. */
static void render_overflow(struct kunit *test)
{
	struct oomsnap_event *ev = make_event(test, 8);
	unsigned int size;

	for (size = 1; size < 1000; size = size * 3 + 1) {
		char *buf = kmalloc(size, GFP_KERNEL);
		struct seq_file sf = { .size = size };

		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
		sf.buf = buf;
		oomsnap_render_json(&sf, ev);
		KUNIT_EXPECT_TRUE(test, seq_has_overflowed(&sf));
		sf.count = 0;
		oomsnap_render_text(&sf, ev);
		KUNIT_EXPECT_TRUE(test, seq_has_overflowed(&sf));
		kfree(buf);
	}
}

static struct kunit_case oomsnap_render_cases[] = {
	KUNIT_CASE(render_json_valid),
	KUNIT_CASE(render_json_key_order),
	KUNIT_CASE(render_json_roundtrip),
	KUNIT_CASE(render_json_str_limits),
	KUNIT_CASE(render_json_nulls),
	KUNIT_CASE(render_text_hostile),
	KUNIT_CASE(render_text_escape),
	KUNIT_CASE(render_text_nulls),
	KUNIT_CASE(render_overflow),
	{}
};

static struct kunit_suite oomsnap_render_suite = {
	.name = "oomsnap_render",
	.suite_init = oomsnap_suite_init,
	.suite_exit = oomsnap_suite_exit,
	.test_cases = oomsnap_render_cases,
};

/* ------------------------------------------------------------------------ */
/* oomsnap_ring                                                             */
/* ------------------------------------------------------------------------ */

/* Rings of the cases' own: the module's ring is never touched. */
struct ring_ctx {
	struct oomsnap_ring *r;
	unsigned int max_tasks;
	size_t size;			/* one record */
	struct oomsnap_event *ev, *out;
};

/* A ring for this case, destroyed by ring_exit() however the case ends. */
static struct ring_ctx *ring_setup(struct kunit *test, unsigned int capacity,
				   unsigned int max_tasks)
{
	struct ring_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	c->r = oomsnap_ring_create(capacity, max_tasks);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c->r);
	test->priv = c;
	c->max_tasks = max_tasks;
	c->size = ALIGN(struct_size(c->ev, cands, max_tasks), 8);
	c->ev = kunit_kzalloc(test, c->size, GFP_KERNEL);
	c->out = kunit_kzalloc(test, c->size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c->ev);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c->out);
	return c;
}

static void ring_exit(struct kunit *test)
{
	struct ring_ctx *c = test->priv;

	if (c)
		oomsnap_ring_destroy(c->r);
}

/* Commit an event that carries @tag everywhere, the last candidate too. */
static void ring_put(struct ring_ctx *c, u32 tag)
{
	c->ev->order = tag;
	c->ev->victim.pid = tag;
	c->ev->victim.mm = (void *)(unsigned long)(0x1000 + tag);
	c->ev->has = OOMSNAP_HAS_VICTIM;
	if (c->max_tasks) {
		c->ev->nr_cands = c->max_tasks;
		c->ev->cands[c->max_tasks - 1].pid = tag;
	}
	c->ev->seq = 0xdead;	/* the ring assigns it */
	oomsnap_ring_commit(c->r, c->ev);
}

/* @out holds the event of @tag under @seq, its last candidate too. */
static void expect_event(struct kunit *test, struct ring_ctx *c, u64 seq,
			 u32 tag)
{
	KUNIT_EXPECT_EQ(test, seq, c->out->seq);
	KUNIT_EXPECT_EQ(test, (int)tag, c->out->order);
	if (c->max_tasks)
		KUNIT_EXPECT_EQ(test, (pid_t)tag,
				c->out->cands[c->max_tasks - 1].pid);
}

static void expect_read(struct kunit *test, struct ring_ctx *c, u64 seq,
			u32 tag)
{
	memset(c->out, 0, c->size);
	KUNIT_ASSERT_TRUE_MSG(test, oomsnap_ring_read(c->r, seq, c->out),
			      "seq %llu not readable", seq);
	expect_event(test, c, seq, tag);
}

static void expect_bounds(struct kunit *test, struct ring_ctx *c, u64 oldest,
			  u64 next)
{
	u64 o, n;

	oomsnap_ring_bounds(c->r, &o, &n);
	KUNIT_EXPECT_EQ(test, oldest, o);
	KUNIT_EXPECT_EQ(test, next, n);
}

static void ring_empty(struct kunit *test)
{
	struct ring_ctx *c = ring_setup(test, 4, 2);

	KUNIT_EXPECT_NULL(test, oomsnap_ring_create(0, 2));
	expect_bounds(test, c, 1, 1);
	KUNIT_EXPECT_FALSE(test, oomsnap_ring_read(c->r, 0, c->out));
	KUNIT_EXPECT_FALSE(test, oomsnap_ring_read(c->r, 1, c->out));
	KUNIT_EXPECT_FALSE(test, oomsnap_ring_read(c->r, U64_MAX, c->out));
	KUNIT_EXPECT_EQ(test, 0, oomsnap_ring_overwritten(c->r));
	KUNIT_EXPECT_EQ(test, 4 * c->size, oomsnap_ring_bytes(c->r));
	KUNIT_EXPECT_GE(test, c->size,
			sizeof(struct oomsnap_event) + 2 * sizeof(struct oomsnap_cand));
	/* the reaper reporting on an empty ring finds nothing */
	oomsnap_ring_set_reaped(c->r, 1, NULL, 1, 2, 3);
	expect_bounds(test, c, 1, 1);
}

static void ring_wrap(struct kunit *test)
{
	struct ring_ctx *c = ring_setup(test, 4, 3);
	u64 s;

	for (s = 1; s <= 3; s++)
		ring_put(c, s * 10);
	expect_bounds(test, c, 1, 4);
	for (s = 1; s <= 3; s++)
		expect_read(test, c, s, s * 10);
	KUNIT_EXPECT_FALSE(test, oomsnap_ring_read(c->r, 4, c->out));
	/* exactly full, then one over */
	ring_put(c, 40);
	expect_bounds(test, c, 1, 5);
	KUNIT_EXPECT_EQ(test, 0, oomsnap_ring_overwritten(c->r));
	ring_put(c, 50);
	expect_bounds(test, c, 2, 6);
	KUNIT_EXPECT_EQ(test, 1, oomsnap_ring_overwritten(c->r));
	KUNIT_EXPECT_FALSE(test, oomsnap_ring_read(c->r, 1, c->out));
	/* many times around: always the newest four, in their slots */
	for (s = 6; s <= 1003; s++)
		ring_put(c, s * 10);
	expect_bounds(test, c, 1000, 1004);
	KUNIT_EXPECT_EQ(test, 999, oomsnap_ring_overwritten(c->r));
	for (s = 1000; s <= 1003; s++)
		expect_read(test, c, s, s * 10);
	KUNIT_EXPECT_FALSE(test, oomsnap_ring_read(c->r, 999, c->out));
	KUNIT_EXPECT_FALSE(test, oomsnap_ring_read(c->r, 1004, c->out));
}

static void ring_capacity_one(struct kunit *test)
{
	struct ring_ctx *c = ring_setup(test, 1, 0);
	u64 s;

	for (s = 1; s <= 5; s++) {
		ring_put(c, s);
		expect_bounds(test, c, s, s + 1);
		expect_read(test, c, s, s);
		KUNIT_EXPECT_FALSE(test, oomsnap_ring_read(c->r, s - 1, c->out));
	}
	KUNIT_EXPECT_EQ(test, 4, oomsnap_ring_overwritten(c->r));
	KUNIT_EXPECT_EQ(test, c->size, oomsnap_ring_bytes(c->r));
}

static void ring_clear(struct kunit *test)
{
	struct ring_ctx *c = ring_setup(test, 4, 1);
	u64 s;

	for (s = 1; s <= 6; s++)
		ring_put(c, s);
	oomsnap_ring_clear(c->r);
	expect_bounds(test, c, 7, 7);
	for (s = 0; s <= 8; s++)
		KUNIT_EXPECT_FALSE(test, oomsnap_ring_read(c->r, s, c->out));
	/* clear is not overwriting */
	KUNIT_EXPECT_EQ(test, 2, oomsnap_ring_overwritten(c->r));
	oomsnap_ring_clear(c->r);
	expect_bounds(test, c, 7, 7);
	/* seq keeps counting, the slots keep rotating */
	ring_put(c, 70);
	expect_bounds(test, c, 7, 8);
	expect_read(test, c, 7, 70);
	for (s = 8; s <= 12; s++)
		ring_put(c, s * 10);
	expect_bounds(test, c, 9, 13);
	KUNIT_EXPECT_EQ(test, 4, oomsnap_ring_overwritten(c->r));
	for (s = 9; s <= 12; s++)
		expect_read(test, c, s, s * 10);
}

/* Two rings share nothing: seq, slots, counts. */
static void ring_instances(struct kunit *test)
{
	struct ring_ctx *a = ring_setup(test, 2, 1);
	struct oomsnap_ring *b = oomsnap_ring_create(3, 1);
	u64 s;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);
	for (s = 1; s <= 5; s++)
		ring_put(a, s);
	a->ev->order = 99;
	oomsnap_ring_commit(b, a->ev);
	expect_bounds(test, a, 4, 6);
	KUNIT_EXPECT_EQ(test, 3, oomsnap_ring_overwritten(a->r));
	KUNIT_EXPECT_EQ(test, 0, oomsnap_ring_overwritten(b));
	KUNIT_ASSERT_TRUE(test, oomsnap_ring_read(b, 1, a->out));
	KUNIT_EXPECT_EQ(test, 1, a->out->seq);
	KUNIT_EXPECT_EQ(test, 99, a->out->order);
	KUNIT_EXPECT_FALSE(test, oomsnap_ring_read(b, 2, a->out));
	oomsnap_ring_clear(b);
	expect_read(test, a, 5, 5);
	oomsnap_ring_destroy(b);
}

static void expect_cursor(struct kunit *test, struct ring_ctx *c,
			  struct oomsnap_cursor *cur, int want, u64 a, u64 b)
{
	u64 lost = U64_MAX, cleared = U64_MAX;

	memset(c->out, 0, c->size);
	KUNIT_ASSERT_EQ(test, want,
			oomsnap_ring_cursor_next(c->r, cur, c->out, &lost, &cleared));
	if (want == OOMSNAP_CUR_EVENT)
		expect_event(test, c, a, b);	/* seq, tag */
	if (want == OOMSNAP_CUR_GAP) {
		KUNIT_EXPECT_EQ(test, a, lost);
		KUNIT_EXPECT_EQ(test, b, cleared);
	}
}

/*
 * A stream reader's cursor: events in order, then a gap that tells the
 * events overwritten before they were read (lost) from those a clear
 * dropped (cleared), each counted once.
 */
static void ring_cursor(struct kunit *test)
{
	struct ring_ctx *c = ring_setup(test, 4, 1);
	struct oomsnap_cursor cur, late;
	u64 s;

	oomsnap_ring_cursor_open(c->r, &cur);
	KUNIT_EXPECT_FALSE(test, oomsnap_ring_cursor_ready(c->r, &cur));
	expect_cursor(test, c, &cur, OOMSNAP_CUR_NONE, 0, 0);
	ring_put(c, 10);
	ring_put(c, 20);
	KUNIT_EXPECT_TRUE(test, oomsnap_ring_cursor_ready(c->r, &cur));
	expect_cursor(test, c, &cur, OOMSNAP_CUR_EVENT, 1, 10);
	expect_cursor(test, c, &cur, OOMSNAP_CUR_EVENT, 2, 20);
	expect_cursor(test, c, &cur, OOMSNAP_CUR_NONE, 0, 0);
	KUNIT_EXPECT_FALSE(test, oomsnap_ring_cursor_ready(c->r, &cur));

	/* a reader opened now starts at the next event, not the old ones */
	oomsnap_ring_cursor_open(c->r, &late);
	expect_cursor(test, c, &late, OOMSNAP_CUR_NONE, 0, 0);

	/* 3..8 into a ring of 4: 3 and 4 are lost to both readers */
	for (s = 3; s <= 8; s++)
		ring_put(c, s);
	expect_cursor(test, c, &cur, OOMSNAP_CUR_GAP, 2, 0);
	for (s = 5; s <= 8; s++)
		expect_cursor(test, c, &cur, OOMSNAP_CUR_EVENT, s, s);
	expect_cursor(test, c, &cur, OOMSNAP_CUR_NONE, 0, 0);

	/* a clear of two unread events: cleared, not lost */
	ring_put(c, 9);
	ring_put(c, 10);
	oomsnap_ring_clear(c->r);
	KUNIT_EXPECT_TRUE(test, oomsnap_ring_cursor_ready(c->r, &cur));
	expect_cursor(test, c, &cur, OOMSNAP_CUR_GAP, 0, 2);
	expect_cursor(test, c, &cur, OOMSNAP_CUR_NONE, 0, 0);
	/* late saw nothing since 3: 3..6 lost (overwritten), 7..10 cleared */
	expect_cursor(test, c, &late, OOMSNAP_CUR_GAP, 4, 4);
	expect_cursor(test, c, &late, OOMSNAP_CUR_NONE, 0, 0);

	/* 11..16 (6 events into 4 slots), then a clear: 2 lost, 4 cleared */
	for (s = 11; s <= 16; s++)
		ring_put(c, s);
	oomsnap_ring_clear(c->r);
	expect_cursor(test, c, &cur, OOMSNAP_CUR_GAP, 2, 4);
	/* a reader that had read everything loses nothing to a clear */
	oomsnap_ring_clear(c->r);
	expect_cursor(test, c, &cur, OOMSNAP_CUR_NONE, 0, 0);
	ring_put(c, 17);
	expect_cursor(test, c, &cur, OOMSNAP_CUR_EVENT, 17, 17);
	oomsnap_ring_cursor_close(c->r, &late);
	oomsnap_ring_cursor_close(c->r, &cur);
	/* closed readers are not counted by a clear any more */
	ring_put(c, 18);
	oomsnap_ring_clear(c->r);
	expect_bounds(test, c, 19, 19);
}

static void ring_reaped(struct kunit *test)
{
	struct ring_ctx *c = ring_setup(test, 16, 1);
	u64 s;

	for (s = 1; s <= 12; s++)
		ring_put(c, s);
	/* the newest event with that pid and mm */
	oomsnap_ring_set_reaped(c->r, 12, (void *)0x100c, 1, 2, 3);
	KUNIT_ASSERT_TRUE(test, oomsnap_ring_read(c->r, 12, c->out));
	KUNIT_EXPECT_TRUE(test, c->out->has & OOMSNAP_HAS_REAPED);
	KUNIT_EXPECT_EQ(test, 1, c->out->reaped.anon);
	KUNIT_EXPECT_EQ(test, 2, c->out->reaped.file);
	KUNIT_EXPECT_EQ(test, 3, c->out->reaped.shmem);
	/* a recycled pid (other mm) is not the victim */
	oomsnap_ring_set_reaped(c->r, 11, (void *)0x2000, 1, 1, 1);
	KUNIT_ASSERT_TRUE(test, oomsnap_ring_read(c->r, 11, c->out));
	KUNIT_EXPECT_FALSE(test, c->out->has & OOMSNAP_HAS_REAPED);
	/* within the lookback of 8 events */
	oomsnap_ring_set_reaped(c->r, 5, (void *)0x1005, 4, 5, 6);
	KUNIT_ASSERT_TRUE(test, oomsnap_ring_read(c->r, 5, c->out));
	KUNIT_EXPECT_TRUE(test, c->out->has & OOMSNAP_HAS_REAPED);
	/* older ones are not searched */
	oomsnap_ring_set_reaped(c->r, 4, (void *)0x1004, 4, 5, 6);
	KUNIT_ASSERT_TRUE(test, oomsnap_ring_read(c->r, 4, c->out));
	KUNIT_EXPECT_FALSE(test, c->out->has & OOMSNAP_HAS_REAPED);
	/* nor cleared ones */
	oomsnap_ring_clear(c->r);
	oomsnap_ring_set_reaped(c->r, 12, (void *)0x100c, 9, 9, 9);
	ring_put(c, 13);
	expect_read(test, c, 13, 13);
	KUNIT_EXPECT_FALSE(test, c->out->has & OOMSNAP_HAS_REAPED);
}

static struct kunit_case oomsnap_ring_cases[] = {
	KUNIT_CASE(ring_empty),
	KUNIT_CASE(ring_wrap),
	KUNIT_CASE(ring_capacity_one),
	KUNIT_CASE(ring_clear),
	KUNIT_CASE(ring_instances),
	KUNIT_CASE(ring_cursor),
	KUNIT_CASE(ring_reaped),
	{}
};

static struct kunit_suite oomsnap_ring_suite = {
	.name = "oomsnap_ring",
	.suite_init = oomsnap_suite_init,
	.suite_exit = oomsnap_suite_exit,
	.exit = ring_exit,
	.test_cases = oomsnap_ring_cases,
};
/* ------------------------------------------------------------------------ */
/* oomsnap_protect: the command parser (interface section 5)                             */
/* ------------------------------------------------------------------------ */

/*
 * The parser is reached through oomsnap_protect_init(), which applies the
 * protect= parameter (commands separated by ';') all or nothing, exactly
 * as a write to the protect file does, and tears everything down on
 * failure.  Like the ring, this owns the module's list only while COMING.
 * No command here names a process or cgroup that exists: nothing in the
 * system is touched.
 */
struct prot_ctx {
	unsigned int protect_max;
	bool live;
};

static int prot_init(struct kunit *test)
{
	struct prot_ctx *c;

	if (THIS_MODULE->state != MODULE_STATE_COMING)
		kunit_skip(test, "the module's list is live (suites run after init)");
	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	c->protect_max = oomsnap_protect_max;
	oomsnap_protect_max = 16;
	test->priv = c;
	return 0;
}

static void prot_exit(struct kunit *test)
{
	struct prot_ctx *c = test->priv;

	if (!c)
		return;
	if (c->live)
		oomsnap_protect_exit();
	oomsnap_protect_max = c->protect_max;
}

/* Apply @list; on success the list stays up until the case ends. */
static int prot_apply(struct kunit *test, const char *list)
{
	struct prot_ctx *c = test->priv;
	int ret;

	if (c->live) {
		oomsnap_protect_exit();
		c->live = false;
	}
	ret = oomsnap_protect_init(list);
	c->live = !ret;
	return ret;
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
	char *list = kunit_kzalloc(test, 2048, GFP_KERNEL);
	unsigned int i, len = 0;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, list);
	for (i = 0; i < 16; i++)
		len += scnprintf(list + len, 2048 - len, "add comm=ku-%u adj=%u;", i, i);
	/* protect_max entries fit, updates take no room */
	KUNIT_ASSERT_EQ(test, 0, prot_apply(test, list));
	KUNIT_EXPECT_EQ(test, 16, oomsnap_protect_entries());
	scnprintf(list + len, 2048 - len, "add comm=ku-3 adj=-3");
	KUNIT_EXPECT_EQ(test, 0, prot_apply(test, list));
	/* one more is ENOSPC, and nothing of the batch stays */
	scnprintf(list + len, 2048 - len, "add comm=ku-16 adj=16");
	KUNIT_EXPECT_EQ(test, -ENOSPC, prot_apply(test, list));
	KUNIT_EXPECT_EQ(test, 0, oomsnap_protect_entries());
	/* unless the batch deletes one first */
	scnprintf(list + len, 2048 - len, "del comm=ku-0;add comm=ku-16 adj=16");
	KUNIT_EXPECT_EQ(test, 0, prot_apply(test, list));
	KUNIT_EXPECT_EQ(test, 16, oomsnap_protect_entries());
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
	.suite_init = oomsnap_suite_init,
	.suite_exit = oomsnap_suite_exit,
	.init = prot_init,
	.exit = prot_exit,
	.test_cases = oomsnap_protect_cases,
};

kunit_test_suites(&oomsnap_cause_suite, &oomsnap_render_suite,
		  &oomsnap_ring_suite, &oomsnap_protect_suite);
