'use strict';
const { expect } = require('chai');
const net = require('net');
const { patchAll, spawn, sleep, TimeoutError, ConcurrentObjectUseError, BlockingSwitchOutError } = require('../..');
const { inFiber, cleanup, pair, until, track, expectCode, inCallback } = require('./helpers');

describe('net.Socket blocking API (patches/net)', () => {
  before(() => patchAll());
  afterEach(cleanup);

  describe('recv()', () => {
    it('returns the bytes the peer sent', () =>
      inFiber(() => {
        const { client, conn } = pair();
        client.sendall('hello');
        expect(conn.recv().toString()).to.equal('hello');
      }));

    it('waits for data when nothing is buffered', () =>
      inFiber(() => {
        const { client, conn } = pair();
        spawn(() => {
          sleep(5);
          client.sendall('late');
        });
        expect(conn.recv().toString()).to.equal('late');
      }));

    it('returns buffered data at once, without switching (works even in an event-loop callback)', async () => {
      const { conn } = await inFiber(() => {
        const p = pair();
        p.client.sendall('ready');
        until(() => p.conn.readableLength === 5, 'buffered bytes');
        return p;
      });
      const r = await inCallback(() => conn.recv());
      expect(r.err).to.equal(undefined);
      expect(r.value.toString()).to.equal('ready');
    });

    it('returns at most max bytes and keeps the rest', () =>
      inFiber(() => {
        const { client, conn } = pair();
        client.sendall('0123456789');
        until(() => conn.readableLength === 10, 'buffered bytes');
        expect(conn.recv(4).toString()).to.equal('0123');
        expect(conn.recv().toString()).to.equal('456789');
      }));

    it('recv(0) returns an empty Buffer at once', () =>
      inFiber(() => {
        const { conn } = pair();
        const b = conn.recv(0);
        expect(Buffer.isBuffer(b)).to.equal(true);
        expect(b.length).to.equal(0);
      }));

    it('returns an empty Buffer at EOF', () =>
      inFiber(() => {
        const { client, conn } = pair();
        client.shutdown('write');
        expect(conn.recv().length).to.equal(0);
      }));

    it('keeps returning an empty Buffer after EOF', () =>
      inFiber(() => {
        const { client, conn } = pair();
        client.shutdown('write');
        conn.recv();
        expect(conn.recv().length).to.equal(0);
      }));

    it('returns the bytes that arrived before EOF first', () =>
      inFiber(() => {
        const { client, conn } = pair();
        client.sendall('last words');
        client.shutdown('write');
        until(() => conn._readableState.ended, 'EOF');
        expect(conn.recv().toString()).to.equal('last words');
        expect(conn.recv().length).to.equal(0);
      }));

    it('throws ECONNRESET when the peer resets, after the bytes that came before', () =>
      inFiber(() => {
        const { client, conn } = pair();
        client.sendall('before');
        until(() => conn.readableLength === 6, 'buffered bytes');
        client.resetAndDestroy();
        until(() => conn.destroyed, 'the reset');
        expect(conn.recv().toString()).to.equal('before');
        expectCode(() => conn.recv(), 'ECONNRESET');
      }));

    it('wakes a waiting fiber with ECONNRESET when the peer resets', () =>
      inFiber(() => {
        const { client, conn } = pair();
        spawn(() => {
          sleep(5);
          client.resetAndDestroy();
        });
        expectCode(() => conn.recv(), 'ECONNRESET');
      }));

    it('throws TimeoutError "timed out" (code ETIMEDOUT) when the timeout passes', () =>
      inFiber(() => {
        const { conn } = pair();
        const err = expectCode(() => conn.recv(10, { timeout: 10 }), 'ETIMEDOUT');
        expect(err).to.be.instanceOf(TimeoutError);
        expect(err.message).to.equal('timed out');
      }));

    it('is usable again after a timeout', () =>
      inFiber(() => {
        const { client, conn } = pair();
        expectCode(() => conn.recv(10, { timeout: 5 }), 'ETIMEDOUT');
        client.sendall('again');
        expect(conn.recv().toString()).to.equal('again');
      }));

    it('with blockingTimeout 0 throws EAGAIN instead of waiting', () =>
      inFiber(() => {
        const { conn } = pair();
        conn.blockingTimeout = 0;
        expectCode(() => conn.recv(), 'EAGAIN');
      }));

    it('with blockingTimeout 0 still returns buffered data', () =>
      inFiber(() => {
        const { client, conn } = pair();
        client.sendall('x');
        until(() => conn.readableLength === 1, 'buffered bytes');
        conn.blockingTimeout = 0;
        expect(conn.recv().toString()).to.equal('x');
      }));

    it('uses blockingTimeout > 0 as the timeout of each call', () =>
      inFiber(() => {
        const { conn } = pair();
        conn.blockingTimeout = 5;
        expect(() => conn.recv()).to.throw(TimeoutError);
      }));

    it('a per-call timeout overrides blockingTimeout', () =>
      inFiber(() => {
        const { client, conn } = pair();
        conn.blockingTimeout = 0;
        spawn(() => {
          sleep(5);
          client.sendall('waited');
        });
        expect(conn.recv(100, { timeout: null }).toString()).to.equal('waited');
      }));

    it('two fibers receiving at once: the second gets ConcurrentObjectUseError', () =>
      inFiber(() => {
        const { client, conn } = pair();
        const first = spawn(() => conn.recv().toString());
        sleep(5);
        const err = expectCode(() => conn.recv(), 'ERR_CONCURRENT_OBJECT_USE');
        expect(err).to.be.instanceOf(ConcurrentObjectUseError);
        client.sendall('for the first');
        expect(first.get()).to.equal('for the first');
      }));

    it('a reader and a writer may wait on one socket at once', () =>
      inFiber(() => {
        const { client, conn } = pair();
        const reader = spawn(() => conn.recv().toString());
        sleep(2);
        conn.sendall('while reading');
        expect(client.recv().toString()).to.equal('while reading');
        client.sendall('done');
        expect(reader.get()).to.equal('done');
      }));

    it('in an event-loop callback with nothing buffered throws BlockingSwitchOutError', async () => {
      const { conn } = await inFiber(() => pair());
      const r = await inCallback(() => conn.recv());
      expect(r.err).to.be.instanceOf(BlockingSwitchOutError);
      expect(r.err.message).to.include('spawn()');
    });

    it('rejects a negative max with ERR_OUT_OF_RANGE', () =>
      inFiber(() => {
        const { conn } = pair();
        expect(() => conn.recv(-1)).to.throw(RangeError).with.property('code', 'ERR_OUT_OF_RANGE');
      }));

    it('rejects a fractional max with ERR_OUT_OF_RANGE', () =>
      inFiber(() => {
        const { conn } = pair();
        expect(() => conn.recv(1.5)).to.throw(RangeError).with.property('code', 'ERR_OUT_OF_RANGE');
      }));

    it('rejects a non-number max with ERR_INVALID_ARG_TYPE', () =>
      inFiber(() => {
        const { conn } = pair();
        expect(() => conn.recv('10')).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
      }));

    it('rejects non-object options with ERR_INVALID_ARG_TYPE', () =>
      inFiber(() => {
        const { conn } = pair();
        expect(() => conn.recv(10, 5)).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
      }));

    it('rejects a negative timeout with ERR_OUT_OF_RANGE', () =>
      inFiber(() => {
        const { conn } = pair();
        expect(() => conn.recv(10, { timeout: -1 })).to.throw(RangeError).with.property('code', 'ERR_OUT_OF_RANGE');
      }));

    it('rejects a non-number timeout with ERR_INVALID_ARG_TYPE', () =>
      inFiber(() => {
        const { conn } = pair();
        expect(() => conn.recv(10, { timeout: '5' })).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
      }));

    it('on something that is not a socket throws ERR_INVALID_ARG_TYPE', () => {
      expect(() => net.Socket.prototype.recv.call({})).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
    });
  });

  describe('recvInto()', () => {
    it('writes into the buffer and returns the count', () =>
      inFiber(() => {
        const { client, conn } = pair();
        client.sendall('abc');
        const buf = Buffer.alloc(8);
        expect(conn.recvInto(buf)).to.equal(3);
        expect(buf.subarray(0, 3).toString()).to.equal('abc');
      }));

    it('reads at most n bytes', () =>
      inFiber(() => {
        const { client, conn } = pair();
        client.sendall('abcdef');
        until(() => conn.readableLength === 6, 'buffered bytes');
        const buf = Buffer.alloc(8);
        expect(conn.recvInto(buf, 2)).to.equal(2);
        expect(buf.subarray(0, 2).toString()).to.equal('ab');
      }));

    it('accepts any TypedArray', () =>
      inFiber(() => {
        const { client, conn } = pair();
        client.sendall(Buffer.from([1, 2, 3, 4]));
        until(() => conn.readableLength === 4, 'buffered bytes');
        const arr = new Uint16Array(2);
        expect(conn.recvInto(arr)).to.equal(4);
        expect(Buffer.from(arr.buffer)).to.deep.equal(Buffer.from([1, 2, 3, 4]));
      }));

    it('returns 0 at EOF', () =>
      inFiber(() => {
        const { client, conn } = pair();
        client.shutdown('write');
        expect(conn.recvInto(Buffer.alloc(4))).to.equal(0);
      }));

    it('rejects a string buffer with ERR_INVALID_ARG_TYPE', () =>
      inFiber(() => {
        const { conn } = pair();
        expect(() => conn.recvInto('x')).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
      }));

    it('rejects n larger than the buffer with ERR_OUT_OF_RANGE', () =>
      inFiber(() => {
        const { conn } = pair();
        expect(() => conn.recvInto(Buffer.alloc(2), 3)).to.throw(RangeError).with.property('code', 'ERR_OUT_OF_RANGE');
      }));

    it('rejects a non-number n with ERR_INVALID_ARG_TYPE', () =>
      inFiber(() => {
        const { conn } = pair();
        expect(() => conn.recvInto(Buffer.alloc(2), '1')).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
      }));
  });

  describe('send() and sendall()', () => {
    it('sendall() delivers every byte of a large payload (backpressure)', () =>
      inFiber(() => {
        const { client, conn } = pair();
        const size = 8 * 1024 * 1024;
        const payload = Buffer.alloc(size, 7);
        const reader = spawn(() => {
          let got = 0;
          for (;;) {
            const b = conn.recv();
            if (b.length === 0) return got;
            got += b.length;
          }
        });
        client.sendall(payload);
        client.shutdown('write');
        expect(reader.get()).to.equal(size);
      }));

    it('sendall() accepts strings (UTF-8)', () =>
      inFiber(() => {
        const { client, conn } = pair();
        client.sendall('héllo');
        until(() => conn.readableLength === 6, 'buffered bytes');
        expect(conn.recv().toString()).to.equal('héllo');
      }));

    it('sendall() of an empty buffer returns at once', () =>
      inFiber(() => {
        const { client } = pair();
        expect(client.sendall(Buffer.alloc(0))).to.equal(undefined);
      }));

    it('send() returns the number of bytes accepted', () =>
      inFiber(() => {
        const { client, conn } = pair();
        expect(client.send('héllo')).to.equal(6);
        expect(conn.recv().toString()).to.equal('héllo');
      }));

    it('sendall() throws TimeoutError when the peer does not read', () =>
      inFiber(() => {
        const { client } = pair();
        const err = expectCode(() => client.sendall(Buffer.alloc(32 * 1024 * 1024), { timeout: 20 }), 'ETIMEDOUT');
        expect(err.message).to.equal('timed out');
      }));

    it('close() after a timed-out sendall() releases the socket at once: the unsent bytes are dropped, the fd freed', () =>
      inFiber(() => {
        const { client } = pair();
        expectCode(() => client.sendall(Buffer.alloc(32 * 1024 * 1024), { timeout: 20 }), 'ETIMEDOUT');
        expect(client.writableLength).to.be.above(0); // the peer never read: bytes still queued in Node
        client.close();
        expect(client.destroyed).to.equal(true);
        until(() => client._handle === null, 'the handle released');
      }));

    it('close() after a sendall() that a Timeout interrupted drops the unsent bytes too', () =>
      inFiber(() => {
        const { client } = pair();
        const { withTimeout } = require('../..');
        expect(withTimeout(20, () => client.sendall(Buffer.alloc(32 * 1024 * 1024)), { fallback: 'interrupted' })).to.equal('interrupted');
        client.close();
        expect(client.destroyed).to.equal(true);
      }));

    it('close() after send() flushes what send() accepted (a reading peer gets every byte)', () =>
      inFiber(() => {
        const { client, conn } = pair();
        const size = 4 * 1024 * 1024;
        client.send(Buffer.alloc(size, 1)); // more than the kernel takes at once
        const queued = client.writableLength;
        client.close();
        expect(client.destroyed).to.equal(queued === 0);
        let got = 0;
        for (;;) {
          const b = conn.recv();
          if (b.length === 0) break;
          got += b.length;
        }
        expect(got).to.equal(size);
      }));

    it('send() with blockingTimeout 0 throws EAGAIN while the socket needs a drain', () =>
      inFiber(() => {
        const { client } = pair();
        client.blockingTimeout = 0;
        client.sendall(Buffer.alloc(32 * 1024 * 1024)); // accepted into the socket's buffer
        expect(client.writableNeedDrain).to.equal(true);
        expectCode(() => client.send('more'), 'EAGAIN');
      }));

    it('sendall() with blockingTimeout 0 throws EAGAIN while the socket needs a drain', () =>
      inFiber(() => {
        const { client } = pair();
        client.blockingTimeout = 0;
        client.sendall(Buffer.alloc(32 * 1024 * 1024));
        expectCode(() => client.sendall('more'), 'EAGAIN');
      }));

    it('send() waits for one drain under backpressure', () =>
      inFiber(() => {
        const { client, conn } = pair();
        client.sendall(Buffer.alloc(4 * 1024 * 1024), { timeout: 0 });
        const reader = spawn(() => {
          let got = 0;
          while (got < 4 * 1024 * 1024 + 4) got += conn.recv().length;
          return got;
        });
        expect(client.send('tail')).to.equal(4);
        expect(reader.get()).to.equal(4 * 1024 * 1024 + 4);
      }));

    it('two fibers sending at once: the second gets ConcurrentObjectUseError, and writes nothing', () =>
      inFiber(() => {
        const { client } = pair();
        const first = spawn(() => {
          try {
            client.sendall(Buffer.alloc(32 * 1024 * 1024));
          } catch (err) {
            return err.code;
          }
        });
        until(() => client.writableNeedDrain, 'backpressure');
        const queued = client.writableLength;
        expectCode(() => client.sendall('x'), 'ERR_CONCURRENT_OBJECT_USE');
        expect(client.writableLength).to.equal(queued);
        client.close();
        expect(first.get()).to.equal('EBADF');
      }));

    it('sendall() throws EPIPE or ECONNRESET after the peer reset, never losing the error', () =>
      inFiber(() => {
        const { client, conn } = pair();
        conn.resetAndDestroy();
        let err;
        for (let i = 0; i < 100 && !err; i++) {
          try {
            client.sendall(Buffer.alloc(1024));
            sleep(1);
          } catch (e) {
            err = e;
          }
        }
        expect(err).to.be.an('error');
        expect(['EPIPE', 'ECONNRESET']).to.include(err.code);
      }));

    it('a fiber blocked in sendall() wakes with ECONNRESET/EPIPE when the peer resets', () =>
      inFiber(() => {
        const { client, conn } = pair();
        spawn(() => {
          until(() => client.writableNeedDrain, 'backpressure');
          conn.resetAndDestroy();
        });
        let err;
        try {
          client.sendall(Buffer.alloc(32 * 1024 * 1024));
        } catch (e) {
          err = e;
        }
        expect(['EPIPE', 'ECONNRESET']).to.include(err && err.code);
      }));

    it('sendall() after shutdown("write") throws EPIPE', () =>
      inFiber(() => {
        const { client } = pair();
        client.shutdown('write');
        expectCode(() => client.sendall('x'), 'EPIPE');
      }));

    it('send() after shutdown("write") throws EPIPE', () =>
      inFiber(() => {
        const { client } = pair();
        client.shutdown('write');
        expectCode(() => client.send('x'), 'EPIPE');
      }));

    it('rejects a number with ERR_INVALID_ARG_TYPE', () =>
      inFiber(() => {
        const { client } = pair();
        expect(() => client.sendall(42)).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
        expect(() => client.send(42)).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
      }));

    it('rejects an invalid timeout with ERR_OUT_OF_RANGE', () =>
      inFiber(() => {
        const { client } = pair();
        expect(() => client.sendall('x', { timeout: -5 })).to.throw(RangeError).with.property('code', 'ERR_OUT_OF_RANGE');
      }));

    it('sendall() on a socket still connecting waits for the connection', () =>
      inFiber(() => {
        const { server } = pair();
        const s = track(net.connect(server.address().port, '127.0.0.1'));
        expect(s.connecting).to.equal(true);
        s.sendall('early');
        const conn = track(server.accept());
        expect(conn.recv().toString()).to.equal('early');
      }));

    it('recv() on a socket still connecting waits for the connection', () =>
      inFiber(() => {
        const { server } = pair();
        const s = track(net.connect(server.address().port, '127.0.0.1'));
        spawn(() => track(server.accept()).sendall('hi'));
        expect(s.recv().toString()).to.equal('hi');
      }));

    it('recv() on a socket whose connection is refused throws ECONNREFUSED', () =>
      inFiber(() => {
        const { freePort } = require('./helpers');
        const s = track(net.connect(freePort(), '127.0.0.1'));
        expectCode(() => s.recv(), 'ECONNREFUSED');
      }));
  });

  describe('close()', () => {
    it('makes later calls throw EBADF', () =>
      inFiber(() => {
        const { client } = pair();
        client.close();
        const err = expectCode(() => client.recv(), 'EBADF');
        expect(err.message).to.match(/closed/);
        expectCode(() => client.sendall('x'), 'EBADF');
      }));

    it('makes send(), recvInto() and shutdown() throw EBADF too', () =>
      inFiber(() => {
        const { client } = pair();
        client.close();
        expectCode(() => client.send('x'), 'EBADF');
        expectCode(() => client.recvInto(Buffer.alloc(4)), 'EBADF');
        expectCode(() => client.recv(0), 'EBADF');
      }));

    it('recv() on a socket destroyed by evented code throws EBADF', () =>
      inFiber(() => {
        const { client } = pair();
        client.destroy();
        expectCode(() => client.recv(), 'EBADF');
      }));

    it('wakes a fiber blocked in sendall() with EBADF', () =>
      inFiber(() => {
        const { client } = pair();
        const writer = spawn(() => {
          try {
            client.sendall(Buffer.alloc(32 * 1024 * 1024));
          } catch (err) {
            return err.code;
          }
        });
        until(() => client.writableNeedDrain, 'backpressure');
        client.close();
        expect(writer.get()).to.equal('EBADF');
      }));

    it('is idempotent', () =>
      inFiber(() => {
        const { client } = pair();
        client.close();
        expect(() => client.close()).to.not.throw();
      }));

    it('wakes a fiber waiting in recv() with EBADF saying the socket was closed', () =>
      inFiber(() => {
        const { conn } = pair();
        const reader = spawn(() => {
          try {
            conn.recv();
          } catch (err) {
            return err;
          }
        });
        sleep(5);
        conn.close();
        const err = reader.get();
        expect(err.code).to.equal('EBADF');
        expect(err.message).to.match(/closed/);
      }));

    it('lets the peer see EOF after the data sent before it', () =>
      inFiber(() => {
        const { client, conn } = pair();
        client.send('bye');
        client.close();
        expect(conn.recv().toString()).to.equal('bye');
        expect(conn.recv().length).to.equal(0);
      }));

    it('releases the socket', () =>
      inFiber(() => {
        const { client } = pair();
        client.close();
        until(() => client.destroyed, 'destroy');
        expect(client.destroyed).to.equal(true);
      }));
  });

  describe('shutdown()', () => {
    it('shutdown("write") sends EOF and keeps reading', () =>
      inFiber(() => {
        const { client, conn } = pair();
        client.shutdown('write');
        expect(conn.recv().length).to.equal(0);
        conn.sendall('still open');
        expect(client.recv().toString()).to.equal('still open');
      }));

    it('shutdown("read") makes recv() return EOF', () =>
      inFiber(() => {
        const { client } = pair();
        client.shutdown('read');
        expect(client.recv().length).to.equal(0);
      }));

    it('shutdown("read") wakes a waiting reader with EOF', () =>
      inFiber(() => {
        const { client } = pair();
        const reader = spawn(() => client.recv().length);
        sleep(5);
        client.shutdown('read');
        expect(reader.get()).to.equal(0);
      }));

    it('shutdown() (both) ends both directions', () =>
      inFiber(() => {
        const { client, conn } = pair();
        client.shutdown();
        expect(client.recv().length).to.equal(0);
        expectCode(() => client.sendall('x'), 'EPIPE');
        expect(conn.recv().length).to.equal(0);
      }));

    it('accepts the numeric forms 0, 1, 2', () =>
      inFiber(() => {
        const { client } = pair();
        client.shutdown(0);
        client.shutdown(1);
        client.shutdown(2);
      }));

    it('rejects an unknown how with ERR_INVALID_ARG_VALUE', () =>
      inFiber(() => {
        const { client } = pair();
        expect(() => client.shutdown('sideways')).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_VALUE');
      }));

    it('after close() throws EBADF', () =>
      inFiber(() => {
        const { client } = pair();
        client.close();
        expectCode(() => client.shutdown('write'), 'EBADF');
      }));
  });

  describe('blockingTimeout', () => {
    it('is null by default', () => {
      expect(new net.Socket().blockingTimeout).to.equal(null);
    });

    it('keeps what is set', () => {
      const s = new net.Socket();
      s.blockingTimeout = 25;
      expect(s.blockingTimeout).to.equal(25);
      s.blockingTimeout = null;
      expect(s.blockingTimeout).to.equal(null);
    });

    it('rejects a string with ERR_INVALID_ARG_TYPE', () => {
      const s = new net.Socket();
      expect(() => {
        s.blockingTimeout = '5';
      })
        .to.throw(TypeError)
        .with.property('code', 'ERR_INVALID_ARG_TYPE');
    });

    it('rejects a negative number with ERR_OUT_OF_RANGE', () => {
      const s = new net.Socket();
      expect(() => {
        s.blockingTimeout = -1;
      })
        .to.throw(RangeError)
        .with.property('code', 'ERR_OUT_OF_RANGE');
    });

    it('rejects NaN with ERR_OUT_OF_RANGE', () => {
      const s = new net.Socket();
      expect(() => {
        s.blockingTimeout = NaN;
      })
        .to.throw(RangeError)
        .with.property('code', 'ERR_OUT_OF_RANGE');
    });
  });

  describe('evented use inside a fiber', () => {
    it("'connect', 'data' and 'end' events keep working on patched sockets", () =>
      inFiber(() => {
        const server = track(
          net.createServer((c) => {
            c.on('data', (d) => c.write(d));
            c.on('end', () => c.end());
          }),
        );
        server.listen(0, '127.0.0.1');
        until(() => server.listening, 'listening');
        const events = [];
        let echoed = '';
        let done = false;
        const s = track(net.connect(server.address().port, '127.0.0.1'));
        s.on('connect', () => {
          events.push('connect');
          s.write('evented');
          s.end();
        });
        s.on('data', (d) => {
          echoed += d;
        });
        s.on('end', () => {
          events.push('end');
          done = true;
        });
        until(() => done, 'end');
        expect(events).to.deep.equal(['connect', 'end']);
        expect(echoed).to.equal('evented');
      }));
  });
});
