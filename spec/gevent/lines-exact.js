'use strict';
// Twin of lines-exact.py (see there): recvLine() and recvExactly(), whose
// IncompleteReadError carries what came before EOF.
const net = require('net');
const { once } = require('events');
const { patchAll, spawn, sleep, waitFor, connect, IncompleteReadError } = require('../..');

patchAll();
const show = (data) => JSON.stringify(data.toString('latin1'));

function frame(payload) {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(payload.length);
  return Buffer.concat([head, Buffer.from(payload)]);
}

const listener = net.createServer();
listener.listen(0, '127.0.0.1');
waitFor(once(listener, 'listening'));
const client = connect(listener.address().port, '127.0.0.1');
const conn = listener.accept();

const stream = Buffer.concat([Buffer.from('FRAMES v1\r\n'), frame('hello'), frame(''), frame('world\n!'), frame('cut short').subarray(0, 8)]);
const cuts = [4, 13, 16, 22, stream.length];

function writer() {
  let start = 0;
  for (const end of cuts) {
    console.log('writer: sends', end - start, 'bytes');
    client.sendall(stream.subarray(start, end));
    start = end;
    sleep(50);
  }
  console.log('writer: closes');
  client.close();
}

/** recvExactly(n), or what came before EOF, as Python's read(n) gives it. */
function readUpTo(n) {
  try {
    return conn.recvExactly(n);
  } catch (err) {
    if (!(err instanceof IncompleteReadError)) throw err;
    return err.partial;
  }
}

spawn(writer);
console.log('reader: header', show(conn.recvLine()));
for (;;) {
  const head = readUpTo(4);
  if (head.length < 4) {
    console.log('reader: EOF in a header, partial', show(head), 'of 4');
    break;
  }
  const size = head.readUInt32BE(0);
  let payload;
  try {
    payload = conn.recvExactly(size);
  } catch (err) {
    if (!(err instanceof IncompleteReadError)) throw err;
    console.log('reader: EOF in a frame, partial', show(err.partial), 'of', err.expected);
    break;
  }
  console.log('reader: frame of', size, show(payload));
}
console.log('reader: then', show(readUpTo(1)));
conn.close();
listener.close();
