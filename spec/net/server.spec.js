'use strict';
const { expect } = require('chai');
const net = require('net');
const tls = require('tls');
const { patchAll, connect, spawn, sleep, TimeoutError, BlockingSwitchOutError } = require('../..');
const { ACCEPT_AHEAD } = require('../../dist/patches/net');
const { inFiber, cleanup, listen, track, until, freePort, selfSignedCert, expectCode, inCallback, kernelAcceptQueue, numberedClients, endWatchedClients } = require('./helpers');

/** The connections Node accepted for `server` and has not closed (read on the Hub, without blocking). */
function connectionsOf(server) {
  return server._connections;
}

describe('net.Server.accept() and connect() (patches/net)', () => {
  before(() => patchAll());
  afterEach(cleanup);

  describe('server.accept()', () => {
    it('returns a connected net.Socket', () =>
      inFiber(() => {
        const server = listen();
        const client = track(connect(server.address().port, '127.0.0.1'));
        const conn = track(server.accept());
        expect(conn).to.be.instanceOf(net.Socket);
        expect(conn.remotePort).to.equal(client.localPort);
      }));

    it('returns connections in arrival order', () =>
      inFiber(() => {
        const server = listen();
        const port = server.address().port;
        for (let i = 0; i < 3; i++) track(connect(port, '127.0.0.1')).sendall(String(i));
        const got = [];
        for (let i = 0; i < 3; i++) got.push(track(server.accept()).recv().toString());
        expect(got).to.deep.equal(['0', '1', '2']);
      }));

    it('loses no bytes a client sends before accept() returns', () =>
      inFiber(() => {
        const server = listen();
        const client = track(connect(server.address().port, '127.0.0.1'));
        client.sendall('early bytes');
        sleep(10);
        const conn = track(server.accept());
        expect(conn.recv().toString()).to.equal('early bytes');
      }));

    it('waits for a connection that comes later', () =>
      inFiber(() => {
        const server = listen();
        spawn(() => {
          sleep(5);
          track(connect(server.address().port, '127.0.0.1'));
        });
        expect(track(server.accept())).to.be.instanceOf(net.Socket);
      }));

    it('throws TimeoutError "timed out" when the timeout passes', () =>
      inFiber(() => {
        const server = listen();
        const err = expectCode(() => server.accept({ timeout: 5 }), 'ETIMEDOUT');
        expect(err).to.be.instanceOf(TimeoutError);
        expect(err.message).to.equal('timed out');
      }));

    it('with blockingTimeout 0 throws EAGAIN when nobody is waiting to be accepted', () =>
      inFiber(() => {
        const server = listen();
        server.blockingTimeout = 0;
        expectCode(() => server.accept(), 'EAGAIN');
      }));

    it('blockingTimeout is null by default and validated', () => {
      const server = new net.Server();
      expect(server.blockingTimeout).to.equal(null);
      expect(() => {
        server.blockingTimeout = -2;
      })
        .to.throw(RangeError)
        .with.property('code', 'ERR_OUT_OF_RANGE');
    });

    it('a server closed while a fiber waits in accept() wakes it with EBADF', () =>
      inFiber(() => {
        const server = listen();
        const acceptor = spawn(() => {
          try {
            server.accept();
          } catch (err) {
            return err;
          }
        });
        sleep(5);
        server.close();
        const err = acceptor.get();
        expect(err.code).to.equal('EBADF');
        expect(err.message).to.match(/closed/);
      }));

    it('wakes the acceptor on close() even while accepted connections stay open', () =>
      inFiber(() => {
        const server = listen();
        track(connect(server.address().port, '127.0.0.1'));
        track(server.accept());
        const acceptor = spawn(() => {
          try {
            server.accept();
          } catch (err) {
            return err.code;
          }
        });
        sleep(5);
        server.close();
        expect(acceptor.get()).to.equal('EBADF');
      }));

    it('accept() on a closed server throws EBADF', () =>
      inFiber(() => {
        const server = listen();
        server.close();
        expectCode(() => server.accept(), 'EBADF');
      }));

    it('a listen error (EADDRINUSE) surfaces at accept()', () =>
      inFiber(() => {
        const first = listen();
        const second = track(net.createServer());
        second.listen(first.address().port, '127.0.0.1');
        expectCode(() => second.accept(), 'EADDRINUSE');
      }));

    it('two fibers accepting at once: the second gets ConcurrentObjectUseError', () =>
      inFiber(() => {
        const server = listen();
        spawn(() => {
          try {
            server.accept();
          } catch {
            // closed by cleanup
          }
        });
        sleep(5);
        expectCode(() => server.accept(), 'ERR_CONCURRENT_OBJECT_USE');
      }));

    it('in an event-loop callback with nothing queued throws BlockingSwitchOutError', async () => {
      const server = await inFiber(() => listen());
      const r = await inCallback(() => server.accept());
      expect(r.err).to.be.instanceOf(BlockingSwitchOutError);
    });

    it('rejects non-object options with ERR_INVALID_ARG_TYPE', () =>
      inFiber(() => {
        const server = listen();
        expect(() => server.accept(5)).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
      }));

    it(`takes at most ACCEPT_AHEAD (${ACCEPT_AHEAD}) connections off the kernel's queue ahead of accept(); the rest wait in the backlog and accept() still gets every one, in order`, () =>
      inFiber(() => {
        const server = listen();
        const port = server.address().port;
        const total = ACCEPT_AHEAD * 4;
        const clients = numberedClients(port, total);
        until(() => clients.every((c) => c.readyState === 'open'), 'every client connected (the kernel completed them)');
        sleep(100);
        // Connections Node took are counted by the server; the kernel's are not.
        const held = connectionsOf(server);
        expect(held).to.equal(ACCEPT_AHEAD);
        const got = [];
        for (let i = 0; i < total; i++) {
          const conn = track(server.accept({ timeout: 5000 }));
          got.push(Number(conn.recvExactly(4).toString()));
        }
        expect(got).to.deep.equal([...Array(total).keys()]);
        expectCode(() => server.accept({ timeout: 0 }), 'EAGAIN');
      }));

    it(`while a fiber waits in accept(), a burst is taken off the kernel's queue at once, past ACCEPT_AHEAD, and handed out in order`, function () {
      const total = ACCEPT_AHEAD * 6;
      return inFiber(() => {
        const server = listen();
        const port = server.address().port;
        const first = track(net.connect(port, '127.0.0.1'));
        first.on('error', () => {});
        track(server.accept({ timeout: 5000 }));
        // What the kernel still holds when the burst's first connection reaches
        // Node: libuv alone takes one connection per loop iteration.
        let queuedAtFirst;
        server.on('connection', () => {
          if (queuedAtFirst === undefined) queuedAtFirst = kernelAcceptQueue(port);
        });
        const acceptor = spawn(() => {
          const got = [];
          for (let i = 0; i < total; i++) {
            const conn = track(server.accept({ timeout: 5000 }));
            got.push(Number(conn.recvExactly(4).toString()));
          }
          return got;
        });
        sleep(20); // the acceptor waits in accept()
        numberedClients(port, total);
        expect(acceptor.get()).to.deep.equal([...Array(total).keys()]);
        expect(queuedAtFirst).to.equal(0);
        expect(kernelAcceptQueue(port)).to.equal(0);
      });
    });

    it('closed while it holds connections it took ahead for a waiting accept(), it closes them: those clients end, and accept() throws EBADF', () =>
      inFiber(() => {
        const server = listen();
        const port = server.address().port;
        const total = ACCEPT_AHEAD * 4;
        let handed = 0;
        server.on('connection', () => {
          // The first of the burst: close with the rest still taken, not handed over.
          if (++handed === 1) server.close();
        });
        const acceptor = spawn(() => {
          const got = [];
          try {
            for (;;) got.push(track(server.accept()));
          } catch (err) {
            return { got: got.length, code: err.code };
          }
        });
        sleep(20);
        const clients = endWatchedClients(port, total);
        const r = acceptor.get();
        expect(r.code).to.equal('EBADF');
        expect(r.got).to.be.below(total);
        // Those accept() never got: closed by the server (taken), or reset by the kernel.
        until(() => clients.filter((c) => c.ended).length >= total - r.got, 'the clients the server never handed out ended');
      }));

    it('closed while paused, it releases what libuv and the kernel kept: those clients end (EOF or reset); accept() still hands out what it queued, then EBADF', () =>
      inFiber(() => {
        const server = listen();
        const port = server.address().port;
        const clients = endWatchedClients(port, ACCEPT_AHEAD + 20);
        until(() => connectionsOf(server) === ACCEPT_AHEAD, 'the server paused');
        sleep(50);
        server.close();
        until(() => clients.filter((c) => c.ended).length === 20, 'the 20 clients the server never took ended');
        for (let i = 0; i < ACCEPT_AHEAD; i++) server.accept({ timeout: 0 }).close();
        expectCode(() => server.accept({ timeout: 0 }), 'EBADF');
        until(() => clients.every((c) => c.ended), 'every client ended');
      }));

    it("leaves an evented server's connections to its 'connection' listener", () =>
      inFiber(() => {
        let seen = 0;
        const server = listen(net.createServer((c) => {
          seen++;
          c.end('evented');
        }));
        const client = track(connect(server.address().port, '127.0.0.1'));
        expect(client.recv().toString()).to.equal('evented');
        expect(seen).to.equal(1);
        expectCode(() => server.accept({ timeout: 0 }), 'EAGAIN');
      }));
  });

  describe('connect()', () => {
    it('returns a connected socket', () =>
      inFiber(() => {
        const server = listen();
        const s = track(connect(server.address().port, '127.0.0.1'));
        expect(s.connecting).to.equal(false);
        expect(s.remotePort).to.equal(server.address().port);
      }));

    it('defaults the host to localhost', () =>
      inFiber(() => {
        const server = track(net.createServer());
        server.listen(0); // all interfaces: whichever family localhost resolves to
        const s = track(connect(server.address().port));
        expect(s.remotePort).to.equal(server.address().port);
      }));

    it('accepts options in place of the host', () =>
      inFiber(() => {
        const server = listen();
        const s = track(connect(server.address().port, { host: '127.0.0.1', timeout: 1000 }));
        expect(s.remoteAddress).to.equal('127.0.0.1');
      }));

    it('throws ECONNREFUSED when nothing listens', () =>
      inFiber(() => {
        expectCode(() => connect(freePort(), '127.0.0.1'), 'ECONNREFUSED');
      }));

    it('throws ENOTFOUND when the name does not resolve', () =>
      inFiber(() => {
        const lookup = (host, opts, cb) =>
          process.nextTick(() => cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' })));
        expectCode(() => connect(80, 'no-such-host.invalid', { lookup }), 'ENOTFOUND');
      }));

    it('throws TimeoutError when the connection takes too long, and destroys the socket', () =>
      inFiber(() => {
        let pending;
        const lookup = () => {}; // never answers: the connect never completes
        const orig = net.connect;
        net.connect = (...a) => (pending = orig(...a));
        try {
          const err = expectCode(() => connect(80, 'slow.example', { lookup, timeout: 10 }), 'ETIMEDOUT');
          expect(err.message).to.equal('timed out');
        } finally {
          net.connect = orig;
        }
        expect(pending.destroyed).to.equal(true);
      }));

    it('with timeout 0 returns the socket while it is still connecting', () =>
      inFiber(() => {
        const server = listen();
        const s = track(connect(server.address().port, '127.0.0.1', { timeout: 0 }));
        expect(s.connecting).to.equal(true);
        s.sendall('x');
        expect(track(server.accept()).recv().toString()).to.equal('x');
      }));

    it('in an event-loop callback throws BlockingSwitchOutError', async () => {
      const r = await inCallback(() => connect(1, '127.0.0.1'));
      expect(r.err).to.be.instanceOf(BlockingSwitchOutError);
    });

    it('rejects a string port with ERR_INVALID_ARG_TYPE', () => {
      expect(() => connect('80')).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
    });

    it('rejects an out-of-range port with ERR_OUT_OF_RANGE', () => {
      expect(() => connect(70000)).to.throw(RangeError).with.property('code', 'ERR_OUT_OF_RANGE');
    });

    it('rejects a non-string host with ERR_INVALID_ARG_TYPE', () => {
      expect(() => connect(80, 5)).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
    });

    it('rejects non-object options with ERR_INVALID_ARG_TYPE', () => {
      expect(() => connect(80, 'localhost', 5)).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
    });

    it('rejects a negative timeout with ERR_OUT_OF_RANGE', () => {
      expect(() => connect(80, 'localhost', { timeout: -1 })).to.throw(RangeError).with.property('code', 'ERR_OUT_OF_RANGE');
    });
  });

  describe('over TLS (tls.TLSSocket inherits the methods)', () => {
    let cert;
    before(() => {
      cert = selfSignedCert('localhost');
    });

    it('recv() and sendall() work on both ends of a TLS connection', () =>
      inFiber(() => {
        const server = listen(tls.createServer({ key: cert.key, cert: cert.cert }));
        const client = track(tls.connect({ port: server.address().port, host: '127.0.0.1', ca: [cert.cert], servername: 'localhost' }));
        const conn = track(server.accept());
        expect(conn).to.be.instanceOf(tls.TLSSocket);
        client.sendall('over tls');
        expect(conn.recv().toString()).to.equal('over tls');
        conn.sendall('and back');
        expect(client.recv().toString()).to.equal('and back');
        expect(client.authorized).to.equal(true);
      }));

    it('a burst larger than one hand-over, ended by a TLS client, reaches accept(): what a greedy TLS listener took goes on to Node without waiting for handshakes', function () {
      this.timeout(30000);
      return inFiber(() => {
        const server = track(tls.createServer({ key: cert.key, cert: cert.cert }));
        server.listen({ port: 0, host: '127.0.0.1', backlog: 2048 });
        while (!server.listening) sleep(1);
        const port = server.address().port;
        const acceptor = spawn(() => track(server.accept({ timeout: 15000 })));
        sleep(20); // the acceptor waits in accept()
        // More than the 1,000 one hand-over gives Node at most; none of them
        // ever sends a ClientHello, so none reaches 'secureConnection'.
        for (let i = 0; i < 1100; i++) track(net.connect(port, '127.0.0.1')).on('error', () => {});
        const client = track(tls.connect({ port, host: '127.0.0.1', ca: [cert.cert], servername: 'localhost' }));
        client.on('error', () => {});
        const conn = acceptor.get();
        expect(conn).to.be.instanceOf(tls.TLSSocket);
        client.sendall('last');
        expect(conn.recvExactly(4).toString()).to.equal('last');
      });
    });

    it('sendall() of a large payload arrives whole over TLS', () =>
      inFiber(() => {
        const server = listen(tls.createServer({ key: cert.key, cert: cert.cert }));
        const client = track(tls.connect({ port: server.address().port, host: '127.0.0.1', ca: [cert.cert], servername: 'localhost' }));
        const conn = track(server.accept());
        const size = 2 * 1024 * 1024;
        const reader = spawn(() => {
          let got = 0;
          while (got < size) got += conn.recv().length;
          return got;
        });
        client.sendall(Buffer.alloc(size, 1));
        expect(reader.get()).to.equal(size);
      }));

    it('connect(port, host, { tls }) returns a TLSSocket with its handshake done', () =>
      inFiber(() => {
        const server = listen(tls.createServer({ key: cert.key, cert: cert.cert, ALPNProtocols: ['fibernet'] }));
        const acceptor = spawn(() => track(server.accept()));
        const client = track(connect(server.address().port, '127.0.0.1', { tls: { ca: [cert.cert], servername: 'localhost', ALPNProtocols: ['fibernet'] } }));
        expect(client).to.be.instanceOf(tls.TLSSocket);
        expect(client.authorized).to.equal(true);
        expect(client.alpnProtocol).to.equal('fibernet');
        expect(client.getProtocol()).to.match(/^TLSv1\.[23]$/);
        const conn = acceptor.get();
        client.sendall('secure hello');
        expect(conn.recv().toString()).to.equal('secure hello');
      }));

    it('connect() with { tls } throws the certificate error of a failed handshake', () =>
      inFiber(() => {
        const server = listen(tls.createServer({ key: cert.key, cert: cert.cert }));
        const other = selfSignedCert('localhost');
        spawn(() => {
          try {
            track(server.accept()).recv();
          } catch {
            // the client hung up mid-handshake
          }
        });
        let err;
        try {
          connect(server.address().port, '127.0.0.1', { tls: { ca: [other.cert], servername: 'localhost' } });
        } catch (e) {
          err = e;
        }
        expect(err).to.be.an('error');
        expect(err.code).to.be.oneOf(['DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN']);
      }));

    it('connect() with { tls } and a timeout throws TimeoutError when the server never answers the handshake', () =>
      inFiber(() => {
        const server = listen(); // plain TCP: accepts, says nothing
        spawn(() => track(server.accept()));
        let err;
        try {
          connect(server.address().port, '127.0.0.1', { tls: true, timeout: 100 });
        } catch (e) {
          err = e;
        }
        expect(err).to.be.instanceOf(TimeoutError);
      }));

    it('connect() refuses a tls option that is not an object or true', () =>
      inFiber(() => {
        expectCode(() => connect(1, '127.0.0.1', { tls: 'yes' }), 'ERR_INVALID_ARG_TYPE');
      }));

    it('a TLS handshake failure surfaces at the next blocking call', () =>
      inFiber(() => {
        const server = listen(tls.createServer({ key: cert.key, cert: cert.cert }));
        const other = selfSignedCert('localhost');
        const client = track(tls.connect({ port: server.address().port, host: '127.0.0.1', ca: [other.cert], servername: 'localhost' }));
        let err;
        try {
          client.recv();
        } catch (e) {
          err = e;
        }
        expect(err).to.be.an('error');
        expect(err.code).to.be.a('string');
      }));
  });
});
