'use strict';
// Twin of lines-readline.py (see there): recvLine() on a blocking-mode socket.
const net = require('net');
const { once } = require('events');
const { patchAll, spawn, sleep, waitFor, connect } = require('../..');

patchAll();
const show = (data) => JSON.stringify(data.toString('latin1'));

const listener = net.createServer();
listener.listen(0, '127.0.0.1');
waitFor(once(listener, 'listening'));
const client = connect(listener.address().port, '127.0.0.1');
const conn = listener.accept();

function writer() {
  for (const piece of ['alpha\nbe', 'ta\r\n', 'gam', 'ma\nde', 'lta\nepsilon\r']) {
    console.log('writer: sends', show(Buffer.from(piece)));
    client.sendall(piece);
    sleep(50);
  }
  console.log('writer: shuts down its side');
  client.shutdown('write');
}

const w = spawn(writer);
console.log('reader: waits for a line');
let count = 0;
for (;;) {
  const limit = count === 4 ? 3 : undefined;
  const line = conn.recvLine(limit);
  count++;
  console.log('reader: line', count, show(line), limit === 3 ? '(at most 3 bytes)' : '');
  if (line.length === 0) break;
}
w.join();
console.log('reader: again at EOF', show(conn.recvLine()));
client.close();
conn.close();
listener.close();
