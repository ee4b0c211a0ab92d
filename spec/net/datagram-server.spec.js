'use strict';
const { expect } = require('chai');
const dgram = require('dgram');
const {
  DatagramServer,
  ServerStartedError,
  ServerClosedError,
  ServerNotStartedError,
  Pool,
  spawn,
  sleep,
  getHub,
  waitFor,
  withTimeout,
  FiberExit,
  BlockingSwitchOutError,
} = require('../..');
const { inFiber, until, expectCode, inCallback } = require('./helpers');
const { root, runNode } = require('../helpers');

const servers = [];
const sockets = [];

/** A DatagramServer closed after the test. */
function server(listener, handle, options) {
  const s = new DatagramServer(listener, handle, options);
  servers.push(s);
  return s;
}

/** In a fiber: a bound UDP client on 127.0.0.1 with send(data, port) and recv() (the next datagram, in order). */
function client() {
  const sock = dgram.createSocket('udp4');
  sockets.push(sock);
  const inbox = [];
  sock.on('message', (msg, rinfo) => inbox.push({ msg, rinfo }));
  waitFor(new Promise((resolve) => sock.bind(0, '127.0.0.1', resolve)));
  return {
    sock,
    port: sock.address().port,
    send(data, port) {
      waitFor(new Promise((resolve, reject) => sock.send(data, port, '127.0.0.1', (err) => (err ? reject(err) : resolve()))));
    },
    recv(what = 'a datagram') {
      until(() => inbox.length > 0, what);
      return inbox.shift();
    },
    inbox,
    close() {
      sock.close();
      sockets.splice(sockets.indexOf(sock), 1);
    },
  };
}

/** Runs `fn(reports)` (async) with Hub.handleError collecting { context, err } into `reports`. */
async function withReports(fn) {
  const hub = getHub();
  const reports = [];
  const orig = hub.handleError;
  hub.handleError = (context, err) => reports.push({ context: String(context), err });
  try {
    return await fn(reports);
  } finally {
    hub.handleError = orig;
  }
}

const local = { host: '127.0.0.1', port: 0 };

describe('DatagramServer', () => {
  afterEach(() => {
    while (servers.length) servers.pop().close();
    while (sockets.length) {
      try {
        sockets.pop().close();
      } catch {
        // closed by its server already
      }
    }
  });

  describe('serving', () => {
    it('start() binds (address set); each datagram gets a handler greenlet with a Buffer and the sender\'s address', () =>
      inFiber(() => {
        const seen = [];
        const s = server(local, (data, address) => {
          seen.push({ data, address });
          s.sendto(Buffer.concat([Buffer.from('echo '), data]), address);
        });
        expect(s.address).to.equal(null);
        s.start();
        expect(s.started).to.equal(true);
        expect(s.address).to.include({ address: '127.0.0.1', family: 'IPv4' });
        expect(s.socket).to.be.instanceOf(dgram.Socket);
        expect(String(s)).to.equal(`<DatagramServer 127.0.0.1:${s.address.port}>`);
        const c = client();
        c.send('ping', s.address.port);
        const reply = c.recv();
        expect(reply.msg.toString()).to.equal('echo ping');
        expect(reply.rinfo.port).to.equal(s.address.port);
        expect(seen).to.have.length(1);
        expect(Buffer.isBuffer(seen[0].data)).to.equal(true);
        expect(seen[0].address).to.deep.equal({ address: '127.0.0.1', port: c.port, family: 'IPv4' });
      }));

    it('echoes every datagram of several clients byte-exact', () =>
      inFiber(() => {
        const s = server(local, (data, address) => s.sendto(data, address));
        s.start();
        const clients = [client(), client(), client()];
        const sent = clients.map(() => []);
        for (let i = 0; i < 60; i++) {
          const k = i % 3;
          const msg = Buffer.alloc(100 + i, i);
          sent[k].push(msg);
          clients[k].send(msg, s.address.port);
        }
        clients.forEach((c, k) => {
          const got = sent[k].map(() => c.recv().msg);
          expect(got.map((b) => b.toString('hex')).sort()).to.deep.equal(sent[k].map((b) => b.toString('hex')).sort());
        });
      }));

    it('a peer that went away: the reply is sent into the void and the server goes on serving', () =>
      inFiber(() => {
        const replied = [];
        const s = server(local, (data, address) => {
          sleep(20); // the sender is gone by now
          s.sendto(`re: ${data}`, address);
          replied.push(String(data));
        });
        s.start();
        const gone = client();
        gone.send('hello and goodbye', s.address.port);
        gone.close();
        const stays = client();
        stays.send('still here', s.address.port);
        expect(stays.recv().msg.toString()).to.equal('re: still here');
        until(() => replied.length === 2, 'both replies');
        expect(replied.sort()).to.deep.equal(['hello and goodbye', 'still here']);
        expect(s.started).to.equal(true);
      }));

    it('a handler error is reported with handleError; the server goes on serving', () =>
      withReports((reports) =>
        inFiber(() => {
          const s = server(local, function udpHandler(data, address) {
            if (String(data) === 'bad') throw new Error('bad datagram');
            s.sendto('good', address);
          });
          s.start();
          const c = client();
          c.send('bad', s.address.port);
          until(() => reports.length === 1, 'the report');
          c.send('fine', s.address.port);
          expect(c.recv().msg.toString()).to.equal('good');
          expect(reports[0].err.message).to.equal('bad datagram');
          expect(reports[0].context).to.match(/udpHandler/);
        }),
      ));

    it('reports an error of the socket with handleError and goes on', () =>
      withReports((reports) =>
        inFiber(() => {
          const s = server(local, (data, address) => s.sendto(data, address));
          s.start();
          s.socket.emit('error', new Error('socket trouble'));
          const c = client();
          c.send('x', s.address.port);
          expect(c.recv().msg.toString()).to.equal('x');
          expect(reports.map((r) => r.err.message)).to.deep.equal(['socket trouble']);
        }),
      ));
  });

  describe('spawn option (a Pool limits the handlers)', () => {
    it('runs at most N handlers at once; datagrams that arrive meanwhile are handled later, in arrival order', () =>
      inFiber(() => {
        let active = 0;
        let max = 0;
        const order = [];
        const s = server(
          local,
          (data, address) => {
            active++;
            max = Math.max(max, active);
            order.push(String(data));
            sleep(10);
            active--;
            s.sendto(data, address);
          },
          { spawn: 1 },
        );
        expect(s.pool).to.be.instanceOf(Pool);
        s.start();
        const c = client();
        for (let i = 0; i < 5; i++) c.send(String(i), s.address.port);
        const replies = [0, 1, 2, 3, 4].map(() => c.recv().msg.toString());
        expect(replies).to.deep.equal(['0', '1', '2', '3', '4']);
        expect(order).to.deep.equal(['0', '1', '2', '3', '4']);
        expect(max).to.equal(1);
      }));

    it('keeps at most the socket\'s receive buffer size of waiting datagrams; more are dropped, like the kernel does', () =>
      inFiber(() => {
        let release = false;
        let handled = 0;
        const s = server(
          local,
          () => {
            until(() => release, 'release');
            handled++;
          },
          { spawn: 1 },
        );
        s.start();
        const limit = s.socket.getRecvBufferSize();
        const size = 8192;
        const count = Math.ceil((3 * limit) / size);
        const c = client();
        for (let i = 0; i < count; i++) {
          c.send(Buffer.alloc(size, i), s.address.port);
          if (i % 8 === 7) sleep(1); // let the server read, so the kernel does not drop them instead
        }
        sleep(50);
        release = true;
        until(() => s.pool.length === 0 && handled > 0, 'the handlers');
        sleep(20);
        // One was being handled, at most `limit` bytes of them waited.
        expect(handled).to.be.at.most(1 + Math.floor(limit / size));
        expect(handled).to.be.below(count);
      }));
  });

  describe('lifecycle', () => {
    it('stop() closes the socket, waits for the handlers, and kills those still running after the timeout', () =>
      inFiber(() => {
        const outcome = {};
        const s = server(local, (data) => {
          const who = String(data);
          try {
            sleep(who === 'slow' ? 10000 : 20);
            outcome[who] = 'finished';
          } catch (err) {
            outcome[who] = err instanceof FiberExit ? 'killed' : String(err);
            throw err;
          }
        });
        s.start();
        const c = client();
        c.send('quick', s.address.port);
        c.send('slow', s.address.port);
        until(() => s.pool.length === 2, 'two handlers');
        s.stop(100);
        expect(outcome).to.deep.equal({ quick: 'finished', slow: 'killed' });
        expect(s.closed).to.equal(true);
        expect(s.started).to.equal(false);
      }));

    it('serveForever() starts it and blocks until it is closed, also from an event-loop callback', () =>
      inFiber(() => {
        const s = server(local, (data, address) => s.sendto(data, address));
        spawn(() => {
          until(() => s.started, 'start');
          const c = client();
          c.send('once', s.address.port);
          expect(c.recv().msg.toString()).to.equal('once');
          setImmediate(() => s.close());
        });
        s.serveForever();
        expect(s.closed).to.equal(true);
      }));

    it('closing the dgram socket under the server closes the server', () =>
      inFiber(() => {
        const s = server(local, () => {});
        s.start();
        spawn(() => {
          sleep(5);
          s.socket.close();
        });
        s.serveForever();
        expect(s.closed).to.equal(true);
      }));

    it('start() twice throws ServerStartedError; after close() start(), serveForever() and sendto() throw ServerClosedError', () =>
      inFiber(() => {
        const s = server(local, () => {});
        s.start();
        expect(expectCode(() => s.start(), 'ERR_SERVER_ALREADY_STARTED')).to.be.instanceOf(ServerStartedError);
        s.close();
        s.close();
        expect(expectCode(() => s.start(), 'ERR_SERVER_CLOSED')).to.be.instanceOf(ServerClosedError);
        expectCode(() => s.serveForever(), 'ERR_SERVER_CLOSED');
        expectCode(() => s.sendto('x', { address: '127.0.0.1', port: 9 }), 'ERR_SERVER_CLOSED');
      }));

    it('sendto() before start() throws ServerNotStartedError (ERR_SERVER_NOT_STARTED)', () => {
      const s = server(local, () => {});
      const err = expectCode(() => s.sendto('x', { address: '127.0.0.1', port: 9 }), 'ERR_SERVER_NOT_STARTED');
      expect(err).to.be.instanceOf(ServerNotStartedError);
      expect(err.name).to.equal('ServerNotStartedError');
    });

    it('start() throws the bind error (EADDRINUSE) and may be called again', () =>
      inFiber(() => {
        const taken = client();
        const s = server({ host: '127.0.0.1', port: taken.port }, () => {});
        expectCode(() => s.start(), 'EADDRINUSE');
        expect(s.started).to.equal(false);
        const port = taken.port;
        taken.close();
        s.start();
        expect(s.address.port).to.equal(port);
      }));

    it('start(), stop() and sendto() refuse to block in an event-loop callback; close() works there', async () => {
      const s = server(local, () => {});
      expect((await inCallback(() => s.start())).err).to.be.instanceOf(BlockingSwitchOutError);
      await inFiber(() => s.start());
      expect((await inCallback(() => s.sendto('x', { address: '127.0.0.1', port: 9 }))).err).to.be.instanceOf(BlockingSwitchOutError);
      expect((await inCallback(() => s.stop())).err).to.be.instanceOf(BlockingSwitchOutError);
      expect((await inCallback(() => s.close())).err).to.equal(undefined);
      expect(s.closed).to.equal(true);
    });

    it('a start() interrupted by a Timeout leaves the server not started', () =>
      inFiber(() => {
        const own = dgram.createSocket('udp4'); // never bound: start() waits for it
        sockets.push(own);
        const s = server(own, () => {});
        expect(withTimeout(10, () => s.start(), { fallback: 'timed out' })).to.equal('timed out');
        expect(s.started).to.equal(false);
        own.bind(0, '127.0.0.1');
        s.start();
        expect(s.address.port).to.equal(own.address().port);
      }));
  });

  describe('a dgram.Socket of your own as the listener', () => {
    it('serves on a bound socket, and close() closes it', () =>
      inFiber(() => {
        const own = dgram.createSocket('udp4');
        waitFor(new Promise((resolve) => own.bind(0, '127.0.0.1', resolve)));
        const s = server(own, (data, address) => s.sendto(`mine: ${data}`, address));
        expect(s.socket).to.equal(own);
        expect(s.address.port).to.equal(own.address().port);
        s.start();
        const c = client();
        c.send('x', own.address().port);
        expect(c.recv().msg.toString()).to.equal('mine: x');
        s.close();
        expect(() => own.address()).to.throw();
      }));
  });

  describe('a port alone', () => {
    it('binds every interface: a client on 127.0.0.1 reaches it', () =>
      inFiber(() => {
        const s = server(0, (data, address) => s.sendto(data, address));
        s.start();
        expect(['::', '0.0.0.0']).to.include(s.address.address);
        const c = client();
        c.send('any', s.address.port);
        expect(c.recv().msg.toString()).to.equal('any');
      }));
  });

  describe('arguments', () => {
    it('rejects a bad listener, handle or options', () => {
      expectCode(() => new DatagramServer('9000', () => {}), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => new DatagramServer(undefined, () => {}), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => new DatagramServer(70000, () => {}), 'ERR_OUT_OF_RANGE');
      expectCode(() => new DatagramServer({ host: '127.0.0.1', port: -1 }, () => {}), 'ERR_OUT_OF_RANGE');
      expectCode(() => new DatagramServer({ host: [], port: 1 }, () => {}), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => new DatagramServer(0, null), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => new DatagramServer(0, () => {}, 7), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => new DatagramServer(0, () => {}, { backlog: 5 }), 'ERR_INVALID_ARG_VALUE');
      expectCode(() => new DatagramServer(0, () => {}, { spawn: -2 }), 'ERR_OUT_OF_RANGE');
      expectCode(() => new DatagramServer(0, () => {}, { spawn: {} }), 'ERR_INVALID_ARG_TYPE');
    });

    it('sendto() checks its arguments', () =>
      inFiber(() => {
        const s = server(local, () => {});
        s.start();
        expectCode(() => s.sendto(42, { address: '127.0.0.1', port: 9 }), 'ERR_INVALID_ARG_TYPE');
        expectCode(() => s.sendto('x', '127.0.0.1:9'), 'ERR_INVALID_ARG_TYPE');
        expectCode(() => s.sendto('x', { address: '127.0.0.1', port: 0 }), 'ERR_OUT_OF_RANGE');
        expectCode(() => s.sendto('x', { address: '127.0.0.1', port: 70000 }), 'ERR_OUT_OF_RANGE');
        expectCode(() => s.sendto('x', { address: '127.0.0.1', port: '9' }), 'ERR_INVALID_ARG_TYPE');
        expectCode(() => s.sendto('x', { address: 127, port: 9 }), 'ERR_INVALID_ARG_TYPE');
      }));

    it('sendto() throws the send error (a name that does not resolve)', () =>
      inFiber(() => {
        const s = server(local, () => {});
        s.start();
        let caught;
        try {
          s.sendto('x', { address: 'no-such-host.invalid', port: 9 });
        } catch (err) {
          caught = err;
        }
        expect(caught).to.be.an('error');
        expect(caught.code).to.be.oneOf(['ENOTFOUND', 'EAI_AGAIN']);
      }));
  });

  describe('at a script\'s top level', () => {
    it('serveForever() blocks the root while handlers reply', () => {
      const res = runNode('-e', [
        `const fibernet = require(${JSON.stringify(root)});
        const dgram = require('dgram');
        const { DatagramServer } = fibernet;
        const s = new DatagramServer({ host: '127.0.0.1', port: 0 }, (data, address) => s.sendto('pong ' + data, address));
        s.start();
        const c = dgram.createSocket('udp4');
        c.on('message', (m) => { console.log(String(m)); c.close(); s.close(); });
        c.send('ping', s.address.port, '127.0.0.1');
        s.serveForever();
        console.log('closed', s.closed);`,
      ]);
      expect(res.stderr).to.equal('');
      expect(res.status).to.equal(0);
      expect(res.stdout.trim().split('\n')).to.deep.equal(['pong ping', 'closed true']);
    });
  });
});
