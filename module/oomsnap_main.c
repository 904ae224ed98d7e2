// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap: make every OOM event explainable after the fact, and keep chosen
 * processes out of the OOM killer's way.
 *
 * Load order: ring, protection list, sampler, hooks, files; unload in reverse.
 * Every step unwinds the ones before it when a later one fails.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include "oomsnap.h"

struct oomsnap_stats oomsnap_stats;
struct oomsnap_ring *oomsnap_ring;

unsigned int oomsnap_capacity = 64;
unsigned int oomsnap_max_tasks = 8;
unsigned int oomsnap_protect_max = 1024;
unsigned int oomsnap_scan_max = 100000;
bool oomsnap_cand_scan;
bool oomsnap_cand_kretprobe;
static int oomsnap_procfs = -1;	/* -1 auto, 0 off, 1 on */
static char *oomsnap_protect_list;

/*
 * Parameters are range-checked when they are parsed, so that a bad value
 * fails insmod/modprobe with a message naming the parameter and the range.
 */
struct oomsnap_uint_param {
	unsigned int *val;
	unsigned int min, max;
};

static int oomsnap_param_set_range(const char *val,
				   const struct kernel_param *kp)
{
	const struct oomsnap_uint_param *p = kp->arg;
	unsigned int v;

	if (kstrtouint(val, 0, &v) || v < p->min || v > p->max) {
		pr_err("%s=%s: must be a number from %u to %u\n",
		       kp->name, val, p->min, p->max);
		return -EINVAL;
	}
	*p->val = v;
	return 0;
}

static int oomsnap_param_get_range(char *buf, const struct kernel_param *kp)
{
	const struct oomsnap_uint_param *p = kp->arg;

	return sysfs_emit(buf, "%u\n", *p->val);
}

static const struct kernel_param_ops oomsnap_range_ops = {
	.set = oomsnap_param_set_range,
	.get = oomsnap_param_get_range,
};

static const struct oomsnap_uint_param oomsnap_arg_capacity = {
	.val = &oomsnap_capacity, .min = 1, .max = OOMSNAP_CAPACITY_MAX,
};
module_param_cb(capacity, &oomsnap_range_ops, (void *)&oomsnap_arg_capacity, 0444);
MODULE_PARM_DESC(capacity, "events kept in the ring (1-65536, default 64)");

static const struct oomsnap_uint_param oomsnap_arg_max_tasks = {
	.val = &oomsnap_max_tasks, .min = 0, .max = OOMSNAP_MAX_TASKS_MAX,
};
module_param_cb(max_tasks, &oomsnap_range_ops, (void *)&oomsnap_arg_max_tasks, 0444);
MODULE_PARM_DESC(max_tasks, "top OOM candidates kept per event (0-1024, default 8)");

static const struct oomsnap_uint_param oomsnap_arg_protect_max = {
	.val = &oomsnap_protect_max, .min = 1, .max = OOMSNAP_PROTECT_MAX_MAX,
};
module_param_cb(protect_max, &oomsnap_range_ops, (void *)&oomsnap_arg_protect_max, 0444);
MODULE_PARM_DESC(protect_max, "protection list entries (1-65536, default 1024)");

static const struct oomsnap_uint_param oomsnap_arg_scan_max = {
	.val = &oomsnap_scan_max, .min = 1, .max = 4194304,
};
module_param_cb(scan_max, &oomsnap_range_ops, (void *)&oomsnap_arg_scan_max, 0444);
MODULE_PARM_DESC(scan_max, "processes examined per OOM for candidates and protection (default 100000)");

/*
 * candidates=scan: find the candidates by a scan of our own even where
 * the kernel's oom_badness() can be hooked; candidates=kretprobe: hook it
 * with the kretprobe even where the ftrace callback works (both for
 * comparison: benchmarks, the fallbacks' tests).
 */
static int oomsnap_param_set_candidates(const char *val,
					const struct kernel_param *kp)
{
	if (sysfs_streq(val, "auto") || sysfs_streq(val, "scan") ||
	    sysfs_streq(val, "kretprobe")) {
		oomsnap_cand_scan = val[0] == 's';
		oomsnap_cand_kretprobe = val[0] == 'k';
		return 0;
	}
	pr_err("candidates=%s: must be auto, scan or kretprobe\n", val);
	return -EINVAL;
}

static int oomsnap_param_get_candidates(char *buf,
					const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", oomsnap_cand_scan ? "scan" :
			  oomsnap_cand_kretprobe ? "kretprobe" : "auto");
}

static const struct kernel_param_ops oomsnap_candidates_ops = {
	.set = oomsnap_param_set_candidates,
	.get = oomsnap_param_get_candidates,
};

module_param_cb(candidates, &oomsnap_candidates_ops, NULL, 0444);
MODULE_PARM_DESC(candidates, "where candidates come from: auto (the kernel's own oom_badness() calls, else a scan), scan, or kretprobe (auto with the kretprobe hook)");

static int oomsnap_param_set_procfs(const char *val,
				    const struct kernel_param *kp)
{
	if (sysfs_streq(val, "auto")) {
		oomsnap_procfs = -1;
		return 0;
	}
	if (sysfs_streq(val, "0") || sysfs_streq(val, "1")) {
		oomsnap_procfs = val[0] - '0';
		return 0;
	}
	pr_err("procfs=%s: must be 0, 1 or auto\n", val);
	return -EINVAL;
}

static int oomsnap_param_get_procfs(char *buf, const struct kernel_param *kp)
{
	return oomsnap_procfs < 0 ? sysfs_emit(buf, "auto\n") :
				    sysfs_emit(buf, "%d\n", oomsnap_procfs);
}

static const struct kernel_param_ops oomsnap_procfs_ops = {
	.set = oomsnap_param_set_procfs,
	.get = oomsnap_param_get_procfs,
};

module_param_cb(procfs, &oomsnap_procfs_ops, NULL, 0444);
MODULE_PARM_DESC(procfs, "files under /proc/oomsnap too: 0, 1 or auto (when debugfs is missing or locked down)");
/* root only: the list names the processes it protects */
module_param_named(protect, oomsnap_protect_list, charp, 0400);
MODULE_PARM_DESC(protect, "protection entries applied at load, ';'-separated, e.g. \"add comm=sshd adj=-1000\"");

static int __init oomsnap_init(void)
{
	int ret;

	oomsnap_ring = oomsnap_ring_create(oomsnap_capacity, oomsnap_max_tasks);
	if (!oomsnap_ring)
		return -ENOMEM;
	ret = oomsnap_protect_init(oomsnap_protect_list);
	if (ret)
		goto err_ring;
	ret = oomsnap_trend_init();
	if (ret)
		goto err_protect;
	ret = oomsnap_capture_init();
	if (ret)
		goto err_trend;
	ret = oomsnap_panic_init();
	if (ret)
		goto err_capture;
	ret = oomsnap_fs_init(oomsnap_procfs);
	if (ret)
		goto err_panic;
	pr_info("loaded: capacity=%u max_tasks=%u, %zu bytes of ring\n",
		oomsnap_capacity, oomsnap_max_tasks, oomsnap_ring_bytes(oomsnap_ring));
	return 0;

err_panic:
	oomsnap_panic_exit();
err_capture:
	oomsnap_capture_exit();
err_trend:
	oomsnap_trend_exit();
err_protect:
	oomsnap_protect_exit();
err_ring:
	oomsnap_ring_destroy(oomsnap_ring);
	return ret;
}

static void __exit oomsnap_exit(void)
{
	oomsnap_fs_exit();
	oomsnap_panic_exit();
	oomsnap_capture_exit();
	oomsnap_trend_exit();
	oomsnap_protect_exit();
	oomsnap_ring_destroy(oomsnap_ring);
}

module_init(oomsnap_init);
module_exit(oomsnap_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Snapshot every OOM event and protect chosen processes from the OOM killer");
MODULE_AUTHOR("oomsnap developers");
MODULE_VERSION("0.1");
