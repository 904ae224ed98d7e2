// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap: the protect command parser (interface section 5).
 *
 * Text in, commands out: the words of each line checked and converted,
 * with the errors the interface document lists for a malformed line.
 * Pure: no list, no lock, no task or cgroup lookup, no capability check.
 * Whether what a command names exists, and whether its writer may ask for
 * it, depends on the system and on the opener of the file: the list
 * (oomsnap_protect_list.c) and the enforcement (oomsnap_protect.c) decide
 * that on the parsed commands.  So the grammar can be tested on its own.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/oom.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "oomsnap_compat.h"
#include "oomsnap_protect.h"

/*
 * A cgroup path as stored and shown: one leading '/', no empty components,
 * no trailing '/'.  "db.service", "/db.service/" and "//db.service" are
 * one key.
 */
static char *oomsnap_norm_path(const char *in)
{
	size_t len = strlen(in), o = 0;
	char *out;

	out = kmalloc(len + 2, GFP_KERNEL);
	if (!out)
		return NULL;
	for (; *in; in++) {
		if (*in == '/' && o && out[o - 1] == '/')
			continue;
		if (!o && *in != '/')
			out[o++] = '/';
		out[o++] = *in;
	}
	if (!o)
		out[o++] = '/';
	if (o > 1 && out[o - 1] == '/')
		o--;
	out[o] = '\0';
	return out;
}

/* "pid=N", "comm=NAME" or "cgroup=PATH" into @c. */
static int oomsnap_parse_key(char *key, struct oomsnap_protect_cmd *c)
{
	size_t len;
	int nr;

	if (str_has_prefix(key, "pid=")) {
		c->type = OOMSNAP_P_PID;
		if (kstrtoint(key + 4, 10, &nr) || nr <= 0)
			return -EINVAL;
		c->nr = nr;
		return 0;
	}
	if (str_has_prefix(key, "comm=")) {
		c->type = OOMSNAP_P_COMM;
		len = strlen(key + 5);
		if (!len || len >= TASK_COMM_LEN)
			return -EINVAL;
		memset(c->comm, 0, sizeof(c->comm));
		memcpy(c->comm, key + 5, len);
		return 0;
	}
	if (str_has_prefix(key, "cgroup=")) {
		c->type = OOMSNAP_P_CGROUP;
		len = strlen(key + 7);
		if (!len || len >= PATH_MAX)
			return -EINVAL;
		c->path = oomsnap_norm_path(key + 7);
		return c->path ? 0 : -ENOMEM;
	}
	return -EINVAL;
}

/*
 * KEY [uid=N] into @c.  The owner word is the last one, after the key (a
 * comm may hold blanks); only comm keys take one.
 */
static int oomsnap_parse_key_uid(char *rest, struct oomsnap_protect_cmd *c)
{
	char *w = strrchr(rest, ' '), *t = strrchr(rest, '\t'), *uid = NULL;
	int ret;

	if (!w || (t && t > w))
		w = t;
	if (w && str_has_prefix(w + 1, "uid=")) {
		*w = '\0';
		uid = w + 5;
		rest = strim(rest);
	}
	ret = oomsnap_parse_key(rest, c);
	if (ret || !uid)
		return ret;
	if (c->type != OOMSNAP_P_COMM || kstrtou32(uid, 10, &c->uid_nr))
		return -EINVAL;
	c->has_uid = true;
	return 0;
}

/*
 * One command:  add KEY [uid=N] adj=N | del KEY [uid=N] | clear
 * Words are separated by blanks; a comm may itself hold blanks (process
 * names can), so for add the key is everything between the verb and the
 * last word, which must be adj=N, or the word before it if that is uid=N.
 */
static int oomsnap_parse_line(char *line, struct oomsnap_protect_cmd *c)
{
	char *rest, *adj, *w;
	int ret;

	rest = line;
	line = strsep(&rest, " \t");
	rest = rest ? skip_spaces(rest) : "";
	if (!strcmp(line, "clear")) {
		c->op = OOMSNAP_OP_CLEAR;
		return *rest ? -EINVAL : 0;
	}
	if (!strcmp(line, "del")) {
		c->op = OOMSNAP_OP_DEL;
		return *rest ? oomsnap_parse_key_uid(rest, c) : -EINVAL;
	}
	if (strcmp(line, "add"))
		return -EINVAL;
	c->op = OOMSNAP_OP_ADD;
	/* the last blank, a space or a tab, whichever comes later */
	adj = strrchr(rest, ' ');
	w = strrchr(rest, '\t');
	if (!adj || (w && w > adj))
		adj = w;
	if (!adj || !str_has_prefix(adj + 1, "adj="))
		return -EINVAL;
	*adj++ = '\0';
	rest = strim(rest);
	if (!*rest)
		return -EINVAL;
	ret = oomsnap_parse_key_uid(rest, c);
	if (ret)
		return ret;
	if (kstrtos16(adj + 4, 10, &c->adj) ||
	    c->adj < OOM_SCORE_ADJ_MIN || c->adj > OOM_SCORE_ADJ_MAX)
		return -EINVAL;
	return 0;
}

/**
 * oomsnap_protect_parse() - parse protect commands, one per line
 * @buf: the text, NUL-terminated; split and trimmed in place
 * @cmds: set to the commands, an array to free with oomsnap_protect_free()
 *	  (NULL if it could not be allocated)
 * @n: set to the number of commands parsed: the non-empty lines before
 *     the first bad one, which on failure is line *@n (counting non-empty
 *     lines from 0)
 *
 * Blank lines and blanks around a line are ignored.  Parsing stops at the
 * first bad line; the commands before it are kept, so that a caller that
 * looks each command up in order can report the first failure of either
 * kind, as when lines were parsed and looked up one at a time.
 *
 * Context: process context; allocates (GFP_KERNEL).
 * Return: 0; -EINVAL for a malformed line (unknown verb, missing or extra
 * word, bad key, an adj not a number from -1000 to 1000, a uid=N not a
 * u32 or on a key other than comm); -ENOMEM.
 */
int oomsnap_protect_parse(char *buf, struct oomsnap_protect_cmd **cmds,
			  unsigned int *n)
{
	struct oomsnap_protect_cmd *c;
	unsigned int max = 1, i = 0;
	char *p, *line;
	int ret = 0;

	*n = 0;
	for (p = buf; *p; p++)
		max += *p == '\n';
	/*
	 * A page of one-word lines is thousands of commands: an order-7
	 * kcalloc() that fragmentation can refuse, so kvcalloc().
	 */
	c = kvcalloc(max, sizeof(*c), GFP_KERNEL);
	*cmds = c;
	if (!c)
		return -ENOMEM;
	p = buf;
	while ((line = strsep(&p, "\n"))) {
		line = strim(line);
		if (!*line)
			continue;
		ret = oomsnap_parse_line(line, &c[i]);
		if (ret) {
			kfree(c[i].path);
			c[i].path = NULL;
			break;
		}
		i++;
	}
	*n = i;
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_protect_parse);

/**
 * oomsnap_protect_free() - free what oomsnap_protect_parse() returned
 * @cmds: the commands, or NULL
 * @n: how many were parsed
 *
 * A path that a command passed on (its pointer set to NULL) is not freed.
 *
 * Context: any context that may call kvfree().
 */
void oomsnap_protect_free(struct oomsnap_protect_cmd *cmds, unsigned int n)
{
	unsigned int i;

	if (!cmds)
		return;
	for (i = 0; i < n; i++)
		kfree(cmds[i].path);
	kvfree(cmds);
}
EXPORT_SYMBOL_IF_KUNIT(oomsnap_protect_free);
