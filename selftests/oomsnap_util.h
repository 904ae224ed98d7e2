/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the oomsnap selftests (oomsnap_util.c, linked into
 * every test binary): load/unload the module, read its files, make
 * cgroups, run memory hogs, read the kernel's own OOM report from
 * /dev/kmsg, parse events.json with json-c, and the scenarios several
 * tests run (an OOM by a hog, a sysrq OOM, a hog holding its memory).
 * Waits poll for the condition they name, bounded; none sleeps a fixed
 * time hoping for it.
 */
#ifndef OOMSNAP_UTIL_H
#define OOMSNAP_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <json-c/json.h>
#include <linux/capability.h>

#define OU_CGROOT "/sys/fs/cgroup"
#define OU_HOG "/selftests/oomsnap_hog"

/**
 * ou_dir() - where the module's files are: debugfs, else /proc/oomsnap.
 */
const char *ou_dir(void);

/**
 * ou_path() - the module file @name in ou_dir(); a per-thread buffer of four,
 * so up to four results can be used at once.
 */
const char *ou_path(const char *name);

/**
 * ou_ko() - the module to load: $OOMSNAP_KO, else /oomsnap/oomsnap.ko.
 */
const char *ou_ko(void);

/**
 * ou_loaded() - whether the module is loaded.
 */
int ou_loaded(void);

/**
 * ou_unload() - delete_module(2), retried while busy; 0 or -errno.
 */
int ou_unload(void);

/**
 * ou_load() - finit_module(2) with @params, after unloading any previous copy.
 */
int ou_load(const char *params);

/**
 * ou_read() - read a whole file into a malloc'd string (NULL with errno on
 * failure).
 */
char *ou_read(const char *path);

/**
 * ou_write() - one write(2) of @s; 0 or -errno.
 */
int ou_write(const char *path, const char *s);

/**
 * ou_stat() - a counter from the stats file, or -1.
 */
long long ou_stat(const char *key);

/**
 * ou_file_num() - the number after the first @key in file @path, or -1.
 */
long long ou_file_num(const char *path, const char *key);

/**
 * ou_vmstat_oom_kill() - the kernel's oom_kill counter from /proc/vmstat.
 */
long long ou_vmstat_oom_kill(void);

/**
 * ou_cg_create() - create cgroup @cg (path below the root, e.g. "t/a") with
 * memory.max.
 */
int ou_cg_create(const char *cg, const char *max);

/**
 * ou_cg_enable_memory() - let children of @cg use the memory controller.
 */
int ou_cg_enable_memory(const char *cg);

/**
 * ou_cg_remove() - remove cgroup @cg (empty); errors ignored.
 */
void ou_cg_remove(const char *cg);

/**
 * ou_memcg_available() - whether the root cgroup's children may use the memory
 * controller (cgroup v2).
 */
int ou_memcg_available(void);

/**
 * ou_cg_enter() - move process @pid into cgroup @cg.
 */
int ou_cg_enter(const char *cg, pid_t pid);

/**
 * ou_spawn_hog() - start the hog (as @comm, in cgroup @cg when not NULL, with
 * oom_score_adj @adj) allocating @mb MB (0: without end). Returns its pid.
 */
pid_t ou_spawn_hog(const char *cg, const char *comm, long mb, int adj);

/**
 * ou_exec_hog() - what a forked child runs to become a hog: stdout to
 * /dev/null, into cgroup @cg when not NULL, then the hog allocating @mb MB
 * (0: without end) in steps of @step_mb, exec'd as @path (a link to it:
 * the process's comm is the link's name) or as itself (@path NULL, or
 * @path failing).  Never returns: exits 126 when it cannot join @cg, 127
 * when it cannot exec.
 */
void ou_exec_hog(const char *path, const char *cg, long mb, long step_mb)
	__attribute__((noreturn));

/**
 * ou_wait_killed() - wait for @pid; returns the signal that killed it, or 0.
 */
int ou_wait_killed(pid_t pid);

/* The kernel's own "Killed process" line for one pid, parsed. */
struct ou_killed {
	int pid;
	char comm[64];
	long total_vm, anon, file, shmem, pgtables;
	unsigned int uid;
	int adj;
};

/**
 * ou_kmsg_killed() - find the last "Killed process PID" report in the kernel
 * log. Returns 0 when found.
 */
int ou_kmsg_killed(int pid, struct ou_killed *k);

/**
 * ou_events() - every line of events.json, parsed; *n gets the count. NULL on
 * error.
 */
json_object **ou_events(int *n);

/**
 * ou_events_free() - free what ou_events() returned.
 */
void ou_events_free(json_object **v, int n);

/**
 * ou_get() - a member by dotted path ("victim.pid"); NULL when missing.
 */
json_object *ou_get(json_object *o, const char *path);

/**
 * ou_int() - the integer at dotted @path in @o, -999999 when missing or not an
 * integer.
 */
long long ou_int(json_object *o, const char *path);

/**
 * ou_str() - the string at dotted @path in @o, "(none)" when missing or not a
 * string.
 */
const char *ou_str(json_object *o, const char *path);

/**
 * ou_is_null() - whether member @path (no dots) of @o is present and null.
 */
int ou_is_null(json_object *o, const char *path);

/**
 * ou_event_by_victim() - the last event whose victim is @pid, or NULL.
 */
json_object *ou_event_by_victim(json_object **v, int n, int pid);

/**
 * ou_wait_event_of() - wait up to @ms for an event whose victim is @pid; 0, or
 * -1 (printed). The kernel sends SIGKILL inside out_of_memory() and oomsnap
 * commits the event when it returns, after the kill's console lines (slow on a
 * serial console): a victim other than the allocating task can be reaped, and
 * waited for, before its event is in the ring.
 */
int ou_wait_event_of(pid_t pid, int ms);

/**
 * ou_wait_victim() - wait for @pid to end and, when SIGKILL ended it, for its
 * event (ou_wait_event_of(), 10 s). Returns the signal that ended @pid, 0 for a
 * normal exit, -1 when it was not our child or its event never came.
 */
int ou_wait_victim(pid_t pid);

/**
 * ou_wait_events() - wait until the stats file counts @n events; 0, or -1 after
 * @ms.
 */
int ou_wait_events(long long n, int ms);

/**
 * ou_memcg_oom() - one memcg OOM: a hog grows in cgroup @cg (which must have a
 * memory.max) until the OOM killer ends it. Returns its pid when it died of
 * SIGKILL, else -1.
 */
pid_t ou_memcg_oom(const char *cg);

/**
 * ou_stress_full() - stress tests: OOMSNAP_STRESS=full (debug lane) or quick
 * (the default, normal lanes) picks the size of a run.
 */
int ou_stress_full(void);

/**
 * ou_stress_n() - @quick or @full by the OOMSNAP_STRESS size.
 */
long ou_stress_n(long quick, long full);

/**
 * ou_read_line() - one line from @fd (the stream file), waiting at most @ms for
 * data. Returns its length, 0 at end of file, -1 on timeout or error.
 */
int ou_read_line(int fd, char *buf, size_t size, int ms);

/**
 * ou_memcg_oom_fork() - one memcg OOM, cheaper than ou_memcg_oom(): a forked
 * child (no exec) named "hog" joins cgroup @cg and touches memory until the OOM
 * killer ends it. Returns its pid when it died of SIGKILL, else -1.
 */
pid_t ou_memcg_oom_fork(const char *cg);

/*
 * A process that causes memcg OOMs in cgroup @cg, one after the other,
 * until stopped; it can be paused so that counters are read while no OOM
 * is in flight.
 */
struct ou_oomgen {
	pid_t pid;
	int ctl, ack;	/* our ends of the two pipes */
};

/**
 * ou_oomgen_start() - start an OOM generator on cgroup @cg (with a memory.max);
 * 0 or -errno.
 */
int ou_oomgen_start(struct ou_oomgen *g, const char *cg);

/**
 * ou_fork_pipes() - fork() with a pipe each way between parent and child:
 * on each side *@to writes to the other side and *@from reads from it
 * (the other ends are closed).  fork()'s result, or -1 with errno.
 */
pid_t ou_fork_pipes(int *to, int *from);

/**
 * ou_oomgen_pause() - wait until the OOM in flight (if any) is over; 0 or -1.
 */
int ou_oomgen_pause(struct ou_oomgen *g);

/**
 * ou_oomgen_resume() - let a paused generator go on.
 */
void ou_oomgen_resume(struct ou_oomgen *g);

/**
 * ou_oomgen_stop() - stop it; returns the number of hogs it saw killed, or -1.
 */
long ou_oomgen_stop(struct ou_oomgen *g);

/**
 * ou_check_seqs() - the retained events are consecutive: seq from first to
 * first + n - 1, the last one being events_total. Returns the number of
 * problems (printed), and counts in *killed the events whose outcome is killed.
 */
int ou_check_seqs(json_object **v, int n, long long total, long *killed);

/*
 * Tests of many OOMs: their reports go to the kernel log only (hundreds of
 * them on the serial console cost more than the OOMs under TCG); warnings
 * and worse, every sanitizer and lockdep report, still reach the console;
 * no task dumps.  ou_quiet_end() puts back what ou_quiet_begin() found.
 */
struct ou_quiet {
	char printk[64];
	char dump_tasks[16];
};

/**
 * ou_quiet_begin() -
 */
void ou_quiet_begin(struct ou_quiet *q);

/**
 * ou_quiet_end() - put back the settings ou_quiet_begin() found.
 */
void ou_quiet_end(const struct ou_quiet *q);

/**
 * ou_caps_set() - keep only the capabilities in @eff (effective and permitted).
 */
int ou_caps_set(unsigned long long eff);

/**
 * ou_swap_on() - zram swap of @size (e.g. "256M") on /dev/zram0
 *
 * Loads zram and what it depends on, in the order scripts/vm.sh wrote to
 * /oomsnap/modules/order (from the running kernel's own package), where
 * zram0 does not exist yet.  Returns NULL, or why not (a SKIP reason).
 */
const char *ou_swap_on(const char *size);

/**
 * ou_swap_off() - swapoff /dev/zram0 and reset it.
 */
void ou_swap_off(void);

/**
 * ou_kmsg_last() - the last record of the kernel log that contains
 * @needle, from @needle on, into @buf; 0 when found.
 */
int ou_kmsg_last(const char *needle, char *buf, size_t size);

/* Scenarios ------------------------------------------------------------ */

/**
 * ou_wait_asleep() - wait up to @ms for process @pid to run @comm (the
 * first 15 bytes, NULL: any), to be asleep (state S) and, when @rss_kb is
 * not 0, to hold at least @rss_kb of resident memory.  For a hog of @mb MB:
 * it has taken all its memory and sits in pause().  0, or -1 (printed).
 */
int ou_wait_asleep(pid_t pid, const char *comm, long rss_kb, int ms);

/**
 * ou_spawn_holder() - ou_spawn_hog() of @mb MB (@mb > 0), returned once it
 * holds them and sleeps (ou_wait_asleep(), 20 s): it takes no more memory
 * from then on.  Its pid, or -1 (printed; the hog killed and reaped).
 */
pid_t ou_spawn_holder(const char *cg, const char *comm, long mb, int adj);

/**
 * ou_kill_wait() - SIGKILL and reap each of the @n pids (those <= 0 are
 * skipped).
 */
void ou_kill_wait(const pid_t *pids, int n);

/*
 * One OOM and what the module recorded of it: the victim, events.json
 * read after its event was committed, and the victim's event in it
 * (the newest event for a sysrq OOM).  ou_oom_free() releases it.
 */
struct ou_oom {
	pid_t victim;
	json_object **v;
	int n;
	json_object *ev;
};

/**
 * ou_oom_events() - read events.json into @o after an OOM that killed
 * @victim, whose event must be in it (@o->ev).  0, or -1 (printed, @o
 * empty).
 */
int ou_oom_events(struct ou_oom *o, pid_t victim);

/**
 * ou_oom_wait() - wait for @pid to die of SIGKILL and for its event
 * (ou_wait_victim()), then fill @o.  0, or -1 (printed, @o empty).
 */
int ou_oom_wait(struct ou_oom *o, pid_t pid);

/**
 * ou_oom_hog() - one OOM: a hog named @comm grows without end in cgroup
 * @cg, created with memory.max @max (NULL: left as it is), or, @cg NULL,
 * in the test's cgroup until the whole machine runs out; then
 * ou_oom_wait().  0, or -1 (printed, @o empty).
 */
int ou_oom_hog(struct ou_oom *o, const char *cg, const char *max,
	       const char *comm);

/**
 * ou_oom_sysrq() - one sysrq OOM: a holder of @mb MB named @comm
 * (ou_spawn_holder()), the biggest task by far (the caller's other tasks
 * are at oom_score_adj -1000), then sysrq-f; waits for events_total to
 * count it (the event is committed once counted) and for the holder to die
 * of SIGKILL.  @o->ev is the newest event.  0, or -1 (printed, @o empty).
 */
int ou_oom_sysrq(struct ou_oom *o, const char *comm, long mb);

/**
 * ou_oom_free() - release what ou_oom_wait(), ou_oom_hog() or
 * ou_oom_sysrq() filled in @o.
 */
void ou_oom_free(struct ou_oom *o);

/**
 * ou_memcg_ooms() - @n memcg OOMs one after the other (ou_memcg_oom()) in
 * cgroup @cg, created with memory.max @max: how many ended in a kill, or
 * -1 when the cgroup could not be made.
 */
int ou_memcg_ooms(const char *cg, const char *max, int n);

/**
 * ou_ancestor_oom_start() - an OOM of a parent cgroup at its limit while
 * its children are under theirs: @parent (48M) with children a and b
 * (64M each); a sleeper holding 20M in a (*@sleeper), and a grower in b,
 * whose pid it returns (-1, printed, on failure): the OOM killer ends one
 * of them.  ou_ancestor_oom_end() kills and reaps both and removes the
 * cgroups.
 */
pid_t ou_ancestor_oom_start(const char *parent, pid_t *sleeper);
void ou_ancestor_oom_end(const char *parent, pid_t sleeper, pid_t grower);

/**
 * ou_wait_stream_open() - wait up to @ms for a process to hold the
 * module's stream file open (a link to it in some /proc/PID/fd); 0, or -1
 * (printed).
 */
int ou_wait_stream_open(int ms);

/* The CLI in the guest ------------------------------------------------- */

/**
 * ou_cli() - the oomsnap CLI to run: $OOMSNAP_CLI, or /bin/oomsnap.
 */
const char *ou_cli(void);

/**
 * ou_cli_run() - run "CLI ARGS" (@fmt, printf-style) with stderr into the
 * output too; its exit status (128 + signal when killed, -1 when it could
 * not be started), and a malloc'd copy of the output in *@out.
 */
__attribute__((format(printf, 2, 3)))
int ou_cli_run(char **out, const char *fmt, ...);

#endif /* OOMSNAP_UTIL_H */
