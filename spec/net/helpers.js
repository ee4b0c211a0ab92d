'use strict';
// Helpers for the net specs: a greenlet per test, connected socket pairs,
// cleanup, and a self-signed TLS certificate made at test time.
const crypto = require('crypto');
const { expect } = require('chai');
const fs = require('fs');
const net = require('net');
const { inFiber } = require('../hub/helpers');
const { connect, sleep } = require('../..');

const opened = [];

/** Remembers sockets/servers to destroy after the test. */
function track(x) {
  opened.push(x);
  return x;
}

function cleanup() {
  while (opened.length) {
    const x = opened.pop();
    if (x instanceof net.Server) {
      try {
        x.close();
      } catch {
        // not listening
      }
    } else x.destroy();
  }
}

/** A listening server (blocking until it listens) and its port. Call in a fiber. */
function listen(server = net.createServer()) {
  track(server);
  server.listen(0, '127.0.0.1');
  while (!server.listening) sleep(1);
  return server;
}

/** In a fiber: { server, client, conn } with client connected to conn through server. */
function pair() {
  const server = listen();
  const client = track(connect(server.address().port, '127.0.0.1'));
  const conn = track(server.accept());
  return { server, client, conn };
}

/** Sleeps in short steps until cond() holds (no timing assertions: just a bounded wait). */
function until(cond, what = 'condition') {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    sleep(2);
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** A port nothing listens on. */
function freePort() {
  const server = net.createServer();
  server.listen(0); // no host: bound synchronously (dual-stack, so 127.0.0.1 too)
  const { port } = server.address();
  server.close();
  return port;
}

// ---- a self-signed certificate in pure Node (no openssl binary needed)

function derLength(n) {
  if (n < 0x80) return Buffer.from([n]);
  const bytes = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag, ...parts) => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
};
const seq = (...parts) => tlv(0x30, ...parts);
function oid(dotted) {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [40 * a + b];
  for (const n of rest) {
    const stack = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) stack.unshift((v & 0x7f) | 0x80);
    out.push(...stack);
  }
  return tlv(0x06, Buffer.from(out));
}
const utcTime = (d) => tlv(0x17, Buffer.from(d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z'));
const name = (cn) => seq(tlv(0x31, seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn)))));

/** { key, cert } in PEM: an EC P-256 self-signed certificate for `cn`, valid for a day. */
function selfSignedCert(cn = 'localhost') {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const sigAlg = seq(oid('1.2.840.10045.4.3.2')); // ecdsa-with-SHA256
  const now = Date.now();
  const tbs = seq(
    tlv(0x02, Buffer.from([0x01, ...crypto.randomBytes(8)])), // serial, positive
    sigAlg,
    name(cn),
    seq(utcTime(new Date(now - 3600e3)), utcTime(new Date(now + 86400e3))),
    name(cn),
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = crypto.sign('sha256', tbs, privateKey);
  const der = seq(tbs, sigAlg, tlv(0x03, Buffer.from([0]), signature));
  const cert = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`;
  return { key: privateKey.export({ type: 'pkcs8', format: 'pem' }), cert };
}

/** Runs fn, expects it to throw an error with `code`; returns the error. */
function expectCode(fn, code) {
  let err;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, `expected an error with code ${code}`).to.be.an('error');
  expect(err.code).to.equal(code);
  return err;
}

/** Runs `fn` in an event-loop callback (not a fiber); resolves with { value } or { err }. */
function inCallback(fn) {
  return new Promise((resolve) =>
    setImmediate(() => {
      try {
        resolve({ value: fn() });
      } catch (err) {
        resolve({ err });
      }
    }),
  );
}

/**
 * How many connections wait in the kernel's accept queue of the listener on
 * 127.0.0.1:`port` (for a listening socket, /proc/net/tcp's rx_queue; the
 * package is for Linux only).
 */
function kernelAcceptQueue(port) {
  const table = fs.readFileSync('/proc/net/tcp', 'utf8');
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === local && f[3] === '0A') return parseInt(f[4].split(':')[1], 16);
  }
  throw new Error(`no listener on ${local} in /proc/net/tcp`);
}

/**
 * Opens `n` evented clients to 127.0.0.1:`port` in one batch of ticks (the
 * kernel completes every handshake before the next poll), each writing its
 * index as 4 digits; errors are ignored.
 */
function numberedClients(port, n) {
  const clients = [];
  for (let i = 0; i < n; i++) {
    const c = track(net.connect(port, '127.0.0.1'));
    c.on('error', () => {});
    c.write(String(i).padStart(4, '0'));
    clients.push(c);
  }
  return clients;
}

/** Opens `n` evented clients to 127.0.0.1:`port` that read and ignore; each gives { ended } once it errs or closes. */
function endWatchedClients(port, n) {
  const clients = [];
  for (let i = 0; i < n; i++) {
    const c = track(net.connect(port, '127.0.0.1'));
    const state = { ended: false };
    c.on('error', () => (state.ended = true));
    c.on('close', () => (state.ended = true));
    c.resume();
    clients.push(state);
  }
  return clients;
}

module.exports = { inFiber, track, cleanup, listen, pair, until, freePort, selfSignedCert, expectCode, inCallback, kernelAcceptQueue, numberedClients, endWatchedClients };
