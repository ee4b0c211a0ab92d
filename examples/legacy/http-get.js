// Blocking HTTP/1.1 GET over connect() against a local server started by the
// script itself (evented, the Node way), printing the status and the body.
'use strict';
const http = require('http');
const { once } = require('events');
const { patchAll, connect, waitFor } = require('fibernet');
patchAll();

const server = http.createServer((req, res) => {
  res.setHeader('Connection', 'close');
  res.end(`hello from ${req.url}\n`);
});
server.listen(0, '127.0.0.1');
waitFor(once(server, 'listening'));

const sock = connect(server.address().port, '127.0.0.1');
sock.sendall('GET /legacy HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
const chunks = [];
for (let chunk = sock.recv(); chunk.length > 0; chunk = sock.recv()) chunks.push(chunk);
sock.close();
const response = Buffer.concat(chunks).toString();
const [head, body] = response.split('\r\n\r\n');
console.log(head.split('\r\n')[0]);
console.log(body.trim());
server.close();
