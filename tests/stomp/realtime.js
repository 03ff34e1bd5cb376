// realtime.js SCENARIO — browser-grade STOMP clients against MAX: the MAX
// widget 4.x way (sockjs-client + @stomp/stompjs at <MAX>/stomp) and the
// plain WebSocket way (@stomp/stompjs + ws at <MAX>/ws).
//
// Run by tests/e2e/test_realtime.c (the realtime suite of `make check`),
// which creates the people, tokens and conversation and passes them in:
//   MAX_URL  A_USER A_TOKEN  B_USER B_TOKEN  CID  SERVER_ID
// (and, for the scenarios that say so, a few more).
// Prints one line per check; exits 1 on the first failure.
'use strict';

const { Client } = require('@stomp/stompjs');
const SockJS = require('sockjs-client');
const WebSocket = require('ws');

const env = process.env;
const URL_ = env.MAX_URL;
const WAIT_MS = 10000;   // "soon"
const QUIET_MS = 1500;   // how long "nothing arrives" is watched

function fail(msg) {
  console.error(`FAIL: ${msg}`);
  process.exit(1);
}

function ok(msg) {
  console.log(`ok: ${msg}`);
}

// A STOMP client over SockJS (kind "sockjs") or a plain WebSocket ("ws").
// wsOptions: for /ws, the options of the ws library (autoPong: false
// makes a client that no longer answers PINGs, as a vanished browser)
function factory(kind, wsOptions) {
  if (kind === 'sockjs')
    return () => new SockJS(`${URL_}/stomp`, null, { transports: ['websocket'] });
  const ws = URL_.replace(/^http/, 'ws') + '/ws';
  return () => new WebSocket(ws, ['v12.stomp', 'v11.stomp', 'v10.stomp'], wsOptions);
}

// Connects as user; resolves with { client, errors, closed } on CONNECTED,
// rejects with the ERROR frame's message (or the close) otherwise.
function connect(kind, user, token, wsOptions) {
  return new Promise((resolve, reject) => {
    const state = { errors: [], closed: false };
    const client = new Client({
      webSocketFactory: factory(kind, wsOptions),
      connectHeaders: { login: user, passcode: token, host: '/' },
      heartbeatIncoming: 0,
      heartbeatOutgoing: 0,
      reconnectDelay: 0,
      debug: () => {},
    });
    state.client = client;
    let settled = false;
    const timer = setTimeout(() => {
      if (!settled) { settled = true; client.deactivate(); reject(new Error('no answer')); }
    }, WAIT_MS);
    client.onConnect = () => {
      if (!settled) { settled = true; clearTimeout(timer); resolve(state); }
    };
    client.onStompError = (frame) => {
      state.errors.push(`${frame.headers.message || ''} ${frame.body || ''}`.trim());
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        client.deactivate();
        reject(new Error(`ERROR frame: ${state.errors[0]}`));
      }
    };
    client.onWebSocketClose = (ev) => {
      state.closed = true;
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        client.deactivate();
        reject(new Error(`closed (${ev && ev.code})`));
      }
    };
    client.activate();
  });
}

// Subscribes to the user's own exchange; returns the list that fills up.
function subscribeOwn(state, user) {
  const got = [];
  state.client.subscribe(`/exchange/${user}.subscribe`, (m) => {
    let body = null;
    try { body = JSON.parse(m.body); } catch (e) { body = null; }
    got.push({ destination: m.headers.destination, body });
  });
  return got;
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

async function until(cond, ms = WAIT_MS) {
  for (let t = 0; t < ms; t += 50) {
    if (cond()) return true;
    await sleep(50);
  }
  return cond();
}

// REST as user (X-Oauth headers, as the widget sends them).
async function rest(method, path, user, token, body) {
  const r = await fetch(`${URL_}${path}`, {
    method,
    headers: {
      'X-Oauth-Token': token, 'X-Oauth-Username': user, 'X-Oauth-Scope': 'widgetcli',
      'Content-Type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch (e) { json = null; }
  return { status: r.status, json };
}

// Alice posts a chat message by REST (mobile, so MAX publishes it); fails
// unless it is stored.
async function postAsAlice(content) {
  const r = await rest('POST', `/conversations/${env.CID}/messages`, env.A_USER, env.A_TOKEN,
    { object: { objectType: 'note', content, mobile: true } });
  if (r.status !== 201) fail(`POST message answered ${r.status}`);
  return r;
}

function text(m) {
  return m.body && m.body.d ? m.body.d.text : undefined;
}

// Bob on SockJS (/stomp), Alice on a WebSocket (/ws): a message Alice posts
// by REST (mobile, so MAX publishes it) reaches both participants.
async function deliver() {
  const bob = await connect('sockjs', env.B_USER, env.B_TOKEN);
  ok('SockJS client connected at /stomp');
  const alice = await connect('ws', env.A_USER, env.A_TOKEN);
  ok('WebSocket client connected at /ws');
  const gotBob = subscribeOwn(bob, env.B_USER);
  const gotAlice = subscribeOwn(alice, env.A_USER);
  await sleep(300);
  const content = `hola-${Date.now()}`;
  await postAsAlice(content);
  if (!await until(() => gotBob.some((m) => text(m) === content)))
    fail('the SockJS client did not receive the message');
  const m = gotBob.find((x) => text(x) === content);
  if (m.destination !== `/exchange/conversations/${env.CID}.notifications`)
    fail(`destination ${m.destination}`);
  if (m.body.a !== 'a' || m.body.o !== 'm' || m.body.u.u !== env.A_USER)
    fail(`unexpected message ${JSON.stringify(m.body)}`);
  ok('REST message reached the other participant over SockJS');
  if (!await until(() => gotAlice.some((x) => text(x) === content)))
    fail('the WebSocket client did not receive the message');
  ok('REST message reached the sender over /ws');
  await bob.client.deactivate();
  await alice.client.deactivate();
}

// Bob on SockJS, Alice at /ws, both silent (heart-beats off) for 7 s, more
// than twice web-STOMP's idle limit in the suite (3 s): neither session
// closes, and Alice's message then reaches both.
async function idle() {
  const bob = await connect('sockjs', env.B_USER, env.B_TOKEN);
  const alice = await connect('ws', env.A_USER, env.A_TOKEN);
  const gotBob = subscribeOwn(bob, env.B_USER);
  const gotAlice = subscribeOwn(alice, env.A_USER);
  await sleep(7000);
  if (bob.closed || alice.closed)
    fail(`an idle session was closed (SockJS ${bob.closed}, /ws ${alice.closed})`);
  ok('both sessions open after 7 s without a frame');
  const content = `idle-${Date.now()}`;
  await postAsAlice(content);
  if (!await until(() => gotBob.some((m) => text(m) === content) &&
      gotAlice.some((m) => text(m) === content)))
    fail('the message did not reach both idle sessions');
  ok('a message posted then reached both');
  await bob.client.deactivate();
  await alice.client.deactivate();
}

// Alice at /ws with a client that does not answer PINGs: the relay PINGs it
// after 2 s without a PONG and closes it 2 s later; Bob, who answers, stays.
async function noPong() {
  const bob = await connect('ws', env.B_USER, env.B_TOKEN);
  const alice = await connect('ws', env.A_USER, env.A_TOKEN, { autoPong: false });
  if (!await until(() => alice.closed, 9000))
    fail('a session that answered no PING was still open after 9 s');
  ok('the session that answered no PING was closed');
  if (bob.closed) fail('the session that answered the PINGs was closed too');
  ok('the session that answered them is open');
  await bob.client.deactivate();
}

// A wrong token: ERROR frame (or close), never CONNECTED, on both paths.
async function badToken() {
  for (const kind of ['sockjs', 'ws']) {
    try {
      const s = await connect(kind, env.A_USER, 'x'.repeat(32));
      await s.client.deactivate();
      fail(`${kind}: a wrong token logged in`);
    } catch (e) {
      if (!/ERROR frame|closed/.test(e.message)) fail(`${kind}: ${e.message}`);
      ok(`${kind}: wrong token refused (${e.message.slice(0, 60)})`);
    }
  }
}

// The login may name the server: "<server id>:user" logs in as user (and
// reads the user's own exchange), another server's id does not.
async function loginForms() {
  for (const kind of ['sockjs', 'ws']) {
    const s = await connect(kind, `${env.SERVER_ID}:${env.A_USER}`, env.A_TOKEN);
    subscribeOwn(s, env.A_USER);
    await sleep(QUIET_MS);
    if (s.errors.length || s.closed) fail(`${kind}: own exchange as server:user: ${s.errors}`);
    await s.client.deactivate();
    ok(`${kind}: "${env.SERVER_ID}:${env.A_USER}" logged in and subscribed`);
    try {
      const o = await connect(kind, `other${env.SERVER_ID}:${env.A_USER}`, env.A_TOKEN);
      await o.client.deactivate();
      fail(`${kind}: another server's id logged in`);
    } catch (e) {
      if (!/ERROR frame|closed/.test(e.message)) fail(`${kind}: ${e.message}`);
      ok(`${kind}: another server's id refused`);
    }
  }
}

// Waits until the broker refuses what the session did: an ERROR frame
// saying access refused, or (RabbitMQ's web-STOMP does this for a refused
// SUBSCRIBE or SEND) the connection closed by the broker. Fails otherwise.
async function refused(state, what) {
  await until(() => state.errors.length > 0 || state.closed);
  const err = state.errors[0] || '';
  if (err ? !/access.refused/i.test(err) : !state.closed)
    fail(`${what}: not refused (${err || 'the session stayed open'})`);
  ok(`${what} refused (${err ? err.slice(0, 60) : 'connection closed by the broker'})`);
}

// Alice may not read Bob's exchange nor write to Bob's .publish; Bob gets
// nothing from the attempt.
async function forbidden() {
  const bob = await connect('sockjs', env.B_USER, env.B_TOKEN);
  const gotBob = subscribeOwn(bob, env.B_USER);
  for (const kind of ['ws', 'sockjs']) {
    let a = await connect(kind, env.A_USER, env.A_TOKEN);
    const stolen = [];
    a.client.subscribe(`/exchange/${env.B_USER}.subscribe`, (m) => stolen.push(m));
    await refused(a, `${kind}: SUBSCRIBE to ${env.B_USER}.subscribe`);
    await a.client.deactivate();
    if (stolen.length) fail(`${kind}: another user's message was delivered`);

    a = await connect(kind, env.A_USER, env.A_TOKEN);
    const body = JSON.stringify({ a: 'a', o: 'm', s: 'w', u: { u: env.B_USER }, d: { text: 'spoof' } });
    a.client.publish({ destination: `/exchange/${env.B_USER}.publish/${env.CID}.messages`, body });
    await refused(a, `${kind}: SEND to ${env.B_USER}.publish`);
    await a.client.deactivate();
  }
  await sleep(QUIET_MS);
  if (gotBob.some((m) => text(m) === 'spoof')) fail('the refused message was delivered');
  ok('nothing reached the other user');
  await bob.client.deactivate();
}

// Alice SENDs a chat message over SockJS as the widget does: Bob receives
// it, the bridge stores it (GET lists it) and acknowledges it to both.
async function sendStored() {
  const bob = await connect('ws', env.B_USER, env.B_TOKEN);
  const gotBob = subscribeOwn(bob, env.B_USER);
  const alice = await connect('sockjs', env.A_USER, env.A_TOKEN);
  const gotAlice = subscribeOwn(alice, env.A_USER);
  await sleep(300);
  const content = `stomp-${Date.now()}`;
  const g = `${Date.now()}-relay-test`;
  const msg = { a: 'a', o: 'm', s: 'w', v: '4.1.15', g, p: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    u: { u: env.A_USER, d: env.A_USER }, d: { text: content } };
  alice.client.publish({ destination: `/exchange/${env.A_USER}.publish/${env.CID}.messages`,
    body: JSON.stringify(msg) });
  if (!await until(() => gotBob.some((m) => text(m) === content && m.body.a === 'a')))
    fail('the other participant did not receive the STOMP message');
  ok('STOMP message reached the other participant');
  let stored = null;
  for (let t = 0; t < WAIT_MS && !stored; t += 200) {
    const r = await rest('GET', `/conversations/${env.CID}/messages`, env.B_USER, env.B_TOKEN);
    if (r.status === 200 && Array.isArray(r.json))
      stored = r.json.find((x) => x.object && x.object.content === content) || null;
    if (!stored) await sleep(200);
  }
  if (!stored) fail('the STOMP message was not stored');
  if (stored.actor.username !== env.A_USER) fail(`stored as ${stored.actor.username}`);
  ok('the bridge stored the message');
  if (!await until(() => gotAlice.some((m) => m.body && m.body.a === 'k' && m.body.g === g &&
      m.body.d && m.body.d.id === stored.id)))
    fail('the sender got no ack with the stored id');
  ok('the sender got the ack');
  await alice.client.deactivate();
  await bob.client.deactivate();
}

// The SockJS framing itself, with a raw WebSocket: "o" on open, the STOMP
// frames of a JSON array relayed, a["..."] back, "h" heartbeats (the suite
// sets [relay] heartbeat_s = 1), and a frame that is not a JSON array of
// strings closes the session.
async function sockjsFrames() {
  const url = URL_.replace(/^http/, 'ws') + '/stomp/123/a1b2c3d4/websocket';
  const ws = new WebSocket(url);
  const got = [];
  let closed = false;
  ws.on('message', (d) => got.push(d.toString()));
  ws.on('close', () => { closed = true; });
  if (!await until(() => got.length > 0)) fail('no open frame');
  if (got[0] !== 'o') fail(`first frame ${got[0]}`);
  ok('"o" on open');
  const connect = `CONNECT\nlogin:${env.A_USER}\npasscode:${env.A_TOKEN}\nhost:/\n` +
    'accept-version:1.2\nheart-beat:0,0\n\n\u0000';
  ws.send(JSON.stringify([connect]));
  const isConnected = (f) => f.startsWith('a[') && JSON.parse(f.slice(1))[0].startsWith('CONNECTED\n');
  if (!await until(() => got.some(isConnected))) fail(`no CONNECTED: ${got.join(' | ')}`);
  ok('a["CONNECTED..."] after the CONNECT frame');
  const n = got.length;
  if (!await until(() => got.slice(n).includes('h'), 3000)) fail('no heartbeat frame');
  ok('"h" heartbeat');
  ws.send('not json');
  if (!await until(() => closed, 3000)) fail('a broken frame did not close the session');
  ok('a frame that is not JSON closes the session');
}

// Runs as a background client of the suite: Bob's durable subscription
// (the queue outlives his session and a restart of RabbitMQ, so nothing
// published while he is away is lost to him) over SockJS, reconnecting
// whenever the session drops. Writes READY once the broker confirmed the
// subscription, then waits for the N messages whose text is
// `${PREFIX}-<i>` (i = 0..N-1; message i belongs to conversation
// CIDS[i % CIDS.length]): every one must arrive, each once, and in each
// conversation in order. Then removes the subscription's queue.
async function durableSub() {
  const fs = require('fs');
  const cids = env.CIDS.split(',');
  const n = Number(env.N);
  const prefix = `${env.PREFIX}-`;
  const seen = new Map(); // i → times received
  const last = cids.map(() => -1);
  const problems = [];
  let total = 0;
  const headers = { id: env.SUB_ID, durable: 'true', 'auto-delete': 'false' };
  const onMessage = (m) => {
    let body = null;
    try { body = JSON.parse(m.body); } catch (e) { body = null; }
    const t = body && body.d && typeof body.d.text === 'string' ? body.d.text : '';
    if (body && body.a === 'a' && t.startsWith(prefix)) {
      const i = Number(t.slice(prefix.length));
      const c = i % cids.length;
      const key = m.headers.destination.split('/').pop();
      if (key !== `${cids[c]}.notifications`) problems.push(`${t} came with key ${key}`);
      if (seen.has(i)) problems.push(`${t} arrived twice`);
      else if (i < last[c]) problems.push(`${t} arrived after ${prefix}${last[c]}`);
      seen.set(i, (seen.get(i) || 0) + 1);
      last[c] = Math.max(last[c], i);
      total++;
    }
    m.ack();
  };
  let sessions = 0;
  const client = new Client({
    webSocketFactory: factory('sockjs'),
    connectHeaders: { login: env.B_USER, passcode: env.B_TOKEN, host: '/' },
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    reconnectDelay: 200,
    debug: () => {},
  });
  client.onConnect = () => {
    sessions++;
    const receipt = `sub-${sessions}`;
    client.watchForReceipt(receipt, () => {
      if (sessions === 1) fs.writeFileSync(env.READY, 'ready\n');
    });
    client.subscribe(`/exchange/${env.B_USER}.subscribe`, onMessage,
      { ...headers, ack: 'client-individual', receipt });
  };
  client.activate();
  const limit = Number(env.TIMEOUT_MS || 120000);
  if (!await until(() => seen.size >= n, limit))
    fail(`${seen.size} of ${n} messages arrived (${sessions} sessions)`);
  await sleep(QUIET_MS); // a duplicate would come right behind
  if (problems.length) fail(`${problems.length} problems: ${problems.slice(0, 5).join('; ')}`);
  if (total !== n) fail(`${total} deliveries for ${n} messages`);
  ok(`all ${n} messages arrived once, in order per conversation, over ${sessions} sessions`);
  client.unsubscribe(env.SUB_ID, { durable: 'true' }); // removes the queue
  await sleep(300);
  await client.deactivate();
}

// Alice SENDs N chat lines (text `${PREFIX}-<i>`, g `${PREFIX}-g<i>`) to
// her .publish exchange over /ws, in bursts of BURST lines PAUSE_MS apart,
// as a chatty widget would, once connected (it writes READY then); the
// last one asks for a receipt, so the broker has them all when this
// returns.
async function burst() {
  const alice = await connect('ws', env.A_USER, env.A_TOKEN);
  require('fs').writeFileSync(env.READY, 'ready\n');
  const n = Number(env.N), size = Number(env.BURST || 50), pause = Number(env.PAUSE_MS || 50);
  const p = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  let receipted = false;
  alice.client.watchForReceipt('last', () => { receipted = true; });
  for (let i = 0; i < n; i++) {
    const msg = { a: 'a', o: 'm', s: 'w', v: '4.1.15', g: `${env.PREFIX}-g${i}`, p,
      u: { u: env.A_USER, d: env.A_USER }, d: { text: `${env.PREFIX}-${i}` } };
    alice.client.publish({ destination: `/exchange/${env.A_USER}.publish/${env.CID}.messages`,
      body: JSON.stringify(msg), headers: i === n - 1 ? { receipt: 'last' } : {} });
    if (i % size === size - 1) await sleep(pause);
  }
  if (!await until(() => receipted, 30000)) fail('no receipt for the last line');
  ok(`${n} lines sent`);
  await alice.client.deactivate();
}

// messaging.md 6.4: Bob, subscribed to a context with notifications,
// has a STOMP session open when Alice posts there; it gets the activity
// with destination /exchange/activity/<hash> (CID holds the hash).
async function activity() {
  const bob = await connect('sockjs', env.B_USER, env.B_TOKEN);
  const gotBob = subscribeOwn(bob, env.B_USER);
  await sleep(300);
  const content = `activity-${Date.now()}`;
  const r = await rest('POST', `/contexts/${env.CID}/activities`, env.A_USER, env.A_TOKEN,
    { object: { objectType: 'note', content } });
  if (r.status !== 201) fail(`POST activity answered ${r.status}`);
  if (!await until(() => gotBob.some((m) => text(m) === content)))
    fail('the subscriber did not receive the activity');
  const m = gotBob.find((x) => text(x) === content);
  if (m.destination !== `/exchange/activity/${env.CID}`) fail(`destination ${m.destination}`);
  if (m.body.a !== 'a' || m.body.o !== 'a' || m.body.u.u !== env.A_USER ||
      m.body.d.activityid !== r.json.id)
    fail(`unexpected message ${JSON.stringify(m.body)}`);
  ok('the activity reached a subscriber\'s STOMP session');
  await bob.client.deactivate();
}

const scenarios = { 'sockjs-frames': sockjsFrames, deliver, idle, 'no-pong': noPong,
  'bad-token': badToken,
  'login-forms': loginForms, forbidden,
  'send-stored': sendStored, 'durable-sub': durableSub, burst, activity };
const run = scenarios[process.argv[2]];
if (!run) fail(`unknown scenario ${process.argv[2]}`);
run().then(() => process.exit(0), (e) => fail(e.stack || e.message));
