'use strict';
const { expect } = require('chai');
const net = require('net');
const path = require('path');
const tls = require('tls');
const {
  StreamServer,
  ServerStartedError,
  ServerClosedError,
  Pool,
  Group,
  patchAll,
  connect,
  spawn,
  sleep,
  getHub,
  joinAll,
  withTimeout,
  FiberExit,
  BlockingSwitchOutError,
} = require('../..');
const { inFiber, track, cleanup, until, freePort, selfSignedCert, expectCode, inCallback, kernelAcceptQueue, numberedClients, endWatchedClients } = require('./helpers');
const { captureErrors } = require('../hub/helpers');
const { root, runNode } = require('../helpers');

const servers = [];

/** A StreamServer closed after the test. */
function server(listener, handle, options) {
  const s = new StreamServer(listener, handle, options);
  servers.push(s);
  return s;
}

/** An echo handler: echoes until EOF. */
function echo(sock) {
  for (;;) {
    const data = sock.recv();
    if (data.length === 0) return;
    sock.sendall(data);
  }
}

/** Reads until EOF. */
function recvAll(sock) {
  const parts = [];
  for (let d = sock.recv(); d.length > 0; d = sock.recv()) parts.push(d);
  return Buffer.concat(parts);
}

const local = { host: '127.0.0.1', port: 0 };

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

/** Runs `code` as a plain node script (the root) and returns its stdout lines. */
function runScript(code, args = []) {
  const res = runNode('-e', [`const fibernet = require(${JSON.stringify(root)});\n${code}`, ...args]);
  expect(res.stderr).to.equal('');
  expect(res.status).to.equal(0);
  return res.stdout.trim().split('\n');
}

describe('StreamServer', () => {
  before(() => patchAll());
  afterEach(() => {
    while (servers.length) servers.pop().close();
    cleanup();
  });

  describe('serving', () => {
    it('start() returns once listening: address is set, and each connection gets a handler greenlet', () =>
      inFiber(() => {
        const seen = [];
        const s = server(local, (sock, address) => {
          seen.push({ sock, address });
          sock.sendall('hello ');
          sock.sendall(sock.recv());
        });
        expect(s.address).to.equal(null);
        expect(s.started).to.equal(false);
        s.start();
        expect(s.started).to.equal(true);
        expect(s.closed).to.equal(false);
        expect(s.address).to.include({ address: '127.0.0.1', family: 'IPv4' });
        expect(s.address.port).to.be.above(0);
        expect(s.listener).to.be.instanceOf(net.Server);
        expect(String(s)).to.equal(`<StreamServer 127.0.0.1:${s.address.port}>`);
        const client = track(connect(s.address.port, '127.0.0.1'));
        client.sendall('world');
        expect(recvAll(client).toString()).to.equal('hello world');
        expect(seen).to.have.length(1);
        expect(seen[0].sock).to.be.instanceOf(net.Socket);
        expect(seen[0].address).to.deep.equal({ address: '127.0.0.1', family: 'IPv4', port: client.localPort });
      }));

    it('closes the socket when the handler returns, and when it throws (reported; the server goes on)', () =>
      captureErrors(getHub(), () =>
        inFiber(() => {
          const s = server(local, function failingHandler(sock) {
            const line = sock.recv().toString();
            if (line === 'fail') throw new Error('handler failed');
            sock.sendall(`ok ${line}`);
          });
          s.start();
          const a = track(connect(s.address.port, '127.0.0.1'));
          a.sendall('fail');
          expect(recvAll(a).length).to.equal(0); // EOF: the server closed it
          const b = track(connect(s.address.port, '127.0.0.1'));
          b.sendall('again');
          expect(recvAll(b).toString()).to.equal('ok again');
        }),
      ).then((seen) => {
        expect(seen).to.have.length(1);
        expect(seen[0].err.message).to.equal('handler failed');
        expect(seen[0].context).to.match(/failingHandler/);
      }));

    it('echoes byte-exact for 1,000 concurrent clients', () =>
      inFiber(() => {
        const s = server(local, echo);
        s.start();
        const port = s.address.port;
        const N = 1000;
        const results = new Array(N).fill(false);
        const clients = [];
        for (let i = 0; i < N; i++) {
          clients.push(
            spawn(() => {
              const c = connect(port, '127.0.0.1');
              try {
                const msg = Buffer.alloc(200 + (i % 37) * 50);
                for (let j = 0; j < msg.length; j++) msg[j] = (i * 7 + j) & 0xff;
                c.sendall(msg);
                c.shutdown('write');
                results[i] = recvAll(c).equals(msg);
              } finally {
                c.close();
              }
            }),
          );
        }
        joinAll(clients);
        expect(clients.filter((g) => !g.successful())).to.have.length(0);
        expect(results.filter((ok) => !ok)).to.have.length(0);
        expect(s.pool.join(2000)).to.equal(true);
      }));

    it('gives handlers a socket that reads after EOF is sent back (half-open, as gevent\'s accepted sockets)', () =>
      inFiber(() => {
        const s = server(local, (sock) => {
          const got = recvAll(sock);
          sock.sendall(`got ${got.length} bytes`);
        });
        s.start();
        const c = track(connect(s.address.port, '127.0.0.1'));
        c.sendall('12345');
        c.shutdown('write');
        expect(recvAll(c).toString()).to.equal('got 5 bytes');
      }));

    it('reports an error of the listening server with handleError and keeps serving', () =>
      captureErrors(getHub(), () =>
        inFiber(() => {
          const s = server(local, echo);
          s.start();
          s.listener.emit('error', new Error('accept failed'));
          const c = track(connect(s.address.port, '127.0.0.1'));
          c.sendall('still here');
          c.shutdown('write');
          expect(recvAll(c).toString()).to.equal('still here');
        }),
      ).then((seen) => {
        expect(seen.map((e) => e.err.message)).to.deep.equal(['accept failed']);
        expect(seen[0].context).to.match(/^<StreamServer 127\.0\.0\.1:\d+>$/);
      }));

    it('a handler blocks only its own greenlet: a slow client does not hold up the others', () =>
      inFiber(() => {
        const s = server(local, echo);
        s.start();
        const slow = track(connect(s.address.port, '127.0.0.1'));
        slow.sendall('x'); // and never finishes
        const fast = track(connect(s.address.port, '127.0.0.1'));
        fast.sendall('fast');
        fast.shutdown('write');
        expect(recvAll(fast).toString()).to.equal('fast');
        expect(slow.recv().toString()).to.equal('x');
      }));
  });

  describe('bursts', () => {
    it("without a spawn limit, a burst is taken off the kernel's queue at its first connection, and every connection is served", function () {
      const total = 384;
      return inFiber(() => {
        const s = server(local, (sock) => sock.sendall(sock.recvExactly(4)));
        s.start();
        const port = s.address.port;
        const first = track(connect(port, '127.0.0.1'));
        first.sendall('wait');
        expect(first.recvExactly(4).toString()).to.equal('wait');
        let queuedAtFirst;
        s.listener.on('connection', () => {
          if (queuedAtFirst === undefined) queuedAtFirst = kernelAcceptQueue(port);
        });
        const clients = numberedClients(port, total);
        clients.forEach((c, i) => expect(c.recvExactly(4).toString()).to.equal(String(i).padStart(4, '0')));
        expect(queuedAtFirst).to.equal(0);
      });
    });

    it('closed while it holds connections it took ahead, it closes them: those clients end', () =>
      inFiber(() => {
        const s = server(local, (sock) => sock.recv());
        s.start();
        const port = s.address.port;
        track(connect(port, '127.0.0.1')).sendall('x');
        until(() => s.listener._connections === 1, 'the first connection served');
        const total = 256;
        let handed = 0;
        s.listener.on('connection', () => {
          if (++handed === 1) s.close();
        });
        const clients = endWatchedClients(port, total);
        until(() => handed > 0, 'the burst reached the server');
        until(() => clients.filter((c) => c.ended).length >= total - handed, 'the clients the server never handed out ended');
      }));
  });

  describe('spawn option (a Pool limits the handlers)', () => {
    it('runs at most N handlers at once; the other connections wait, unread, and are served later in arrival order', () =>
      inFiber(() => {
        let active = 0;
        let max = 0;
        let release = false;
        const order = [];
        const s = server(
          local,
          (sock) => {
            active++;
            max = Math.max(max, active);
            try {
              const id = sock.recv().toString();
              order.push(id);
              until(() => release, 'release');
              sock.sendall(`served ${id}`);
            } finally {
              active--;
            }
          },
          { spawn: 2 },
        );
        expect(s.pool).to.be.instanceOf(Pool);
        expect(s.pool.size).to.equal(2);
        s.start();
        const clients = [];
        for (let i = 0; i < 6; i++) {
          const c = track(connect(s.address.port, '127.0.0.1'));
          c.sendall(String(i));
          clients.push(c);
        }
        until(() => order.length === 2, 'two handlers');
        sleep(30);
        // The pool is full: the other four are connected but no handler has them.
        expect(order).to.deep.equal(['0', '1']);
        expect(s.pool.full()).to.equal(true);
        release = true;
        const replies = clients.map((c) => recvAll(c).toString());
        expect(replies).to.deep.equal([0, 1, 2, 3, 4, 5].map((i) => `served ${i}`));
        expect(order).to.deep.equal(['0', '1', '2', '3', '4', '5']);
        expect(max).to.equal(2);
      }));

    it('while the pool is full it stops accepting: new connections wait in the kernel\'s backlog, as gevent\'s do, and are all served in arrival order', () =>
      inFiber(() => {
        let release = false;
        const order = [];
        const s = server(
          local,
          (sock) => {
            order.push(Number(sock.recvExactly(3).toString()));
            until(() => release, 'release');
            sock.sendall('ok');
          },
          { spawn: 2 },
        );
        s.start();
        const total = 100;
        const clients = [];
        for (let i = 0; i < total; i++) {
          const c = track(connect(s.address.port, '127.0.0.1', { timeout: 0 }));
          c.write(String(i).padStart(3, '0'));
          clients.push(c);
        }
        until(() => clients.every((c) => c.readyState === 'open') && order.length === 2, 'every client connected, two handlers');
        sleep(100);
        // Two in handlers, and at most what one loop turn accepted before the pool filled.
        expect(s.listener._connections).to.be.at.most(4);
        release = true;
        for (const c of clients) expect(recvAll(c).toString()).to.equal('ok');
        expect(order).to.deep.equal([...Array(total).keys()]);
      }));

    it('shares a Pool given as spawn with other work: it waits for the slots that work holds', () =>
      inFiber(() => {
        const pool = new Pool(1);
        const busy = pool.spawn(() => sleep(40));
        const s = server(local, (sock) => sock.sendall(busy.dead ? 'after the work' : 'during the work'), { spawn: pool });
        expect(s.pool).to.equal(pool);
        s.start();
        const c = track(connect(s.address.port, '127.0.0.1'));
        expect(recvAll(c).toString()).to.equal('after the work');
      }));

    it('a Group given as spawn tracks the handlers without a limit', () =>
      inFiber(() => {
        const group = new Group();
        let inGroup = null;
        const s = server(
          local,
          (sock) => {
            inGroup = group.length;
            sock.sendall('x');
          },
          { spawn: group },
        );
        s.start();
        const c = track(connect(s.address.port, '127.0.0.1'));
        recvAll(c);
        expect(inGroup).to.equal(1);
      }));

    it('a handler greenlet killed before it began closes its connection', () =>
      inFiber(() => {
        let ran = false;
        const s = server(local, () => {
          ran = true;
        });
        s.start();
        // Right after the server spawned the handler, before it can begin.
        s.listener.on('connection', () => s.pool.kill(undefined, { block: false }));
        const c = track(connect(s.address.port, '127.0.0.1'));
        expect(recvAll(c).length).to.equal(0);
        expect(ran).to.equal(false);
        expect(s.pool.length).to.equal(0);
      }));

    it('close() destroys the connections still waiting for a slot', () =>
      inFiber(() => {
        const s = server(local, (sock) => sleep(10000), { spawn: 1 });
        s.start();
        const first = track(connect(s.address.port, '127.0.0.1'));
        const waiting = track(connect(s.address.port, '127.0.0.1'));
        until(() => s.pool.length === 1, 'the first handler');
        sleep(20);
        s.close();
        expect(recvAll(waiting).length).to.equal(0); // EOF: dropped
        expect(s.pool.length).to.equal(1); // the running handler goes on
        s.pool.kill();
        expect(recvAll(first).length).to.equal(0);
      }));
  });

  describe('stop()', () => {
    it('stops accepting, lets handlers that finish in time finish, and kills the busy ones after the timeout', () =>
      inFiber(() => {
        const outcome = {};
        const s = server(local, (sock) => {
          const who = sock.recv().toString();
          try {
            if (who === 'busy') sleep(10000);
            else sock.recv(); // returns when the client goes away
            outcome[who] = 'finished';
          } catch (err) {
            outcome[who] = err instanceof FiberExit ? 'killed' : String(err);
            throw err;
          }
        });
        s.start();
        const port = s.address.port;
        const idle = track(connect(port, '127.0.0.1'));
        idle.sendall('idle');
        const busy = track(connect(port, '127.0.0.1'));
        busy.sendall('busy');
        until(() => s.pool.length === 2, 'two handlers');
        spawn(() => {
          sleep(20);
          idle.close(); // its handler's recv() returns: it finishes within the timeout
        });
        s.stop(200);
        expect(outcome).to.deep.equal({ idle: 'finished', busy: 'killed' });
        expect(s.closed).to.equal(true);
        expect(s.started).to.equal(false);
        expect(s.pool.length).to.equal(0);
        expect(recvAll(busy).length).to.equal(0); // closed by the server
        expectCode(() => connect(port, '127.0.0.1'), 'ECONNREFUSED');
      }));

    it('with no handlers returns at once; a second stop() is harmless', () =>
      inFiber(() => {
        const s = server(local, echo);
        s.start();
        s.stop();
        s.stop();
        expect(s.closed).to.equal(true);
      }));

    it('refuses to block in an event-loop callback; close() works there', async () => {
      const s = server(local, echo);
      await inFiber(() => s.start());
      const res = await inCallback(() => s.stop());
      expect(res.err).to.be.instanceOf(BlockingSwitchOutError);
      expect(s.closed).to.equal(false);
      const closed = await inCallback(() => s.close());
      expect(closed.err).to.equal(undefined);
      expect(s.closed).to.equal(true);
    });

    it('checks its timeout', () => {
      const s = server(local, echo);
      expectCode(() => s.stop('1s'), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => s.stop(-1), 'ERR_OUT_OF_RANGE');
    });
  });

  describe('serveForever()', () => {
    it('starts the server, blocks until it is stopped elsewhere, then returns once the handlers are done', () =>
      inFiber(() => {
        const s = server(local, echo);
        let served = false;
        spawn(() => {
          until(() => s.started, 'start');
          const c = track(connect(s.address.port, '127.0.0.1'));
          c.sendall('ping');
          c.shutdown('write');
          served = recvAll(c).toString() === 'ping';
          s.close();
        });
        s.serveForever();
        expect(served).to.equal(true);
        expect(s.closed).to.equal(true);
      }));

    it('killed, it stops the server (its handlers are killed after stopTimeout)', () =>
      inFiber(() => {
        let handlerOutcome = null;
        const s = server(local, (sock) => {
          try {
            sleep(10000);
          } catch (err) {
            handlerOutcome = err instanceof FiberExit ? 'killed' : 'other';
            throw err;
          }
        });
        const serving = spawn(() => s.serveForever(10));
        until(() => s.started, 'start');
        track(connect(s.address.port, '127.0.0.1'));
        until(() => s.pool.length === 1, 'the handler');
        serving.kill();
        expect(serving.dead).to.equal(true);
        expect(s.closed).to.equal(true);
        expect(handlerOutcome).to.equal('killed');
      }));

    it('returns when the net.Server is closed under it (e.g. a cluster worker disconnecting)', () =>
      inFiber(() => {
        const s = server(local, echo);
        s.start();
        spawn(() => {
          sleep(5);
          s.listener.close();
        });
        s.serveForever();
        expect(s.closed).to.equal(true);
      }));

    it('refuses to block in an event-loop callback', async () => {
      const s = server(local, echo);
      const res = await inCallback(() => s.serveForever());
      expect(res.err).to.be.instanceOf(BlockingSwitchOutError);
      expect(s.started).to.equal(false);
    });

    it('after close() throws ServerClosedError (ERR_SERVER_CLOSED); its timeout is checked', () =>
      inFiber(() => {
        const s = server(local, echo);
        expectCode(() => s.serveForever(-1), 'ERR_OUT_OF_RANGE');
        expectCode(() => s.serveForever('1s'), 'ERR_INVALID_ARG_TYPE');
        s.close();
        const err = expectCode(() => s.serveForever(), 'ERR_SERVER_CLOSED');
        expect(err).to.be.instanceOf(ServerClosedError);
        expect(err.name).to.equal('ServerClosedError');
      }));
  });

  describe('lifecycle errors', () => {
    it('start() twice throws ServerStartedError (ERR_SERVER_ALREADY_STARTED)', () =>
      inFiber(() => {
        const s = server(local, echo);
        s.start();
        const err = expectCode(() => s.start(), 'ERR_SERVER_ALREADY_STARTED');
        expect(err).to.be.instanceOf(ServerStartedError);
        expect(err.name).to.equal('ServerStartedError');
      }));

    it('start() after close() throws ServerClosedError', () =>
      inFiber(() => {
        const s = server(local, echo);
        s.start();
        s.close();
        s.close();
        expectCode(() => s.start(), 'ERR_SERVER_CLOSED');
      }));

    it('start() throws the listen error (EADDRINUSE) and may be called again once the port is free', () =>
      inFiber(() => {
        const holder = track(net.createServer());
        holder.listen(0, '127.0.0.1');
        until(() => holder.listening, 'listening');
        const port = holder.address().port;
        const s = server({ host: '127.0.0.1', port }, echo);
        expectCode(() => s.start(), 'EADDRINUSE');
        expect(s.started).to.equal(false);
        expect(s.closed).to.equal(false);
        holder.close();
        until(() => !holder.listening, 'closed');
        s.start();
        expect(s.address.port).to.equal(port);
      }));

    it('start() refuses to block in an event-loop callback', async () => {
      const s = server(local, echo);
      const res = await inCallback(() => s.start());
      expect(res.err).to.be.instanceOf(BlockingSwitchOutError);
      expect(s.started).to.equal(false);
    });

    it('serveForever() called while another start() is under way fails with that start\'s error', () =>
      withReports(() =>
        inFiber(() => {
          const own = track(net.createServer());
          const s = server(own, echo);
          const starting = spawn(() => s.start());
          sleep(0);
          const serving = spawn(() => s.serveForever());
          sleep(0);
          const err = new Error('listen failed');
          own.emit('error', err);
          expect(() => starting.get()).to.throw(err);
          expect(() => serving.get()).to.throw(err);
          expect(s.started).to.equal(false);
        }),
      ));

    it('close() during a start() that waits wakes it with ServerClosedError', () =>
      inFiber(() => {
        const own = track(net.createServer()); // not listening: start() waits for it
        const s = server(own, echo);
        spawn(() => s.close());
        expectCode(() => s.start(), 'ERR_SERVER_CLOSED');
        expect(s.closed).to.equal(true);
      }));

    it('a start() interrupted by a Timeout leaves the server not started', () =>
      inFiber(() => {
        const own = track(net.createServer());
        const s = server(own, echo);
        expect(withTimeout(10, () => s.start(), { fallback: 'timed out' })).to.equal('timed out');
        expect(s.started).to.equal(false);
        own.listen(0, '127.0.0.1');
        s.start();
        expect(s.started).to.equal(true);
      }));
  });

  describe('a net.Server of your own as the listener', () => {
    it('serves on a server that is already listening', () =>
      inFiber(() => {
        const own = track(net.createServer());
        own.listen(0, '127.0.0.1');
        until(() => own.listening, 'listening');
        const s = server(own, echo);
        expect(s.address.port).to.equal(own.address().port);
        expect(s.listener).to.equal(own);
        s.start();
        const c = track(connect(own.address().port, '127.0.0.1'));
        c.sendall('mine');
        c.shutdown('write');
        expect(recvAll(c).toString()).to.equal('mine');
        s.close();
        expect(own.listening).to.equal(false);
      }));

    it('start() waits for a listen() still under way', () =>
      inFiber(() => {
        const own = track(net.createServer());
        const s = server(own, echo);
        spawn(() => {
          sleep(5);
          own.listen(0, '127.0.0.1');
        });
        s.start();
        expect(s.address.port).to.equal(own.address().port);
      }));

    it('rejects backlog and tls with a server of your own (ERR_INVALID_ARG_VALUE)', () => {
      expectCode(() => new StreamServer(net.createServer(), echo, { backlog: 5 }), 'ERR_INVALID_ARG_VALUE');
      expectCode(() => new StreamServer(net.createServer(), echo, { tls: {} }), 'ERR_INVALID_ARG_VALUE');
    });
  });

  describe('TLS', () => {
    const cert = selfSignedCert('localhost');
    const clientOptions = (port) => ({ port, host: '127.0.0.1', ca: [cert.cert], servername: 'localhost' });

    it('with tls options, each handler gets a handshaken TLSSocket', () =>
      inFiber(() => {
        let info = null;
        const s = server(
          local,
          (sock) => {
            info = { tls: sock instanceof tls.TLSSocket, encrypted: sock.encrypted, protocol: sock.getProtocol() };
            echo(sock);
          },
          { tls: { key: cert.key, cert: cert.cert } },
        );
        s.start();
        expect(String(s)).to.match(/ tls>$/);
        const c = track(tls.connect(clientOptions(s.address.port)));
        c.sendall('secret');
        expect(c.recv().toString()).to.equal('secret');
        expect(info.tls).to.equal(true);
        expect(info.encrypted).to.equal(true);
        expect(info.protocol).to.match(/^TLS/);
      }));

    it('echoes byte-exact over TLS for many concurrent clients', () =>
      inFiber(() => {
        const s = server(local, echo, { tls: { key: cert.key, cert: cert.cert }, spawn: 8 });
        s.start();
        const gs = [];
        for (let i = 0; i < 40; i++) {
          gs.push(
            spawn(() => {
              const c = tls.connect(clientOptions(s.address.port));
              try {
                const msg = Buffer.alloc(5000 + i, i);
                c.sendall(msg);
                let got = Buffer.alloc(0);
                while (got.length < msg.length) got = Buffer.concat([got, c.recv()]);
                return got.equals(msg);
              } finally {
                c.close();
              }
            }),
          );
        }
        joinAll(gs);
        expect(gs.map((g) => g.value)).to.deep.equal(new Array(40).fill(true));
      }));

    it('a client that fails the handshake never reaches a handler; the failure is reported', () =>
      withReports((reports) =>
        inFiber(() => {
          let handled = 0;
          const s = server(
            local,
            (sock) => {
              handled++;
              echo(sock);
            },
            { tls: { key: cert.key, cert: cert.cert } },
          );
          s.start();
          const plain = track(connect(s.address.port, '127.0.0.1'));
          plain.sendall('GET / HTTP/1.0\r\n\r\n'); // not a TLS ClientHello
          try {
            expect(recvAll(plain).length).to.equal(0);
          } catch (err) {
            expect(err.code).to.equal('ECONNRESET');
          }
          until(() => reports.length === 1, 'the report');
          const c = track(tls.connect(clientOptions(s.address.port)));
          c.sendall('fine');
          expect(c.recv().toString()).to.equal('fine');
          expect(handled).to.equal(1);
          expect(reports).to.have.length(1);
          expect(reports[0].context).to.match(/StreamServer .* tls/);
        }),
      ));

    it('serves a tls.Server of your own', () =>
      inFiber(() => {
        const own = track(tls.createServer({ key: cert.key, cert: cert.cert }));
        own.listen(0, '127.0.0.1');
        until(() => own.listening, 'listening');
        const s = server(own, (sock) => sock.sendall(`tls ${sock instanceof tls.TLSSocket}`));
        s.start();
        const c = track(tls.connect(clientOptions(own.address().port)));
        expect(recvAll(c).toString()).to.equal('tls true');
      }));
  });

  describe('arguments', () => {
    it('rejects a bad listener (ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE)', () => {
      expectCode(() => new StreamServer('8000', echo), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => new StreamServer(null, echo), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => new StreamServer(-1, echo), 'ERR_OUT_OF_RANGE');
      expectCode(() => new StreamServer(65536, echo), 'ERR_OUT_OF_RANGE');
      expectCode(() => new StreamServer(80.5, echo), 'ERR_OUT_OF_RANGE');
      expectCode(() => new StreamServer({ port: '80' }, echo), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => new StreamServer({ host: 1, port: 80 }, echo), 'ERR_INVALID_ARG_TYPE');
    });

    it('rejects a handle that is not a function and bad options', () => {
      expectCode(() => new StreamServer(0, 'echo'), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => new StreamServer(0, echo, 'opts'), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => new StreamServer(0, echo, { spwan: 3 }), 'ERR_INVALID_ARG_VALUE');
      expectCode(() => new StreamServer(0, echo, { backlog: '5' }), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => new StreamServer(0, echo, { backlog: -5 }), 'ERR_OUT_OF_RANGE');
      expectCode(() => new StreamServer(0, echo, { tls: 'yes' }), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => new StreamServer(0, echo, { spawn: 'pool' }), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => new StreamServer(0, echo, { spawn: 0 }), 'ERR_OUT_OF_RANGE');
      expectCode(() => new StreamServer(0, echo, { spawn: 2.5 }), 'ERR_OUT_OF_RANGE');
    });

    it('takes backlog for a port it listens on itself', () =>
      inFiber(() => {
        const s = server({ host: '127.0.0.1', port: freePort() }, echo, { backlog: 16 });
        s.start();
        expect(s.started).to.equal(true);
      }));
  });

  describe('at a script\'s top level, without patchAll()', () => {
    it('start() and serveForever() block the root; handlers still get blocking-style sockets', () => {
      const lines = runScript(`
        const net = require('net');
        const { StreamServer, spawn, isPatched } = fibernet;
        const s = new StreamServer({ host: '127.0.0.1', port: 0 }, (sock, address) => {
          const data = sock.recv();
          sock.sendall('echo ' + data + ' from ' + address.family);
        });
        s.start();
        console.log('started', s.started, 'patched', isPatched('net'));
        const c = net.connect(s.address.port, '127.0.0.1', () => c.write('hi'));
        c.on('data', (d) => console.log(String(d)));
        c.on('end', () => s.close());
        s.serveForever();
        console.log('serveForever returned, closed', s.closed);
      `);
      expect(lines).to.deep.equal(['started true patched false', 'echo hi from IPv4', 'serveForever returned, closed true']);
    });
  });

  describe('examples', () => {
    it('examples/cluster-server.js: worker processes share one listener', function () {
      this.timeout(30000);
      const res = runNode(path.join(root, 'examples', 'cluster-server.js'), ['0', '2', '--clients', '6']);
      expect(res.stderr).to.equal('');
      expect(res.status).to.equal(0);
      const lines = res.stdout.trim().split('\n');
      const replies = lines.filter((l) => l.startsWith('client '));
      expect(replies).to.have.length(6);
      for (const l of replies) expect(l).to.match(/^client \d: worker \d+ echoed "hello from client \d"$/);
      const workers = new Set(replies.map((l) => /worker (\d+)/.exec(l)[1]));
      expect(workers.size).to.equal(2);
      expect(lines[lines.length - 1]).to.equal('all workers stopped');
    });

    it('examples/crawler.js: crawls a local site with Pool.imapUnordered', function () {
      this.timeout(30000);
      const res = runNode(path.join(root, 'examples', 'crawler.js'), []);
      expect(res.stderr).to.equal('');
      expect(res.status).to.equal(0);
      const lines = res.stdout.trim().split('\n');
      const pages = lines.filter((l) => /^\d{3} /.test(l));
      expect(pages.map((l) => l.split(' ')[1]).sort()).to.deep.equal(['/', '/a', '/a/1', '/a/2', '/b', '/b/1', '/missing']);
      expect(pages.find((l) => l.includes('/missing'))).to.match(/^404 /);
      expect(lines[lines.length - 1]).to.match(/^crawled 7 pages/);
    });
  });
});
