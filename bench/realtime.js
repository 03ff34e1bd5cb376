// bench/realtime.js — REST POST of a chat message → its delivery to a STOMP
// subscriber at /ws, as latency percentiles. Run by bench/realtime, which
// starts the system and passes MAX_URL A_USER A_TOKEN B_USER B_TOKEN CID,
// BENCH_MESSAGES and BENCH_RATE (messages per second, open loop); WS_URL
// subscribes elsewhere (BENCH_DIRECT=1: web-STOMP itself).
'use strict';

const { Client } = require('@stomp/stompjs');
const WebSocket = require('ws');
const { monitorEventLoopDelay } = require('perf_hooks');
const http = require('http');

const env = process.env;
const N = Number(env.BENCH_MESSAGES || 5000);
const RATE = Number(env.BENCH_RATE || 200);
const MAX_INFLIGHT = 256;

// The POST: node's http with a keep-alive agent, which costs the client a
// fraction of the CPU fetch() (undici) does; on two cores the client's
// CPU is taken from the servers. BENCH_CLIENT=fetch: fetch(), as before.
const agent = new http.Agent({ keepAlive: true });
function send(path, headers, body) {
  if (env.BENCH_CLIENT === 'fetch')
    return fetch(env.MAX_URL + path, { method: 'POST', headers, body })
      .then(async (r) => { await r.arrayBuffer(); return r.status; });
  return new Promise((resolve, reject) => {
    const req = http.request(env.MAX_URL + path, { method: 'POST', agent,
      headers: { ...headers, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function pct(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : NaN;
}

function connect() {
  return new Promise((resolve, reject) => {
    const c = new Client({
      webSocketFactory: () => new WebSocket(env.WS_URL || env.MAX_URL.replace(/^http/, 'ws') + '/ws',
        ['v12.stomp', 'v11.stomp', 'v10.stomp']),
      connectHeaders: { login: env.B_USER, passcode: env.B_TOKEN, host: '/' },
      heartbeatIncoming: 0, heartbeatOutgoing: 0, reconnectDelay: 0, debug: () => {},
    });
    c.onConnect = () => resolve(c);
    c.onStompError = (f) => reject(new Error(f.headers.message));
    c.onWebSocketClose = () => reject(new Error('closed'));
    c.activate();
  });
}

// Where the tail is: the slowest 1% of deliveries, split by what their
// POST did. A commit precedes its delivery, so a delivery long before its
// POST's answer was held up on the answer's way back (worker → lighttpd →
// client); a slow POST with a slow delivery stalled before the commit (or
// in the client); a quick POST with a slow delivery stalled after it
// (bridge, broker, relay).
function stages(byIndex, answered, lag, f) {
  const both = [];
  for (let k = 0; k < byIndex.length; k++)
    if (byIndex[k] !== undefined && answered[k] !== undefined) both.push([byIndex[k], answered[k]]);
  const tail = (arr, key) => arr.slice().sort((a, b) => key(b) - key(a))
    .slice(0, Math.max(1, Math.floor(arr.length / 100)));
  const slowD = tail(both, (x) => x[0]);
  const preCommit = slowD.filter(([d, p]) => p >= d - 2).length;
  const slowP = tail(both, (x) => x[1]);
  const afterCommit = slowP.filter(([d, p]) => d < p - 2).length;
  console.log(`slowest 1% of deliveries (${slowD.length}): ${preCommit} with a POST as slow ` +
    `(stalled before the commit or in the client), ${slowD.length - preCommit} with a quick POST ` +
    `(bridge, broker, relay)`);
  console.log(`slowest 1% of POSTs (${slowP.length}): ${afterCommit} delivered > 2 ms before ` +
    `their answer (held up on the answer's way back)`);
  const ms = (ns) => f(ns / 1e6);
  console.log(`client event-loop delay (ms): p50 ${ms(lag.percentile(50))}  ` +
    `p99 ${ms(lag.percentile(99))}  max ${ms(lag.max)}`);
}

async function main() {
  const sub = await connect();
  const sent = new Array(N), delivery = [], post = [], byIndex = new Array(N);
  const answered = new Array(N);
  const tag = `b${Date.now()}-`;
  sub.subscribe(`/exchange/${env.B_USER}.subscribe`, (m) => {
    const now = performance.now();
    let b;
    try { b = JSON.parse(m.body); } catch (e) { return; }
    const t = b && b.d && typeof b.d.text === 'string' && b.d.text.startsWith(tag) ?
      Number(b.d.text.slice(tag.length)) : -1;
    if (t >= 0 && sent[t] !== undefined) {
      delivery.push(now - sent[t]);
      byIndex[t] = now - sent[t];
    }
  });
  await new Promise((r) => setTimeout(r, 500));
  const headers = { 'X-Oauth-Token': env.A_TOKEN, 'X-Oauth-Username': env.A_USER,
    'X-Oauth-Scope': 'widgetcli', 'Content-Type': 'application/json' };
  let inflight = 0, failed = 0, i = 0, maxInflight = 0;
  // the client's own stalls (GC, a busy core): a late timer or callback
  // delays the POST and the delivery stamps alike
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  await new Promise((done) => {
    const tick = () => {
      const due = Math.min(N, Math.floor((performance.now() - start) * RATE / 1000) + 1);
      while (i < due && inflight < MAX_INFLIGHT) {
        const k = i++;
        if (++inflight > maxInflight) maxInflight = inflight;
        sent[k] = performance.now();
        const body = JSON.stringify({ object: { objectType: 'note', content: tag + k, mobile: true } });
        send(`/conversations/${env.CID}/messages`, headers, body)
          .then((status) => { if (status !== 201) failed++; })
          .catch(() => { failed++; })
          .finally(() => {
            inflight--;
            answered[k] = performance.now() - sent[k];
            post.push(answered[k]);
          });
      }
      // the next message's time (not every millisecond: the client's
      // wake-ups take the CPU the servers measured here need)
      const next = start + i * 1000 / RATE - performance.now();
      if (i < N) setTimeout(tick, inflight < MAX_INFLIGHT ? Math.max(0, next) : 1); else done();
    };
    tick();
  });
  const sendSecs = (performance.now() - start) / 1000;
  lag.disable();
  const cpu = process.cpuUsage(cpu0);
  for (let t = 0; t < 30000 && delivery.length + failed < N; t += 100)
    await new Promise((r) => setTimeout(r, 100));
  await sub.deactivate();
  delivery.sort((a, b) => a - b);
  post.sort((a, b) => a - b);
  const f = (x) => x.toFixed(1);
  console.log(`messages: ${N} sent in ${sendSecs.toFixed(1)} s (${(N / sendSecs).toFixed(0)}/s asked ${RATE}/s), ` +
    `${delivery.length} delivered, ${failed} POST failures`);
  console.log(`POST → STOMP delivery at /ws (ms): p50 ${f(pct(delivery, 0.5))}  p90 ${f(pct(delivery, 0.9))}  ` +
    `p99 ${f(pct(delivery, 0.99))}  max ${f(delivery[delivery.length - 1] || NaN)}`);
  console.log(`POST answered (ms):             p50 ${f(pct(post, 0.5))}  p90 ${f(pct(post, 0.9))}  ` +
    `p99 ${f(pct(post, 0.99))}  max ${f(post[post.length - 1] || NaN)}`);
  // does the latency grow during the run? p50 of each fifth, in send order
  const fifths = [], fifths99 = [];
  for (let q = 0; q < 5; q++) {
    const part = byIndex.slice(Math.floor(N * q / 5), Math.floor(N * (q + 1) / 5))
      .filter((x) => x !== undefined).sort((a, b) => a - b);
    fifths.push(f(pct(part, 0.5)));
    fifths99.push(f(pct(part, 0.99)));
  }
  console.log(`delivery p50 by fifth of the run (ms): ${fifths.join('  ')}`);
  console.log(`delivery p99 by fifth of the run (ms): ${fifths99.join('  ')}; ` +
    `most POSTs in flight at once: ${maxInflight}`);
  stages(byIndex, answered, lag, f);
  console.log(`client CPU per message while sending (µs): ${((cpu.user + cpu.system) / N).toFixed(0)}`);
  process.exit(delivery.length === N && !failed ? 0 : 1);
}

main().catch((e) => { console.error(`bench: ${e.message}`); process.exit(1); });
