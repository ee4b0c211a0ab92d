'use strict';
const { expect } = require('chai');
const dgram = require('dgram');
const dns = require('dns');
const path = require('path');
const {
  patchAll,
  unpatchAll,
  isPatched,
  getOriginal,
  spawn,
  sleep,
  withTimeout,
  TimeoutError,
  ConcurrentObjectUseError,
  BlockingSwitchOutError,
} = require('../..');
const { inFiber, until, expectCode, inCallback } = require('./helpers');
const { root, runNode } = require('../helpers');

const opened = [];

/** A udp4 socket closed after the test. */
function socket(options = {}) {
  const s = dgram.createSocket({ type: 'udp4', ...options });
  opened.push(s);
  return s;
}

function closeAll() {
  while (opened.length) {
    try {
      opened.pop().close();
    } catch {
      // closed by the test
    }
  }
}

/** In a fiber: a socket bound to 127.0.0.1 on a free port, once it listens. */
function bound(options) {
  const s = socket(options);
  s.bind(0, '127.0.0.1');
  until(() => {
    try {
      return s.address().port > 0;
    } catch {
      return false;
    }
  }, 'bind');
  return s;
}

/** In a fiber: { server, client, port }: the client is not bound yet (sendto binds it). */
function udpPair() {
  const server = bound();
  return { server, client: socket(), port: server.address().port };
}

/** A custom lookup that never answers: sends and binds on the socket wait forever. */
const stalledLookup = () => {};

describe('dgram.Socket blocking API (patches/dgram)', () => {
  before(() => patchAll());
  afterEach(closeAll);

  describe('recvfrom() and sendto()', () => {
    it('recvfrom() returns the data and where it came from', () =>
      inFiber(() => {
        const { server, client, port } = udpPair();
        client.sendto('hello', port, '127.0.0.1');
        const r = server.recvfrom();
        expect(r.data.toString()).to.equal('hello');
        expect(r.address).to.equal('127.0.0.1');
        expect(r.port).to.equal(client.address().port);
        expect(r.family).to.equal('IPv4');
        expect(Object.keys(r).sort()).to.deep.equal(['address', 'data', 'family', 'port']);
      }));

    it('recv() returns the Buffer alone', () =>
      inFiber(() => {
        const { server, client, port } = udpPair();
        client.sendto(Buffer.from([1, 2, 3]), port, '127.0.0.1');
        const b = server.recv();
        expect(Buffer.isBuffer(b)).to.equal(true);
        expect(b).to.deep.equal(Buffer.from([1, 2, 3]));
      }));

    it('waits for a datagram when none is queued', () =>
      inFiber(() => {
        const { server, client, port } = udpPair();
        spawn(() => {
          sleep(5);
          client.sendto('late', port, '127.0.0.1');
        });
        expect(server.recv().toString()).to.equal('late');
      }));

    it('sendto() returns the bytes sent and binds an unbound socket on first use', () =>
      inFiber(() => {
        const { server, client, port } = udpPair();
        expect(() => client.address()).to.throw();
        expect(client.sendto('héllo', port, '127.0.0.1')).to.equal(6);
        expect(client.address().port).to.be.above(0);
        expect(server.recv().toString()).to.equal('héllo');
      }));

    it('sendto() accepts a TypedArray and a DataView', () =>
      inFiber(() => {
        const { server, client, port } = udpPair();
        expect(client.sendto(new Uint16Array([0x0201]), port, '127.0.0.1')).to.equal(2);
        expect(client.sendto(new DataView(new Uint8Array([9, 8, 7]).buffer), port, '127.0.0.1')).to.equal(3);
        expect(server.recv()).to.deep.equal(Buffer.from(new Uint16Array([0x0201]).buffer));
        expect(server.recv()).to.deep.equal(Buffer.from([9, 8, 7]));
      }));

    it('sendto() takes the options in place of the address (address defaults to localhost)', () =>
      inFiber(() => {
        const { server, client, port } = udpPair();
        expect(client.sendto('x', port, { timeout: 1000 })).to.equal(1);
        expect(server.recv().toString()).to.equal('x');
      }));

    it('an empty datagram arrives as an empty Buffer', () =>
      inFiber(() => {
        const { server, client, port } = udpPair();
        expect(client.sendto(Buffer.alloc(0), port, '127.0.0.1')).to.equal(0);
        const r = server.recvfrom();
        expect(r.data.length).to.equal(0);
        expect(r.port).to.equal(client.address().port);
      }));

    it('a reply comes back to the sender (echo)', () =>
      inFiber(() => {
        const { server, client, port } = udpPair();
        const echo = spawn(() => {
          const { data, address, port: from } = server.recvfrom();
          server.sendto(data.toString().toUpperCase(), from, address);
        });
        client.sendto('ping', port, '127.0.0.1');
        const r = client.recvfrom(100, { timeout: 2000 });
        expect(r.data.toString()).to.equal('PING');
        expect(r.port).to.equal(port);
        echo.join();
      }));

    it('two fibers may send on one socket at once', () =>
      inFiber(() => {
        const { server, client, port } = udpPair();
        const a = spawn(() => client.sendto('a', port, '127.0.0.1'));
        const b = spawn(() => client.sendto('bb', port, '127.0.0.1'));
        expect([a.get(), b.get()]).to.deep.equal([1, 2]);
        const got = [server.recv().toString(), server.recv().toString()].sort();
        expect(got).to.deep.equal(['a', 'bb']);
      }));
  });

  describe('the receive queue', () => {
    it('keeps datagrams that arrive while nobody waits, in arrival order', () =>
      inFiber(() => {
        const { server, client, port } = udpPair();
        server.blockingTimeout = 0;
        expectCode(() => server.recv(), 'EAGAIN'); // blocking mode from here on
        for (let i = 0; i < 5; i++) client.sendto(`d${i}`, port, '127.0.0.1');
        sleep(20);
        server.blockingTimeout = null;
        const got = [];
        for (let i = 0; i < 5; i++) got.push(server.recv().toString());
        expect(got).to.deep.equal(['d0', 'd1', 'd2', 'd3', 'd4']);
      }));

    it('keeps datagrams that arrive between bind() and the first blocking call', () =>
      inFiber(() => {
        const { server, client, port } = udpPair();
        client.sendto('early', port, '127.0.0.1');
        client.sendto('bird', port, '127.0.0.1');
        sleep(20);
        expect(server.recv().toString()).to.equal('early');
        expect(server.recv().toString()).to.equal('bird');
      }));

    it('truncates a datagram longer than max and discards the rest of it', () =>
      inFiber(() => {
        const { server, client, port } = udpPair();
        client.sendto('abcdef', port, '127.0.0.1');
        client.sendto('second', port, '127.0.0.1');
        expect(server.recvfrom(3).data.toString()).to.equal('abc');
        expect(server.recvfrom(100).data.toString()).to.equal('second');
      }));

    it('recvfrom(0) takes one datagram and returns empty data', () =>
      inFiber(() => {
        const { server, client, port } = udpPair();
        client.sendto('zero', port, '127.0.0.1');
        client.sendto('after', port, '127.0.0.1');
        const r = server.recvfrom(0);
        expect(r.data.length).to.equal(0);
        expect(r.port).to.equal(client.address().port);
        expect(server.recv().toString()).to.equal('after');
      }));

    it('is bounded by the receive buffer: the newest datagrams are dropped, the oldest kept', () =>
      inFiber(() => {
        const server = bound({ recvBufferSize: 4096 });
        const port = server.address().port;
        const client = socket();
        const limit = server.getRecvBufferSize();
        let arrived = 0;
        server.on('message', () => arrived++);
        server.blockingTimeout = 0;
        expectCode(() => server.recv(), 'EAGAIN');
        const n = 40;
        const size = 1000;
        // One at a time, so the kernel's own buffer never overflows: every drop is the queue's.
        for (let i = 0; i < n; i++) {
          const d = Buffer.alloc(size, 0);
          d.writeUInt16BE(i, 0);
          client.sendto(d, port, '127.0.0.1');
          until(() => arrived === i + 1, `datagram ${i}`);
        }
        const ids = [];
        for (;;) {
          let d;
          try {
            d = server.recv();
          } catch (err) {
            expect(err.code).to.equal('EAGAIN');
            break;
          }
          ids.push(d.readUInt16BE(0));
        }
        expect(ids.length).to.be.above(0);
        expect(ids.length).to.be.below(n);
        expect(ids).to.deep.equal([...Array(ids.length).keys()]);
        expect(ids.length * size).to.be.at.most(limit);
        // Drained: there is room again.
        client.sendto('room', port, '127.0.0.1');
        expect(server.recv(100, { timeout: 2000 }).toString()).to.equal('room');
      }));

    it('one datagram always fits, even one larger than the receive buffer', () =>
      inFiber(() => {
        const server = bound({ recvBufferSize: 4096 });
        const port = server.address().port;
        const big = Buffer.alloc(server.getRecvBufferSize() + 1000, 7);
        const client = socket();
        client.sendto(big, port, '127.0.0.1');
        expect(server.recv(65536, { timeout: 2000 })).to.deep.equal(big);
      }));
  });

  describe('timeouts', () => {
    it('throws TimeoutError "timed out" (code ETIMEDOUT) when the timeout passes', () =>
      inFiber(() => {
        const { server } = udpPair();
        const err = expectCode(() => server.recvfrom(100, { timeout: 10 }), 'ETIMEDOUT');
        expect(err).to.be.instanceOf(TimeoutError);
        expect(err.message).to.equal('timed out');
      }));

    it('a datagram that comes after a timeout is received by the next call', () =>
      inFiber(() => {
        const { server, client, port } = udpPair();
        expectCode(() => server.recv(100, { timeout: 5 }), 'ETIMEDOUT');
        client.sendto('after', port, '127.0.0.1');
        expect(server.recv().toString()).to.equal('after');
      }));

    it('uses blockingTimeout > 0 as the timeout of each call', () =>
      inFiber(() => {
        const { server } = udpPair();
        server.blockingTimeout = 5;
        expect(server.blockingTimeout).to.equal(5);
        expect(() => server.recv()).to.throw(TimeoutError);
      }));

    it('a per-call timeout overrides blockingTimeout', () =>
      inFiber(() => {
        const { server, client, port } = udpPair();
        server.blockingTimeout = 0;
        spawn(() => {
          sleep(5);
          client.sendto('waited', port, '127.0.0.1');
        });
        expect(server.recv(100, { timeout: null }).toString()).to.equal('waited');
      }));

    it('blockingTimeout is null by default', () => {
      expect(dgram.createSocket('udp4').blockingTimeout).to.equal(null);
    });

    it('with blockingTimeout 0 recvfrom() throws EAGAIN when nothing is queued', () =>
      inFiber(() => {
        const { server } = udpPair();
        server.blockingTimeout = 0;
        const err = expectCode(() => server.recvfrom(), 'EAGAIN');
        expect(err.syscall).to.equal('recvfrom');
      }));

    it('with blockingTimeout 0 recvfrom() still returns a queued datagram', () =>
      inFiber(() => {
        const { server, client, port } = udpPair();
        client.sendto('queued', port, '127.0.0.1');
        sleep(20);
        server.blockingTimeout = 0;
        expect(server.recv().toString()).to.equal('queued');
      }));

    it('with timeout 0 sendto() returns at once with the length, and the datagram goes out', () =>
      inFiber(() => {
        const { server, client, port } = udpPair();
        expect(client.sendto('nb', port, '127.0.0.1', { timeout: 0 })).to.equal(2);
        expect(server.recv().toString()).to.equal('nb');
      }));

    it('the error of a non-blocking send is thrown by the next call, once', () =>
      inFiber(() => {
        const { client, port } = udpPair();
        expect(client.sendto(Buffer.alloc(70000), port, '127.0.0.1', { timeout: 0 })).to.equal(70000);
        sleep(10);
        expectCode(() => client.sendto('x', port, '127.0.0.1'), 'EMSGSIZE');
        expect(client.sendto('x', port, '127.0.0.1')).to.equal(1);
      }));

    it('sendto() throws TimeoutError when the send does not complete in time', () =>
      inFiber(() => {
        const client = socket({ lookup: stalledLookup });
        expectCode(() => client.sendto('x', 9, '127.0.0.1', { timeout: 10 }), 'ETIMEDOUT');
      }));

    it('peer loss: a request to a port nobody listens on times out instead of hanging', () =>
      inFiber(() => {
        const gone = bound();
        const port = gone.address().port;
        gone.close();
        const client = socket();
        client.sendto('anyone?', port, '127.0.0.1');
        expectCode(() => client.recvfrom(100, { timeout: 20 }), 'ETIMEDOUT');
      }));

    it('peer loss mid-conversation: the next reply times out, the socket stays usable', () =>
      inFiber(() => {
        const { server, client, port } = udpPair();
        const echo = spawn(() => {
          const r = server.recvfrom();
          server.sendto(r.data, r.port, r.address);
          server.close(); // gone after one reply
        });
        client.blockingTimeout = 2000;
        client.sendto('one', port, '127.0.0.1');
        expect(client.recv().toString()).to.equal('one');
        echo.join();
        client.sendto('two', port, '127.0.0.1');
        expectCode(() => client.recv(100, { timeout: 20 }), 'ETIMEDOUT');
        const other = bound();
        client.sendto('three', other.address().port, '127.0.0.1');
        expect(other.recv().toString()).to.equal('three');
      }));

    it('a Timeout interrupts recvfrom(), and the datagram that comes later is not lost', () =>
      inFiber(() => {
        const { server, client, port } = udpPair();
        expect(withTimeout(10, () => server.recv(), { fallback: 'interrupted' })).to.equal('interrupted');
        client.sendto('kept', port, '127.0.0.1');
        expect(server.recv().toString()).to.equal('kept');
      }));

    it('kill() interrupts recvfrom(); another fiber then receives the next datagram', () =>
      inFiber(() => {
        const { server, client, port } = udpPair();
        const reader = spawn(() => server.recv());
        sleep(5);
        reader.kill();
        expect(reader.dead).to.equal(true);
        client.sendto('for the next', port, '127.0.0.1');
        expect(server.recv().toString()).to.equal('for the next');
      }));
  });

  describe('close() and errors', () => {
    it('recvfrom(), recv() and sendto() on a closed socket throw EBADF', () =>
      inFiber(() => {
        const { server, port } = udpPair();
        server.close();
        expect(expectCode(() => server.recvfrom(), 'EBADF').message).to.match(/closed/);
        expectCode(() => server.recv(), 'EBADF');
        expectCode(() => server.sendto('x', port, '127.0.0.1'), 'EBADF');
      }));

    it('a socket closed before its first blocking call throws EBADF too', () =>
      inFiber(() => {
        const s = dgram.createSocket('udp4');
        s.close();
        expectCode(() => s.recv(), 'EBADF');
      }));

    it('close() wakes a fiber waiting in recvfrom() with EBADF', () =>
      inFiber(() => {
        const { server } = udpPair();
        const reader = spawn(() => {
          try {
            server.recvfrom();
          } catch (err) {
            return err;
          }
        });
        sleep(5);
        server.close();
        const err = reader.get();
        expect(err.code).to.equal('EBADF');
        expect(err.message).to.match(/closed/);
      }));

    it('close() wakes a fiber waiting in sendto() with EBADF', () =>
      inFiber(() => {
        const client = socket({ lookup: stalledLookup });
        const sender = spawn(() => {
          try {
            client.sendto('x', 9, '127.0.0.1');
          } catch (err) {
            return err.code;
          }
        });
        sleep(5);
        client.close();
        expect(sender.get()).to.equal('EBADF');
      }));

    it('datagrams queued when the socket is closed are gone: EBADF, not data', () =>
      inFiber(() => {
        const { server, client, port } = udpPair();
        client.sendto('never read', port, '127.0.0.1');
        sleep(20);
        server.close();
        expectCode(() => server.recv(), 'EBADF');
      }));

    it('a failed implicit bind wakes sendto() with its error instead of hanging', () =>
      inFiber(() => {
        const fail = (host, options, cb) => cb(Object.assign(new Error(`no ${host}`), { code: 'ENOTFOUND' }));
        const client = socket({ lookup: fail });
        expectCode(() => client.sendto('x', 9, '127.0.0.1', { timeout: 2000 }), 'ENOTFOUND');
      }));

    it('a destination that does not resolve: sendto() throws the lookup error', () =>
      inFiber(() => {
        const lookup = (host, options, cb) =>
          host === 'nowhere.invalid' ? cb(Object.assign(new Error('nowhere'), { code: 'ENOTFOUND' })) : dns.lookup(host, options, cb);
        const client = socket({ lookup });
        expectCode(() => client.sendto('x', 9, 'nowhere.invalid', { timeout: 2000 }), 'ENOTFOUND');
      }));

    it('a datagram too large throws EMSGSIZE', () =>
      inFiber(() => {
        const { client, port } = udpPair();
        expectCode(() => client.sendto(Buffer.alloc(70000), port, '127.0.0.1'), 'EMSGSIZE');
      }));

    it('a bind error (EADDRINUSE) is thrown by the next recvfrom(), once', () =>
      inFiber(() => {
        const { port } = udpPair();
        const s = socket();
        s.bind(port, '127.0.0.1');
        expectCode(() => s.recvfrom(100, { timeout: 2000 }), 'EADDRINUSE');
        expectCode(() => s.recvfrom(100, { timeout: 5 }), 'ETIMEDOUT');
      }));

    it('two fibers receiving at once: the second gets ConcurrentObjectUseError', () =>
      inFiber(() => {
        const { server, client, port } = udpPair();
        const first = spawn(() => server.recv().toString());
        sleep(5);
        const err = expectCode(() => server.recvfrom(), 'ERR_CONCURRENT_OBJECT_USE');
        expect(err).to.be.instanceOf(ConcurrentObjectUseError);
        client.sendto('for the first', port, '127.0.0.1');
        expect(first.get()).to.equal('for the first');
      }));
  });

  describe('event-loop callbacks', () => {
    it('recvfrom() with a datagram queued works in an event-loop callback', async () => {
      const { server } = await inFiber(() => {
        const p = udpPair();
        p.client.sendto('ready', p.port, '127.0.0.1');
        sleep(20);
        return p;
      });
      const r = await inCallback(() => server.recv());
      expect(r.err).to.equal(undefined);
      expect(r.value.toString()).to.equal('ready');
    });

    it('recvfrom() with nothing queued throws BlockingSwitchOutError there', async () => {
      const { server } = await inFiber(() => udpPair());
      const r = await inCallback(() => server.recvfrom());
      expect(r.err).to.be.instanceOf(BlockingSwitchOutError);
      expect(r.err.message).to.include('spawn()');
    });

    it('sendto() throws BlockingSwitchOutError there and sends nothing; with timeout 0 it sends', async () => {
      const { server, client, port } = await inFiber(() => udpPair());
      const r = await inCallback(() => client.sendto('refused', port, '127.0.0.1'));
      expect(r.err).to.be.instanceOf(BlockingSwitchOutError);
      const nb = await inCallback(() => client.sendto('sent', port, '127.0.0.1', { timeout: 0 }));
      expect(nb.value).to.equal(4);
      await inFiber(() => {
        expect(server.recv().toString()).to.equal('sent');
        sleep(20);
        expectCode(() => server.recv(100, { timeout: 0 }), 'EAGAIN');
      });
    });
  });

  describe('the evented API', () => {
    it("a socket that never blocks gets every datagram on its 'message' listener, and nothing is kept for recvfrom()", () =>
      inFiber(() => {
        const server = bound();
        const port = server.address().port;
        const got = [];
        server.on('message', (msg, rinfo) => got.push([msg.toString(), rinfo.address]));
        const client = socket();
        for (const m of ['a', 'b', 'c']) client.send(m, port, '127.0.0.1');
        until(() => got.length === 3, 'three messages');
        expect(got).to.deep.equal([
          ['a', '127.0.0.1'],
          ['b', '127.0.0.1'],
          ['c', '127.0.0.1'],
        ]);
        expectCode(() => server.recv(100, { timeout: 0 }), 'EAGAIN');
      }));

    it("bind() adds no 'error' or 'close' listener: errors stay the evented code's", () =>
      inFiber(() => {
        const s = bound();
        expect(s.listenerCount('error')).to.equal(0);
        expect(s.listenerCount('close')).to.equal(0);
      }));

    it("an evented socket's own bind error still reaches its 'error' listener", () =>
      inFiber(() => {
        const { port } = udpPair();
        const s = socket();
        let seen = null;
        s.on('error', (err) => (seen = err));
        s.bind(port, '127.0.0.1');
        until(() => seen !== null, "the 'error' event");
        expect(seen.code).to.equal('EADDRINUSE');
      }));

    it('send() with a callback still works on a patched socket', () =>
      inFiber(() => {
        const { server, client, port } = udpPair();
        let result = null;
        client.send('cb', port, '127.0.0.1', (err, bytes) => (result = { err, bytes }));
        until(() => result !== null, 'the callback');
        expect(result).to.deep.equal({ err: null, bytes: 2 });
        expect(server.recv().toString()).to.equal('cb');
      }));

    it("Node's own sendto(buf, offset, length, port, address, cb) still works", () =>
      inFiber(() => {
        const { server, client, port } = udpPair();
        let done = false;
        client.sendto(Buffer.from('xxpartxx'), 2, 4, port, '127.0.0.1', () => (done = true));
        until(() => done, 'the callback');
        expect(server.recv().toString()).to.equal('part');
      }));

    it('close(callback) still calls its callback', () =>
      inFiber(() => {
        const { server } = udpPair();
        let closed = false;
        server.close(() => (closed = true));
        until(() => closed, 'the close callback');
      }));
  });

  describe('bad arguments', () => {
    const bad = (fn, code, Cls) => inFiber(() => expect(() => fn(udpPair())).to.throw(Cls).with.property('code', code));

    it('recvfrom() rejects a non-number max with ERR_INVALID_ARG_TYPE', () => bad(({ server }) => server.recvfrom('10'), 'ERR_INVALID_ARG_TYPE', TypeError));
    it('recvfrom() rejects a negative max with ERR_OUT_OF_RANGE', () => bad(({ server }) => server.recvfrom(-1), 'ERR_OUT_OF_RANGE', RangeError));
    it('recvfrom() rejects a fractional max with ERR_OUT_OF_RANGE', () => bad(({ server }) => server.recvfrom(1.5), 'ERR_OUT_OF_RANGE', RangeError));
    it('recv() rejects NaN with ERR_OUT_OF_RANGE', () => bad(({ server }) => server.recv(NaN), 'ERR_OUT_OF_RANGE', RangeError));
    it('recvfrom() rejects non-object options with ERR_INVALID_ARG_TYPE', () => bad(({ server }) => server.recvfrom(10, 5), 'ERR_INVALID_ARG_TYPE', TypeError));
    it('recvfrom() rejects a negative timeout with ERR_OUT_OF_RANGE', () => bad(({ server }) => server.recvfrom(10, { timeout: -1 }), 'ERR_OUT_OF_RANGE', RangeError));
    it('recvfrom() rejects a non-number timeout with ERR_INVALID_ARG_TYPE', () =>
      bad(({ server }) => server.recvfrom(10, { timeout: '5' }), 'ERR_INVALID_ARG_TYPE', TypeError));
    it('sendto() rejects a number as data with ERR_INVALID_ARG_TYPE', () => bad(({ client, port }) => client.sendto(42, port), 'ERR_INVALID_ARG_TYPE', TypeError));
    it('sendto() rejects a non-number port with ERR_INVALID_ARG_TYPE', () => bad(({ client }) => client.sendto('x', '9'), 'ERR_INVALID_ARG_TYPE', TypeError));
    it('sendto() rejects port 0 with ERR_OUT_OF_RANGE', () => bad(({ client }) => client.sendto('x', 0), 'ERR_OUT_OF_RANGE', RangeError));
    it('sendto() rejects port 65536 with ERR_OUT_OF_RANGE', () => bad(({ client }) => client.sendto('x', 65536), 'ERR_OUT_OF_RANGE', RangeError));
    it('sendto() rejects a fractional port with ERR_OUT_OF_RANGE', () => bad(({ client }) => client.sendto('x', 1.5), 'ERR_OUT_OF_RANGE', RangeError));
    it('sendto() rejects a non-string address with ERR_INVALID_ARG_TYPE', () =>
      bad(({ client, port }) => client.sendto('x', port, true), 'ERR_INVALID_ARG_TYPE', TypeError));
    it('sendto() rejects a negative timeout with ERR_OUT_OF_RANGE', () =>
      bad(({ client, port }) => client.sendto('x', port, '127.0.0.1', { timeout: -1 }), 'ERR_OUT_OF_RANGE', RangeError));
    it('blockingTimeout rejects a string with ERR_INVALID_ARG_TYPE', () =>
      bad(({ server }) => {
        server.blockingTimeout = '5';
      }, 'ERR_INVALID_ARG_TYPE', TypeError));
    it('blockingTimeout rejects a negative number with ERR_OUT_OF_RANGE', () =>
      bad(({ server }) => {
        server.blockingTimeout = -1;
      }, 'ERR_OUT_OF_RANGE', RangeError));
    it('a bad argument sends nothing', () =>
      inFiber(() => {
        const { server, client, port } = udpPair();
        expect(() => client.sendto('x', port, '127.0.0.1', { timeout: 'soon' })).to.throw(TypeError);
        sleep(20);
        expectCode(() => server.recv(100, { timeout: 0 }), 'EAGAIN');
      }));
    it('the methods on something that is not a dgram.Socket throw ERR_INVALID_ARG_TYPE', () => {
      expect(() => dgram.Socket.prototype.recvfrom.call({})).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
      expect(() => dgram.Socket.prototype.sendto.call({}, 'x', 9)).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
    });
  });

  describe('patching', () => {
    const ADDED = ['recvfrom', 'recv', 'blockingTimeout'];
    const WRAPPED = ['bind', 'close', 'sendto'];
    after(() => patchAll());

    it('patchAll() adds the blocking methods, not enumerable', () => {
      patchAll();
      expect(isPatched('dgram')).to.equal(true);
      for (const m of [...ADDED, 'sendto']) expect(Object.getOwnPropertyDescriptor(dgram.Socket.prototype, m).enumerable).to.equal(false);
    });

    it('unpatchAll() removes the added methods and restores the wrapped ones by identity', () => {
      unpatchAll();
      const before = WRAPPED.map((k) => Object.getOwnPropertyDescriptor(dgram.Socket.prototype, k));
      const names = Reflect.ownKeys(dgram.Socket.prototype).map(String).sort();
      patchAll();
      expect(getOriginal('dgram', 'Socket.prototype.close')).to.equal(before[1].value);
      expect(getOriginal('dgram', 'Socket.prototype.recvfrom')).to.equal(undefined);
      unpatchAll();
      expect(isPatched('dgram')).to.equal(false);
      for (const m of ADDED) expect(Object.getOwnPropertyDescriptor(dgram.Socket.prototype, m)).to.equal(undefined);
      expect(WRAPPED.map((k) => Object.getOwnPropertyDescriptor(dgram.Socket.prototype, k))).to.deep.equal(before);
      expect(Reflect.ownKeys(dgram.Socket.prototype).map(String).sort()).to.deep.equal(names);
    });

    it('patchAll({ dgram: false }) leaves dgram alone', () => {
      unpatchAll();
      patchAll({ dgram: false });
      expect(isPatched('dgram')).to.equal(false);
      expect('recvfrom' in dgram.Socket.prototype).to.equal(false);
      expect(isPatched('net')).to.equal(true);
    });
  });

  describe('examples/udp-echo.js', () => {
    it('runs as a plain node script: the client gets every echo, then a timeout', () => {
      const res = runNode(path.join(root, 'examples', 'udp-echo.js'), [], { timeout: 20000 });
      expect(res.stderr).to.equal('');
      expect(res.status).to.equal(0);
      expect(res.stdout.split('\n')).to.deep.equal([
        'client: hello -> HELLO (from the server\'s port: true)',
        'client: udp -> UDP (from the server\'s port: true)',
        'client: echo -> ECHO (from the server\'s port: true)',
        'client: no answer to "quit": timed out',
        'server: 3 datagrams echoed',
        '',
      ]);
    });
  });
});
