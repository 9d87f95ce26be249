// docs/benchmarks.md: the whole report of one run, with the hand-written notes from bench/notes.md.
import { LATER_S } from './memory-phase.js';
import { peerUidTable } from './peer-uid-phase.js';
import { ladderTable } from './cpu-ladder.js';
import { cliProfileTable } from './cli-profile-phase.js';
import { consoleReport, e2eTable, goalsTable, httpTable, profileSection, steadyTable, type Report } from './report.js';
import { fmtInt, fmtMb, fmtMs, table } from './stats.js';

export function markdown(r: Report): string {
  const m = r.memory;
  const s = r.steady;
  const passed = r.goals.filter((g) => g.pass === true).length;
  const judged = r.goals.filter((g) => g.pass !== undefined).length;
  return `# credd benchmarks

Written by \`npm run bench\` on ${r.date.toISOString().slice(0, 16).replace('T', ' ')} UTC; every number below is from that one run
(the Notes come from \`bench/notes.md\`). ${passed} of ${judged} goals met.

## Machine

| | |
| --- | --- |
| CPU | ${r.machine.cpu} |
| cores | ${r.machine.cores} |
| memory | ${r.machine.memory} |
| Node | ${r.machine.node} |
| OS | ${r.machine.os} |
| AWS CLI | ${r.awsCli} |
| load generator | autocannon ${r.autocannon} (closed loop) and a paced node:http client (moderate load), both in the benchmark's own process |
| 1-min load average | ${r.load.start.toFixed(2)} at the start, ${r.load.end.toFixed(2)} at the end (anything above ~1 is other work competing for the 2 cores) |

A shared 2-core machine is noisy: compare numbers within this run (in each cell the bare server and credd run
back to back, ${r.settings.httpSeconds} s each), not across runs.

## Goals

${goalsTable(r.goals)}

## 1. Cached credential requests

credd from \`dist/\` (the active profile's credentials cached) next to a bare \`node:http\` server that answers
the same bodies with the same headers (\`Content-Type: application/json\` for ECS, \`text/plain\` for IMDS, as
credd sends them) and checks nothing. Latency is per HTTP request, measured at full resolution in the load
generator (autocannon's own histogram counts whole milliseconds). Rows without a fixed rate send as fast as the
server answers (closed loop: latency there is mostly queueing, about connections ÷ throughput); the paced row
is a moderate load: 10 keep-alive clients, each sending at even intervals (autocannon's own rate limit sends each
second's quota in one burst, which measures queueing again). "CPU µs/req" is the server process's CPU time (all
threads) per answered request — unlike req/s it does not depend on whether the load generator or the server
saturates first; for credd it includes the "audit backlog": credd writes one audit line per credential response
from a queue after answering, and after each cell the benchmark waits until the audit log stops changing (that
wait is the last column) so that no cell inherits another's backlog.

${httpTable(r.http)}
${r.ladder ? `
### 1b. Where credd's CPU per request goes

The same cached ECS answer (${r.ladder.bodyBytes} bytes of body, the same headers) from servers that each add one layer of credd
(\`bench/ladder-server.mjs\` serves credd's own \`buildServer\` and \`AuditLog\` from \`dist/\` with a provider that
returns the credentials credd served). ${fmtInt(r.ladder.requests)} requests per round from ${r.ladder.connections} keep-alive connections, three
rounds interleaved across all servers, the best round of each counts; "step" is what the layer adds to the row
above. Process CPU from \`/proc/PID/stat\`, split into user/kernel and the main thread (the event loop) and the
other threads (V8's GC helpers, libuv's pool) from \`/proc/PID/task\`. The per-connection layers (process lookup,
peer-uid check) cost per connection, so here they are spread over ${fmtInt(r.ladder.requests / r.ladder.connections)} requests each.

${ladderTable(r.ladder)}
` : ''}
## 2. End to end: \`aws sts get-caller-identity\`

The real AWS CLI (${r.awsCli.split(' ')[0]}), ${r.settings.e2eRuns} runs per variant after one warm-up round, interleaved, against the STS emulator
(SigV4 verified on every call). The credential_process helper (\`bench/credential-process-helper.mjs\`) is what
aws-vault and granted do: a process per CLI call that reads the IAM user key, calls AssumeRole with the AWS SDK for
JavaScript v3 and prints the credential_process JSON. The cache-hit variant only prints saved credentials (the
best such a helper can do); static keys in the environment are the floor.

${e2eTable(r.e2e)}

## 3. CLI latency

Wall time of \`node dist/bin/credd.cjs …\` (the \`credd\` command) spawned from Node, ${r.settings.cliRuns} runs each after one untimed round, interleaved.

${table(['command', 'runs', 'median ms', 'min ms', 'max ms'], r.cli.map((c) => [`\`${c.command}\``, String(c.runs), fmtMs(c.medianMs), fmtMs(c.minMs), fmtMs(c.maxMs)]))}
${r.cliProfile ? `
### 3b. Where a command's time goes

Each command ${r.cliProfile[0]?.runs ?? ''} more times under \`node --cpu-prof\` (medians; the profiler itself slows a run a little). Samples are
grouped by the module of their nearest JavaScript frame: "Node loading modules" is Node resolving, reading,
compiling, linking and instantiating modules (\`node:internal/modules/*\`, the file reads, and the first load of
each of Node's own built-in modules), "Node internals running" the rest of Node's own JavaScript, "credd (dist/)
running" and "dependencies running" the top-level code and calls of credd's files and of node_modules, "native /
(program)" V8 and native code with no JavaScript caller. The profiler starts once Node's own bootstrap is done and stops at exit: "before/after the profiler"
is that part of the wall time, the same for \`node -e 0\`. "Waiting" is the main thread idle: the daemon's answer.

${cliProfileTable(r.cliProfile)}
` : ''}
## 4. Memory

Daemon VmRSS from \`/proc/PID/status\`. The requests are cached ECS requests from 10 connections as fast as
the daemon answers; "caught up" is when \`audit.log\` stopped changing for 1 s (each credential response queues
one audit line). The switches alternate between two cached profiles over the control socket (\`POST /v1/switch\`).

${table(
  ['when', 'RSS'],
  [
    ['idle, credentials cached', fmtMb(m.idleKb)],
    [`right after ${fmtInt(m.requests)} requests (sent in ${m.requestSeconds.toFixed(1)} s)`, fmtMb(m.afterRequestsKb)],
    [`audit log caught up (${m.settleSeconds.toFixed(1)} s after the last response)`, fmtMb(m.settledKb)],
    [`${LATER_S} s after the last response, nothing connected (V8 frees the burst's garbage at its next major GC)`, fmtMb(m.laterKb)],
    [`after ${fmtInt(m.switches)} profile switches (median ${fmtMs(m.switchMedianMs)} ms each)`, fmtMb(m.afterSwitchesKb)],
    [`after the steady-state run below (${fmtInt(s.requests)} more requests at ${fmtInt(s.rate)} req/s)`, fmtMb(s.rssAfterKb)],
    ['peak (VmHWM)', fmtMb(m.peakKb)],
  ],
)}

## 5. Steady state

The emulator caps every credential at ${s.lifetimeSeconds} s; a pinned profile (\`/v1/credentials/PROFILE\`) is primed, then
requested continuously at an even, paced rate from 4 keep-alive clients. "Waited on STS" is the change in the daemon's \`stats.waitedOnSts\` read
with \`credd status --json\` before and after.

${steadyTable(r)}
${r.peerUid ? `\n## 6. Peer-uid check (Linux)\n\nEach new TCP connection costs one read of the kernel's socket table (\`/proc/net/tcp\`, growing with the sockets open on the machine); keep-alive requests reuse the connection's answer. Sequential requests against \`buildServer\` with and without the check, back to back.\n\n${peerUidTable(r.peerUid)}\n` : ''}${r.profile ? `\n## Profile\n\n${profileSection(r.profile)}\n` : ''}
## Notes

${r.notes.trim()}

## How to run

\`\`\`sh
npm ci
npm run bench            # builds, then about 9 minutes; rewrites this file
npm run bench -- --quick # a short smoke run (numbers not comparable; writes $TMPDIR/credd-bench-quick.md)
\`\`\`

It needs the \`aws\` CLI on PATH and listens only on 127.0.0.1; it uses an encrypted-file key store in a
temporary directory, never the OS keychain or \`~/.aws\`.
`;
}

export { consoleReport };
