// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap: the command line and executable of the trigger and the victim
 * (interface section 3.1: "argv", "argv_truncated", "argv_state", "exe").
 *
 * The argument area is user memory (mm->arg_start..arg_end, on the
 * process's stack).  The OOM path may not sleep or fault, so it is read
 * with copy_from_user_nofault(), which works only on current's own mm and
 * fails, instead of faulting, on a page that is not present (swapped out,
 * or already reaped): then argv is null and a stats counter says so,
 * never a guess.
 *
 * - The trigger is current at out_of_memory(): read there.
 * - The victim is read at mark_victim when it is current (a task that
 *   ran out of memory and is itself chosen, the common memcg case).
 *   Otherwise its memory belongs to another mm, which nothing on the OOM
 *   path may touch, and the OOM reaper may unmap it right after the kill
 *   (5.10 at once, 6.1 on after about 2 s).  It is read in the victim's
 *   own context instead, when one of its threads takes the SIGKILL in
 *   get_signal() (tracepoint signal_deliver), before do_exit() drops its
 *   mm: current again, so copy_from_user_nofault() applies.  What it
 *   finds depends on the race with the reaper; the stats counters
 *   measure it (argv_victim_late_read / argv_victim_late_fault).  That
 *   report reaches the record in the ring, or the event still in flight.
 * - The executable: the name the kernel's own %pD4 prints for the mm's
 *   exe_file, the last four path components read under RCU without a
 *   lock (d_path() takes rename_lock and mount_lock, a seqlock and a
 *   spinlock that sleep on PREEMPT_RT).  At mark_victim the kernel holds
 *   task_lock() of the victim (or it is current), so its mm stays; its
 *   exe_file does not (prctl(PR_SET_MM_MAP) replaces it): read without a
 *   reference and checked, oomsnap_exe_name().
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/signal.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>
#include <linux/fs.h>
#include <linux/seq_file.h>
#include "oomsnap.h"

static const char * const argv_state_names[OOMSNAP_ARGV_NR] = {
	[OOMSNAP_ARGV_NONE] = "none",
	[OOMSNAP_ARGV_OK] = "ok",
	[OOMSNAP_ARGV_FAULT] = "fault",
	[OOMSNAP_ARGV_PENDING] = "pending",
};

static atomic64_t trigger_read, trigger_fault;
static atomic64_t victim_read, victim_fault;
static atomic64_t victim_late_read, victim_late_fault, victim_missed;

/* Victims to be read in their own context; OOMs are serialized. */
#define OOMSNAP_CMD_SLOTS	4

enum { SLOT_FREE, SLOT_IN_FLIGHT, SLOT_COMMITTED };

static struct {
	raw_spinlock_t lock;	/* slots; nests inside cur.lock, outside the ring's */
	atomic_t waiting;	/* slots not free: the probe's fast path */
	unsigned int next;
	struct oomsnap_cmd_slot {
		pid_t pid, tgid;	/* the marked thread (0: not yet), its process */
		const void *mm;		/* identity only */
		u8 phase;
		bool read;		/* @c holds what its context found */
		struct oomsnap_cmdline c;
	} slot[OOMSNAP_CMD_SLOTS];
} pend = {
	.lock = __RAW_SPIN_LOCK_UNLOCKED(pend.lock),
};

static struct tracepoint *signal_tp;
static const char *hook_missing = "not attached";

/*
 * Read current's argument area into @c; true when read.  Bounded by
 * OOMSNAP_ARGV_LEN; never faults (pagefault_disable() inside).
 */
static bool oomsnap_argv_read(struct mm_struct *mm, struct oomsnap_cmdline *c)
{
	unsigned long start = READ_ONCE(mm->arg_start);
	unsigned long end = READ_ONCE(mm->arg_end);
	size_t n;

	c->len = 0;
	c->truncated = false;
	if (end <= start) {
		/* no arguments (a process that cleared them): an empty list */
		c->state = OOMSNAP_ARGV_OK;
		return true;
	}
	n = min_t(unsigned long, end - start, OOMSNAP_ARGV_LEN);
	if (copy_from_user_nofault(c->argv, (const void __user *)start, n)) {
		c->state = OOMSNAP_ARGV_FAULT;
		return false;
	}
	c->len = n;
	c->truncated = end - start > OOMSNAP_ARGV_LEN;
	c->state = OOMSNAP_ARGV_OK;
	return true;
}

/* The executable of @mm, kept by the caller: oomsnap_exe_name(). */
static void oomsnap_exe_read(struct mm_struct *mm, struct oomsnap_cmdline *c)
{
	c->has_exe = oomsnap_exe_name(mm, c->exe, sizeof(c->exe));
}

/**
 * oomsnap_cmdline_trigger() - the trigger's (current's) command line
 * @ev: the in-flight event
 *
 * Context: the OOM path (out_of_memory() entry), current is the trigger.
 */
void oomsnap_cmdline_trigger(struct oomsnap_event *ev)
{
	struct oomsnap_cmdline *c = &ev->cmd.trigger;
	struct mm_struct *mm = current->mm;

	if (!mm || (current->flags & PF_KTHREAD))
		return;	/* OOMSNAP_ARGV_NONE */
	oomsnap_exe_read(mm, c);
	if (oomsnap_argv_read(mm, c))
		atomic64_inc(&trigger_read);
	else
		atomic64_inc(&trigger_fault);
}

/* A free slot, or the oldest (an older victim never seen: given up). */
static struct oomsnap_cmd_slot *oomsnap_slot_take(void)
{
	struct oomsnap_cmd_slot *s = &pend.slot[pend.next++ % OOMSNAP_CMD_SLOTS];

	if (s->phase != SLOT_FREE) {
		atomic64_inc(&victim_missed);
		atomic_dec(&pend.waiting);
	}
	memset(s, 0, offsetof(struct oomsnap_cmd_slot, c));
	s->phase = SLOT_IN_FLIGHT;
	atomic_inc(&pend.waiting);
	return s;
}

/**
 * oomsnap_cmdline_chosen() - the kernel is about to kill @p: watch for it
 * @p: the chosen task, referenced by oom_kill_process()
 *
 * Before the SIGKILL is sent, so that a victim running on another CPU
 * cannot take it before we know to look.  Its mm is only compared.
 *
 * Context: the OOM path (oom_kill_process() entry).
 */
void oomsnap_cmdline_chosen(struct task_struct *p)
{
	const void *mm = READ_ONCE(p->mm);
	struct oomsnap_cmd_slot *s;
	unsigned long flags;

	if (!mm || mm == current->mm || hook_missing)
		return;
	raw_spin_lock_irqsave(&pend.lock, flags);
	s = oomsnap_slot_take();
	s->tgid = task_tgid_nr(p);
	s->mm = mm;
	raw_spin_unlock_irqrestore(&pend.lock, flags);
}

/**
 * oomsnap_cmdline_victim() - the victim's command line, or the note to
 *	read it in its own context
 * @ev: the in-flight event
 * @t: the marked thread
 * @mm: its mm, stable (task_lock(t) held by the kernel, or t is current)
 *
 * Context: the OOM path (mark_victim).
 */
void oomsnap_cmdline_victim(struct oomsnap_event *ev, struct task_struct *t,
			    struct mm_struct *mm)
{
	struct oomsnap_cmdline *c = &ev->cmd.victim;
	struct oomsnap_cmd_slot *s = NULL;
	unsigned long flags;
	unsigned int i;

	if (!mm || (t->flags & PF_KTHREAD))
		return;
	oomsnap_exe_read(mm, c);
	if (mm == current->mm) {
		if (oomsnap_argv_read(mm, c))
			atomic64_inc(&victim_read);
		else
			atomic64_inc(&victim_fault);
		return;
	}
	/*
	 * Not killed (already exiting when chosen: task_will_free_mem()), it
	 * takes no SIGKILL to be read at; the slot oomsnap_cmdline_chosen()
	 * took is freed at commit.
	 */
	if (hook_missing || ev->outcome != OOMSNAP_OUTCOME_KILLED) {
		atomic64_inc(&victim_missed);
		return;		/* OOMSNAP_ARGV_NONE */
	}
	c->state = OOMSNAP_ARGV_PENDING;
	raw_spin_lock_irqsave(&pend.lock, flags);
	for (i = 0; i < OOMSNAP_CMD_SLOTS && !s; i++)
		if (pend.slot[i].phase == SLOT_IN_FLIGHT && !pend.slot[i].pid &&
		    pend.slot[i].mm == mm && pend.slot[i].tgid == task_tgid_nr(t))
			s = &pend.slot[i];
	if (!s) {
		/* not seen at oom_kill_process(): that hook is missing */
		s = oomsnap_slot_take();
		s->tgid = task_tgid_nr(t);
		s->mm = mm;
	}
	s->pid = task_pid_nr(t);
	if (s->read) {
		/* it took its SIGKILL between oom_kill_process() and here */
		memcpy(c->argv, s->c.argv, s->c.len);
		c->len = s->c.len;
		c->truncated = s->c.truncated;
		c->state = s->c.state;
		s->phase = SLOT_FREE;
		atomic_dec(&pend.waiting);
	}
	raw_spin_unlock_irqrestore(&pend.lock, flags);
}

/* Hand a slot's reading to its committed record; the slot is freed. */
static void oomsnap_slot_deliver(struct oomsnap_cmd_slot *s)
{
	if (!oomsnap_ring_set_victim_argv(oomsnap_ring, s->pid, s->mm, &s->c))
		atomic64_inc(&victim_missed);	/* the record left the ring */
	s->phase = SLOT_FREE;
	atomic_dec(&pend.waiting);
}

/**
 * oomsnap_cmdline_committed() - the event is in the ring: a reading its
 *	victim made meanwhile goes there, later ones too
 * @ev: the committed event
 *
 * Context: the OOM path, after oomsnap_ring_commit().
 */
void oomsnap_cmdline_committed(const struct oomsnap_event *ev)
{
	unsigned long flags;
	unsigned int i;

	if (!atomic_read(&pend.waiting))
		return;
	raw_spin_lock_irqsave(&pend.lock, flags);
	for (i = 0; i < OOMSNAP_CMD_SLOTS; i++) {
		struct oomsnap_cmd_slot *s = &pend.slot[i];

		if (s->phase != SLOT_IN_FLIGHT)
			continue;
		if (!s->pid) {
			/* chosen, never marked (OOMs are serialized: this one's) */
			s->phase = SLOT_FREE;
			atomic_dec(&pend.waiting);
		} else if (s->pid != ev->victim.pid || s->mm != ev->victim.mm) {
			continue;
		} else if (s->read) {
			oomsnap_slot_deliver(s);
		} else {
			s->phase = SLOT_COMMITTED;
		}
	}
	raw_spin_unlock_irqrestore(&pend.lock, flags);
}

/*
 * A thread takes a signal (get_signal(), siglock held): a victim of ours
 * taking its SIGKILL, its mm still there, is current: read its argv.
 * Once marked, a victim's process has signal->oom_mm set (mark_oom_victim()
 * does it before the mark_victim tracepoint), which no other process
 * that took the victim's pid and mm address after it is gone has, unless
 * an OOM victim itself.  Before the mark the slot is this OOM's, whose
 * chosen task the kernel holds.
 */
static void oomsnap_cmdline_signal(void *data, int sig,
				   struct kernel_siginfo *info,
				   struct k_sigaction *ka)
{
	struct mm_struct *mm = current->mm;
	unsigned long flags;
	unsigned int i;

	if (sig != SIGKILL || !mm || !atomic_read(&pend.waiting))
		return;
	raw_spin_lock_irqsave(&pend.lock, flags);
	for (i = 0; i < OOMSNAP_CMD_SLOTS; i++) {
		struct oomsnap_cmd_slot *s = &pend.slot[i];

		if (s->phase == SLOT_FREE || s->read || s->mm != mm ||
		    s->tgid != task_tgid_nr(current) ||
		    (s->pid && READ_ONCE(current->signal->oom_mm) != mm))
			continue;
		if (oomsnap_argv_read(mm, &s->c))
			atomic64_inc(&victim_late_read);
		else
			atomic64_inc(&victim_late_fault);
		s->read = true;
		if (s->phase == SLOT_COMMITTED)
			oomsnap_slot_deliver(s);
		break;
	}
	raw_spin_unlock_irqrestore(&pend.lock, flags);
}

/**
 * oomsnap_cmdline_exited() - a marked thread drops its mm: a victim of
 *	ours not read by then never will be
 *
 * Its record's argv_state turns from "pending" to "none" and the slot is
 * freed, so that pending slots do not outlive their victims.
 *
 * Context: exit_oom_victim() (oomsnap_trend.c's kprobe), current is the
 * marked thread, its mm already dropped.
 */
void oomsnap_cmdline_exited(void)
{
	pid_t pid = task_pid_nr(current), tgid = task_tgid_nr(current);
	unsigned long flags;
	unsigned int i;

	if (!atomic_read(&pend.waiting))
		return;
	raw_spin_lock_irqsave(&pend.lock, flags);
	for (i = 0; i < OOMSNAP_CMD_SLOTS; i++) {
		struct oomsnap_cmd_slot *s = &pend.slot[i];

		if (s->phase == SLOT_FREE || s->read || s->pid != pid ||
		    s->tgid != tgid)
			continue;
		atomic64_inc(&victim_missed);
		s->c.len = 0;
		s->c.truncated = false;
		s->c.state = OOMSNAP_ARGV_NONE;
		s->read = true;
		if (s->phase == SLOT_COMMITTED)
			oomsnap_slot_deliver(s);
		break;
	}
	raw_spin_unlock_irqrestore(&pend.lock, flags);
}

/*
 * An argument in the text view: out_text_str()'s escaping (interface
 * section 3.2) plus ',', which separates the arguments there, and a lone
 * "-", which stands for no argument there.
 */
static void oomsnap_text_arg(struct seq_file *m, const char *s, size_t len)
{
	size_t i;

	if (!len) {
		seq_puts(m, "\"\"");
		return;
	}
	if (len == 1 && s[0] == '-') {
		seq_puts(m, "\\055");
		return;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c <= ' ' || c >= 0x7f || c == '"' || c == '=' || c == '\\' ||
		    c == ',')
			seq_printf(m, "\\%03o", c);
		else
			seq_putc(m, c);
	}
}

static void oomsnap_argv_show(struct seq_file *m, bool json,
			      const struct oomsnap_cmdline *c)
{
	const char *p = c->argv, *end = c->argv + c->len, *nul;
	bool first = true;

	if (c->state != OOMSNAP_ARGV_OK) {
		seq_puts(m, "null");
		return;
	}
	if (json)
		seq_putc(m, '[');
	else if (!c->len)
		seq_putc(m, '-');
	/* NUL-separated; a last argument without its NUL runs to the end */
	while (p < end) {
		nul = memchr(p, '\0', end - p);
		if (!nul)
			nul = end;
		if (!first)
			seq_putc(m, ',');
		first = false;
		if (json)
			oomsnap_json_str(m, p, nul - p);
		else
			oomsnap_text_arg(m, p, nul - p);
		p = nul + 1;
	}
	if (json)
		seq_putc(m, ']');
}

/**
 * oomsnap_cmdline_render() - the value of one of a task's command line
 *	fields, its key already written
 * @m: where to write
 * @json: the JSON view, else the text view
 * @c: the task's command line
 * @key: "argv", "argv_truncated", "argv_state" or "exe"
 */
void oomsnap_cmdline_render(struct seq_file *m, bool json,
			    const struct oomsnap_cmdline *c, const char *key)
{
	const char *q = json ? "\"" : "";

	if (!strcmp(key, "argv")) {
		oomsnap_argv_show(m, json, c);
	} else if (!strcmp(key, "argv_truncated")) {
		seq_puts(m, c->state != OOMSNAP_ARGV_OK ? "null" :
			    c->truncated ? "true" : "false");
	} else if (!strcmp(key, "argv_state")) {
		seq_printf(m, "%s%s%s", q, c->state < OOMSNAP_ARGV_NR ?
			   argv_state_names[c->state] : "none", q);
	} else if (!c->has_exe) {
		seq_puts(m, "null");
	} else if (json) {
		oomsnap_json_str(m, c->exe, sizeof(c->exe));
	} else {
		oomsnap_text_arg(m, c->exe, strnlen(c->exe, sizeof(c->exe)));
	}
}

/**
 * oomsnap_cmdline_stats() - the argv counters in the stats file
 * @m: where to write
 */
void oomsnap_cmdline_stats(struct seq_file *m)
{
	seq_printf(m, "argv_trigger_read %lld\nargv_trigger_fault %lld\n",
		   atomic64_read(&trigger_read), atomic64_read(&trigger_fault));
	seq_printf(m, "argv_victim_read %lld\nargv_victim_fault %lld\n",
		   atomic64_read(&victim_read), atomic64_read(&victim_fault));
	seq_printf(m, "argv_victim_late_read %lld\nargv_victim_late_fault %lld\n",
		   atomic64_read(&victim_late_read),
		   atomic64_read(&victim_late_fault));
	seq_printf(m, "argv_victim_missed %lld\n", atomic64_read(&victim_missed));
	if (!hook_missing)
		seq_puts(m, "hook signal_deliver ok\n");
	else
		seq_printf(m, "hook signal_deliver missing\nhook_reason signal_deliver %s\n",
			   hook_missing);
}

/**
 * oomsnap_cmdline_init() - attach the victim's own-context hook
 *
 * Return: 0; without the hook a victim that is not current has argv
 * null (argv_state "none") and argv_victim_missed counts it.
 */
int oomsnap_cmdline_init(void)
{
	signal_tp = oomsnap_tp_find("signal_deliver");
	if (!signal_tp)
		hook_missing = "no such tracepoint";
	else if (tracepoint_probe_register(signal_tp, oomsnap_cmdline_signal, NULL))
		hook_missing = "tracepoint_probe_register failed";
	else
		hook_missing = NULL;
	return 0;
}

/**
 * oomsnap_cmdline_exit() - detach it
 *
 * The caller runs tracepoint_synchronize_unregister() after this.
 */
void oomsnap_cmdline_exit(void)
{
	if (hook_missing)
		return;
	/* the caller's tracepoint_synchronize_unregister() waits for it */
	tracepoint_probe_unregister(signal_tp, oomsnap_cmdline_signal, NULL);
	hook_missing = "not attached";
}
