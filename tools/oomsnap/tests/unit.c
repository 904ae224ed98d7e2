// SPDX-License-Identifier: GPL-2.0
/*
 * unit: the CLI's internals on the host, no module, no VM.
 *
 *   unit DATA_DIR      (tests/data: every DIR/ * /events.json is read)
 *
 * - every byte the module can write in a name comes back as the module
 *   escaped it (record.c, sb_escaped());
 * - the watch line's logfmt parses back, for every recorded event
 *   (hostile names included), to exactly the record's values: no name can
 *   end a value early or add a key (brief.c);
 * - paths, nulls and parse errors (record.c);
 * - dates (sb_utc());
 * - the stack in words (stack.c), on the frames of the kernel reports
 *   behind seed 002 and others;
 * - explain names the zones of a fragmentation OOM from the module's
 *   per-zone "fragmented" flag, not from the figures (explain.c);
 * - container, pod and unit from real-shaped cgroup paths of each runtime,
 *   cgroup v2 and v1, and paths that only look like one (ident.c), and
 *   how events --json, watch, explain and the text view show them.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oomsnap.h"

static int passed, failed;

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		passed++;						\
	} else {							\
		failed++;						\
		printf("not ok - %s:%d: ", __FILE__, __LINE__);		\
		printf(__VA_ARGS__);					\
		putchar('\n');						\
	}								\
} while (0)

/* The module's escaping of one byte (oomsnap_json_str()). */
static void module_escape(char *out, unsigned char c)
{
	if (c == '"' || c == '\\')
		sprintf(out, "\\%c", c);
	else if (c < 0x20 || c >= 0x7f)
		sprintf(out, "\\u%04x", c);
	else
		sprintf(out, "%c", c);
}

static void test_escape(void)
{
	char esc[16], line[64];
	struct sbuf b = { 0 };
	const char *err = NULL;
	json_object *o;
	unsigned int c;

	for (c = 1; c < 256; c++) {
		module_escape(esc, c);
		snprintf(line, sizeof(line), "{\"s\":\"x%sy\"}", esc);
		o = rec_parse(line, strlen(line), &err);
		CHECK(o, "byte %#x: %s", c, err);
		if (!o)
			continue;
		sb_reset(&b);
		sb_v(&b, o, "s");
		snprintf(line, sizeof(line), "x%sy", esc);
		CHECK(!strcmp(b.s, line), "byte %#x shown as '%s', not '%s'", c, b.s, line);
		json_object_put(o);
	}
	/* raw bytes that are not UTF-8 (not the module's, but possible) */
	sb_reset(&b);
	sb_escaped(&b, "a\xff\xc3", 3);
	CHECK(!strcmp(b.s, "a\\u00ff\\u00c3"), "raw bytes shown as '%s'", b.s);
	sb_free(&b);
}

/* Split a logfmt line; check each pair against the record. */
static void check_logfmt(json_object *rec, const char *line, const char *where)
{
	const char *p = line, *eq, *end;
	char key[64], *val;
	struct sbuf want = { 0 };
	json_object *v, *s;
	int keys = 0;

	while (*p) {
		eq = strchr(p, '=');
		CHECK(eq && eq - p < (long)sizeof(key), "%s: no key at '%s'", where, p);
		if (!eq || eq - p >= (long)sizeof(key))
			break;
		memcpy(key, p, eq - p);
		key[eq - p] = '\0';
		CHECK(!strchr(key, ' ') && !strchr(key, '"'), "%s: bad key '%s'", where, key);
		p = eq + 1;
		if (*p == '"') {
			/* a JSON string literal, up to its unescaped quote */
			char lit[1024];

			for (end = p + 1; *end && *end != '"'; end++)
				if (*end == '\\' && end[1])
					end++;
			CHECK(*end == '"' && end - p < (long)sizeof(lit) - 1,
			      "%s: %s: unterminated quoted value", where, key);
			if (*end != '"' || end - p >= (long)sizeof(lit) - 1)
				break;
			end++;
			memcpy(lit, p, end - p);
			lit[end - p] = '\0';
			s = json_tokener_parse(lit);
			CHECK(s && json_object_is_type(s, json_type_string),
			      "%s: %s: bad quoted value %s", where, key, lit);
			if (!s)
				break;
			val = strdup(json_object_get_string(s));
			json_object_put(s);
		} else {
			end = p + strcspn(p, " ");
			val = strndup(p, end - p);
		}
		CHECK(!*end || *end == ' ', "%s: %s: value not followed by a space", where, key);
		p = *end ? end + 1 : end;
		keys++;
		if (!strcmp(key, "time") || !strcmp(key, "boot_s")) {
			free(val);
			continue;
		}
		v = rec_get(rec, key);
		CHECK(v, "%s: key %s is not a known value of the record", where, key);
		if (v) {
			int plain = JSON_C_TO_STRING_PLAIN;

			sb_reset(&want);
			if (json_object_is_type(v, json_type_string))
				sb_puts(&want, json_object_get_string(v));
			else
				sb_puts(&want, json_object_to_json_string_ext(v, plain));
			CHECK(!strcmp(val, want.s), "%s: %s='%s', the record has '%s'",
			      where, key, val, want.s);
		}
		free(val);
	}
	CHECK(keys >= 5, "%s: only %d pairs in '%s'", where, keys, line);
	sb_free(&want);
}

static void test_logfmt(const char *data)
{
	char path[512], where[600];
	struct sbuf b = { 0 };
	struct dirent *de;
	size_t len, size;
	const char *line, *err;
	json_object *rec;
	struct lines it;
	int events = 0;
	char *buf;
	DIR *d = opendir(data);
	FILE *f;

	CHECK(d, "cannot open %s", data);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/events.json", data, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		buf = xrealloc(NULL, 1 << 20);
		size = fread(buf, 1, (1 << 20) - 1, f);
		buf[size] = '\0';
		fclose(f);
		it = (struct lines){ buf, buf + size, 0 };
		while (next_line(&it, &line, &len)) {
			rec = rec_parse(line, len, &err);
			CHECK(rec, "%s:%u: %s", path, it.nr, err);
			if (!rec)
				continue;
			sb_reset(&b);
			sb_brief(&b, rec);
			snprintf(where, sizeof(where), "%s:%u", path, it.nr);
			CHECK(!strchr(b.s, '\n'), "%s: a newline in the line", where);
			check_logfmt(rec, b.s, where);
			json_object_put(rec);
			events++;
		}
		free(buf);
	}
	if (d)
		closedir(d);
	CHECK(events >= 12, "only %d recorded events found under %s", events, data);
	sb_free(&b);
}

static void test_paths(void)
{
	static const char line[] = "{\"a\":{\"b\":[1,{\"c\":\"x\"},null]},\"n\":null,\"t\":true}";
	static const char big[] = "{\"ns\":1796285232387153810}";
	static const char * const bad[] = {
		"", "{", "[1]", "\"s\"", "{} x", "{\"a\":}", "{\"a\":1,}",
	};
	const char *err = NULL;
	json_object *o = rec_parse(line, strlen(line), &err);
	struct sbuf b = { 0 };
	size_t i;

	CHECK(o, "parse: %s", err);
	if (!o)
		return;
	CHECK(rec_int(o, "a.b.0") == 1, "a.b.0");
	CHECK(rec_is(o, "a.b.1.c", "x"), "a.b.1.c");
	CHECK(!rec_has(o, "a.b.2"), "null is unknown");
	CHECK(!rec_has(o, "a.b.3"), "past the end");
	CHECK(!rec_has(o, "a.b.x"), "not an index");
	CHECK(!rec_has(o, "n"), "null");
	CHECK(!rec_has(o, "n.x"), "below null");
	CHECK(!rec_has(o, "missing"), "missing");
	CHECK(rec_is(o, "t", "true"), "true");
	sb_v(&b, o, "n");
	sb_v(&b, o, "a.b.0");
	sb_kb(&b, o, "a.b.0");
	sb_kb(&b, o, "n");
	CHECK(!strcmp(b.s, "?11 kBan unknown amount"), "shown as '%s'", b.s);
	json_object_put(o);
	o = rec_parse(big, strlen(big), &err);
	CHECK(o && rec_int(o, "ns") == 1796285232387153810LL, "64-bit");
	json_object_put(o);
	o = rec_parse("{}  \r", 5, &err);
	CHECK(o, "trailing white space is allowed");
	json_object_put(o);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		err = NULL;
		o = rec_parse(bad[i], strlen(bad[i]), &err);
		CHECK(!o && err, "'%s' was accepted", bad[i]);
		json_object_put(o);
	}
	sb_free(&b);
}

static void test_utc(void)
{
	static const struct {
		long long t;
		const char *text, *iso;
	} cases[] = {
		{ 0, "1970-01-01 00:00:00 UTC", "1970-01-01T00:00:00Z" },
		{ 951782400, "2000-02-29 00:00:00 UTC", "2000-02-29T00:00:00Z" },
		{ 4102444799LL, "2099-12-31 23:59:59 UTC", "2099-12-31T23:59:59Z" },
		{ 1796285232, "2026-12-03 08:07:12 UTC", "2026-12-03T08:07:12Z" },
	};
	struct sbuf b = { 0 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		sb_reset(&b);
		sb_utc(&b, cases[i].t, false);
		CHECK(!strcmp(b.s, cases[i].text), "%lld: '%s'", cases[i].t, b.s);
		sb_reset(&b);
		sb_utc(&b, cases[i].t, true);
		CHECK(!strcmp(b.s, cases[i].iso), "%lld: '%s'", cases[i].t, b.s);
	}
	sb_free(&b);
}

/*
 * A record holding @frames (innermost first) as its stack, put in words.
 * The frames are the kernel's own, from the reports named below.
 */
static void check_stack(const char *frames, const char *want)
{
	char json[2048];
	const char *err = NULL;
	struct sbuf b = { 0 };
	json_object *rec;

	snprintf(json, sizeof(json), "{\"stack\":{\"truncated\":false,\"frames\":[%s]}}",
		 frames);
	rec = rec_parse(json, strlen(json), &err);
	CHECK(rec, "parse: %s", err ? err : "?");
	if (!rec)
		return;
	sb_stack_words(&b, rec);
	CHECK(b.s && !strcmp(b.s, want), "stack words:\n got '%s'\nwant '%s'",
	      b.s ? b.s : "", want);
	sb_free(&b);
	json_object_put(rec);
}

static void test_stack(void)
{
	struct sbuf b = { 0 };
	json_object *rec;

	/* seed 002 (a 4.x kernel): fork ran out in dup_fd's vmalloc */
	check_stack("\"__alloc_pages_nodemask+0x8ba/0x9d8\",\"alloc_pages_current+0xbc/0xe0\","
		    "\"__vmalloc_node_range+0x12d/0x20a\",\"__vmalloc_node+0x3a/0x3f\","
		    "\"vmalloc+0x28/0x2a\",\"alloc_fdtable+0x6a/0xd8\",\"dup_fd+0x103/0x1f0\","
		    "\"copy_process+0x5aa/0x160d\",\"_do_fork+0x7d/0x291\","
		    "\"entry_SYSCALL_64_fastpath+0x12/0x71\"",
		    " The kernel stack shows the path: fork (clone) -> copy_process -> dup_fd -> alloc_fdtable -> vmalloc.");
	/* a kworker's sysrq-f (6.1) */
	check_stack("\"moom_callback+0x6f/0xa0\",\"process_one_work+0x1c4/0x380\","
		    "\"worker_thread+0x4d/0x380\",\"kthread+0xd7/0x100\","
		    "\"ret_from_fork+0x1f/0x30\"",
		    " The kernel stack shows the path: a kernel worker (workqueue) -> moom_callback.");
	/* a slab allocation from a module's function, truncated */
	check_stack("\"__alloc_pages+0x207/0x330\",\"allocate_slab+0x2a/0x4a0\","
		    "\"___slab_alloc+0x6a0/0x970\",\"kmem_cache_alloc+0x2d0/0x330\","
		    "\"foo_ioctl+0x22/0x80 [foo]\",\"__x64_sys_ioctl+0x8d/0xd0\","
		    "\"do_syscall_64+0x5d/0xb0\"",
		    " The kernel stack shows the path: system call ioctl -> foo_ioctl -> a slab cache.");
	/* no stack: nothing said */
	rec = rec_parse("{\"stack\":null}", 14, NULL);
	sb_stack_words(&b, rec);
	CHECK(!b.s || !b.s[0], "null stack gave '%s'", b.s);
	json_object_put(rec);
	sb_free(&b);
}

/* What explain() prints for @line, its lines joined by single spaces. */
static char *explained(const char *line)
{
	const char *err = NULL;
	json_object *rec = rec_parse(line, strlen(line), &err);
	FILE *f = tmpfile();
	char *out = NULL, *p, *q;
	int fd = dup(STDOUT_FILENO);
	long size;

	CHECK(rec && f && fd >= 0, "explain: %s", rec ? "no tmpfile" : err);
	if (!rec || !f || fd < 0)
		return strdup("");
	fflush(stdout);
	dup2(fileno(f), STDOUT_FILENO);
	explain(rec);
	fflush(stdout);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	size = ftell(f);
	out = xrealloc(NULL, size + 1);
	rewind(f);
	out[fread(out, 1, size, f)] = '\0';
	fclose(f);
	json_object_put(rec);
	/* para() wraps at 78 columns, continuation lines indented by two */
	for (p = q = out; *p; p++) {
		if (*p == '\n') {
			while (p[1] == ' ')
				p++;
			*p = ' ';
		}
		*q++ = *p;
	}
	*q = '\0';
	return out;
}

/*
 * Zone 0's figures say fragmented for order 3 (free above min, no block of
 * order 3 or more), zone 1's do not (below min, blocks of every order):
 * explain must name what the flags say, whatever the figures.
 */
/* Write @text into @dir/@name (its directories made). */
static void put_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	for (slash = strchr(path + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/*
 * Strict overcommit (why.c): said from a /proc of this host for a global
 * OOM, with the commit limit read there and the record's committed figure;
 * never for a memcg OOM, a record of a previous boot, another policy, or
 * records that are not this host's (no proc).
 */
static void test_overcommit(void)
{
	static const char fmt[] =
		"{\"v\":1,\"seq\":7,\"kind\":\"%s\",\"system\":{\"committed_kb\":3145728}%s}";
	char dir[] = "/tmp/oomsnap-unit-procXXXXXX", line[256];
	struct sbuf b = { 0 };
	json_object *rec;
	bool said;

	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	put_file(dir, "meminfo", "MemTotal:        2048000 kB\nCommitLimit:     1536000 kB\nCommitted_AS:    1000 kB\n");
	put_file(dir, "sys/vm/overcommit_memory", "2\n");
	snprintf(line, sizeof(line), fmt, "global", "");
	rec = rec_parse(line, strlen(line), &(const char *){ NULL });
	said = explain_overcommit(&b, rec, dir);
	CHECK(said && strstr(b.s, "vm.overcommit_memory=2") &&
	      strstr(b.s, "CommitLimit 1500.0 MB now") && strstr(b.s, "3072.0 MB committed at the OOM") &&
	      strstr(b.s, "not what the kernel allocates for itself"),
	      "overcommit 2, global: '%s'", b.s ? b.s : "");
	sb_reset(&b);
	CHECK(!explain_overcommit(&b, rec, NULL), "overcommit: no proc, nothing said");
	json_object_put(rec);

	snprintf(line, sizeof(line), fmt, "memcg", "");
	rec = rec_parse(line, strlen(line), &(const char *){ NULL });
	CHECK(!explain_overcommit(&b, rec, dir), "overcommit: a memcg OOM, nothing said");
	json_object_put(rec);

	snprintf(line, sizeof(line), fmt, "global", ",\"previous_boot\":true");
	rec = rec_parse(line, strlen(line), &(const char *){ NULL });
	CHECK(!explain_overcommit(&b, rec, dir), "overcommit: a previous boot's record, nothing said");
	json_object_put(rec);

	put_file(dir, "sys/vm/overcommit_memory", "0\n");
	snprintf(line, sizeof(line), fmt, "global", "");
	rec = rec_parse(line, strlen(line), &(const char *){ NULL });
	CHECK(!explain_overcommit(&b, rec, dir), "overcommit: policy 0, nothing said");
	json_object_put(rec);
	sb_free(&b);
	snprintf(line, sizeof(line), "rm -rf '%s'", dir);
	if (system(line))
		CHECK(0, "rm -rf %s failed", dir);
}

static void test_explain_fragmented(void)
{
	static const char fmt[] =
		"{\"v\":1,\"seq\":5,\"kind\":\"global\",\"constraint\":\"none\","
		"\"cause\":\"fragmentation\",\"outcome\":\"no_victim\",\"order\":3,"
		"\"zones\":[{\"node\":0,\"zone\":\"DMA\",\"free_kb\":1028,\"min_kb\":88,"
		"\"managed_kb\":15360,\"free_blocks\":[1,2,1,0,0]%s},"
		"{\"node\":1,\"zone\":\"DMA32\",\"free_kb\":100,\"min_kb\":3000,"
		"\"managed_kb\":9000,\"free_blocks\":[5,5,5,5,5]%s}]}";
	static const struct {
		const char *flag0, *flag1, *says;
	} cases[] = {
		{ ",\"fragmented\":false", ",\"fragmented\":true",
		  "block, and node 1 DMA32, a zone it could use, had free pages above its min watermark but no free block of order 3 or larger." },
		{ ",\"fragmented\":true", ",\"fragmented\":true",
		  "block, and the zones node 0 DMA, node 1 DMA32, which it could use, had free pages above their min watermark but no free block of order 3 or larger." },
		{ ",\"fragmented\":true", ",\"fragmented\":false",
		  "block, and node 0 DMA, a zone it could use, had free pages" },
		/* a module before the flag: no zone named */
		{ "", "", "block, and a zone it could use had free pages above its min watermark" },
	};
	char line[1024];
	size_t i;
	char *out;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(line, sizeof(line), fmt, cases[i].flag0, cases[i].flag1);
		out = explained(line);
		CHECK(strstr(out, cases[i].says), "explain case %zu: '%s' not in '%s'",
		      i, cases[i].says, out);
		free(out);
	}
}

#define CID "3f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c"
#define UID "0c2b8c2e-5d1a-4b7e-9f3c-2a1b0c9d8e7f"
#define UID_ "0c2b8c2e_5d1a_4b7e_9f3c_2a1b0c9d8e7f"

/*
 * The shapes the runtimes write (ident.c names their sources): on cgroup
 * v2 the path from the root; on v1 the path below the memory controller's
 * mount, which is what the record has (the same strings, e.g. /docker/ID).
 */
static const struct ident_case {
	const char *path;
	const char *runtime, *container;
	bool monitor;
	const char *pod, *qos, *unit, *slice;
} ident_cases[] = {
	/* docker: systemd driver (v2), cgroupfs driver (v1 and v2) */
	{ "/system.slice/docker-" CID ".scope", "docker", CID, false, NULL, NULL,
	  "docker-" CID ".scope", "system.slice" },
	{ "/docker/" CID, "docker", CID, false, NULL, NULL, NULL, NULL },
	/* containerd by the kubelet, systemd driver, the three QoS classes */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/cri-containerd-" CID ".scope", "containerd", CID, false, UID, "burstable",
	  "cri-containerd-" CID ".scope", "kubepods-burstable-pod" UID_ ".slice" },
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	  ".slice/cri-containerd-" CID ".scope", "containerd", CID, false, UID, "besteffort",
	  "cri-containerd-" CID ".scope", "kubepods-besteffort-pod" UID_ ".slice" },
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" CID ".scope",
	  "containerd", CID, false, UID, "guaranteed", "cri-containerd-" CID ".scope",
	  "kubepods-pod" UID_ ".slice" },
	/* a pod's own cgroup (the memcg at its limit), and a cgroup root */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice",
	  NULL, NULL, false, UID, "burstable", NULL, "kubepods-burstable-pod" UID_ ".slice" },
	{ "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
	  "kubelet-kubepods-besteffort-pod" UID_ ".slice/cri-containerd-" CID ".scope",
	  "containerd", CID, false, UID, "besteffort", "cri-containerd-" CID ".scope",
	  "kubelet-kubepods-besteffort-pod" UID_ ".slice" },
	/* the kubelet's cgroupfs driver (v1 memory mount, or v2) */
	{ "/kubepods/burstable/pod" UID "/" CID, "cri", CID, false, UID, "burstable",
	  NULL, NULL },
	{ "/kubepods/pod" UID "/" CID, "cri", CID, false, UID, "guaranteed", NULL, NULL },
	{ "/kubepods/besteffort/pod" UID, NULL, NULL, false, UID, "besteffort", NULL, NULL },
	/* a static pod: its UID is a hash, 32 hex digits */
	{ "/kubepods/besteffort/pod6e1a6d1e5b1b7b2f8d0cd12345678901/" CID, "cri", CID, false,
	  "6e1a6d1e5b1b7b2f8d0cd12345678901", "besteffort", NULL, NULL },
	/* CRI-O: systemd driver, its conmon, cgroupfs driver */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/crio-" CID ".scope", "cri-o", CID, false, UID, "burstable",
	  "crio-" CID ".scope", "kubepods-burstable-pod" UID_ ".slice" },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/crio-conmon-" CID ".scope", "cri-o", CID, true, UID, "burstable",
	  "crio-conmon-" CID ".scope", "kubepods-burstable-pod" UID_ ".slice" },
	{ "/kubepods/burstable/pod" UID "/crio-" CID, "cri-o", CID, false, UID, "burstable",
	  NULL, NULL },
	/* podman: root, rootless with crun's "container" sub-cgroup, conmon, cgroupfs */
	{ "/machine.slice/libpod-" CID ".scope", "podman", CID, false, NULL, NULL,
	  "libpod-" CID ".scope", "machine.slice" },
	{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" CID
	  ".scope/container", "podman", CID, false, NULL, NULL, "libpod-" CID ".scope",
	  "user.slice" },
	{ "/machine.slice/libpod-conmon-" CID ".scope", "podman", CID, true, NULL, NULL,
	  "libpod-conmon-" CID ".scope", "machine.slice" },
	{ "/libpod_parent/libpod-" CID, "podman", CID, false, NULL, NULL, NULL, NULL },
	/* systemd-nspawn / machined: the name unescaped */
	{ "/machine.slice/machine-web\\x2d1.scope", "systemd-nspawn", "web-1", false, NULL,
	  NULL, "machine-web\\x2d1.scope", "machine.slice" },
	{ "/machine.slice/systemd-nspawn@db.service/payload", "systemd-nspawn", "db", false,
	  NULL, NULL, "systemd-nspawn@db.service", "machine.slice" },
	/* LXC: 4.0 and later, its monitor, the older /lxc/NAME (v1) */
	{ "/lxc.payload.web", "lxc", "web", false, NULL, NULL, NULL, NULL },
	{ "/lxc.monitor.web", "lxc", "web", true, NULL, NULL, NULL, NULL },
	{ "/lxc/web", "lxc", "web", false, NULL, NULL, NULL, NULL },
	/* a plain systemd service, a user session */
	{ "/system.slice/postgresql@15-main.service", NULL, NULL, false, NULL, NULL,
	  "postgresql@15-main.service", "system.slice" },
	{ "/user.slice/user-1000.slice/session-3.scope", NULL, NULL, false, NULL, NULL,
	  "session-3.scope", "user-1000.slice" },
	/* only look like one: nothing, or only the unit */
	{ "/docker/" CID "0", NULL, NULL, false, NULL, NULL, NULL, NULL },
	{ "/docker/3f0a1b2c3d4e", NULL, NULL, false, NULL, NULL, NULL, NULL },
	{ "/mydocker/" CID, NULL, NULL, false, NULL, NULL, NULL, NULL },
	{ "/system.slice/docker-3F0A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C.scope",
	  NULL, NULL, false, NULL, NULL,
	  "docker-3F0A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C.scope",
	  "system.slice" },
	{ "/system.slice/my-docker-" CID ".scope", NULL, NULL, false, NULL, NULL,
	  "my-docker-" CID ".scope", "system.slice" },
	{ "/system.slice/docker.service", NULL, NULL, false, NULL, NULL, "docker.service",
	  "system.slice" },
	{ "/shop/podcast/" CID, NULL, NULL, false, NULL, NULL, NULL, NULL },
	{ "/kubepods/burstable/podcast/" CID, NULL, NULL, false, NULL, NULL, NULL, NULL },
	{ "/kubepods/burstable/pod" UID_ "/" CID, NULL, NULL, false, NULL, NULL, NULL, NULL },
	{ "/pods/pod" UID "/" CID, NULL, NULL, false, NULL, NULL, NULL, NULL },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID ".slice",
	  NULL, NULL, false, NULL, NULL, NULL, "kubepods-burstable-pod" UID ".slice" },
	{ "/crio-" CID, NULL, NULL, false, NULL, NULL, NULL, NULL },
	{ "/lxc.payload.", NULL, NULL, false, NULL, NULL, NULL, NULL },
	{ "/lxcfoo/web", NULL, NULL, false, NULL, NULL, NULL, NULL },
	{ "/machine-web.scope", NULL, NULL, false, NULL, NULL, "machine-web.scope", NULL },
	{ "/", NULL, NULL, false, NULL, NULL, NULL, NULL },
	{ "", NULL, NULL, false, NULL, NULL, NULL, NULL },
};

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

#define S(x) ((x) ? (x) : "(null)")

static void test_ident_paths(void)
{
	const struct ident_case *c;
	struct cg_ident id;
	bool found;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ident_cases); i++) {
		c = &ident_cases[i];
		found = ident_parse(c->path, &id);
		CHECK(found == (c->runtime || c->pod || c->unit || c->slice),
		      "ident %zu %s: found %d", i, c->path, found);
		CHECK(same(id.runtime, c->runtime) && same(id.container, c->container) &&
		      id.monitor == c->monitor && same(id.pod, c->pod) && same(id.qos, c->qos) &&
		      same(id.unit, c->unit) && same(id.slice, c->slice),
		      "ident %zu %s: runtime %s container %s monitor %d pod %s qos %s unit %s slice %s",
		      i, c->path, S(id.runtime), S(id.container), id.monitor, S(id.pod),
		      S(id.qos), S(id.unit), S(id.slice));
		ident_free(&id);
	}
}

/* A container event: the trigger and the victim in a pod's container. */
static const char container_event[] =
	"{\"v\":1,\"seq\":9,\"kind\":\"memcg\",\"constraint\":\"memcg\","
	"\"cause\":\"memcg_limit\",\"outcome\":\"killed\",\"order\":0,\"gfp\":\"GFP_KERNEL\","
	"\"trigger\":{\"pid\":93,\"tgid\":93,\"comm\":\"hog\",\"oom_score_adj\":0,"
	"\"memcg\":\"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	".slice/cri-containerd-" CID ".scope\"},"
	"\"memcg\":{\"path\":\"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
	UID_ ".slice/cri-containerd-" CID ".scope\",\"usage_kb\":32768,\"limit_kb\":32768},"
	"\"victim\":{\"pid\":93,\"tgid\":93,\"comm\":\"hog\",\"uid\":0,"
	"\"memcg\":\"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	".slice/cri-containerd-" CID ".scope\",\"points\":8291,\"oom_score_adj\":0,"
	"\"anon_rss_kb\":32412,\"exe\":\"/usr/bin/java\","
	"\"argv\":[\"java\",\"-Xmx 2g\",\"a\\\"b\",\"\",\"x\\u0001\"],\"argv_truncated\":true},"
	"\"killed\":[93],"
	"\"candidates\":[{\"pid\":93,\"comm\":\"hog\",\"points\":8291,\"oom_score_adj\":0},"
	"{\"pid\":95,\"comm\":\"side car\",\"points\":10,\"oom_score_adj\":0,"
	"\"memcg\":\"/machine.slice/machine-a\\u0001\\u00ff.scope\"}]}";

static void test_ident_views(void)
{
	const char *err = NULL;
	json_object *rec = rec_parse(container_event, strlen(container_event), &err);
	json_object *again, *id;
	struct sbuf b = { 0 };
	char *out;

	CHECK(rec, "container event: %s", err);
	if (!rec)
		return;
	/* events --json: the module's bytes, then "identity" */
	sb_with_identity(&b, rec, container_event, strlen(container_event));
	CHECK(!strncmp(b.s, container_event, strlen(container_event) - 1) &&
	      !strncmp(b.s + strlen(container_event) - 1, ",\"identity\":{", 13),
	      "with identity: %s", b.s);
	again = rec_parse(b.s, b.len, &err);
	CHECK(again, "with identity does not parse: %s", err);
	CHECK(rec_is(again, "identity.victim.runtime", "containerd") &&
	      rec_is(again, "identity.victim.container_id", CID) &&
	      rec_is(again, "identity.memcg.pod_uid", UID) &&
	      rec_is(again, "identity.trigger.qos", "burstable") &&
	      rec_is(again, "identity.victim.monitor", "false") &&
	      !rec_has(again, "identity.candidates.0") &&
	      rec_is(again, "identity.candidates.1.runtime", "systemd-nspawn") &&
	      !rec_has(again, "identity.killed") && rec_int(again, "victim.pid") == 93,
	      "identity: %s", b.s);
	/* the machine name's bytes 0x01 and 0xff, escaped as the module does */
	CHECK(strstr(b.s, "\"container_id\":\"a\\u0001\\u00ff\""), "escaped name: %s", b.s);
	json_object_put(again);

	/* watch: the keys are the JSON's paths */
	sb_reset(&b);
	sb_brief(&b, rec);
	CHECK(strstr(b.s, " identity.victim.container_id=" CID) &&
	      strstr(b.s, " identity.memcg.pod_uid=" UID " identity.memcg.qos=burstable"),
	      "watch line: %s", b.s);
	id = ident_record(rec);
	json_object_object_add(rec, "identity", id);
	check_logfmt(rec, b.s, "container event");

	/* the text view's lines */
	sb_reset(&b);
	sb_ident_text(&b, rec);
	CHECK(strstr(b.s, "  identity victim runtime=containerd container=" CID " pod=" UID
		      " qos=burstable unit=cri-containerd-" CID ".scope slice=kubepods-burstable-pod"
		      UID_ ".slice\n") &&
	      strstr(b.s, "  identity candidates.1 runtime=systemd-nspawn container=a\\001\\377"
		      " unit=machine-a\\001\\377.scope slice=machine.slice\n") &&
	      !strstr(b.s, "candidates.0"),
	      "text lines: %s", b.s);
	json_object_put(rec);

	/* explain */
	out = explained(container_event);
	CHECK(strstr(out, "cri-containerd-" CID ".scope (container 3f0a1b2c3d4e (containerd) of pod "
		      UID " (burstable)), oom_score_adj 0") &&
	      strstr(out, "(burstable)). It scored highest") &&
	      strstr(out, ". The victim's command line: java \"-Xmx 2g\" \"a\\\"b\" \"\" "
		      "x\\u0001 ... (cut) (exe /usr/bin/java).  What the OOM reaper") &&
	      strstr(out, "What ran out: cgroup /kubepods.slice/") &&
	      strstr(out, ".scope (container 3f0a1b2c3d4e (containerd) of pod " UID
		      " (burstable)), the trigger's own cgroup,") &&
	      strstr(out, "runner-up was pid 95 (side car) in cgroup /machine.slice/machine-a\\u0001\\u00ff.scope"
		      " (machine a\\u0001\\u00ff (systemd-nspawn)) with 10 points"),
	      "explain: %s", out);
	free(out);
	sb_free(&b);
}

/*
 * import (import.c): the lines a dying kernel printed, as the module cuts
 * them (oomsnap_panic.c: 160 bytes of JSON a line, the CRC-32 on the last),
 * behind the prefixes of a pstore record, a console and journalctl -k,
 * after panic()'s line and the module's header.
 */
static void import_dump(struct sbuf *b, const char *pfx, unsigned long long seq,
			unsigned int prev)
{
	sb_printf(b, "%sKernel panic - not syncing: Out of memory: system-wide panic_on_oom is enabled\n",
		  pfx);
	sb_printf(b, "%soomsnap: P1 panic_on_oom: event %llu follows up to %u earlier ones (oomsnap import)\n",
		  pfx, seq, prev);
}

static void import_lines(struct sbuf *b, const char *pfx, unsigned long long seq,
			 const char *json, unsigned int crc)
{
	size_t len = strlen(json), off;
	unsigned int n = (len + 159) / 160, i;

	for (i = 0; i < n; i++) {
		off = i * 160;
		sb_printf(b, "%soomsnap: P1 %llu %u/%u %.*s", pfx, seq, i + 1, n,
			  (int)(len - off < 160 ? len - off : 160), json + off);
		if (i + 1 == n)
			sb_printf(b, " crc=%08x", crc);
		sb_putc(b, '\n');
	}
}

static void test_import(void)
{
	static const char panic_ev[] =
		"{\"v\":1,\"seq\":4,\"boot_ns\":5000000000,\"real_ns\":1764770000000000000,"
		"\"kind\":\"global\",\"constraint\":\"none\",\"cause\":\"system_memory\","
		"\"outcome\":\"panic_on_oom\",\"gfp_mask\":\"0x140dca\",\"gfp\":\"GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO\","
		"\"order\":0,\"nodemask\":null,\"totalpages\":124000,\"trigger\":{\"pid\":93,\"tgid\":93,"
		"\"comm\":\"my\\u0020hog\",\"oom_score_adj\":0,\"memcg\":\"/\"},\"memcg\":null,"
		"\"system\":{\"totalram_kb\":496000,\"freeram_kb\":3000,\"freeswap_kb\":0,\"committed_kb\":480000},"
		"\"mem\":{\"free_kb\":3000,\"active_anon_kb\":400000},\"reasons\":[],\"zones\":[],"
		"\"victim\":null,\"killed\":[],\"candidates\":[{\"pid\":93,\"comm\":\"my\\u0020hog\","
		"\"points\":100000,\"oom_score_adj\":0,\"rss_kb\":400000,\"swapents\":0,\"pgtables_kb\":800}],"
		"\"oom_ns\":1000}";
	static const char old_ev[] = "{\"v\":1,\"seq\":3,\"kind\":\"memcg\",\"outcome\":\"killed\"}";
	unsigned int crc = import_crc32(panic_ev, strlen(panic_ev));
	struct import im = { 0 };
	struct sbuf b = { 0 }, t = { 0 };
	char *cut;

	CHECK(import_crc32("123456789", 9) == 0xcbf43926U, "crc32 check value");

	/* good: pstore, console and journal prefixes, twice (deduplicated) */
	sb_puts(&b, "<4>[   10.1] hog invoked oom-killer: gfp_mask=0x140dca\n");
	import_dump(&b, "<0>[   10.2] ", 4, 2);
	import_lines(&b, "<0>[   10.2] ", 3, old_ev, import_crc32(old_ev, strlen(old_ev)));
	import_lines(&b, "<0>[   10.3] ", 4, panic_ev, crc);
	import_dump(&b, "Dec 03 14:00:00 host kernel: ", 4, 2);
	import_lines(&b, "Dec 03 14:00:00 host kernel: ", 4, panic_ev, crc);
	import_buf(&im, "good", b.s, b.len);
	CHECK(im.nr == 2 && !im.damaged, "good: %zu events, %u damaged", im.nr, im.damaged);
	if (im.nr == 2) {
		CHECK(rec_int(im.ev[1].rec, "trigger.pid") == 93, "trigger.pid");
		CHECK(rec_is(im.ev[1].rec, "outcome", "panic_on_oom"), "outcome");
		CHECK(rec_is(im.ev[1].rec, "previous_boot", "true"), "previous_boot");
		sb_v(&t, im.ev[1].rec, "trigger.comm");
		CHECK(!strcmp(t.s, "my hog"), "comm shown as '%s'", t.s);
	}
	import_free(&im);

	/* one byte changed in the middle: the checksum fails, nothing shown */
	cut = strstr(b.s, "400000");
	*cut = '5';
	import_buf(&im, "corrupt", b.s, b.len);
	/* the journal's copy is intact: the event comes from there only */
	CHECK(im.nr == 2 && im.damaged == 1, "corrupt: %zu events, %u damaged", im.nr, im.damaged);
	import_free(&im);

	/* truncated: the log ends before the last part */
	sb_reset(&b);
	import_dump(&b, "", 4, 0);
	import_lines(&b, "", 4, panic_ev, crc);
	cut = strrchr(b.s, '\n');
	*cut = '\0';
	cut = strrchr(b.s, '\n');
	import_buf(&im, "truncated", b.s, cut - b.s + 1);
	CHECK(im.nr == 0 && im.damaged == 1, "truncated: %zu events, %u damaged", im.nr, im.damaged);
	import_free(&im);

	/* the last line cut short (crc gone): never half-shown */
	import_buf(&im, "short", b.s, strlen(b.s) - 20);
	CHECK(im.nr == 0 && im.damaged >= 1, "short line: %zu events, %u damaged", im.nr, im.damaged);
	import_free(&im);

	/* a middle part missing */
	sb_reset(&b);
	import_dump(&b, "", 4, 0);
	import_lines(&b, "", 4, panic_ev, crc);
	cut = strchr(strchr(strchr(b.s, '\n') + 1, '\n') + 1, '\n') + 1;
	memmove(cut, strchr(cut, '\n') + 1, strlen(strchr(cut, '\n') + 1) + 1);
	import_buf(&im, "gap", b.s, strlen(b.s));
	CHECK(im.nr == 0 && im.damaged >= 1, "gap: %zu events, %u damaged", im.nr, im.damaged);
	import_free(&im);

	/* other logs' prefixes: /dev/kmsg, journalctl -o short-iso, printk caller id */
	sb_reset(&b);
	import_dump(&b, "0,812,10300000,-;", 4, 0);
	import_lines(&b, "0,813,10300001,-;", 4, panic_ev, crc);
	import_dump(&b, "2026-12-03T14:00:00+0000 host kernel: ", 4, 0);
	import_lines(&b, "2026-12-03T14:00:00+0000 host kernel: ", 4, panic_ev, crc);
	import_buf(&im, "kmsg", b.s, b.len);
	CHECK(im.nr == 1 && !im.damaged, "kmsg, short-iso: %zu events, %u damaged", im.nr, im.damaged);
	import_free(&im);
	sb_reset(&b);
	import_dump(&b, "[   10.3][    T1] ", 4, 0);
	import_lines(&b, "[   10.3][    T1] ", 4, panic_ev, crc);
	import_buf(&im, "caller", b.s, b.len);
	CHECK(im.nr == 1 && !im.damaged, "caller id: %zu events, %u damaged", im.nr, im.damaged);
	import_free(&im);

	/*
	 * Forged lines with a valid CRC (review item 7): a kernel message that
	 * prints a user's string (fs/exec.c's NULL-argv warning prints the
	 * file name) can carry the marker.  Before the fix each of these was
	 * imported as an event of the previous boot.
	 */
	/* mid-line, even inside a dump */
	sb_reset(&b);
	import_dump(&b, "<0>[   10.2] ", 4, 0);
	import_lines(&b, "<4>[   10.2] process 'oomsnap: P1 4 1/1 x' launched '/tmp/", 4, panic_ev, crc);
	import_lines(&b, "<0>[   10.3] hog: ", 4, panic_ev, crc);
	import_buf(&im, "mid-line", b.s, b.len);
	CHECK(im.nr == 0, "forged mid-line: %zu events imported", im.nr);
	import_free(&im);
	/* a line of its own, but at warning level (a newline in the string) */
	sb_reset(&b);
	import_dump(&b, "<0>[   10.2] ", 4, 0);
	import_lines(&b, "<4>[   10.2] ", 4, panic_ev, crc);
	import_buf(&im, "level", b.s, b.len);
	CHECK(im.nr == 0, "forged at level 4: %zu events imported", im.nr);
	import_free(&im);
	/* a console line without a level, but no panic and header before it */
	sb_reset(&b);
	import_lines(&b, "[   10.2] ", 4, panic_ev, crc);
	import_lines(&b, "", 4, panic_ev, crc);
	import_lines(&b, "Dec 03 14:00:00 host kernel: ", 4, panic_ev, crc);
	import_buf(&im, "no dump", b.s, b.len);
	CHECK(im.nr == 0, "forged outside a dump: %zu events imported", im.nr);
	import_free(&im);
	/* a header without panic()'s line before it */
	sb_reset(&b);
	sb_puts(&b, "[   10.2] oomsnap: P1 panic_on_oom: event 4 follows up to 0 earlier ones (oomsnap import)\n");
	import_lines(&b, "[   10.2] ", 4, panic_ev, crc);
	import_buf(&im, "no panic", b.s, b.len);
	CHECK(im.nr == 0, "header without a panic: %zu events imported", im.nr);
	import_free(&im);
	/* after the panic's own event (seq 3 is before it), and beyond N + 1 */
	sb_reset(&b);
	import_dump(&b, "", 3, 0);
	import_lines(&b, "", 4, panic_ev, crc);
	import_buf(&im, "after", b.s, b.len);
	CHECK(im.nr == 0, "event after the dump's last: %zu events imported", im.nr);
	import_free(&im);
	sb_reset(&b);
	import_dump(&b, "", 4, 0);
	import_lines(&b, "", 3, old_ev, import_crc32(old_ev, strlen(old_ev)));
	import_lines(&b, "", 4, panic_ev, crc);
	import_buf(&im, "count", b.s, b.len);
	CHECK(im.nr == 1 && im.ev[0].seq == 3, "an event more than the header said: %zu events", im.nr);
	import_free(&im);

	/* explain tells the panic's story, with the would-be victim */
	sb_reset(&t);
	explain_panic_who(&t, rec_parse(panic_ev, strlen(panic_ev), &(const char *){ NULL }));
	CHECK(strstr(t.s, "panic_on_oom") && strstr(t.s, "pid 93 (my hog)"),
	      "panic explain: '%s'", t.s);
	sb_free(&b);
	sb_free(&t);
}

int main(int argc, char **argv)
{
	test_stack();
	test_escape();
	test_paths();
	test_utc();
	test_explain_fragmented();
	test_overcommit();
	test_ident_paths();
	test_ident_views();
	test_import();
	test_logfmt(argc > 1 ? argv[1] : "tests/data");
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
