'use strict';
// A tiny HTTP/1.1 GET client over fibernet's connect(): blocking sendall and
// recv, Content-Length and chunked bodies.
//
//   node examples/http-get.js http://127.0.0.1:8080/path
//
// Prints the status line, then the body.
const { patchAll, connect } = require('..');

patchAll();

const url = new URL(process.argv[2] || 'http://127.0.0.1/');
if (url.protocol !== 'http:') {
  console.error('only http:// URLs');
  process.exit(2);
}

const sock = connect(Number(url.port || 80), url.hostname, { timeout: 10000 });
sock.blockingTimeout = 10000;
sock.sendall(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\nUser-Agent: fibernet-example\r\n\r\n`);

// Read everything (the server closes after the response: Connection: close).
const parts = [];
for (let chunk = sock.recv(); chunk.length > 0; chunk = sock.recv()) parts.push(chunk);
sock.close();
const raw = Buffer.concat(parts);

const headEnd = raw.indexOf('\r\n\r\n');
if (headEnd === -1) throw new Error('malformed response: no end of headers');
const [statusLine, ...headerLines] = raw.subarray(0, headEnd).toString('latin1').split('\r\n');
const headers = {};
for (const line of headerLines) {
  const i = line.indexOf(':');
  headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
}
let body = raw.subarray(headEnd + 4);
if (/chunked/i.test(headers['transfer-encoding'] || '')) {
  const out = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    const size = parseInt(body.subarray(at, eol).toString('latin1'), 16);
    if (!size) break;
    out.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  body = Buffer.concat(out);
} else if (headers['content-length'] !== undefined) {
  body = body.subarray(0, Number(headers['content-length']));
}

console.log(statusLine);
process.stdout.write(body);
