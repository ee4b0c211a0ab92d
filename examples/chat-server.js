'use strict';
// Line-based chat server on StreamServer + Queue: every line a client sends
// goes to all the other clients as "<name>: <line>". Each client has a
// handler greenlet that reads its lines (recvLine) and a writer greenlet that
// drains its outbox Queue, so a slow client only ever delays itself: a
// broadcast just puts into every other client's bounded outbox.
//
//   node examples/chat-server.js [port]      (0 picks a free port)
//
// Prints "listening on <port>". Try it with `nc 127.0.0.1 <port>` twice.
const { patchAll, spawn, StreamServer, Queue } = require('..');

patchAll();

const OUTBOX_LINES = 100; // a client this far behind is dropped
const outboxes = new Map(); // socket -> Queue of lines to send it
let nextId = 1;

function broadcast(from, text) {
  for (const [sock, outbox] of outboxes) {
    if (sock === from) continue;
    try {
      outbox.putNowait(text);
    } catch {
      sock.close(); // QueueFull: it stopped reading; its handler notices at its next recvLine()
    }
  }
}

function writer(sock, outbox) {
  try {
    for (const line of outbox) sock.sendall(line); // ends at Queue.STOP
  } catch {
    sock.close();
  }
}

function handle(sock) {
  const name = `client${nextId++}`;
  const outbox = new Queue(OUTBOX_LINES);
  outboxes.set(sock, outbox);
  const sending = spawn(writer, sock, outbox);
  outbox.put(`welcome, ${name}\n`);
  broadcast(sock, `* ${name} joined\n`);
  try {
    for (;;) {
      const line = sock.recvLine(64 * 1024);
      if (line.length === 0) break;
      const text = line.toString('utf8').replace(/\r?\n$/, '');
      if (text) broadcast(sock, `${name}: ${text}\n`);
    }
  } catch (err) {
    if (err.code !== 'EBADF') console.error(`${name}: ${err.code || err.message}`);
  } finally {
    outboxes.delete(sock);
    outbox.put(Queue.STOP);
    sending.join(1000);
    broadcast(null, `* ${name} left\n`);
    // StreamServer closes the socket when handle returns
  }
}

const server = new StreamServer({ host: '127.0.0.1', port: Number(process.argv[2] || 0) }, handle);
server.start();
console.log(`listening on ${server.address.port}`);
server.serveForever();
