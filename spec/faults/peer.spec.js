'use strict';
// Fault suite: what the other end (or other code) does to a socket a fiber is
// blocked on. A reset surfaces as an error with code ECONNRESET, a half-close
// as EOF while the other direction keeps working, a close() or destroy() by
// someone else as EBADF; none of them hangs the fiber, and afterwards the
// socket's handle is released.
const { expect } = require('chai');
const net = require('net');
const { patchAll, spawn, sleep, connect } = require('../..');
const { inFiber, cleanup, track, listen, pair, until, freePort, expectCode, inCallback } = require('../net/helpers');
const { resources, expectNoLeakedResources, pattern, readToEof } = require('./helpers');

/** Runs fn() and returns the error it throws (fails if it returns). */
function errorOf(fn) {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

/** A greenlet running fn(); its value is { value } or { error }. */
function attempt(fn) {
  return spawn(() => {
    try {
      return { value: fn() };
    } catch (error) {
      return { error };
    }
  });
}

/** In a fiber: like pair(), with `base`: the resources before the two sockets existed. */
function freshPair() {
  const server = listen();
  const base = resources();
  const client = track(connect(server.address().port, '127.0.0.1'));
  const conn = track(server.accept());
  return { server, client, conn, base };
}

describe('faults: the peer resets the connection', function () {
  before(() => patchAll());
  afterEach(cleanup);

  const blocked = [
    ['recv()', ({ conn }) => conn.recv()],
    ['recvInto()', ({ conn }) => conn.recvInto(Buffer.alloc(64))],
    ['sendall() of 32 MiB the peer does not read', ({ conn }) => conn.sendall(Buffer.alloc(32 * 1024 * 1024))],
    [
      'send() under backpressure',
      ({ conn }) => {
        conn.sendall(Buffer.alloc(4 * 1024 * 1024), { timeout: 0 });
        return conn.send('more');
      },
    ],
  ];

  for (const [name, call] of blocked) {
    it(`while a fiber waits in ${name}: it wakes with ECONNRESET, every later call fails the same way, close() releases the handle`, () =>
      inFiber(() => {
        const { client, conn, base } = freshPair();
        const waiting = attempt(() => call({ conn }));
        sleep(10);
        expect(waiting.dead, 'the call blocks').to.equal(false);
        client.resetAndDestroy();
        const { error } = waiting.get();
        expect(error).to.be.an('error');
        expect(error.code).to.equal('ECONNRESET');
        expectCode(() => conn.recv(), 'ECONNRESET');
        expectCode(() => conn.recvInto(Buffer.alloc(4)), 'ECONNRESET');
        expectCode(() => conn.send('x'), 'ECONNRESET');
        expectCode(() => conn.sendall('x'), 'ECONNRESET');
        conn.close();
        conn.close(); // idempotent
        expectCode(() => conn.recv(), 'EBADF');
        expectNoLeakedResources(base);
      }));
  }

  it('a reader and a writer waiting at once both wake with ECONNRESET', () =>
    inFiber(() => {
      const { client, conn, base } = freshPair();
      const reader = attempt(() => conn.recv());
      const writer = attempt(() => conn.sendall(Buffer.alloc(32 * 1024 * 1024)));
      sleep(10);
      expect([reader.dead, writer.dead]).to.deep.equal([false, false]);
      client.resetAndDestroy();
      expect(reader.get().error.code).to.equal('ECONNRESET');
      expect(writer.get().error.code).to.equal('ECONNRESET');
      conn.close();
      expectNoLeakedResources(base);
    }));

  it('a peer that closes without reading what it was sent resets a sendall() in progress: ECONNRESET, no hang', () =>
    inFiber(() => {
      const { client, conn, base } = freshPair();
      const writer = attempt(() => conn.sendall(Buffer.alloc(32 * 1024 * 1024)));
      sleep(10);
      client.close(); // unread bytes in its receive buffer: the kernel answers with RST
      expect(writer.get().error.code).to.equal('ECONNRESET');
      conn.close();
      expectNoLeakedResources(base);
    }));

  it('an evented server that resets every connection: a blocking client gets ECONNRESET from recv(), never a hang', () =>
    inFiber(() => {
      const server = track(net.createServer((s) => s.resetAndDestroy()));
      server.listen(0, '127.0.0.1');
      until(() => server.listening, 'listening');
      const base = resources();
      for (let i = 0; i < 20; i++) {
        let sock = null;
        // The reset may come while connect() still waits, or once recv() does.
        const err = errorOf(() => {
          sock = connect(server.address().port, '127.0.0.1');
          for (;;) if (sock.recv().length === 0) throw Object.assign(new Error('EOF instead of a reset'), { code: 'EOF' });
        });
        expect(err.code).to.equal('ECONNRESET');
        if (sock !== null) sock.close();
      }
      expectNoLeakedResources(base);
    }));

  // libuv (Node 20 and 22) may end the read with EOF when the reset comes
  // with the last bytes; recv() then asks the kernel (native/sockopt.cc).
  it('bytes that arrived before the reset (in Node\'s buffer and the kernel\'s) are returned before ECONNRESET, which every later recv() throws too', () =>
    inFiber(() => {
      const { client, conn } = pair();
      client.sendall(pattern(100000)); // more than Node buffers for a paused socket (64 KiB): the rest waits in the kernel
      until(() => conn.readableLength >= 65536, 'the bytes buffered');
      sleep(20);
      client.resetAndDestroy();
      sleep(20); // the RST has arrived (Node notices it once it reads again)
      const got = [];
      let err = null;
      for (;;) {
        try {
          const b = conn.recv(7000);
          if (b.length === 0) break;
          got.push(b);
        } catch (e) {
          err = e;
          break;
        }
      }
      expect(Buffer.concat(got).equals(pattern(100000))).to.equal(true);
      expect(err && err.code).to.equal('ECONNRESET');
      expectCode(() => conn.recv(10), 'ECONNRESET');
    }));
});

describe('faults: writing to a peer that has gone', function () {
  before(() => patchAll());
  afterEach(cleanup);

  // The peer has closed; our first write after its FIN is answered with a
  // RST, so the next write fails at once (EPIPE) inside Node's write(): the
  // call that made it must throw, not the one after.
  for (const call of ['sendall', 'send']) {
    it(`${call}() whose write the kernel refuses at once (EPIPE after the peer's RST) throws that error`, () =>
      inFiber(() => {
        const { client, conn } = pair();
        conn.close();
        expect(client.recv().length).to.equal(0); // the peer's FIN
        client[call]('x'.repeat(1000)); // accepted: the peer answers with RST
        sleep(20);
        const err = errorOf(() => client[call]('y'.repeat(1000)));
        expect(['EPIPE', 'ECONNRESET']).to.include(err.code);
        expect(['EPIPE', 'ECONNRESET']).to.include(errorOf(() => client[call]('z')).code); // and it stays failed
      }));
  }
});

describe('faults: half-close (the peer shuts down writing)', function () {
  before(() => patchAll());
  afterEach(cleanup);

  it('recv() waiting when the peer calls shutdown("write") returns EOF; we can still send, and the peer gets every byte', () =>
    inFiber(() => {
      const { client, conn, base } = freshPair();
      const reader = spawn(() => conn.recv());
      sleep(5);
      client.shutdown('write');
      expect(reader.get().length).to.equal(0);
      expect(conn.recv().length).to.equal(0); // EOF stays EOF
      expect(conn.recvInto(Buffer.alloc(4))).to.equal(0);
      const reply = pattern(3 * 1024 * 1024, 5);
      const peer = spawn(() => readToEof(client));
      conn.sendall(reply);
      conn.shutdown('write');
      expect(peer.get().equals(reply)).to.equal(true);
      client.close();
      conn.close();
      expectNoLeakedResources(base);
    }));

  it('a plain evented peer that calls end(): the accepted socket sees EOF and its reply still reaches the peer', () =>
    inFiber(() => {
      const server = listen();
      const got = [];
      let ended = false;
      const peer = track(net.connect({ port: server.address().port, host: '127.0.0.1', allowHalfOpen: true }));
      peer.on('data', (d) => got.push(d));
      peer.on('end', () => {
        ended = true;
        peer.end();
      });
      peer.once('connect', () => peer.end('request'));
      const conn = track(server.accept());
      expect(readToEof(conn).toString()).to.equal('request');
      conn.sendall('reply after EOF');
      conn.shutdown('write');
      until(() => ended, "the peer's 'end'");
      expect(Buffer.concat(got).toString()).to.equal('reply after EOF');
    }));

  it('the peer shutting down writing during our large sendall() does not disturb it: the peer reads every byte', () =>
    inFiber(() => {
      const { client, conn } = pair();
      const payload = pattern(16 * 1024 * 1024, 9);
      const writer = attempt(() => {
        conn.sendall(payload);
        conn.shutdown('write');
      });
      sleep(5);
      expect(writer.dead, 'sendall() waits for the reader').to.equal(false);
      client.shutdown('write');
      expect(readToEof(client).equals(payload)).to.equal(true);
      expect(writer.get()).to.deep.equal({ value: undefined });
      expect(conn.recv().length).to.equal(0);
    }));

  it('our own shutdown("write") leaves reading open: the peer\'s bytes still arrive', () =>
    inFiber(() => {
      const { client, conn } = pair();
      conn.shutdown('write');
      expect(client.recv().length).to.equal(0);
      expectCode(() => conn.sendall('x'), 'EPIPE');
      const payload = pattern(2 * 1024 * 1024, 4);
      spawn(() => {
        client.sendall(payload);
        client.shutdown('write');
      });
      expect(readToEof(conn).equals(payload)).to.equal(true);
    }));
});

describe('faults: the socket is closed while another fiber waits on it', function () {
  before(() => patchAll());
  afterEach(cleanup);

  const waits = [
    ['recv()', ({ conn }) => conn.recv()],
    ['recvInto()', ({ conn }) => conn.recvInto(Buffer.alloc(64))],
    [
      'send() under backpressure',
      ({ conn }) => {
        conn.sendall(Buffer.alloc(4 * 1024 * 1024), { timeout: 0 });
        return conn.send('more');
      },
    ],
    ['sendall() of 32 MiB the peer does not read', ({ conn }) => conn.sendall(Buffer.alloc(32 * 1024 * 1024))],
  ];

  for (const [name, call] of waits) {
    it(`close() wakes a fiber waiting in ${name} with EBADF; later calls throw EBADF`, () =>
      inFiber(() => {
        const { conn } = pair();
        const waiting = attempt(() => call({ conn }));
        sleep(10);
        expect(waiting.dead, 'the call blocks').to.equal(false);
        conn.close();
        const { error } = waiting.get();
        expect(error.code).to.equal('EBADF');
        expect(error.message).to.equal('The socket was closed while this fiber was waiting on it');
        for (const later of [() => conn.recv(), () => conn.recvInto(Buffer.alloc(1)), () => conn.send('x'), () => conn.sendall('x'), () => conn.shutdown()]) {
          expectCode(later, 'EBADF');
        }
      }));
  }

  it('close() of a socket a reader and a writer wait on wakes both with EBADF, and its handle is released', () =>
    inFiber(() => {
      const { client, conn, base } = freshPair();
      conn.sendall(Buffer.alloc(4 * 1024 * 1024), { timeout: 0 });
      const reader = attempt(() => conn.recv());
      const writer = attempt(() => conn.send('x'));
      sleep(10);
      expect([reader.dead, writer.dead], 'both wait').to.deep.equal([false, false]);
      conn.close();
      expect(reader.get().error.code).to.equal('EBADF');
      expect(writer.get().error.code).to.equal('EBADF');
      client.close();
      expectNoLeakedResources(base);
    }));

  it("close() while another fiber waits in sendall() releases the socket at once (that sendall's bytes are reported as not sent, EBADF)", () =>
    inFiber(() => {
      const { client, conn, base } = freshPair();
      const writer = attempt(() => client.sendall(Buffer.alloc(32 * 1024 * 1024)));
      sleep(10);
      expect(writer.dead, 'sendall() waits for the reader').to.equal(false);
      client.close();
      expect(writer.get().error.code).to.equal('EBADF');
      expect(client.destroyed, 'the socket is destroyed by close()').to.equal(true);
      conn.destroy();
      expectNoLeakedResources(base);
    }));

  it('close() from an event-loop callback (not a fiber) wakes the waiting fiber with EBADF', () =>
    inFiber(() => {
      const { conn } = pair();
      const reader = attempt(() => conn.recv());
      sleep(5);
      setImmediate(() => conn.close());
      expect(reader.get().error.code).to.equal('EBADF');
    }));

  it('destroy() by other code while a fiber waits in recv(): EBADF; destroy(err): that error', () =>
    inFiber(() => {
      const a = pair();
      const r1 = attempt(() => a.conn.recv());
      sleep(5);
      a.conn.destroy();
      expect(r1.get().error.code).to.equal('EBADF');

      const b = pair();
      const r2 = attempt(() => b.conn.recv());
      sleep(5);
      const custom = Object.assign(new Error('torn down'), { code: 'ECUSTOM' });
      b.conn.destroy(custom);
      expect(r2.get().error).to.equal(custom);
    }));

  it('server.close() wakes a fiber waiting in accept() with EBADF; later accepts throw EBADF, and the listening handle is gone', () =>
    inFiber(() => {
      const base = resources();
      const server = listen();
      const acceptor = attempt(() => server.accept());
      sleep(5);
      server.close();
      const { error } = acceptor.get();
      expect(error.code).to.equal('EBADF');
      expectCode(() => server.accept(), 'EBADF');
      expectNoLeakedResources(base);
    }));
});

describe('faults: connections that fail', function () {
  before(() => patchAll());
  afterEach(cleanup);

  it('connect() to a port nobody listens on throws ECONNREFUSED and leaves no handle', () =>
    inFiber(() => {
      const port = freePort();
      const base = resources();
      for (let i = 0; i < 20; i++) expectCode(() => connect(port, '127.0.0.1'), 'ECONNREFUSED');
      expectNoLeakedResources(base);
    }));

  it('a socket closed while still connecting (connect with timeout 0) leaves no handle, and its recv() throws EBADF', () =>
    inFiber(() => {
      const server = listen();
      const base = resources();
      const sock = connect(server.address().port, '127.0.0.1', { timeout: 0 });
      sock.close();
      expectCode(() => sock.recv(), 'EBADF');
      expectNoLeakedResources(base);
    }));

  it('a blocking call on an accepted socket in an event-loop callback is refused, and the socket still works in a fiber', async () => {
    const { client, conn } = await inFiber(() => pair());
    const r = await inCallback(() => conn.recv());
    expect(r.err && r.err.code).to.equal('ERR_BLOCKING_SWITCH_OUT');
    await inFiber(() => {
      client.sendall('still fine');
      expect(conn.recv().toString()).to.equal('still fine');
    });
  });
});
