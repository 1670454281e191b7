// The capture's service worker. The harness's server prepends `const SWSPEC = {...};` (the
// script version and its behaviour from the scenario file), so every version is byte-distinct
// and serving a version again gives identical bytes.
//
// Every record is POSTed to /log in order; a failed POST (the worker's network is emulated
// offline) keeps the records and retries. `t_js` is taken when the thing happens, not when it is
// delivered, so buffering does not move it.
'use strict';
const INSTANCE = Math.random().toString(36).slice(2, 10); // new on every script evaluation
const B = SWSPEC;
let queue = [];
let sending = false;
const stamp = () => +(performance.timeOrigin + performance.now()).toFixed(3);
function flush() {
  if (sending || !queue.length) return;
  sending = true;
  const batch = queue;
  queue = [];
  fetch('/log', { method: 'POST', body: JSON.stringify(batch), cache: 'no-store' })
    .then(() => { sending = false; flush(); })
    .catch(() => { queue = batch.concat(queue); sending = false; setTimeout(flush, 250); });
}
function report(ev, extra) {
  queue.push(Object.assign({ ev, v: B.version, inst: INSTANCE, t_js: stamp() }, extra || {}));
  flush();
}
// Resolves once every record so far is delivered (bounded by 2 s): a worker that is about to
// become redundant is terminated at once by some engines, which would drop queued records.
function drained() {
  const until = Date.now() + 2000;
  return new Promise((resolve) => {
    const poll = () => ((!sending && !queue.length) || Date.now() > until ? resolve() : setTimeout(poll, 5));
    poll();
  });
}
const never = () => new Promise(() => {});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// A lifetime promise with the behaviour `how`: resolve, reject, hang, or slow (resolve after ms).
function outcome(how, ms) {
  switch (how) {
    case 'reject': return drained().then(() => { throw new Error('swspec: rejected on purpose'); });
    case 'hang': return never();
    case 'slow': return sleep(ms || 1000);
    default: return sleep(0);
  }
}
// Extends `event` with `p` and reports how `p` settles. The event's lifetime also covers the
// report's delivery: a worker whose last event ends may be terminated at once (Chromium 156
// stopped the old worker of inflight-event-delays-activation 3 ms after its message event
// ended, dropping the `settled` record in one of three runs).
function extend(event, name, p) {
  event.waitUntil(p.then(
    () => { report('settled', { event: name, fulfilled: true }); return drained(); },
    (e) => {
      report('settled', { event: name, fulfilled: false });
      return drained().then(() => { throw e; });
    }));
}

// The calls a version makes at a place (`skip_waiting`, `claim`, `update` of its behaviour:
// lists of places), each reported before it is made and again when it settles.
const at = (field, where) => (B[field] || []).includes(where);
async function callSkipWaiting(where) {
  report('skip_waiting', { where });
  try { await self.skipWaiting(); report('skip_waiting_resolved', { where }); }
  catch (e) { report('skip_waiting_rejected', { where, error: e.name }); }
}
async function callClaim(where) {
  report('claim', { where });
  try { await self.clients.claim(); report('claim_settled', { where, ok: true }); }
  catch (e) { report('claim_settled', { where, ok: false, error: e.name }); }
}
async function callUpdate(where) {
  report('update', { where });
  try {
    const r = await self.registration.update();
    report('update_settled', { where, ok: true, value: r === undefined ? 'undefined' : 'registration', same: r === undefined ? null : r === self.registration });
  } catch (e) { report('update_settled', { where, ok: false, error: e.name, message: String(e && e.message) }); }
}
async function calls(where) {
  if (at('skip_waiting', where)) await callSkipWaiting(where);
  if (at('claim', where)) await callClaim(where);
  if (at('update', where)) await callUpdate(where);
}

report('eval', { behaviour: B });
calls('eval');
// Engines that expose no running status: a heartbeat shows the worker is alive; when it stops,
// the worker was stopped (the next evaluation has a new INSTANCE).
if (B.heartbeat_ms) setInterval(() => report('heartbeat'), B.heartbeat_ms);

// The worker's own state changes, where the engine lets it see itself (`self.serviceWorker`, or
// the registration's installing/active worker while its install/activate event runs). These are
// informational: the harness's waits use them where no DevTools reports version status.
function watchSelf(w) {
  if (!w || w.swspecWatched) return;
  w.swspecWatched = true;
  w.addEventListener('statechange', () => report('state', { state: w.state }));
}

self.addEventListener('install', (event) => {
  report('install');
  watchSelf(self.serviceWorker || self.registration.installing);
  event.waitUntil((async () => {
    await calls('install');
    await outcome(B.install, B.install_ms);
  })());
});

self.addEventListener('activate', (event) => {
  report('activate');
  watchSelf(self.serviceWorker || self.registration.active);
  event.waitUntil((async () => {
    await calls('activate');
    // The activate event ends only once its records are delivered: a worker that becomes
    // redundant right after (unregister()) is terminated at once, which drops a POST in flight
    // (Chromium 156 lost the `activate` record of unregister-uncontrolled in every run).
    await drained();
    await outcome(B.activate, B.activate_ms);
  })());
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  // The client is read off the request's URL: a navigation's is the new document's own URL, a
  // subresource's names the page that made it; the harness puts `client=<label>` in both.
  const client = url.searchParams.get('client');
  report('event', { event: 'fetch', extended: false, url: url.pathname, mode: event.request.mode, client });
  calls('fetch');
  if (url.pathname === '/echo') {
    event.respondWith(new Response(JSON.stringify({ v: B.version, inst: INSTANCE })));
  }
});

self.addEventListener('message', (event) => {
  const d = event.data || {};
  const extended = d.cmd === 'hang' || d.cmd === 'busy';
  report('event', { event: 'message', extended, cmd: d.cmd || null });
  if (d.cmd === 'hang') extend(event, 'message', never());
  if (d.cmd === 'busy') extend(event, 'message', sleep(d.ms || 1000));
  if (d.cmd === 'skip_waiting') callSkipWaiting('message');
  if (d.cmd === 'claim') callClaim('message');
  if (d.cmd === 'update') callUpdate('message');
});

self.addEventListener('sync', (event) => {
  const tag = event.tag;
  report('event', { event: 'sync', tag, lastChance: event.lastChance, extended: true });
  extend(event, 'sync', (async () => {
    await calls('sync');
    // The attempt number comes from the server: it survives the worker being stopped.
    let n = 0;
    try { n = (await (await fetch('/attempt?tag=' + encodeURIComponent(tag), { cache: 'no-store' })).json()).n; } catch (e) { n = 0; }
    if (n <= (B.sync_failures || 0)) return outcome('reject');
    return outcome(B.sync || 'resolve', B.sync_ms);
  })());
});

self.addEventListener('periodicsync', (event) => {
  report('event', { event: 'periodicsync', tag: event.tag, extended: true });
  extend(event, 'periodicsync', calls('periodicsync').then(() => outcome(B.periodicsync || 'resolve')));
});

self.addEventListener('push', (event) => {
  const data = event.data ? event.data.text() : null;
  report('event', { event: 'push', data, extended: true, notify: !!B.push_notification });
  extend(event, 'push', (async () => {
    await calls('push');
    if (B.push_notification) await self.registration.showNotification('swspec push', { body: data || '' });
  })());
});

self.addEventListener('notificationclick', (event) => { report('event', { event: 'notificationclick', extended: false }); });
self.addEventListener('notificationclose', (event) => { report('event', { event: 'notificationclose', extended: false }); });

for (const name of ['backgroundfetchsuccess', 'backgroundfetchfail', 'backgroundfetchabort', 'backgroundfetchclick']) {
  self.addEventListener(name, (event) => {
    const r = event.registration;
    report('event', { event: name, id: r.id, result: r.result, failureReason: r.failureReason, downloaded: r.downloaded, recordsAvailable: r.recordsAvailable, extended: true });
    extend(event, name, (async () => {
      await calls('backgroundfetch');
      if (name === 'backgroundfetchclick') return;
      const records = [];
      try {
        for (const rec of await r.matchAll()) {
          try { records.push({ url: new URL(rec.request.url).pathname, status: (await rec.responseReady).status }); }
          catch (e) { records.push({ url: new URL(rec.request.url).pathname, error: e.name }); }
        }
      } catch (e) { records.push({ matchAll: e.name }); }
      report('bgfetch_records', { id: r.id, records });
      if (name !== 'backgroundfetchabort') {
        try { await event.updateUI({ title: 'swspec ' + r.id + ' done' }); report('update_ui', { id: r.id, ok: true }); }
        catch (e) { report('update_ui', { id: r.id, ok: false, error: e.name }); }
      }
    })());
  });
}
