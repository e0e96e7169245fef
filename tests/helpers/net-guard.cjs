/**
 * A network guard for child processes under test (tests/unit/no-network.test.ts): preloaded with
 * `node --require <this file>` (CommonJS, because Node runs `--require` preloads in every worker
 * thread, `eval` workers included, where `--import` misses some), it wraps each way a
 * Node program reaches the network — net.Socket#connect (which http, https, tls and fetch's
 * undici all end in), tls.connect, http/https.request and .get, fetch, dns lookups and
 * resolves, and UDP sends — and appends one JSON line per attempt to $INR_NET_GUARD_LOG:
 * `{ kind, host, port, loopback, pid, thread }`. An attempt to anything but loopback (or a
 * local socket path) is recorded and then refused with an error, so nothing leaves the machine
 * even when the code under test misbehaves. On load it writes `{ kind: 'guard' }`, so a test can
 * tell the guard ran in each thread.
 *
 * Plain JavaScript, so it loads before any TypeScript loader.
 */
/* eslint-disable */
'use strict';
const dgram = require('node:dgram');
const dns = require('node:dns');
const { appendFileSync } = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const { syncBuiltinESMExports } = require('node:module');
const net = require('node:net');
const tls = require('node:tls');
const { threadId } = require('node:worker_threads');

const LOG = process.env.INR_NET_GUARD_LOG;

function write(entry) {
  if (LOG) appendFileSync(LOG, JSON.stringify({ ...entry, pid: process.pid, thread: threadId }) + '\n');
}

/** Loopback: localhost names, 127.0.0.0/8, ::1 and its IPv4-mapped forms; undefined host = Node's default, localhost. */
function isLoopback(host) {
  if (host === undefined || host === null || host === '') return true;
  let h = String(host).toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

function check(kind, host, port) {
  const loopback = isLoopback(host);
  write({ kind, host: host === undefined ? null : String(host), port: port === undefined ? null : Number(port), loopback });
  if (!loopback) {
    const err = new Error(`net-guard: ${kind} to ${host}:${port ?? ''} refused (not loopback)`);
    err.code = 'ENETUNREACH';
    throw err;
  }
}

/** host and port from the many call forms of connect/request. */
function target(args) {
  let a = args[0];
  if (Array.isArray(a)) a = a[0]; // net.connect passes its normalised [options, cb]
  if (typeof a === 'number' || (typeof a === 'string' && /^\d+$/.test(a))) return { port: a, host: typeof args[1] === 'string' ? args[1] : undefined };
  if (typeof a === 'string') {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(a)) {
      const u = new URL(a);
      return { host: u.hostname, port: u.port || (u.protocol === 'https:' ? 443 : 80) };
    }
    return { path: a }; // a local socket path
  }
  if (a instanceof URL) return { host: a.hostname, port: a.port || (a.protocol === 'https:' ? 443 : 80) };
  if (a && typeof a === 'object') {
    if (a.path !== undefined && a.port === undefined && a.host === undefined && a.hostname === undefined) return { path: a.path };
    return { host: a.hostname ?? a.host, port: a.port };
  }
  return {};
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const t = target(args);
  if (t.path !== undefined) write({ kind: 'ipc', host: null, port: null, loopback: true, path: String(t.path) });
  else check('connect', t.host, t.port);
  return connect.apply(this, args);
};

const tlsConnect = tls.connect;
tls.connect = function guardedTlsConnect(...args) {
  const t = target(args);
  if (t.path === undefined && !(args[0] && typeof args[0] === 'object' && args[0].socket)) check('tls', t.host, t.port);
  return tlsConnect.apply(this, args);
};

for (const [mod, name] of [
  [http, 'http'],
  [https, 'https'],
]) {
  for (const fn of ['request', 'get']) {
    const orig = mod[fn];
    mod[fn] = function guardedRequest(...args) {
      const t = target(args);
      // A request given a URL and then options: the options may name the host.
      const o = typeof args[1] === 'object' && args[1] && !(args[1] instanceof Function) ? args[1] : undefined;
      check(`${name}.${fn}`, o?.hostname ?? o?.host ?? t.host ?? 'localhost', o?.port ?? t.port);
      return orig.apply(this, args);
    };
  }
}

if (typeof globalThis.fetch === 'function') {
  const fetch = globalThis.fetch;
  globalThis.fetch = function guardedFetch(input, init) {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    if (url.protocol === 'http:' || url.protocol === 'https:') {
      try {
        check('fetch', url.hostname, url.port || (url.protocol === 'https:' ? 443 : 80));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return fetch.call(this, input, init);
  };
}

for (const fn of ['lookup', 'resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCname', 'resolveMx', 'resolveTxt', 'resolveSrv', 'resolveNs', 'reverse']) {
  const orig = dns[fn];
  if (typeof orig === 'function') {
    dns[fn] = function guardedDns(host, ...rest) {
      check(`dns.${fn}`, host, undefined);
      return orig.call(this, host, ...rest);
    };
  }
  const p = dns.promises[fn];
  if (typeof p === 'function') {
    dns.promises[fn] = function guardedDnsPromise(host, ...rest) {
      try {
        check(`dns.promises.${fn}`, host, undefined);
      } catch (err) {
        return Promise.reject(err);
      }
      return p.call(this, host, ...rest);
    };
  }
}

const send = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function guardedSend(msg, ...rest) {
  // send(msg[, offset, length], port[, address][, callback])
  const nums = rest.filter((x) => typeof x === 'number');
  const port = nums.length >= 3 ? nums[2] : nums[0];
  const address = rest.find((x) => typeof x === 'string');
  if (port !== undefined) check('udp', address ?? 'localhost', port);
  return send.call(this, msg, ...rest);
};
const udpConnect = dgram.Socket.prototype.connect;
dgram.Socket.prototype.connect = function guardedUdpConnect(port, address, cb) {
  check('udp.connect', typeof address === 'string' ? address : 'localhost', port);
  return udpConnect.call(this, port, address, cb);
};

// ESM `import { request } from 'node:http'` sees the wrapped functions too.
syncBuiltinESMExports();
write({ kind: 'guard', host: null, port: null, loopback: true });
