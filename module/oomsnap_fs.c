// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap: the files (interface section 2).
 *
 * The same file operations serve /sys/kernel/debug/oomsnap/ and, when asked
 * for or when debugfs cannot be used, /proc/oomsnap/.  Under integrity
 * lockdown debugfs refuses to open writable files, so "auto" switches to
 * procfs there.
 */
#include <linux/debugfs.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/security.h>
#include <linux/uaccess.h>
#include <linux/fs.h>
#include "oomsnap.h"

static struct dentry *oomsnap_debugfs;
static struct proc_dir_entry *oomsnap_proc;

/*
 * events, events.json: the seq_file position is the event's seq number, so
 * a reader that is overtaken by the ring skips to the oldest event instead
 * of reading one twice.
 */
static void *oomsnap_events_start(struct seq_file *m, loff_t *pos)
{
	u64 oldest, next;

	oomsnap_ring_bounds(&oldest, &next);
	if (*pos < oldest)
		*pos = oldest;
	for (; *pos < next; ++*pos)
		if (oomsnap_ring_read(*pos, m->private))
			return m->private;
	return NULL;
}

static void *oomsnap_events_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return oomsnap_events_start(m, pos);
}

static void oomsnap_events_stop(struct seq_file *m, void *v)
{
}

static int oomsnap_events_show_text(struct seq_file *m, void *v)
{
	oomsnap_render_text(m, v);
	return 0;
}

static int oomsnap_events_show_json(struct seq_file *m, void *v)
{
	oomsnap_render_json(m, v);
	return 0;
}

static const struct seq_operations oomsnap_events_text_sops = {
	.start = oomsnap_events_start,
	.next = oomsnap_events_next,
	.stop = oomsnap_events_stop,
	.show = oomsnap_events_show_text,
};

static const struct seq_operations oomsnap_events_json_sops = {
	.start = oomsnap_events_start,
	.next = oomsnap_events_next,
	.stop = oomsnap_events_stop,
	.show = oomsnap_events_show_json,
};

static int oomsnap_events_text_open(struct inode *inode, struct file *file)
{
	return seq_open_private(file, &oomsnap_events_text_sops,
				oomsnap_event_size()) ? -ENOMEM : 0;
}

static int oomsnap_events_json_open(struct inode *inode, struct file *file)
{
	return seq_open_private(file, &oomsnap_events_json_sops,
				oomsnap_event_size()) ? -ENOMEM : 0;
}

static int oomsnap_stats_show(struct seq_file *m, void *unused)
{
	u64 oldest, next;

	oomsnap_ring_bounds(&oldest, &next);
	seq_printf(m, "events_total %llu\n", next - 1);
	seq_printf(m, "events_retained %llu\n", next - oldest);
	seq_printf(m, "events_overwritten %llu\n", oomsnap_ring_overwritten());
	seq_printf(m, "notifier_calls %lld\n",
		   atomic64_read(&oomsnap_stats.notifier_calls));
	seq_printf(m, "capture_ns_last %lld\n",
		   atomic64_read(&oomsnap_stats.capture_ns_last));
	seq_printf(m, "capture_ns_max %lld\n",
		   atomic64_read(&oomsnap_stats.capture_ns_max));
	seq_printf(m, "protect_entries %u\n", oomsnap_protect_entries());
	seq_printf(m, "protect_applied %lld\n",
		   atomic64_read(&oomsnap_stats.protect_applied));
	seq_printf(m, "protect_reasserted %lld\n",
		   atomic64_read(&oomsnap_stats.protect_reasserted));
	seq_printf(m, "ring_bytes %zu\n", oomsnap_ring_bytes());
	seq_printf(m, "event_bytes %zu\n", oomsnap_event_size());
	seq_printf(m, "capacity %u\n", oomsnap_capacity);
	seq_printf(m, "max_tasks %u\n", oomsnap_max_tasks);
	seq_printf(m, "oom_calls %lld\n",
		   atomic64_read(&oomsnap_stats.oom_calls));
	seq_printf(m, "oom_skipped %lld\n",
		   atomic64_read(&oomsnap_stats.oom_skipped));
	seq_printf(m, "capture_busy %lld\n",
		   atomic64_read(&oomsnap_stats.capture_busy));
	seq_printf(m, "oom_badness_calls %lld\n",
		   atomic64_read(&oomsnap_stats.badness_calls));
	oomsnap_ring_show_counts(m);
	oomsnap_capture_show_hooks(m);
	return 0;
}

static int oomsnap_stats_open(struct inode *inode, struct file *file)
{
	return single_open(file, oomsnap_stats_show, NULL);
}

static int oomsnap_protect_open(struct inode *inode, struct file *file)
{
	return single_open(file, oomsnap_protect_show, NULL);
}

static ssize_t oomsnap_protect_fwrite(struct file *file, const char __user *buf,
				      size_t len, loff_t *ppos)
{
	return oomsnap_protect_write(file, buf, len);
}

static ssize_t oomsnap_clear_write(struct file *file, const char __user *buf,
				   size_t len, loff_t *ppos)
{
	unsigned int v;
	int ret;

	ret = kstrtouint_from_user(buf, len, 0, &v);
	if (ret)
		return ret;
	if (v != 1)
		return -EINVAL;
	oomsnap_ring_clear();
	return len;
}

/* Each file has the same operations on debugfs and on procfs. */
static const struct file_operations oomsnap_events_fops = {
	.owner = THIS_MODULE,
	.open = oomsnap_events_text_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release_private,
};

static const struct proc_ops oomsnap_events_pops = {
	.proc_open = oomsnap_events_text_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = seq_release_private,
};

static const struct file_operations oomsnap_events_json_fops = {
	.owner = THIS_MODULE,
	.open = oomsnap_events_json_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release_private,
};

static const struct proc_ops oomsnap_events_json_pops = {
	.proc_open = oomsnap_events_json_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = seq_release_private,
};

static const struct file_operations oomsnap_stats_fops = {
	.owner = THIS_MODULE,
	.open = oomsnap_stats_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

static const struct proc_ops oomsnap_stats_pops = {
	.proc_open = oomsnap_stats_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

static const struct file_operations oomsnap_protect_fops = {
	.owner = THIS_MODULE,
	.open = oomsnap_protect_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = oomsnap_protect_fwrite,
	.release = single_release,
};

static const struct proc_ops oomsnap_protect_pops = {
	.proc_open = oomsnap_protect_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_write = oomsnap_protect_fwrite,
	.proc_release = single_release,
};

static const struct file_operations oomsnap_clear_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.write = oomsnap_clear_write,
	.llseek = OOMSNAP_NO_LLSEEK,
};

static const struct proc_ops oomsnap_clear_pops = {
	.proc_open = nonseekable_open,
	.proc_write = oomsnap_clear_write,
	.proc_lseek = OOMSNAP_NO_LLSEEK,
};

static const struct {
	const char *name;
	umode_t mode;
	const struct file_operations *fops;
	const struct proc_ops *pops;
} oomsnap_files[] = {
	{ "events", 0400, &oomsnap_events_fops, &oomsnap_events_pops },
	{ "events.json", 0400, &oomsnap_events_json_fops,
	  &oomsnap_events_json_pops },
	{ "stats", 0400, &oomsnap_stats_fops, &oomsnap_stats_pops },
	{ "protect", 0600, &oomsnap_protect_fops, &oomsnap_protect_pops },
	{ "clear", 0200, &oomsnap_clear_fops, &oomsnap_clear_pops },
	{ "stream", 0400, &oomsnap_stream_fops, &oomsnap_stream_pops },
};

static int oomsnap_debugfs_init(void)
{
	unsigned int i;

	oomsnap_debugfs = debugfs_create_dir("oomsnap", NULL);
	if (IS_ERR_OR_NULL(oomsnap_debugfs)) {
		oomsnap_debugfs = NULL;
		return -ENODEV;
	}
	for (i = 0; i < ARRAY_SIZE(oomsnap_files); i++)
		debugfs_create_file(oomsnap_files[i].name, oomsnap_files[i].mode,
				    oomsnap_debugfs, NULL,
				    oomsnap_files[i].fops);
	return 0;
}

static int oomsnap_procfs_init(void)
{
	unsigned int i;

	oomsnap_proc = proc_mkdir_mode("oomsnap", 0500, NULL);
	if (!oomsnap_proc)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(oomsnap_files); i++) {
		if (!proc_create(oomsnap_files[i].name, oomsnap_files[i].mode,
				 oomsnap_proc, oomsnap_files[i].pops)) {
			proc_remove(oomsnap_proc);
			oomsnap_proc = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

/* debugfs is usable: present, and not locked down (which breaks writes). */
static bool oomsnap_debugfs_usable(void)
{
	return debugfs_initialized() && !security_locked_down(LOCKDOWN_DEBUGFS);
}

/**
 * oomsnap_fs_init() - create the files
 * @procfs_mode: 0 debugfs only, 1 both, -1 procfs only if debugfs unusable
 *
 * Return: 0, or a negative errno when no file could be created.
 */
int oomsnap_fs_init(int procfs_mode)
{
	bool debugfs_ok = oomsnap_debugfs_usable();
	int ret;

	oomsnap_stream_init();
	if (debugfs_ok && oomsnap_debugfs_init())
		debugfs_ok = false;
	if (procfs_mode == 1 || (procfs_mode < 0 && !debugfs_ok)) {
		ret = oomsnap_procfs_init();
		if (ret) {
			debugfs_remove_recursive(oomsnap_debugfs);
			return ret;
		}
		if (!debugfs_ok)
			pr_info("oomsnap: debugfs unavailable or locked down, files are in /proc/oomsnap\n");
	} else if (!debugfs_ok) {
		pr_err("oomsnap: debugfs unavailable or locked down and procfs=0\n");
		return -ENODEV;
	}
	return 0;
}

/**
 * oomsnap_fs_exit() - remove the files, after waking blocked stream readers
 *
 * Removal waits for every file operation in progress to return.
 */
void oomsnap_fs_exit(void)
{
	oomsnap_stream_shutdown();
	debugfs_remove_recursive(oomsnap_debugfs);
	oomsnap_debugfs = NULL;
	proc_remove(oomsnap_proc);
	oomsnap_proc = NULL;
}
