'use strict';
// N worker processes sharing one listening port with node:cluster, each
// serving it with a StreamServer: the primary hands the connections out to
// the workers, each worker runs a greenlet per connection.
//
//   node examples/cluster-server.js [port] [workers] [--clients N]
//
// port 0 (the default) picks a free port, shared by every worker; workers
// defaults to 2. It prints "listening on <port>" once every worker listens,
// then serves a line echo ("worker <pid> echoed ...") until SIGINT/SIGTERM.
// With --clients N the primary instead connects N clients at once, prints
// what each was answered, and stops the workers.
const cluster = require('cluster');
const { StreamServer, patchAll, connect, spawn, joinAll, waitFor } = require('..');

patchAll();

/** Reads one line (without its '\n') from a blocking-style socket; null at EOF before any. */
function recvLine(sock) {
  const parts = [];
  for (;;) {
    const data = sock.recv(1024);
    if (data.length === 0) return parts.length ? Buffer.concat(parts).toString() : null;
    const nl = data.indexOf(10);
    if (nl === -1) parts.push(data);
    else {
      parts.push(data.subarray(0, nl));
      return Buffer.concat(parts).toString();
    }
  }
}

function worker() {
  const port = Number(process.env.CLUSTER_EXAMPLE_PORT);
  // In a worker, listen() goes through the primary: start() blocks until it
  // has answered. spawn: 100 caps this worker at 100 connections at once.
  const server = new StreamServer(port, (sock) => {
    for (let line = recvLine(sock); line !== null; line = recvLine(sock)) {
      sock.sendall(`worker ${process.pid} echoed "${line}"\n`);
    }
  }, { spawn: 100 });
  // Returns when the primary disconnects this worker (its server is closed),
  // once the handlers are done; then nothing keeps the process alive.
  server.serveForever();
}

function primary() {
  const args = process.argv.slice(2);
  const at = args.indexOf('--clients');
  const clients = at === -1 ? 0 : Number(args.splice(at, 2)[1]);
  const port = Number(args[0] || 0);
  const count = Number(args[1] || 2);

  const workers = [];
  const listening = [];
  for (let i = 0; i < count; i++) {
    const w = cluster.fork({ CLUSTER_EXAMPLE_PORT: String(port) });
    workers.push(w);
    listening.push(new Promise((resolve, reject) => {
      w.once('listening', (address) => resolve(address.port));
      w.once('exit', (code) => reject(new Error(`worker ${w.process.pid} exited with ${code}`)));
    }));
  }
  const exited = Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve))));
  // The primary's top level blocks too (it is the root).
  const ports = waitFor(Promise.all(listening));
  const shared = ports[0];
  console.log(`listening on ${shared} (${count} workers: ${workers.map((w) => w.process.pid).join(', ')})`);

  const stopWorkers = () => {
    for (const w of workers) w.disconnect();
  };
  if (clients > 0) {
    const gs = [];
    for (let i = 0; i < clients; i++) {
      gs.push(spawn(() => {
        const sock = connect(shared, '127.0.0.1');
        try {
          sock.sendall(`hello from client ${i}\n`);
          console.log(`client ${i}: ${recvLine(sock)}`);
        } finally {
          sock.close();
        }
      }));
    }
    joinAll(gs);
    stopWorkers();
  } else {
    process.once('SIGINT', stopWorkers);
    process.once('SIGTERM', stopWorkers);
  }
  waitFor(exited);
  console.log('all workers stopped');
}

if (cluster.isPrimary) primary();
else worker();
