'use strict';
// Blocking-style echo client: sends each message and waits for its echo.
//
//   node examples/echo-client.js <port> [message ...]
//
// Prints "echo: <message>" for each message.
const { patchAll, connect } = require('..');

patchAll();

const [port, ...messages] = process.argv.slice(2);
if (!port) {
  console.error('usage: node examples/echo-client.js <port> [message ...]');
  process.exit(2);
}

const sock = connect(Number(port), '127.0.0.1', { timeout: 5000 });
sock.blockingTimeout = 5000; // every recv/sendall below gives up after 5 s
for (const message of messages.length ? messages : ['hello']) {
  const out = Buffer.from(message);
  sock.sendall(out);
  const parts = [];
  let got = 0;
  while (got < out.length) {
    const chunk = sock.recv(out.length - got);
    if (chunk.length === 0) throw new Error('server closed the connection');
    parts.push(chunk);
    got += chunk.length;
  }
  console.log(`echo: ${Buffer.concat(parts)}`);
}
sock.close();
