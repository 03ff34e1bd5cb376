// bench/density.js — thousands of idle STOMP sessions at /ws and /stomp,
// their memory in the servers, then notifications fanned out to them.
// Run by bench/density, which starts the system, seeds the people and
// their groups and passes MAX_URL, SEED (seed.json: users, tokens, groups,
// conversations, contexts), PIDS ("name:pid …" of the processes measured)
// and the BENCH_* settings.
'use strict';

const fs = require('fs');
const { Client } = require('@stomp/stompjs');
const SockJS = require('sockjs-client');
const WebSocket = require('ws');

const env = process.env;
const NWS = Number(env.BENCH_WS), NSOCKJS = Number(env.BENCH_SOCKJS);
const RATE = Number(env.BENCH_RATE), SECS = Number(env.BENCH_SECONDS);
const KIND = env.BENCH_KIND, PARALLEL = Number(env.BENCH_CONNECT), IDLE = Number(env.BENCH_IDLE);
const MAX_INFLIGHT = 512;
const seed = JSON.parse(fs.readFileSync(env.SEED, 'utf8'));
const tokenOf = new Map(seed.users.map((u, i) => [u, seed.tokens[i]]));
const procs = env.PIDS.split(' ').map((s) => s.split(':')).map(([name, pid]) => ({ name, pid }));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');

function pct(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : NaN;
}

// VmRSS in KiB of each measured process, and of this client
function rss() {
  const out = {};
  for (const { name, pid } of procs) {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      out[name] = m ? Number(m[1]) : NaN;
    } catch (e) {
      out[name] = NaN;
    }
  }
  out['client (node)'] = Math.round(process.memoryUsage().rss / 1024);
  return out;
}

// CPU seconds (user + system) each measured process has used, the
// max.fcgi and osiris.fcgi workers (lighttpd's children) summed, this
// client, and the whole machine's busy time: read before and after the
// notifications to show where their cost goes
const HZ = 100; // USER_HZ, the unit of /proc/<pid>/stat times on Linux
function cpuOf(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const after = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(after[1]), secs: (Number(after[11]) + Number(after[12])) / HZ };
  } catch (e) {
    return null;
  }
}
function cpu() {
  const out = {};
  for (const { name, pid } of procs)
    out[name] = (cpuOf(pid) || { secs: NaN }).secs;
  const web = procs.find((p) => p.name === 'lighttpd');
  out['workers (fcgi)'] = 0;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || !web) continue;
    const c = cpuOf(d);
    if (c && String(c.ppid) === String(web.pid)) out['workers (fcgi)'] += c.secs;
  }
  const u = process.cpuUsage();
  out['client (node)'] = (u.user + u.system) / 1e6;
  const t = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  out['machine busy'] = (t.reduce((a, b) => a + b, 0) - t[3] - t[4]) / HZ;
  return out;
}

function cpuReport(before, after, secs, n) {
  console.log(`\nCPU during the notifications (${secs.toFixed(1)} s wall, ${n} notifications)`);
  console.log('process          CPU s   cores   ms per notification');
  for (const name of Object.keys(before)) {
    const d = after[name] - before[name];
    console.log(`${name.padEnd(16)} ${d.toFixed(2).padStart(5)}  ${(d / secs).toFixed(2).padStart(6)}  ` +
      `${(1000 * d / n).toFixed(3).padStart(8)}`);
  }
}

// ---- sessions ------------------------------------------------------------------

const sessions = [];
let closedEarly = 0;
const tag = `d${Date.now()}-`;
const sent = [];         // notification index → performance.now() of its POST
const latencies = [];    // ms, every delivery
const received = [];     // notification index → deliveries so far
let strays = 0, doubles = 0, running = false;

function onMessage(s, m) {
  const now = performance.now();
  let b;
  try { b = JSON.parse(m.body); } catch (e) { return; }
  const text = b && b.d && typeof b.d.text === 'string' ? b.d.text : '';
  if (!text.startsWith(tag))
    return;
  const k = Number(text.slice(tag.length));
  if (!(k >= 0) || sent[k] === undefined || !groupOf(k).includes(s.user)) {
    strays++;
    return;
  }
  if (s.seen.has(k)) {
    doubles++;
    return;
  }
  s.seen.add(k);
  received[k] = (received[k] || 0) + 1;
  latencies.push(now - sent[k]);
}

function factory(kind) {
  if (kind === 'sockjs')
    return () => new SockJS(`${env.MAX_URL}/stomp`, null, { transports: ['websocket'] });
  const url = env.MAX_URL.replace(/^http/, 'ws') + '/ws';
  return () => new WebSocket(url, ['v12.stomp', 'v11.stomp', 'v10.stomp']);
}

// Connects one session and subscribes it to its own exchange; resolves
// once the broker confirmed the subscription (a RECEIPT).
function open(kind, user) {
  return new Promise((resolve, reject) => {
    const s = { kind, user, seen: new Set(), up: false };
    const client = new Client({
      webSocketFactory: factory(kind),
      connectHeaders: { login: user, passcode: tokenOf.get(user), host: '/' },
      heartbeatIncoming: 0, heartbeatOutgoing: 0, reconnectDelay: 0, debug: () => {},
    });
    s.client = client;
    const fail = (e) => { clearTimeout(timer); if (!s.up) client.deactivate(); reject(e); };
    const timer = setTimeout(() => fail(new Error(`${kind} ${user}: no answer in 60 s`)), 60000);
    client.onConnect = () => {
      const receipt = `r-${user}-${sessions.length}`;
      client.watchForReceipt(receipt, () => {
        clearTimeout(timer);
        s.up = true;
        resolve(s);
      });
      client.subscribe(`/exchange/${user}.subscribe`, (m) => onMessage(s, m), { receipt });
    };
    client.onStompError = (f) => fail(new Error(`${kind} ${user}: ${f.headers.message}`));
    client.onWebSocketClose = (ev) => {
      if (s.up)
        closedEarly++;
      s.up = false;
      fail(new Error(`${kind} ${user}: closed (${ev && ev.code} ${ev && ev.reason})`));
    };
    client.activate();
  });
}

// A session that failed before its subscription was confirmed tries again,
// as the widget reconnects (twice at most); the retries are counted.
let retries = 0;
async function openRetrying(kind, user) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await open(kind, user);
    } catch (e) {
      if (attempt === 3)
        throw e;
      retries++;
      console.log(`  retry: ${e.message}`);
      await sleep(1000);
    }
  }
}

// n sessions of kind, session i as user (first + i) mod people, PARALLEL
// connecting at a time
async function openMany(kind, n, first) {
  const start = performance.now();
  const retried = retries;
  let next = 0, done = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      sessions.push(await openRetrying(kind, seed.users[(first + i) % seed.users.length]));
      if (++done % 1000 === 0)
        console.log(`  ${done} ${kind} sessions up`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, n) }, worker));
  const secs = (performance.now() - start) / 1000;
  console.log(`${n} sessions at /${kind === 'ws' ? 'ws' : 'stomp'} connected and subscribed in ` +
    `${secs.toFixed(1)} s (${(n / secs).toFixed(0)}/s), ${retries - retried} retried`);
}

// ---- memory ------------------------------------------------------------------------

async function settled() {
  await sleep(5000);
  if (global.gc) global.gc();
  return rss();
}

function memoryReport(base, ws, all) {
  const mb = (k) => (k / 1024).toFixed(1);
  const per = (a, b, n) => (n ? ((b - a) / n).toFixed(1) : '-');
  console.log('\nresident memory (MiB; per session: KiB of growth)');
  console.log('process          no sessions  /ws idle  +/stomp idle  per /ws  per /stomp');
  for (const name of Object.keys(base)) {
    console.log(`${name.padEnd(16)} ${mb(base[name]).padStart(11)}  ${mb(ws[name]).padStart(8)}  ` +
      `${mb(all[name]).padStart(12)}  ${per(base[name], ws[name], NWS).padStart(7)}  ` +
      `${per(ws[name], all[name], NSOCKJS).padStart(10)}`);
  }
  const servers = Object.keys(base).filter((n) => !n.startsWith('client'));
  const sum = (o) => servers.reduce((a, n) => a + (o[n] || 0), 0);
  console.log(`${'servers'.padEnd(16)} ${mb(sum(base)).padStart(11)}  ${mb(sum(ws)).padStart(8)}  ` +
    `${mb(sum(all)).padStart(12)}  ${per(sum(base), sum(ws), NWS).padStart(7)}  ` +
    `${per(sum(ws), sum(all), NSOCKJS).padStart(10)}`);
}

// ---- notifications --------------------------------------------------------------

function groupOf(k) {
  return seed.groups[k % seed.groups.length];
}

// the POST of notification k: by a member of its group, into the group
function request(k) {
  const g = k % seed.groups.length, members = seed.groups[g];
  const user = members[Math.floor(k / seed.groups.length) % members.length];
  const body = { object: { objectType: 'note', content: tag + k } };
  let path;
  if (KIND === 'messages') {
    body.object.mobile = true;
    path = `/conversations/${seed.conversations[g]}/messages`;
  } else {
    path = `/contexts/${seed.contexts[g]}/activities`;
  }
  return [`${env.MAX_URL}${path}`, { method: 'POST', body: JSON.stringify(body), headers: {
    'X-Oauth-Token': tokenOf.get(user), 'X-Oauth-Username': user, 'X-Oauth-Scope': 'widgetcli',
    'Content-Type': 'application/json' } }];
}

async function drive() {
  const n = Math.round(RATE * SECS), post = [];
  const perUser = new Map();
  for (const s of sessions)
    perUser.set(s.user, (perUser.get(s.user) || 0) + 1);
  let expected = 0;
  for (let k = 0; k < n; k++)
    for (const u of groupOf(k)) expected += perUser.get(u) || 0;
  let inflight = 0, failed = 0, i = 0, lastFail = '';
  const cpu0 = cpu();
  const start = performance.now();
  await new Promise((done) => {
    const tick = () => {
      const due = Math.min(n, Math.floor((performance.now() - start) * RATE / 1000) + 1);
      while (i < due && inflight < MAX_INFLIGHT) {
        const k = i++;
        inflight++;
        sent[k] = performance.now();
        const [url, init] = request(k);
        fetch(url, { ...init, signal: AbortSignal.timeout(60000) })
          .then(async (r) => {
            const t = await r.text();
            if (r.status !== 201) { failed++; lastFail = `${r.status} ${t.slice(0, 200)}`; }
          })
          .catch((e) => { failed++; lastFail = e.message; })
          .finally(() => { inflight--; post.push(performance.now() - sent[k]); });
      }
      if (i < n) setTimeout(tick, 1); else done();
    };
    tick();
  });
  const sendSecs = (performance.now() - start) / 1000;
  while (inflight) await sleep(10);
  // the rest arrives while it keeps arriving (a backlog in the outbox or
  // the broker drains); 30 s without a delivery ends the wait
  for (let seen = -1, quiet = 0; latencies.length < expected && quiet < 30000; quiet += 100) {
    if (latencies.length !== seen) { seen = latencies.length; quiet = 0; }
    await sleep(100);
  }
  const drainSecs = (performance.now() - start) / 1000;
  const cpu1 = cpu();
  latencies.sort((a, b) => a - b);
  post.sort((a, b) => a - b);
  console.log(`\nnotifications (${KIND}): ${n} POSTed in ${sendSecs.toFixed(1)} s ` +
    `(${(n / sendSecs).toFixed(0)}/s, asked ${RATE}/s), ${failed} failed` +
    (failed ? ` (last: ${lastFail})` : ''));
  console.log(`deliveries: ${latencies.length} of ${expected} expected ` +
    `(${(expected / n).toFixed(1)} sessions per notification), ${doubles} doubled, ${strays} stray; ` +
    `last one ${drainSecs.toFixed(1)} s after the first POST`);
  console.log(`POST → delivery (ms): p50 ${f1(pct(latencies, 0.5))}  p90 ${f1(pct(latencies, 0.9))}  ` +
    `p99 ${f1(pct(latencies, 0.99))}  max ${f1(latencies[latencies.length - 1])}`);
  console.log(`POST answered (ms):   p50 ${f1(pct(post, 0.5))}  p90 ${f1(pct(post, 0.9))}  ` +
    `p99 ${f1(pct(post, 0.99))}  max ${f1(post[post.length - 1])}`);
  cpuReport(cpu0, cpu1, drainSecs, n);
  const missing = [];
  for (let k = 0; k < n && missing.length < 5; k++) {
    let want = 0;
    for (const u of groupOf(k)) want += perUser.get(u) || 0;
    if ((received[k] || 0) < want) missing.push(`#${k}: ${received[k] || 0}/${want}`);
  }
  if (missing.length)
    console.log(`first notifications short of deliveries: ${missing.join(', ')}`);
  return latencies.length === expected && !failed && !doubles && !strays;
}

async function main() {
  const base = await settled();
  const first = performance.now();
  await openMany('ws', NWS, 0);
  const ws = await settled();
  await openMany('sockjs', NSOCKJS, NWS);
  // idle (no frame either way) for longer than brokers and proxies wait
  // before they drop a silent connection
  const idle = Math.max(0, IDLE * 1000 - (performance.now() - first));
  await sleep(idle);
  const all = await settled();
  const up = sessions.filter((s) => s.up).length;
  console.log(`after ${((performance.now() - first) / 1000).toFixed(0)} s idle since the first ` +
    `session opened: ${up} of ${sessions.length} sessions up`);
  memoryReport(base, ws, all);
  const ok = await drive();
  const still = sessions.filter((s) => s.up).length;
  console.log(`sessions still up after the run: ${still} of ${sessions.length}`);
  process.exit(ok && still === sessions.length && !closedEarly ? 0 : 1);
}

main().catch((e) => { console.error(`bench/density: ${e.message}`); process.exit(1); });
