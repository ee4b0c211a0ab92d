'use strict';
// Twin of server-stop.py (see there).
const { StreamServer, Pool, Event, FiberExit, patchAll, connect: connectTo, spawn, sleep } = require('../..');

patchAll();
const py = (x) => (x ? 'True' : 'False');
// Set once each client's handler has read its name: the driver goes on then,
// not after a fixed sleep that a stalled machine could outlast.
const handled = { idle: new Event(), busy: new Event() };

function handle(sock) {
  const who = sock.recv(100).toString();
  console.log('handling', who);
  handled[who].set();
  try {
    if (who === 'busy') sleep(10000);
    else sock.recv(100); // returns when the client goes away
    console.log(who, 'handler finished');
  } catch (err) {
    if (err instanceof FiberExit) console.log(who, 'handler killed');
    throw err;
  }
}

function connect(port, who) {
  const s = connectTo(port, '127.0.0.1');
  s.sendall(who);
  return s;
}

function main() {
  const server = new StreamServer({ host: '127.0.0.1', port: 0 }, handle, { spawn: 10 });
  server.start();
  const port = server.address.port;
  const idle = connect(port, 'idle');
  handled.idle.wait();
  const busy = connect(port, 'busy');
  handled.busy.wait();

  spawn(() => {
    sleep(30);
    console.log('idle client leaves');
    idle.close();
  });
  console.log('stopping');
  server.stop(150);
  console.log('stop returned: closed', py(server.closed), 'handlers left', server.pool.length);
  console.log('busy client reads', `'${busy.recv(100).toString()}'`);
  try {
    connectTo(port, '127.0.0.1');
    console.log('connected?!');
  } catch (err) {
    if (err.code !== 'ECONNREFUSED') throw err;
    console.log('new connection refused');
  }

  const server2 = new StreamServer({ host: '127.0.0.1', port: 0 }, handle, { spawn: new Pool(2) });
  spawn(() => {
    sleep(20);
    console.log('stopping the second server');
    server2.stop();
  });
  server2.serveForever();
  console.log('serve_forever returned: closed', py(server2.closed));
}

spawn(main).join();
console.log('end');
