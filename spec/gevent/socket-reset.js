'use strict';
// Twin of socket-reset.py (see there).
const net = require('net');
const { patchAll, connect, sleep } = require('../..');

patchAll();
const srv = net.createServer();
srv.listen(0, '127.0.0.1');
while (!srv.listening) sleep(1);
const client = connect(srv.address().port, '127.0.0.1');
const conn = srv.accept();
client.sendall(Buffer.alloc(100000, 'x'));
sleep(50);
client.resetAndDestroy(); // SO_LINGER 0 and close: an RST
sleep(50);
let got = 0;
try {
  for (;;) {
    const b = conn.recv(7000);
    if (b.length === 0) {
      console.log('EOF after', got);
      break;
    }
    got += b.length;
  }
} catch (err) {
  console.log('error', err.code, 'after', got);
}
conn.close();
srv.close();
