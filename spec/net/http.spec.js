'use strict';
// patchAll({ http: true }): each request's handler runs in a greenlet of its
// own and may block; an error in one becomes a 500, not a hung client.
const http = require('http');
const https = require('https');
const { expect } = require('chai');
const { patchAll, unpatchAll, isPatched, getCurrent, Greenlet, Event, sleep, getHub, connect } = require('../..');
const { selfSignedCert } = require('./helpers');

/** Starts `server` on a free port; resolves with the port. */
function listen(server) {
  server.listen(0, '127.0.0.1');
  return new Promise((resolve) => server.once('listening', () => resolve(server.address().port)));
}

/** GET `path`; resolves with { status, body } or rejects with the client error. */
function get(port, path, mod = http, extra = {}) {
  return new Promise((resolve, reject) => {
    const req = mod.get({ host: '127.0.0.1', port, path, agent: false, ...extra }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

describe('HTTP handlers in greenlets (patchAll({ http: true }))', () => {
  after(() => {
    unpatchAll();
    patchAll();
  });

  it('is off by default: after patchAll() a handler runs as Node runs it, outside any fiber', async () => {
    unpatchAll();
    patchAll();
    expect(isPatched('http')).to.equal(false);
    let seen = 'not called';
    const server = http.createServer((req, res) => {
      seen = getCurrent();
      res.end('ok');
    });
    const port = await listen(server);
    expect(await get(port, '/')).to.deep.equal({ status: 200, body: 'ok' });
    expect(seen).to.equal(undefined);
    server.close();
  });

  describe('when on', () => {
    before(() => patchAll({ http: true }));

    it('runs each handler in its own greenlet, where it may block (sleep, a socket to another service)', async () => {
      const backend = http.createServer((req, res) => res.end('row 42'));
      const backendPort = await listen(backend);
      const greenlets = new Set();
      const server = http.createServer((req, res) => {
        greenlets.add(getCurrent());
        sleep(10);
        const sock = connect(backendPort, '127.0.0.1');
        sock.sendall('GET / HTTP/1.0\r\n\r\n');
        let reply = '';
        for (let chunk = sock.recv(); chunk.length > 0; chunk = sock.recv()) reply += chunk;
        sock.close();
        res.end(`front got: ${reply.split('\r\n\r\n')[1]}`);
      });
      const port = await listen(server);
      const replies = await Promise.all([get(port, '/a'), get(port, '/b')]);
      expect(replies).to.deep.equal([
        { status: 200, body: 'front got: row 42' },
        { status: 200, body: 'front got: row 42' },
      ]);
      expect([...greenlets].every((g) => g instanceof Greenlet)).to.equal(true);
      expect(greenlets.size).to.equal(2);
      server.close();
      backend.close();
    });

    it('serves requests concurrently: one handler waits for an Event another one sets', async () => {
      const ready = new Event();
      const server = http.createServer((req, res) => {
        if (req.url === '/wait') {
          ready.wait();
          res.end('woken');
        } else {
          ready.set();
          res.end('set');
        }
      });
      const port = await listen(server);
      const waiting = get(port, '/wait');
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(await get(port, '/set')).to.deep.equal({ status: 200, body: 'set' });
      expect(await waiting).to.deep.equal({ status: 200, body: 'woken' });
      server.close();
    });

    it('a handler that throws: a 500 for its client, the error to handleError, and the server goes on', async () => {
      const hub = getHub();
      const seen = [];
      const orig = hub.handleError;
      hub.handleError = (context, err) => seen.push([String(context), err.message]);
      try {
        const server = http.createServer((req, res) => {
          if (req.url === '/boom') throw new Error('handler failed');
          if (req.url === '/late') {
            res.writeHead(200);
            res.write('partial');
            throw new Error('failed after the headers');
          }
          res.end('fine');
        });
        const port = await listen(server);
        expect(await get(port, '/boom')).to.deep.equal({ status: 500, body: 'Internal Server Error\n' });
        let lateError;
        try {
          await get(port, '/late');
        } catch (err) {
          lateError = err;
        }
        expect(lateError, 'the connection is cut once headers went out').to.be.an('error');
        expect(await get(port, '/ok')).to.deep.equal({ status: 200, body: 'fine' });
        expect(seen.map(([, m]) => m)).to.deep.equal(['handler failed', 'failed after the headers']);
        expect(seen[0][0]).to.match(/^Greenlet#\d+\(handleRequest\) handling GET \/boom$/);
        server.close();
      } finally {
        hub.handleError = orig;
      }
    });

    it('covers https servers too', async () => {
      const cert = selfSignedCert('localhost');
      const server = https.createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
        sleep(5);
        res.end(getCurrent() instanceof Greenlet ? 'in a greenlet' : 'outside');
      });
      const port = await listen(server);
      expect(await get(port, '/', https, { ca: [cert.cert], servername: 'localhost' })).to.deep.equal({ status: 200, body: 'in a greenlet' });
      server.close();
    });

    it('unpatchAll() removes it: servers emit as before', () => {
      unpatchAll();
      expect(Object.prototype.hasOwnProperty.call(http.Server.prototype, 'emit')).to.equal(false);
      expect(Object.prototype.hasOwnProperty.call(https.Server.prototype, 'emit')).to.equal(false);
      patchAll({ http: true });
      expect(Object.prototype.hasOwnProperty.call(http.Server.prototype, 'emit')).to.equal(true);
    });
  });
});
