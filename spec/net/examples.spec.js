'use strict';
// Runs each example in examples/ as its own process (under node, and the echo
// client also under the fibernet runner) and checks what it does.
const { expect } = require('chai');
const { spawn: spawnChild, execFile } = require('child_process');
const http = require('http');
const net = require('net');
const path = require('path');
const { root } = require('../helpers');

const example = (name) => path.join(root, 'examples', name);
const runner = path.join(root, 'bin', 'fibernet.js');

/** Starts a server example; resolves { child, port } once it prints "listening on <port>". */
function startServer(name) {
  return new Promise((resolve, reject) => {
    const child = spawnChild(process.execPath, [example(name), '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`${name} exited with ${code}: ${out}`)));
  });
}

function run(args) {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: root, timeout: 20000 }, (err, stdout, stderr) =>
      resolve({ code: err ? err.code : 0, stdout, stderr }),
    );
  });
}

/** An evented line reader over a net socket, for talking to the chat server. */
function lineClient(port) {
  const sock = net.connect(port, '127.0.0.1');
  const lines = [];
  let waiting = null;
  let buf = '';
  sock.setEncoding('utf8');
  sock.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) !== -1) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
    if (waiting) waiting();
  });
  const next = (pred) =>
    new Promise((resolve) => {
      const check = () => {
        const i = lines.findIndex(pred);
        if (i === -1) return;
        waiting = null;
        resolve(lines.splice(0, i + 1)[i]);
      };
      waiting = check;
      check();
    });
  return { sock, next };
}

describe('examples/', () => {
  const children = [];
  afterEach(() => {
    while (children.length) children.pop().kill();
  });

  it('echo-server.js + echo-client.js: the client prints each echoed message', async () => {
    const { child, port } = await startServer('echo-server.js');
    children.push(child);
    const r = await run([example('echo-client.js'), String(port), 'one', 'two words']);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.equal('echo: one\necho: two words\n');
  });

  it('echo-client.js runs under the fibernet runner too', async () => {
    const { child, port } = await startServer('echo-server.js');
    children.push(child);
    const r = await run([runner, example('echo-client.js'), String(port), 'runner']);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.equal('echo: runner\n');
  });

  it('echo-server.js serves many clients at once', async () => {
    const { child, port } = await startServer('echo-server.js');
    children.push(child);
    const results = await Promise.all([1, 2, 3, 4].map((i) => run([example('echo-client.js'), String(port), `c${i}`])));
    expect(results.map((r) => r.stdout)).to.deep.equal(['echo: c1\n', 'echo: c2\n', 'echo: c3\n', 'echo: c4\n']);
  });

  it('echo-client.js without a port prints usage and exits 2', async () => {
    const r = await run([example('echo-client.js')]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/usage/);
  });

  it('echo-client.js against a closed port fails with ECONNREFUSED', async () => {
    const s = net.createServer().listen(0);
    const port = s.address().port;
    s.close();
    const r = await run([example('echo-client.js'), String(port)]);
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.match(/ECONNREFUSED/);
  });

  it('chat-server.js broadcasts a line from one client to the others', async () => {
    const { child, port } = await startServer('chat-server.js');
    children.push(child);
    const a = lineClient(port);
    await a.next((l) => l.startsWith('welcome'));
    const b = lineClient(port);
    await b.next((l) => l.startsWith('welcome'));
    await a.next((l) => l.endsWith('joined'));
    a.sock.write('hello everyone\n');
    const line = await b.next((l) => l.includes('hello everyone'));
    expect(line).to.equal('client1: hello everyone');
    b.sock.end();
    expect(await a.next((l) => l.endsWith('left'))).to.equal('* client2 left');
    a.sock.destroy();
  });

  it('http-get.js prints the status line and the body (chunked)', async () => {
    const server = http.createServer((req, res) => {
      res.write('body of ');
      res.end(`${req.url}\n`);
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    try {
      const r = await run([example('http-get.js'), `http://127.0.0.1:${server.address().port}/some/path?q=1`]);
      expect(r.code).to.equal(0);
      expect(r.stdout).to.equal('HTTP/1.1 200 OK\nbody of /some/path?q=1\n');
    } finally {
      server.close();
    }
  });

  it('http-get.js handles a Content-Length body', async () => {
    const server = http.createServer((req, res) => {
      res.setHeader('Content-Length', 6);
      res.end('sized\n');
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    try {
      const r = await run([example('http-get.js'), `http://127.0.0.1:${server.address().port}/`]);
      expect(r.stdout).to.equal('HTTP/1.1 200 OK\nsized\n');
    } finally {
      server.close();
    }
  });
  it('child-process.js: communicate(), wait(), and an execSync() that parks only its greenlet', async () => {
    const res = await run([example('child-process.js')]);
    expect(res.stderr).to.equal('');
    expect(res.code).to.equal(0);
    expect(res.stdout).to.equal('sorted: "apple\\nfig\\npear\\n"\nexit code: 3\nslow command done (the ticker ticked meanwhile)\n');
  });

  for (const mode of ['blocking handlers in greenlets', 'async/await']) {
    it(`http-blocking.js (${mode}): serves a row, and a 404 for a missing one`, async () => {
      const args = mode === 'async/await' ? ['--async'] : [];
      const child = spawnChild(process.execPath, [example('http-blocking.js'), '0', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        const port = await new Promise((resolve, reject) => {
          let out = '';
          child.stdout.on('data', (d) => {
            out += d;
            const m = /listening on (\d+)/.exec(out);
            if (m) resolve(Number(m[1]));
          });
          child.on('exit', (code) => reject(new Error(`exited with ${code}`)));
        });
        const get = (p) =>
          new Promise((resolve, reject) => {
            http.get({ host: '127.0.0.1', port, path: p, agent: false }, (res) => {
              let body = '';
              res.on('data', (d) => (body += d));
              res.on('end', () => resolve({ status: res.statusCode, body }));
            }).on('error', reject);
          });
        const replies = await Promise.all([get('/users/7'), get('/users/8'), get('/users/700')]);
        expect(replies).to.deep.equal([
          { status: 200, body: '{"id":7,"name":"user 7"}' },
          { status: 200, body: '{"id":8,"name":"user 8"}' },
          { status: 404, body: 'no row 700\n' },
        ]);
      } finally {
        child.kill();
      }
    });
  }
});
