// SPDX-License-Identifier: GPL-2.0
/*
 * oomsnap: the command-line tool for the oomsnap kernel module.
 *
 * Reads the OOM events the module records (docs/interface.md), follows
 * new ones, explains them in sentences, manages the protection list and
 * exports metrics.  This file: global options, dispatch, usage texts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oomsnap.h"

static const char usage_text[] =
"Usage: oomsnap [-d DIR] COMMAND [ARGS]\n"
"\n"
"Read the OOM events recorded by the oomsnap kernel module, follow new ones,\n"
"explain them in sentences, manage the protection list, export metrics.\n"
"\n"
"Commands:\n"
"  status                       loaded?, where the files are, hooks, counters\n"
"  events [--json] [--since SEQ]\n"
"                               retained events, oldest first (text or JSON)\n"
"  last [--json]                the newest event\n"
"  watch [--timeout S] [--count N] [--json] [--exec CMD [--exec-timeout S]]\n"
"                               wait for new events, one line each; CMD run\n"
"                               for each\n"
"  explain [SEQ]                what happened in event SEQ (default: newest),\n"
"                               why, and what to do about it\n"
"  protect add|del|list|clear   the protection list (see: oomsnap protect --help)\n"
"  metrics [--output FILE]      Prometheus text format (node_exporter textfile)\n"
"  journal [--interval S] [--state FILE] [--once] [--print]\n"
"                               one systemd journal entry per event (the\n"
"                               oomsnap-journal service)\n"
"  import [--json|--explain] [--seq SEQ] [FILE...]\n"
"                               events a dying kernel printed (OOM panics),\n"
"                               from /sys/fs/pstore or saved kernel logs\n"
"  help [COMMAND]               this text, or a command's\n"
"\n"
"Options:\n"
"  -d DIR        the module's files are in DIR (default: /sys/kernel/debug/oomsnap,\n"
"                else /proc/oomsnap; also $OOMSNAP_DIR)\n"
"  -h, --help    help; `oomsnap COMMAND --help` for a command's\n"
"  --version     the version of this tool\n"
"\n"
"Exit status:\n"
"  0  success (watch: the events asked for came)\n"
"  1  nothing to show: no such event retained, or watch timed out first\n"
"  2  usage error (unknown command or option, malformed SEQ/pid/adj)\n"
"  3  the module is not loaded, or its files are not there\n"
"  4  permission denied (the files are root-only: run as root)\n"
"  5  the module refused a protect command (the message says why)\n"
"  6  watch: the stream ended (module unloaded)\n";

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
} commands[] = {
	{ "status", cmd_status,
"Usage: oomsnap status\n"
"\n"
"Says whether the module is loaded and where its files are, lists its hooks\n"
"(ok or missing: a missing hook means some fields stay null) and its\n"
"counters from the stats file, and the newest event on one line.\n"
"Exit 0 when loaded, 3 when not.\n" },
	{ "events", cmd_events,
"Usage: oomsnap events [--json] [--since SEQ]\n"
"\n"
"Prints the retained events, oldest first: the text view (interface section 3.2), or with\n"
"--json one JSON object per line (interface section 3.1).  --since SEQ prints only events\n"
"with a sequence number greater than SEQ (give the last seq you have seen).\n"
"Exit 0 (also when there is no event), 2 on a malformed SEQ.\n" },
	{ "last", cmd_last,
"Usage: oomsnap last [--json]\n"
"\n"
"Prints the newest retained event (text view, or JSON with --json).\n"
"Exit 0, or 1 when no event is retained.\n" },
	{ "watch", cmd_watch,
"Usage: oomsnap watch [--timeout S] [--count N] [--json] [--exec CMD [--exec-timeout S]]\n"
"\n"
"Follows the stream file: waits for new OOM events and prints one line per\n"
"event, in logfmt: key=value pairs named after the record's fields\n"
"(seq=7 time=... cause=memcg_limit ... victim.pid=93 victim.comm=hog ...),\n"
"a value quoted as a JSON string when it holds a space, '=', a quote, a\n"
"backslash or a byte outside printable ASCII, null values left out; with\n"
"--json the record's JSON line.  Stops after N events (--count) or S seconds\n"
"(--timeout).  Without --count it runs until the timeout, an interrupt, or\n"
"module unload.\n"
"Exit 0 when N events came (without --count: when at least one came), 1 when\n"
"the timeout came first, 6 when the stream ended (module unloaded).\n"
"A reader that falls behind the ring is told how many events it lost\n"
"(lost=N), and how many a clear dropped before it read them (cleared=N).\n"
"\n"
"--exec CMD runs `sh -c CMD` once per event, after its line, with the event's\n"
"JSON line on stdin and its main fields in the environment (the journal's\n"
"names: OOMSNAP_SEQ, OOMSNAP_KIND, OOMSNAP_CONSTRAINT, OOMSNAP_CAUSE,\n"
"OOMSNAP_OUTCOME, OOMSNAP_GFP, OOMSNAP_ORDER, OOMSNAP_TRIGGER_PID,\n"
"OOMSNAP_TRIGGER_COMM, OOMSNAP_TRIGGER_MEMCG, OOMSNAP_MEMCG,\n"
"OOMSNAP_MEMCG_USAGE_KB, OOMSNAP_MEMCG_LIMIT_KB, OOMSNAP_VICTIM_PID,\n"
"OOMSNAP_VICTIM_COMM, OOMSNAP_VICTIM_UID, OOMSNAP_VICTIM_MEMCG,\n"
"OOMSNAP_VICTIM_ANON_RSS_KB, OOMSNAP_VICTIM_POINTS; unset when null); its\n"
"stdout goes to stderr.  Hooks run one at a time, in order, while the stream\n"
"waits; one still running after --exec-timeout S (default 10) gets SIGTERM,\n"
"and SIGKILL 2 s later (with what it started: its process group).  A hook\n"
"that fails or is killed is reported on stderr; watch goes on.\n" },
	{ "explain", cmd_explain,
"Usage: oomsnap explain [SEQ]\n"
"\n"
"Explains event SEQ (default: the newest) in plain sentences: what was\n"
"allocating, what ran out, who was killed and why it scored highest, what\n"
"the OOM reaper got back, and what to do about it for that cause.\n"
"Exit 0, 1 when the event is not retained, 2 on a malformed SEQ.\n" },
	{ "protect", cmd_protect,
"Usage: oomsnap protect add pid=PID|comm=NAME [uid=UID]|cgroup=PATH [adj=N]\n"
"       oomsnap protect del pid=PID|comm=NAME [uid=UID]|cgroup=PATH\n"
"       oomsnap protect list\n"
"       oomsnap protect clear\n"
"\n"
"The protection list (interface section 5): the module sets oom_score_adj N (-1000..1000,\n"
"default -1000 = never kill) on matching tasks when the entry is added, when a\n"
"matching program starts, and before each OOM kill; del/clear restore the\n"
"old values.  A pid entry covers the process, a cgroup entry the cgroup and\n"
"its descendants, a comm entry every process of that name (up to 15 bytes)\n"
"whose uids are all UID (default 0, root): a name alone proves nothing.\n"
"Writing needs CAP_SYS_ADMIN; an adj below 0 CAP_SYS_RESOURCE too.\n"
"Exit 0, 2 on malformed arguments, 5 when the module refuses the command.\n" },
	{ "metrics", cmd_metrics,
"Usage: oomsnap metrics [--output FILE]\n"
"\n"
"Prints the module's counters in the Prometheus text exposition format, for\n"
"node_exporter's textfile collector.  With --output FILE it writes FILE.tmp\n"
"and renames it over FILE, so the collector never reads half a file (the\n"
"oomsnap-metrics timer: /var/lib/prometheus/node-exporter/oomsnap.prom).\n"
"When the module is not loaded it prints oomsnap_up 0 and exits 0.\n" },
	{ "journal", cmd_journal,
"Usage: oomsnap journal [--interval S] [--state FILE] [--once] [--print]\n"
"\n"
"Writes one systemd journal entry per OOM event (MESSAGE_ID\n"
OOMSNAP_EVENT_MESSAGE_ID ", fields OOMSNAP_*, the record in\n"
"OOMSNAP_JSON; interface section 6), and one entry (MESSAGE_ID\n"
OOMSNAP_NOTICE_MESSAGE_ID ") for events that left the ring before\n"
"they were read.  Runs until SIGTERM: every S seconds (default 1) it reads\n"
"stats, and events.json when stats changed, closing both at once, so it\n"
"never keeps the module from unloading; it waits while the module is not\n"
"loaded.  The last seq sent in this boot is kept in FILE (default\n"
OOMSNAP_JOURNAL_STATE ", --state '' for none): a restart sends\n"
"what came meanwhile and nothing twice.\n"
"  --once    one look, then exit (3 when the module's files are not there)\n"
"  --print   print the entries' fields on stdout instead (FIELD=value lines,\n"
"            an empty line after each entry)\n"
"Needs libsystemd (the Debian package's build); a static build has only --print.\n" },
	{ "import", cmd_import,
"Usage: oomsnap import [--json | --explain] [--seq SEQ] [FILE...]\n"
"\n"
"Reads the events the module printed to the kernel log when an OOM ended in\n"
"a panic (vm.panic_on_oom, or no killable process; module parameter\n"
"panic_events): the panic's event and the newest ones before it, as\n"
"\"oomsnap: P1 SEQ PART/PARTS JSON [crc=X]\" lines (interface section 8).\n"
"By default from every file in /sys/fs/pstore (pstore/ramoops keeps the\n"
"log of the boot that panicked); or from each FILE (- for stdin): a saved\n"
"kernel log, a serial console log, journalctl -k output, a vmcore's dmesg.\n"
"Each event's checksum is verified: a damaged, truncated or incomplete event\n"
"is reported on stderr and skipped, never shown in part.  Events found twice\n"
"(the dmesg and console records) are shown once.\n"
"  (default)   one line per event, as watch prints it, after \"previous_boot\"\n"
"  --json      the records, with \"previous_boot\":true and \"source\" added\n"
"  --explain   explain the newest event found (the panic's), or SEQ's\n"
"  --seq SEQ   only event SEQ\n"
"Exit 0 when an event was shown, 1 when none was found, 2 on a usage error.\n" },
};

#define NR_COMMANDS ARRAY_SIZE(commands)

bool is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

/* @arg is not one of @cmd's options. */
void __noreturn unknown_arg(const char *cmd, const char *arg)
{
	die(E_USAGE, "%s: unknown argument '%s' (see oomsnap %s --help)", cmd, arg, cmd);
}

/* A command's usage, or the main one for an unknown command. */
void usage_cmd(const char *cmd, int to_stderr)
{
	FILE *f = to_stderr ? stderr : stdout;
	size_t i;

	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(commands[i].name, cmd)) {
			fputs(commands[i].usage, f);
			return;
		}
	fputs(usage_text, f);
}

int main(int argc, char **argv)
{
	const char *env = getenv("OOMSNAP_DIR");
	size_t c;
	int i, j;

	if (env && *env)
		oomsnap_dir = env;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-d")) {
			if (i + 1 >= argc)
				die(E_USAGE, "-d needs DIR");
			oomsnap_dir = argv[++i];
		} else if (!strncmp(argv[i], "-d", 2)) {
			oomsnap_dir = argv[i] + 2;
		} else if (is_help(argv[i])) {
			fputs(usage_text, stdout);
			return E_OK;
		} else if (!strcmp(argv[i], "--version")) {
			printf("oomsnap %s\n", OOMSNAP_VERSION);
			return E_OK;
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (argv[i][0] == '-') {
			die(E_USAGE, "unknown option '%s' (see oomsnap --help)", argv[i]);
		} else {
			break;
		}
	}
	if (i >= argc) {
		fputs(usage_text, stderr);
		return E_USAGE;
	}
	argc -= i;
	argv += i;
	if (!strcmp(argv[0], "help")) {
		usage_cmd(argc > 1 ? argv[1] : "", 0);
		return E_OK;
	}
	for (c = 0; c < NR_COMMANDS; c++) {
		if (strcmp(commands[c].name, argv[0]))
			continue;
		/* -h or --help anywhere: "protect add --help", "last --json -h" */
		for (j = 1; j < argc; j++)
			if (is_help(argv[j])) {
				usage_cmd(argv[0], 0);
				return E_OK;
			}
		return commands[c].run(argc, argv);
	}
	die(E_USAGE, "unknown command '%s' (see oomsnap --help)", argv[0]);
}
