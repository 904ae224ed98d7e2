#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# make-synthetic.py: tests/data/synthetic/ from the recorded events of
# tests/data/vm-bookworm/, for the cases the VM cannot produce on demand
# (fragmentation, current_exiting, no_victim, a reaper report, a victim
# sharing its mm, unknown values, a memory policy, memcg_limit_external,
# victim.settled false) and for the stream's
# notices and a malformed line.  Each record is a recorded one with the
# fields of the case changed; the module's key order is kept.  Run it
# again after recording new data; the result is committed.
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
src = os.path.join(here, 'data', 'vm-bookworm')
dst = os.path.join(here, 'data', 'synthetic')
ev = [json.loads(line) for line in open(os.path.join(src, 'events.json'))]
by_cause = {}
for e in ev:
    by_cause.setdefault(e['cause'], e)
glob = by_cause['system_memory']
memcg = by_cause['memcg_limit']
out = []


def dump(e):
    # ASCII only, as the module writes it (\u00XX for other bytes)
    return json.dumps(e, separators=(',', ':'), ensure_ascii=True)


def add(base, **changes):
    e = json.loads(json.dumps(base))
    for path, value in changes.items():
        keys = path.split('__')
        o = e
        for k in keys[:-1]:
            o = o[int(k)] if isinstance(o, list) else o[k]
        last = keys[-1]
        if isinstance(o, list):
            o[int(last)] = value
        else:
            o[last] = value
    e['seq'] = 100 + len(out)
    out.append(e)
    return e


# fragmentation: an order-3 allocation, node 0 DMA32 with no block of
# order 3 or more although above its min watermark: the one zone the
# module flags (interface section 3.1; the recording predates the flag)
e = add(glob, cause='fragmentation', order=3, gfp='GFP_KERNEL|__GFP_COMP',
        gfp_mask='0x40cc0', zones__1__free_kb=8720,
        zones__1__free_blocks=[900, 400, 120, 0, 0, 0, 0, 0, 0, 0, 0])
for i, z in enumerate(e['zones']):
    z['fragmented'] = i == 1
# current_exiting: no victim chosen
add(glob, outcome='current_exiting', victim=None, killed=[], candidates=[])
# no_victim, memcg and global
add(memcg, outcome='no_victim', victim=None, killed=[], candidates=[])
add(glob, outcome='no_victim', victim=None, killed=[], candidates=[])
# node_memory by a memory policy, nodes 0, no zone below min; a reaper
# report, a second process sharing the victim's mm, a positive adj and a
# runner-up among three candidates
e = add(glob, cause='node_memory', constraint='memory_policy', nodemask='0',
        reaped={'anon_rss_kb': 12, 'file_rss_kb': 4, 'shmem_rss_kb': 0})
v = e['victim']
v['oom_score_adj'] = 500
e['killed'] = [v['pid'], v['pid'] + 1]
c = dict(e['candidates'][0])
e['candidates'] = [dict(c, pid=v['pid']),
                   dict(c, pid=4242, comm='runner', points=17, oom_score_adj=-10, rss_kb=2048),
                   dict(c, pid=4343, comm='third', points=3, oom_score_adj=0, rss_kb=512)]
# memcg_limit_external: a task in /writer lowered /memcg_t's memory.max
add(memcg, cause='memcg_limit_external', trigger__pid=99, trigger__tgid=99,
    trigger__comm='sh', trigger__memcg='/writer', gfp='GFP_KERNEL', order=0)
# victim.settled (after "protected"): false, the figures may differ from
# the kernel's line
e = add(memcg)
e['victim'] = {k: v for k, v in list(e['victim'].items()) + [('settled', False)]}
# everything the module may leave null
add(memcg, real_ns=None, boot_ns=None, nodemask=None, gfp=None,
    trigger__memcg=None, memcg=None, victim__memcg=None, victim__pgtables_kb=None,
    system={'totalram_kb': None, 'freeram_kb': None, 'totalswap_kb': None,
            'freeswap_kb': None, 'committed_kb': None},
    candidates=None, killed=None, reaped=None)

os.makedirs(dst, exist_ok=True)
with open(os.path.join(dst, 'events.json'), 'w') as f:
    for e in out:
        f.write(dump(e) + '\n')
# the stream: a clear's and an overrun's notices first, then the events
# and a line that is not JSON
with open(os.path.join(dst, 'stream'), 'w') as f:
    f.write('{"v":1,"cleared":2}\n{"v":1,"lost":5}\n')
    for e in out[:3]:
        f.write(dump(e) + '\n')
    f.write('{"v":1,"seq":\n')
    for e in out[3:]:
        f.write(dump(e) + '\n')
stats = open(os.path.join(src, 'stats')).read()
# a missing hook, with its reason, and no per-label counters
keep = ('events_total', 'events_retained', 'events_overwritten')
lines = [s for s in stats.splitlines()
         if not s.startswith('events_') or s.split()[0] in keep]
lines = [s.replace('hook finish_task_reaping ok', 'hook finish_task_reaping missing')
         for s in lines]
lines.append('hook_reason finish_task_reaping tracepoint not found (kernel too old)')
with open(os.path.join(dst, 'stats'), 'w') as f:
    f.write('\n'.join(lines) + '\n')
open(os.path.join(dst, 'protect'), 'w').close()
print('wrote', dst, len(out), 'events', file=sys.stderr)
