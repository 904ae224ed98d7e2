// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap CLI: who a cgroup path belongs to, as operators name it: the
 * container runtime and container id, the Kubernetes pod UID and QoS
 * class, the systemd unit and slice (interface section 6.4).
 *
 * The module records the kernel's facts, the cgroup paths; naming schemes
 * are the runtimes' policy and change with them, so they are read here,
 * in a tool that can be updated without a reboot.  Only the path is used:
 * the kernel does not care which program made a directory, and neither
 * can the parser, so a path is matched only in the exact shapes the
 * runtimes write (a full-length hex id, a UID of the right form, a pod
 * under a kubepods level), and anything else is left unidentified rather
 * than guessed.  The shapes, from the runtimes' sources:
 *
 *   docker        /system.slice/docker-<id>.scope (systemd driver),
 *                 /docker/<id> (cgroupfs driver; on v1 relative to the
 *                 controller's mount, as the record has it)
 *   containerd    cri-containerd-<id>.scope (CRI, systemd driver)
 *   cri           a bare <id> below a pod (kubelet cgroupfs driver:
 *                 containerd, cri-dockerd)
 *   cri-o         crio-<id>.scope, crio-conmon-<id>.scope (its monitor),
 *                 crio-<id> below a pod (cgroupfs)
 *   podman        libpod-<id>.scope, libpod-conmon-<id>.scope,
 *                 /libpod_parent/libpod-<id> (cgroupfs)
 *   systemd-nspawn machine.slice/machine-<name>.scope,
 *                 systemd-nspawn@<name>.service (name unescaped)
 *   lxc           /lxc/<name>, lxc.payload.<name>, lxc.monitor.<name>
 *                 (its monitor), /lxc.monitor/<name>
 *   pod           kubepods-[<qos>-]pod<uid, '-' as '_'>.slice (systemd
 *                 driver, any prefix such as kubelet-), or
 *                 /kubepods/[<qos>/]pod<uid> (cgroupfs); <uid> is a UUID
 *                 or, for a static pod, 32 hex digits; no besteffort or
 *                 burstable level is the guaranteed class
 *
 * The innermost match wins (a container scope inside a pod slice names
 * both); crun's "container" sub-cgroup below a scope is the scope's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oomsnap.h"

#define ID_HEX 64	/* docker, containerd, CRI-O and podman ids: sha256 */

static bool all_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", s[i]) || !s[i])
			return false;
	return true;
}

/* A container id: exactly 64 lowercase hex digits. */
static bool is_cid(const char *s, size_t n)
{
	return n == ID_HEX && all_hex(s, n);
}

/*
 * A pod UID as the kubelet names its cgroup: 8-4-4-4-12 hex digits with
 * @sep ('-' for cgroupfs, '_' for the systemd driver), or 32 hex digits
 * (a static pod's UID is a hash of its manifest).
 */
static bool is_uid(const char *s, size_t n, char sep)
{
	static const size_t dash[] = { 8, 13, 18, 23 };
	size_t i, d = 0;

	if (n == 32)
		return all_hex(s, n);
	if (n != 36)
		return false;
	for (i = 0; i < n; i++) {
		if (d < ARRAY_SIZE(dash) && i == dash[d]) {
			if (s[i] != sep)
				return false;
			d++;
		} else if (!strchr("0123456789abcdef", s[i])) {
			return false;
		}
	}
	return true;
}

static bool starts(const char *s, size_t n, const char *prefix)
{
	size_t p = strlen(prefix);

	return n >= p && !memcmp(s, prefix, p);
}

static bool ends(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && !memcmp(s + n - k, suffix, k);
}

static void set(char **dst, const char *s, size_t n)
{
	free(*dst);
	*dst = strndup(s, n);
}

/* systemd's unit name escaping undone: "\x2d" is '-' (systemd-escape). */
static void set_unescaped(char **dst, const char *s, size_t n)
{
	char *o = xrealloc(NULL, n + 1), *q = o;
	unsigned int c;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x' &&
		    all_hex(s + i + 2, 2) && sscanf(s + i + 2, "%2x", &c) == 1 && c) {
			*q++ = (char)c;
			i += 3;
		} else {
			*q++ = s[i];
		}
	}
	*q = '\0';
	free(*dst);
	*dst = o;
}

/* A runtime's scope: PREFIX<id>.scope; its monitor: MONITOR<id>.scope. */
static const struct {
	const char *prefix, *runtime;
	bool monitor;
} scopes[] = {
	{ "docker-", "docker", false },
	{ "cri-containerd-", "containerd", false },
	{ "crio-conmon-", "cri-o", true },
	{ "crio-", "cri-o", false },
	{ "libpod-conmon-", "podman", true },
	{ "libpod-", "podman", false },
};

static void container(struct cg_ident *id, const char *runtime, const char *s,
		      size_t n, bool monitor)
{
	id->runtime = runtime;
	id->monitor = monitor;
	set(&id->container, s, n);
}

/* One path component @c (@n bytes); @prev is the one before it, or NULL. */
static void component(struct cg_ident *id, const char *c, size_t n,
		      const char *prev, size_t pn, bool under_kubepods)
{
	size_t i, p;
	const char *q;

	if (ends(c, n, ".slice"))
		set(&id->slice, c, n);
	else if (ends(c, n, ".service") || ends(c, n, ".scope"))
		set(&id->unit, c, n);

	/* runtime scopes (systemd drivers), and CRI-O/podman cgroupfs names */
	for (i = 0; i < ARRAY_SIZE(scopes); i++) {
		p = strlen(scopes[i].prefix);
		if (!starts(c, n, scopes[i].prefix))
			continue;
		if (ends(c, n, ".scope") && is_cid(c + p, n - p - 6)) {
			container(id, scopes[i].runtime, c + p, n - p - 6, scopes[i].monitor);
			return;
		}
		if (is_cid(c + p, n - p) &&
		    ((!strcmp(scopes[i].runtime, "cri-o") && under_kubepods) ||
		     (!strcmp(scopes[i].runtime, "podman") && prev &&
		      pn == 13 && !memcmp(prev, "libpod_parent", 13)))) {
			container(id, scopes[i].runtime, c + p, n - p, scopes[i].monitor);
			return;
		}
	}
	/* docker's cgroupfs driver: /docker/<id> */
	if (prev && pn == 6 && !memcmp(prev, "docker", 6) && is_cid(c, n)) {
		container(id, "docker", c, n, false);
		return;
	}
	/* systemd-nspawn and machined: machine-<name>.scope */
	if (prev && pn == 13 && !memcmp(prev, "machine.slice", 13) &&
	    starts(c, n, "machine-") && ends(c, n, ".scope") && n > 14) {
		id->runtime = "systemd-nspawn";
		id->monitor = false;
		set_unescaped(&id->container, c + 8, n - 14);
		return;
	}
	if (starts(c, n, "systemd-nspawn@") && ends(c, n, ".service") && n > 23) {
		id->runtime = "systemd-nspawn";
		id->monitor = false;
		set_unescaped(&id->container, c + 15, n - 23);
		return;
	}
	/* LXC 4 and later: lxc.payload.<name>, lxc.monitor.<name> */
	if (starts(c, n, "lxc.payload.") && n > 12) {
		container(id, "lxc", c + 12, n - 12, false);
		return;
	}
	if (starts(c, n, "lxc.monitor.") && n > 12) {
		container(id, "lxc", c + 12, n - 12, true);
		return;
	}
	/* older LXC: /lxc/<name>, /lxc.monitor/<name> */
	if (prev && pn == 3 && !memcmp(prev, "lxc", 3)) {
		container(id, "lxc", c, n, false);
		return;
	}
	if (prev && pn == 11 && !memcmp(prev, "lxc.monitor", 11)) {
		container(id, "lxc", c, n, true);
		return;
	}

	/* a pod, systemd driver: ...kubepods[-<qos>]-pod<uid>.slice */
	q = n > 6 ? memmem(c, n, "-pod", 4) : NULL;
	if (q && ends(c, n, ".slice") && memmem(c, q - c, "kubepods", 8)) {
		const char *u = q + 4;
		size_t un = c + n - 6 - u;

		if (is_uid(u, un, '_')) {
			set(&id->pod, u, un);
			for (i = 0; i < un; i++)
				if (id->pod[i] == '_')
					id->pod[i] = '-';
			if (ends(c, q - c, "-besteffort"))
				id->qos = "besteffort";
			else if (ends(c, q - c, "-burstable"))
				id->qos = "burstable";
			else if (ends(c, q - c, "kubepods"))
				id->qos = "guaranteed";
			else
				id->qos = NULL;
			return;
		}
	}
	/* a pod, cgroupfs driver: /kubepods/[<qos>/]pod<uid> */
	if (under_kubepods && starts(c, n, "pod") && is_uid(c + 3, n - 3, '-') && prev) {
		set(&id->pod, c + 3, n - 3);
		if (pn == 10 && !memcmp(prev, "besteffort", 10))
			id->qos = "besteffort";
		else if (pn == 9 && !memcmp(prev, "burstable", 9))
			id->qos = "burstable";
		else if (pn == 8 && !memcmp(prev, "kubepods", 8))
			id->qos = "guaranteed";
		else
			id->qos = NULL;
		return;
	}
	/* a container of a pod, cgroupfs driver: its bare id */
	if (prev && pn >= 3 && !memcmp(prev, "pod", 3) && id->pod && is_cid(c, n))
		container(id, "cri", c, n, false);
}

/**
 * ident_parse() - the identity a cgroup path shows.
 * @path: a cgroup path as the record has it ("/kubepods.slice/...").
 * @id: filled in; ident_free() it.  Every field is NULL when not shown.
 *
 * Return: whether anything was found (runtime, pod, unit or slice).
 */
bool ident_parse(const char *path, struct cg_ident *id)
{
	const char *c = path, *prev = NULL, *e;
	size_t n, pn = 0;
	bool kube = false;

	memset(id, 0, sizeof(*id));
	if (!path || *path != '/')
		return false;
	while (*c) {
		c += strspn(c, "/");
		if (!*c)
			break;
		e = strchr(c, '/');
		n = e ? (size_t)(e - c) : strlen(c);
		component(id, c, n, prev, pn, kube);
		if ((n == 8 && !memcmp(c, "kubepods", 8)) ||
		    (n == 14 && !memcmp(c, "kubepods.slice", 14)))
			kube = true;
		prev = c;
		pn = n;
		c += n;
	}
	return id->runtime || id->pod || id->unit || id->slice;
}

void ident_free(struct cg_ident *id)
{
	free(id->container);
	free(id->pod);
	free(id->unit);
	free(id->slice);
	memset(id, 0, sizeof(*id));
}

static json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

/* {"runtime":..,"container_id":..,"monitor":..,"pod_uid":..,"qos":..,"unit":..,"slice":..} */
static json_object *ident_object(const char *path)
{
	struct cg_ident id;
	json_object *o;

	if (!ident_parse(path, &id))
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "runtime", str_or_null(id.runtime));
	json_object_object_add(o, "container_id", str_or_null(id.container));
	json_object_object_add(o, "monitor",
			       id.runtime ? json_object_new_boolean(id.monitor) : NULL);
	json_object_object_add(o, "pod_uid", str_or_null(id.pod));
	json_object_object_add(o, "qos", str_or_null(id.qos));
	json_object_object_add(o, "unit", str_or_null(id.unit));
	json_object_object_add(o, "slice", str_or_null(id.slice));
	ident_free(&id);
	return o;
}

static const char *str_at(json_object *rec, const char *path)
{
	json_object *v = rec_get(rec, path);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* identity.@key.N for each element of the array @key whose memcg is known */
static bool ident_list(json_object *rec, json_object *out, const char *key)
{
	json_object *arr = rec_get(rec, key), *list;
	char p[64];
	size_t i, n;
	bool any = false;

	if (!arr || !json_object_is_type(arr, json_type_array))
		return false;
	n = json_object_array_length(arr);
	list = json_object_new_array();
	for (i = 0; i < n; i++) {
		json_object *o;

		snprintf(p, sizeof(p), "%s.%zu.memcg", key, i);
		o = ident_object(str_at(rec, p));
		any |= !!o;
		json_object_array_add(list, o);
	}
	if (any)
		json_object_object_add(out, key, list);
	else
		json_object_put(list);
	return any;
}

/**
 * ident_record() - the identity of each cgroup path of a record.
 * @rec: an event record.
 *
 * The object the CLI adds as "identity" (interface section 6.4): "trigger"
 * (trigger.memcg), "memcg" (memcg.path, the memcg at its limit), "victim"
 * (victim.memcg), and arrays "candidates" and "killed" parallel to the
 * record's, for elements that carry a memcg; a key only when its path
 * shows something.
 *
 * Return: the object, or NULL when no path of the record shows anything.
 */
json_object *ident_record(json_object *rec)
{
	static const struct {
		const char *key, *path;
	} one[] = {
		{ "trigger", "trigger.memcg" },
		{ "memcg", "memcg.path" },
		{ "victim", "victim.memcg" },
	};
	json_object *out = json_object_new_object(), *o;
	bool any = false;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(one); i++) {
		o = ident_object(str_at(rec, one[i].path));
		if (o) {
			json_object_object_add(out, one[i].key, o);
			any = true;
		}
	}
	any |= ident_list(rec, out, "candidates");
	any |= ident_list(rec, out, "killed");
	if (!any) {
		json_object_put(out);
		return NULL;
	}
	return out;
}

/* @o as JSON, its strings escaped as the module escapes them (sb_escaped()). */
static void sb_json(struct sbuf *b, json_object *o)
{
	size_t i, n;

	if (json_object_is_type(o, json_type_string)) {
		sb_putc(b, '"');
		sb_escaped(b, json_object_get_string(o), json_object_get_string_len(o));
		sb_putc(b, '"');
	} else if (json_object_is_type(o, json_type_object)) {
		n = 0;
		sb_putc(b, '{');
		json_object_object_foreach(o, key, val) {
			sb_printf(b, "%s\"%s\":", n++ ? "," : "", key);
			sb_json(b, val);
		}
		sb_putc(b, '}');
	} else if (json_object_is_type(o, json_type_array)) {
		n = json_object_array_length(o);
		sb_putc(b, '[');
		for (i = 0; i < n; i++) {
			if (i)
				sb_putc(b, ',');
			sb_json(b, json_object_array_get_idx(o, i));
		}
		sb_putc(b, ']');
	} else {
		sb_puts(b, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	}
}

/**
 * sb_with_identity() - a record's line as the module wrote it, with
 * "identity" added as its last key when the record has one.
 * @b: appended to.
 * @rec: the record parsed from @line.
 * @line: the module's line, @len bytes, a JSON object.
 *
 * The module's bytes are kept as they are: only `,"identity":{...}` is put
 * before the closing brace.
 */
void sb_with_identity(struct sbuf *b, json_object *rec, const char *line, size_t len)
{
	json_object *id = is_event(rec) ? ident_record(rec) : NULL;
	size_t end = len;

	while (end && (line[end - 1] == ' ' || line[end - 1] == '\r'))
		end--;
	if (!id || !end || line[end - 1] != '}') {
		sb_printf(b, "%.*s", (int)len, line);
		json_object_put(id);
		return;
	}
	sb_printf(b, "%.*s,\"identity\":", (int)(end - 1), line);
	sb_json(b, id);
	sb_putc(b, '}');
	json_object_put(id);
}

/* Up to 12 characters of a hex id, as docker ps shows it; a name whole. */
static void sb_cid(struct sbuf *b, const struct cg_ident *id)
{
	size_t n = strlen(id->container);

	sb_escaped(b, id->container, n == ID_HEX ? 12 : n);
}

/**
 * sb_ident_words() - "container 3f0a1b2c3d4e (containerd) of pod UID
 * (burstable)", or the unit and slice when no container or pod shows.
 * @b: appended to.
 * @path: a cgroup path.
 *
 * Return: whether anything was written.
 */
bool sb_ident_words(struct sbuf *b, const char *path)
{
	struct cg_ident id;

	if (!ident_parse(path, &id))
		return false;
	if (id.runtime) {
		if (id.monitor)
			sb_puts(b, "the runtime's monitor of ");
		sb_puts(b, !strcmp(id.runtime, "systemd-nspawn") ? "machine " : "container ");
		sb_cid(b, &id);
		sb_printf(b, " (%s)", id.runtime);
	}
	if (id.pod) {
		sb_puts(b, id.runtime ? " of pod " : "pod ");
		sb_escaped(b, id.pod, strlen(id.pod));
		if (id.qos)
			sb_printf(b, " (%s)", id.qos);
	}
	if (!id.runtime && !id.pod) {
		if (id.unit) {
			sb_puts(b, "unit ");
			sb_escaped(b, id.unit, strlen(id.unit));
		}
		if (id.slice) {
			sb_puts(b, id.unit ? " in " : "slice ");
			sb_escaped(b, id.slice, strlen(id.slice));
		}
	}
	ident_free(&id);
	return true;
}

/*
 * A value in the text view's escaping (interface section 3.2): the bytes
 * the module recorded, each space or below, '"', '=', '\' or 0x7f and
 * above as a backslash and three octal digits.  json-c hands back the
 * module's \u00XX escapes as UTF-8: those are its bytes 0x80-0xff.
 */
static void sb_text_value(struct sbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned int c;

	if (!*p) {
		sb_puts(b, "\"\"");
		return;
	}
	for (; *p; p++) {
		c = *p;
		if ((c == 0xc2 || c == 0xc3) && (p[1] & 0xc0) == 0x80) {
			c = ((c & 0x1f) << 6) | (p[1] & 0x3f);
			p++;
		}
		if (c <= ' ' || c >= 0x7f || c == '"' || c == '=' || c == '\\')
			sb_printf(b, "\\%03o", c);
		else
			sb_putc(b, c);
	}
}

static void text_line(struct sbuf *b, const char *label, const char *path)
{
	struct cg_ident id;

	if (!ident_parse(path, &id))
		return;
	sb_printf(b, "  identity %s", label);
	if (id.runtime) {
		sb_printf(b, " runtime=%s container=", id.runtime);
		sb_text_value(b, id.container);
		if (id.monitor)
			sb_puts(b, " monitor=true");
	}
	if (id.pod)
		sb_printf(b, " pod=%s qos=%s", id.pod, id.qos ? id.qos : "null");
	if (id.unit) {
		sb_puts(b, " unit=");
		sb_text_value(b, id.unit);
	}
	if (id.slice) {
		sb_puts(b, " slice=");
		sb_text_value(b, id.slice);
	}
	sb_putc(b, '\n');
	ident_free(&id);
}

/**
 * sb_ident_text() - the text view's identity lines of a record (oomsnap
 * events): "  identity LABEL runtime=.. container=.. pod=.. qos=.. unit=..
 * slice=..", one per path that shows something, LABEL as the JSON's
 * "identity" keys (trigger, memcg, victim, candidates.N, killed.N).
 * @b: appended to.
 * @rec: an event record.
 */
void sb_ident_text(struct sbuf *b, json_object *rec)
{
	static const char * const lists[] = { "candidates", "killed" };
	char label[48], p[64];
	json_object *arr;
	size_t i, k, n;

	text_line(b, "trigger", str_at(rec, "trigger.memcg"));
	text_line(b, "memcg", str_at(rec, "memcg.path"));
	text_line(b, "victim", str_at(rec, "victim.memcg"));
	for (k = 0; k < ARRAY_SIZE(lists); k++) {
		arr = rec_get(rec, lists[k]);
		if (!arr || !json_object_is_type(arr, json_type_array))
			continue;
		n = json_object_array_length(arr);
		for (i = 0; i < n; i++) {
			snprintf(label, sizeof(label), "%s.%zu", lists[k], i);
			snprintf(p, sizeof(p), "%s.memcg", label);
			text_line(b, label, str_at(rec, p));
		}
	}
}
