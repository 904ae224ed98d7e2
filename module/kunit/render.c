// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap KUnit: the JSON and text views of an event (oomsnap_render.c),
 * rendered into a seq_file buffer: hostile strings, nulls, overflow.
 */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/seq_file.h>
#include <linux/gfp.h>
#include <linux/mmzone.h>
#include "../oomsnap.h"

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
		oomsnap_render_json(&sf, ev, OOMSNAP_SHOW_ARGV);
	else
		oomsnap_render_text(&sf, ev, OOMSNAP_SHOW_ARGV);
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
		u16 v;

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
				char hex[5] = "";

				if (!isxdigit(j->p[0]) || !isxdigit(j->p[1]) ||
				    !isxdigit(j->p[2]) || !isxdigit(j->p[3]))
					return false;
				/*
				 * kstrtou16(), not hex_to_bin(): that moved to
				 * linux/hex.h, which 7.x's kernel.h lacks
				 */
				memcpy(hex, j->p, 4);
				if (kstrtou16(hex, 16, &v))
					return false;
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

/* One "key":value of an object; decodes the value if it is the one wanted. */
static bool jp_member(struct jp *j)
{
	char key[32];
	size_t klen;
	bool match;

	if (!jp_string(j, key, &klen, sizeof(key) - 1))
		return false;
	key[min(klen, sizeof(key) - 1)] = '\0';
	if (*j->p++ != ':')
		return false;
	match = j->want && !j->found && !strcmp(key, j->want) &&
		*j->p == '"' && !j->nth--;
	if (!match)
		return jp_value(j);
	j->found = true;
	return jp_string(j, j->got, &j->got_len, j->got_max);
}

/* An object (@close '}') or an array (@close ']'), its opening at j->p. */
static bool jp_list(struct jp *j, char close)
{
	j->p++;
	if (*j->p == close) {
		j->p++;
		return true;
	}
	for (;;) {
		if (!(close == '}' ? jp_member(j) : jp_value(j)))
			return false;
		if (*j->p == close) {
			j->p++;
			return true;
		}
		if (*j->p++ != ',')
			return false;
	}
}

/* The literal @word (true, false, null) at j->p. */
static bool jp_word(struct jp *j, const char *word)
{
	size_t len = strlen(word);

	if (strncmp(j->p, word, len))
		return false;
	j->p += len;
	return true;
}

static bool jp_value(struct jp *j)
{
	bool ok;

	if (++j->depth > 8)
		return false;
	if (*j->p == '{' || *j->p == '[') {
		ok = jp_list(j, *j->p == '{' ? '}' : ']');
	} else if (*j->p == '"') {
		ok = jp_string(j, NULL, NULL, 0);
	} else if (isalpha(*j->p)) {
		ok = jp_word(j, "true") || jp_word(j, "false") ||
		     jp_word(j, "null");
	} else {
		if (*j->p == '-')
			j->p++;
		ok = isdigit(*j->p);
		while (isdigit(*j->p))
			j->p++;
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

/* @s contains each of @subs. */
static void expect_has_all(struct kunit *test, const char *s,
			   const char * const *subs, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		expect_has(test, s, subs[i]);
}

/* @s starts with @prefix. */
static void expect_starts(struct kunit *test, const char *s, const char *prefix)
{
	KUNIT_EXPECT_TRUE_MSG(test, !strncmp(s, prefix, strlen(prefix)),
			      "does not start with: %s", prefix);
}

static const char hostile_comm[TASK_COMM_LEN] =
	"\"}\\\n\x01\x1f\x7f\x80\xff{],:=%s";

/* Add @len bytes of @path to @ev's path table: its index + 1. */
static u8 put_path(struct oomsnap_event *ev, const char *path, size_t len,
		   bool truncated)
{
	struct oomsnap_paths *t = &ev->paths;

	t->ent[t->nr].off = t->used;
	t->ent[t->nr].len = len;
	t->ent[t->nr].truncated = truncated;
	if (path)
		memcpy(t->buf + t->used, path, len);
	t->used += len;
	return ++t->nr;
}

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
		  OOMSNAP_HAS_OOM_NS | OOMSNAP_HAS_COMMITTED |
		  OOMSNAP_HAS_SWAP | OOMSNAP_HAS_NODEMASK | OOMSNAP_HAS_REAPED;
	nodes_clear(ev->nodemask);
	node_set(0, ev->nodemask);
	ev->trigger.pid = 93;
	ev->trigger.tgid = 93;
	memcpy(ev->trigger.comm, hostile_comm, TASK_COMM_LEN);
	/* a path cut at OOMSNAP_PATH_MAX, stored without a NUL */
	memset(ev->paths.buf, 'a', OOMSNAP_PATH_MAX);
	ev->paths.buf[0] = '/';
	ev->trigger.memcg = put_path(ev, NULL, OOMSNAP_PATH_MAX, true);
	ev->memcg.path = put_path(ev, "/t\"x\\y\n", 7, false);
	ev->memcg.usage = 8192;
	ev->memcg.limit = 8192;
	ev->system.totalram = 65536;
	ev->victim.pid = 93;
	ev->victim.tgid = 93;
	ev->victim.adj = -1000;
	ev->victim.points = 8291;
	memcpy(ev->victim.comm, hostile_comm, TASK_COMM_LEN);
	ev->victim.memcg = put_path(ev, "/t", 2, false);
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
	ev->nr_killed_seen = 3;
	ev->killed[0].tgid = 93;
	ev->killed[1].tgid = 94;
	ev->killed[1].why = OOMSNAP_KILL_GROUP;
	ev->nr_cands = cands;
	for (i = 0; i < cands; i++) {
		ev->cands[i].pid = 100 + i;
		memcpy(ev->cands[i].comm, hostile_comm, TASK_COMM_LEN);
		ev->cands[i].points = 50 - i;
		ev->cands[i].adj = i;
	}
	/* the second candidate shares the victim's cgroup, the first has none */
	if (cands > 1)
		ev->cands[1].memcg = ev->victim.memcg;
	return ev;
}

/* What a task without a command line read ends with (oomsnap_cmdline.c). */
#define NO_CMDLINE \
	",\"exe\":null,\"argv\":null,\"argv_truncated\":null,\"argv_state\":\"none\"}"
#define NO_CMDLINE_TEXT " exe=null argv=null argv-truncated=null argv-state=none"

static void render_json_valid(struct kunit *test)
{
	static const char * const has[] = {
		"\"gfp_mask\":\"0xcc0\",\"gfp\":\"GFP_KERNEL\"",
		"\"usage_kb\":32768,\"limit_kb\":32768",
		"\"killed\":[93,94],\"killed_total\":3,\"group\":null,",
		"\"why\":\"group\",\"uid\":0,\"memcg\":null,\"memcg_truncated\":null,",
		"\"nodemask\":\"0\"",
		"\"oom_score_adj\":-1000",
		"\"protected\":false,\"settled\":false" NO_CMDLINE,
	};
	struct oomsnap_event *ev = make_event(test, 3);
	char *s = render(test, ev, true);

	expect_json_line(test, s);
	expect_starts(test, s, "{\"v\":1,\"seq\":7,\"boot_ns\":1477960064000,");
	expect_has_all(test, s, has, ARRAY_SIZE(has));
	ev->victim.settled = true;
	expect_has(test, render(test, ev, true), "\"protected\":false,\"settled\":true" NO_CMDLINE);
	expect_has(test, render(test, ev, false),
		   " protected=false settled=true" NO_CMDLINE_TEXT "\n");
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
	size_t size = OOMSNAP_PATH_MAX + 8, n;
	u8 *got = kunit_kzalloc(test, size, GFP_KERNEL);
	unsigned int b;
	char *s;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, got);
	/* every byte value survives in comm, 15 at a time */
	for (b = 1; b < 256; b += TASK_COMM_LEN - 1) {
		unsigned int i;

		memset(ev->trigger.comm, 0, TASK_COMM_LEN);
		for (i = 0; i < TASK_COMM_LEN - 1 && b + i < 256; i++)
			ev->trigger.comm[i] = b + i;
		s = render(test, ev, true);
		expect_json_line(test, s);
		n = json_get(test, s, "comm", 0, got, size);
		KUNIT_EXPECT_EQ(test, i, n);
		KUNIT_EXPECT_EQ(test, 0, memcmp(got, ev->trigger.comm, i));
	}
	/* a path without NUL ends at its length, and says it was cut */
	s = render(test, ev, true);
	n = json_get(test, s, "memcg", 0, got, size);
	KUNIT_EXPECT_EQ(test, OOMSNAP_PATH_MAX, n);
	expect_has(test, s, "aaa\",\"memcg_truncated\":true,\"exe\":null,");
	expect_has(test, s, "\"path_truncated\":false,");
	/* a process name that is empty */
	memset(ev->victim.comm, 0, TASK_COMM_LEN);
	n = json_get(test, render(test, ev, true), "comm", 1, got, size);
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

/* A global OOM's event that knows nothing of what is optional. */
static struct oomsnap_event *make_bare_event(struct kunit *test)
{
	struct oomsnap_event *ev = make_event(test, 0);

	ev->has = 0;
	ev->kind = OOMSNAP_KIND_GLOBAL;
	ev->constraint = OOMSNAP_CONSTRAINT_UNKNOWN;
	ev->nr_zones = 0;
	ev->nr_killed = 0;
	ev->nr_killed_seen = 0;
	ev->trigger.memcg = 0;	/* no paths */
	ev->victim.memcg = 0;
	return ev;
}

/* @ev's JSON view is one valid line that contains each of @subs. */
static void expect_json_has(struct kunit *test,
			    const struct oomsnap_event *ev,
			    const char * const *subs, unsigned int nr)
{
	char *s = render(test, ev, true);

	expect_json_line(test, s);
	expect_has_all(test, s, subs, nr);
}

static void render_json_nulls(struct kunit *test)
{
	static const char * const bare[] = {
		"\"constraint\":null,",
		"\"nodemask\":null,",
		"\"memcg\":null,\"system\":",
		"\"trigger\":{\"pid\":93,\"tgid\":93,",
		"\"totalswap_kb\":null",
		"\"committed_kb\":null",
		"\"zones\":[],\"victim\":null,\"killed\":[],",
		"\"killed\":[],\"killed_total\":0,\"group\":null,\"killed_tasks\":[],",
		"\"candidates\":[],\"spared\":[],\"spared_seen\":0,",
		"\"spared_seen\":0,\"reaped\":null,",
		"\"oom_ns\":null}",
	};
	/* victim known but not its memory figures or points */
	static const char * const victim[] = {
		"\"points\":null",
		"\"total_vm_kb\":null,\"anon_rss_kb\":null,\"file_rss_kb\":null,",
		"\"shmem_rss_kb\":null,\"swapents\":null,\"pgtables_kb\":null",
		"\"protected\":false,\"settled\":null" NO_CMDLINE,
		"\"memcg\":null",
	};
	struct oomsnap_event *ev = make_bare_event(test);

	ev->outcome = OOMSNAP_OUTCOME_NO_VICTIM;
	expect_json_has(test, ev, bare, ARRAY_SIZE(bare));
	ev->has = OOMSNAP_HAS_VICTIM;
	expect_json_has(test, ev, victim, ARRAY_SIZE(victim));
}

static void render_text_hostile(struct kunit *test)
{
	static const char * const has[] = {
		" outcome=killed gfp=0xcc0(GFP_KERNEL) order=0 ",
		"\n  trigger pid=93 tgid=93 comm=",
		"\n  memcg path=/t\\042x\\134y\\012 path-truncated=false usage=32768kB limit=32768kB",
		"\n  victim pid=93 ",
		" total-vm=33876kB ",
		"\n  zone node=1 zone=Normal free=4000kB",
		"\n  candidate pid=101 ",
	};
	static const char tail[] = " memcg=/t memcg-truncated=false";
	struct oomsnap_event *ev = make_event(test, 2);
	char *s = render(test, ev, false);
	const char *p, *end;

	expect_starts(test, s, "event 7 memcg constraint=memcg cause=memcg_limit outcome=killed ");
	expect_has_all(test, s, has, ARRAY_SIZE(has));
	/* a candidate's cgroup ends its line */
	p = strstr(s, "\n  candidate pid=101 ");
	KUNIT_ASSERT_NOT_NULL(test, p);
	end = strchrnul(p + 1, '\n');
	KUNIT_EXPECT_TRUE_MSG(test, end - p > strlen(tail) &&
			      !strncmp(end - strlen(tail), tail, strlen(tail)),
			      "candidate line: %.*s", (int)(end - p), p);
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
	ev->victim.memcg = put_path(ev, "/my dir/x=1", 11, false);
	strscpy_pad(ev->cands[0].comm, "\"\"", TASK_COMM_LEN);
	s = render(test, ev, false);
	expect_has(test, s,
		   " comm=a\\040b\\075c\\134d uid=0 memcg=/my\\040dir/x\\0751 memcg-truncated=false ");
	expect_has(test, s, "\n  candidate pid=100 comm=\\042\\042 points=");
	/* an empty name is "", which no escaped name can be */
	memset(ev->victim.comm, 0, TASK_COMM_LEN);
	expect_has(test, render(test, ev, false), "\n  victim pid=93 tgid=93 comm=\"\" uid=0 ");
}

static void render_text_nulls(struct kunit *test)
{
	struct oomsnap_event *ev = make_bare_event(test);
	char *s;

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
		oomsnap_render_json(&sf, ev, OOMSNAP_SHOW_ARGV);
		KUNIT_EXPECT_TRUE(test, seq_has_overflowed(&sf));
		sf.count = 0;
		oomsnap_render_text(&sf, ev, OOMSNAP_SHOW_ARGV);
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
	.test_cases = oomsnap_render_cases,
};

kunit_test_suite(oomsnap_render_suite);
