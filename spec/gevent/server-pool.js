'use strict';
// Twin of server-pool.py (see there).
const { StreamServer, patchAll, connect, spawn, sleep, joinAll } = require('../..');

patchAll();
const py = (x) => (x ? 'True' : 'False');
const active = [];

function handle(sock) {
  const data = sock.recv(100).toString();
  active.push(data);
  console.log('handler got', data, 'active', active.length);
  sleep(30);
  sock.sendall(`reply to ${data}`);
  active.splice(active.indexOf(data), 1);
}

const server = new StreamServer({ host: '127.0.0.1', port: 0 }, handle, { spawn: 1 });
server.start();
console.log('started', py(server.started), 'pool size', server.pool.size);
const port = server.address.port;
const replies = {};

function client(i) {
  const s = connect(port, '127.0.0.1');
  s.sendall(`c${i}`);
  replies[i] = s.recv(100).toString();
  const eof = s.recv(100);
  replies[i] += eof.length === 0 ? ', then EOF' : ', then more';
  s.close();
}

const clients = [];
for (let i = 0; i < 4; i++) {
  clients.push(spawn(client, i));
  sleep(5);
}
joinAll(clients);
for (let i = 0; i < 4; i++) console.log('client', i, 'got:', replies[i]);
sleep(10);
console.log('pool free', server.pool.freeCount());
server.stop();
console.log('stopped: started', py(server.started), 'closed', py(server.closed));
