// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap: the trend before the kill, and the victim's time to free.
 *
 * The sampler: a deferrable timer (it never wakes an idle CPU: a tick due
 * while every CPU sleeps runs when one wakes, so samples can be further
 * apart than the period and carry their own time) takes one sample a
 * second into a ring of trend_seconds samples allocated at load.  The OOM
 * path copies the ring into the in-flight event under a raw spinlock that
 * the timer holds only to store one sample: no allocation, no sleeping,
 * no scanning there.  trend_seconds=0: no ring, no timer, no trend.
 *
 * Time to free: the victim's mark (mark_victim tracepoint) starts the
 * clock; a kprobe on exit_oom_victim(), which the marked thread calls in
 * exit_mm() once it has dropped its mm, and the reaper's
 * finish_task_reaping report stop it.  Either may come before the event
 * is committed (the victim runs on another CPU; the 5.10 reaper at once)
 * or after: under freed.lock a report goes to the in-flight event until
 * the commit, which happens under the same lock, and to the committed
 * record after (interface section 3.4).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/kprobes.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/timer.h>
#include <linux/jiffies.h>
#include <linux/timekeeping.h>
#include "oomsnap.h"

unsigned int oomsnap_trend_seconds = 60;

static int oomsnap_trend_param_set(const char *val,
				   const struct kernel_param *kp)
{
	unsigned int v;

	if (kstrtouint(val, 0, &v) || v > OOMSNAP_TREND_MAX) {
		pr_err("trend_seconds=%s: must be a number from 0 to %u\n",
		       val, OOMSNAP_TREND_MAX);
		return -EINVAL;
	}
	oomsnap_trend_seconds = v;
	return 0;
}

static const struct kernel_param_ops oomsnap_trend_param_ops = {
	.set = oomsnap_trend_param_set,
	.get = param_get_uint,
};

module_param_cb(trend_seconds, &oomsnap_trend_param_ops,
		&oomsnap_trend_seconds, 0444);
MODULE_PARM_DESC(trend_seconds, "seconds of 1 s samples kept and copied into each event (0-600, default 60; 0: no sampler)");

static struct {
	raw_spinlock_t lock;		/* @ring, @next, @nr */
	struct oomsnap_sample *ring;	/* trend_seconds samples */
	unsigned int next, nr;
	struct timer_list timer;
	bool stopping;
	bool primed;			/* @last holds a sample's counters */
	unsigned long last[4];		/* refaults, scan, steal, allocstall */
	atomic64_t ticks;
} trend;

static struct {
	raw_spinlock_t lock;		/* all of it, and the commit */
	bool in_flight;			/* a victim marked, not committed */
	struct oomsnap_freed f;
} freed;

static struct kprobe oomsnap_exit_kp;
static const char *oomsnap_exit_missing = "not attached";

/**
 * oomsnap_trend_bytes() - bytes of trend samples at the end of each event
 */
size_t oomsnap_trend_bytes(void)
{
	return (size_t)oomsnap_trend_seconds * sizeof(struct oomsnap_sample);
}

/**
 * oomsnap_event_trend() - the trend samples of an event
 * @ev: an event of oomsnap_event_size() bytes
 *
 * Return: the first of ev->nr_trend samples, oldest first.
 */
struct oomsnap_sample *oomsnap_event_trend(const struct oomsnap_event *ev)
{
	return (void *)ev + oomsnap_event_size() - oomsnap_trend_bytes();
}

static u32 oomsnap_sat(unsigned long v)
{
	return min_t(unsigned long, v, U32_MAX);
}

static u32 oomsnap_mono_ms(void)
{
	return (u32)div_u64(ktime_get_mono_fast_ns(), NSEC_PER_MSEC);
}

static void oomsnap_trend_tick(struct timer_list *t)
{
	unsigned long now[4] = {
		oomsnap_refaults(), oomsnap_pgscan(), oomsnap_pgsteal(),
		oomsnap_allocstall(),
	};
	struct oomsnap_sample s = { .ms = oomsnap_mono_ms() };
	unsigned long flags;
	long avail = si_mem_available();

	s.avail = oomsnap_sat(max(avail, 0L));
	s.freeswap = oomsnap_sat(max(get_nr_swap_pages(), 0L));
	s.file = oomsnap_sat(global_node_page_state(NR_FILE_PAGES));
	s.anon = oomsnap_sat(global_node_page_state(NR_ACTIVE_ANON) +
			     global_node_page_state(NR_INACTIVE_ANON));
	/* the first sample has no period before it: its deltas are 0 */
	if (trend.primed) {
		s.refaults = oomsnap_sat(now[0] - trend.last[0]);
		s.scan = oomsnap_sat(now[1] - trend.last[1]);
		s.steal = oomsnap_sat(now[2] - trend.last[2]);
		s.allocstall = oomsnap_sat(now[3] - trend.last[3]);
	}
	memcpy(trend.last, now, sizeof(now));
	trend.primed = true;
	if (!oomsnap_psi_system_avg10(&s.some10, &s.full10)) {
		s.some10 = U16_MAX;
		s.full10 = U16_MAX;
	}

	raw_spin_lock_irqsave(&trend.lock, flags);
	trend.ring[trend.next] = s;
	trend.next = (trend.next + 1) % oomsnap_trend_seconds;
	if (trend.nr < oomsnap_trend_seconds)
		trend.nr++;
	raw_spin_unlock_irqrestore(&trend.lock, flags);
	atomic64_inc(&trend.ticks);

	if (!READ_ONCE(trend.stopping))
		mod_timer(&trend.timer, jiffies + HZ);
}

/**
 * oomsnap_trend_capture() - copy the samples into the in-flight event
 * @ev: the event, oomsnap_event_size() bytes
 *
 * Each sample's @ms becomes its age when the OOM started.
 *
 * Context: the OOM path; takes only trend.lock, a raw spinlock.
 */
void oomsnap_trend_capture(struct oomsnap_event *ev)
{
	struct oomsnap_sample *dst;
	unsigned int i, n, first;
	unsigned long flags;
	u32 now;

	if (!oomsnap_trend_seconds)
		return;
	dst = oomsnap_event_trend(ev);
	now = oomsnap_mono_ms();
	raw_spin_lock_irqsave(&trend.lock, flags);
	n = trend.nr;
	first = (trend.next + oomsnap_trend_seconds - n) % oomsnap_trend_seconds;
	for (i = 0; i < n; i++) {
		dst[i] = trend.ring[(first + i) % oomsnap_trend_seconds];
		dst[i].ms = now - dst[i].ms;
	}
	raw_spin_unlock_irqrestore(&trend.lock, flags);
	ev->nr_trend = n;
}

/**
 * oomsnap_freed_start() - a victim was marked: its clock starts
 * @ev: the in-flight event
 * @t: the marked thread
 *
 * Context: the OOM path (mark_victim).
 */
void oomsnap_freed_start(struct oomsnap_event *ev, struct task_struct *t)
{
	unsigned long flags;

	ev->freed.kill_ns = ktime_get_mono_fast_ns();
	ev->freed.tid = task_pid_nr(t);
	raw_spin_lock_irqsave(&freed.lock, flags);
	freed.f = ev->freed;
	freed.in_flight = true;
	raw_spin_unlock_irqrestore(&freed.lock, flags);
}

/**
 * oomsnap_freed_note() - time a victim's exit or reaping since its kill
 * @f: the victim's times, its clock started (kill_ns)
 * @exit: its exit_oom_victim(), or else the reaper's report
 * @now_ns: monotonic clock of that moment
 *
 * Only the first of each kind counts.  The caller holds the lock that
 * guards @f: the in-flight one's, or the ring's for a committed record.
 */
void oomsnap_freed_note(struct oomsnap_freed *f, bool exit, u64 now_ns)
{
	u32 us = min_t(u64, div_u64(now_ns - f->kill_ns, NSEC_PER_USEC),
		       U32_MAX);

	if (exit && !f->exited) {
		f->exit_us = us;
		f->exited = true;
	} else if (!exit && !f->reaped) {
		f->reap_us = us;
		f->reaped = true;
	}
}

static void oomsnap_freed_stamp(pid_t tid, bool exit)
{
	u64 now = ktime_get_mono_fast_ns();
	struct oomsnap_freed *f = &freed.f;
	unsigned long flags;

	raw_spin_lock_irqsave(&freed.lock, flags);
	if (freed.in_flight && f->tid == tid)
		oomsnap_freed_note(f, exit, now);
	else
		oomsnap_ring_set_freed(oomsnap_ring, tid, exit, now);
	raw_spin_unlock_irqrestore(&freed.lock, flags);
}

/**
 * oomsnap_freed_reaped() - the oom reaper reported on a victim
 * @pid: the pid it names (the marked thread's)
 */
void oomsnap_freed_reaped(pid_t pid)
{
	oomsnap_freed_stamp(pid, false);
}

/**
 * oomsnap_freed_commit() - commit the event with what was seen so far
 * @ev: the finished event
 *
 * Reports after this go to the committed record.
 *
 * Context: the OOM path; calls oomsnap_ring_commit() under freed.lock.
 */
void oomsnap_freed_commit(struct oomsnap_event *ev)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&freed.lock, flags);
	if (freed.in_flight && ev->freed.kill_ns == freed.f.kill_ns)
		ev->freed = freed.f;
	oomsnap_ring_commit(oomsnap_ring, ev);
	freed.in_flight = false;
	raw_spin_unlock_irqrestore(&freed.lock, flags);
}

/*
 * exit_oom_victim(): only a thread the OOM killer marked calls it, from
 * exit_mm() once its mm is dropped.
 */
static int oomsnap_exit_pre(struct kprobe *kp, struct pt_regs *regs)
{
	oomsnap_freed_stamp(task_pid_nr(current), true);
	oomsnap_cmdline_exited();
	return 0;
}

/**
 * oomsnap_trend_init() - attach the exit hook, start the sampler
 *
 * Return: 0 or -ENOMEM.  A missing exit hook leaves exit times null and
 * is reported in stats.
 */
int oomsnap_trend_init(void)
{
	raw_spin_lock_init(&trend.lock);
	raw_spin_lock_init(&freed.lock);
	freed.in_flight = false;
	atomic64_set(&trend.ticks, 0);
	oomsnap_psi_init();

	oomsnap_exit_kp.symbol_name = "exit_oom_victim";
	oomsnap_exit_kp.pre_handler = oomsnap_exit_pre;
	oomsnap_exit_missing = register_kprobe(&oomsnap_exit_kp) ?
			       "cannot kprobe exit_oom_victim" : NULL;

	if (!oomsnap_trend_seconds)
		return 0;
	trend.ring = kcalloc(oomsnap_trend_seconds, sizeof(*trend.ring),
			     GFP_KERNEL);
	if (!trend.ring) {
		if (!oomsnap_exit_missing)
			unregister_kprobe(&oomsnap_exit_kp);
		return -ENOMEM;
	}
	trend.next = 0;
	trend.nr = 0;
	trend.primed = false;
	WRITE_ONCE(trend.stopping, false);
	timer_setup(&trend.timer, oomsnap_trend_tick, TIMER_DEFERRABLE);
	mod_timer(&trend.timer, jiffies + HZ);
	return 0;
}

/**
 * oomsnap_trend_exit() - stop the sampler and the exit hook
 *
 * Called after the OOM hooks are gone: nothing copies the ring any more.
 */
void oomsnap_trend_exit(void)
{
	if (oomsnap_trend_seconds) {
		WRITE_ONCE(trend.stopping, true);
		oomsnap_timer_stop(&trend.timer);
		kfree(trend.ring);
		trend.ring = NULL;
	}
	if (!oomsnap_exit_missing)
		unregister_kprobe(&oomsnap_exit_kp);
	oomsnap_exit_missing = "not attached";
}

/** oomsnap_trend_samples_taken() - samples the sampler took since load */
u64 oomsnap_trend_samples_taken(void)
{
	return atomic64_read(&trend.ticks);
}

/**
 * oomsnap_exit_hook_missing() - why the exit_oom_victim() hook is missing
 *
 * Return: NULL when it is attached.
 */
const char *oomsnap_exit_hook_missing(void)
{
	return oomsnap_exit_missing;
}
