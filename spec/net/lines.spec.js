'use strict';
const { expect } = require('chai');
const net = require('net');
const {
  patchAll,
  unpatchAll,
  isPatched,
  spawn,
  sleep,
  withTimeout,
  Timeout,
  TimeoutError,
  ConcurrentObjectUseError,
  BlockingSwitchOutError,
  IncompleteReadError,
} = require('../..');
const { inFiber, cleanup, pair, until, expectCode, inCallback } = require('./helpers');

const str = (b) => b.toString('latin1');

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** In a fiber: a connected pair with `bytes` already buffered on conn's side. */
function buffered(bytes) {
  const p = pair();
  p.client.sendall(bytes);
  until(() => p.conn.readableLength === Buffer.byteLength(bytes), 'buffered bytes');
  return p;
}

describe('net.Socket line reads (patches/net-lines)', () => {
  before(() => patchAll());
  afterEach(cleanup);

  describe('recvLine()', () => {
    it('returns the bytes up to and including the newline', () =>
      inFiber(() => {
        const { conn } = buffered('alpha\nbeta\n');
        expect(str(conn.recvLine())).to.equal('alpha\n');
        expect(str(conn.recvLine())).to.equal('beta\n');
      }));

    it('assembles a line split across chunks, waiting for each', () =>
      inFiber(() => {
        const { client, conn } = pair();
        spawn(() => {
          for (const piece of ['al', 'ph', 'a and', ' more\nnext']) {
            client.sendall(piece);
            sleep(3);
          }
        });
        expect(str(conn.recvLine())).to.equal('alpha and more\n');
        expect(str(conn.recv())).to.equal('next');
      }));

    it('keeps CRLF as bytes; a lone CR does not end a line', () =>
      inFiber(() => {
        const { conn } = buffered('one\r\ntwo\rstill two\n');
        expect(str(conn.recvLine())).to.equal('one\r\n');
        expect(str(conn.recvLine())).to.equal('two\rstill two\n');
      }));

    it('is byte-exact on binary data (no decoding)', () =>
      inFiber(() => {
        const bytes = Buffer.from([0xff, 0x00, 0xc3, 0x28, 0x0a, 0x80, 0x0a]);
        const { conn } = buffered(bytes);
        expect(conn.recvLine()).to.deep.equal(bytes.subarray(0, 5));
        expect(conn.recvLine()).to.deep.equal(bytes.subarray(5));
      }));

    it('leaves the bytes after the line for recv()', () =>
      inFiber(() => {
        const { conn } = buffered('line\nrest of it');
        expect(str(conn.recvLine())).to.equal('line\n');
        expect(str(conn.recv())).to.equal('rest of it');
      }));

    it('reads a thousand lines that came in one chunk, one by one', () =>
      inFiber(() => {
        const text = Array.from({ length: 1000 }, (_, i) => `line ${i}\n`).join('');
        const { conn } = buffered(text);
        for (let i = 0; i < 1000; i++) expect(str(conn.recvLine())).to.equal(`line ${i}\n`);
        expect(conn.readableLength).to.equal(0);
      }));

    it('with maxBytes returns at most maxBytes bytes and keeps the rest of the line', () =>
      inFiber(() => {
        const { conn } = buffered('abcdefgh\nxy\n');
        expect(str(conn.recvLine(3))).to.equal('abc');
        expect(str(conn.recvLine(6))).to.equal('defgh\n');
        expect(str(conn.recvLine(3))).to.equal('xy\n');
      }));

    it('with maxBytes ending just at the newline returns the whole line', () =>
      inFiber(() => {
        const { conn } = buffered('abc\ndef');
        expect(str(conn.recvLine(4))).to.equal('abc\n');
        expect(str(conn.recv())).to.equal('def');
      }));

    it('with maxBytes spanning chunks stops at maxBytes', () =>
      inFiber(() => {
        const { client, conn } = pair();
        spawn(() => {
          client.sendall('abc');
          sleep(3);
          client.sendall('defgh');
        });
        expect(str(conn.recvLine(5))).to.equal('abcde');
        expect(str(conn.recv())).to.equal('fgh');
      }));

    it('recvLine(0) returns an empty Buffer at once; Infinity means no limit', () =>
      inFiber(() => {
        const { conn } = buffered('abc\n');
        expect(conn.recvLine(0).length).to.equal(0);
        expect(str(conn.recvLine(Infinity))).to.equal('abc\n');
      }));

    it('at EOF returns the last, unterminated line, then empty Buffers', () =>
      inFiber(() => {
        const { client, conn } = pair();
        client.sendall('done\nno newline');
        client.shutdown('write');
        expect(str(conn.recvLine())).to.equal('done\n');
        expect(str(conn.recvLine())).to.equal('no newline');
        expect(conn.recvLine().length).to.equal(0);
        expect(conn.recvLine().length).to.equal(0);
      }));

    it('an EOF that comes while waiting ends the line', () =>
      inFiber(() => {
        const { client, conn } = pair();
        spawn(() => {
          client.sendall('partial');
          sleep(3);
          client.shutdown('write');
        });
        expect(str(conn.recvLine())).to.equal('partial');
        expect(conn.recvLine().length).to.equal(0);
      }));

    it('interleaves with recv() and recvExactly() byte-exactly', () =>
      inFiber(() => {
        const { conn } = buffered('head:12345body\nAB\nCD');
        expect(str(conn.recvExactly(5))).to.equal('head:');
        expect(str(conn.recv(3))).to.equal('123');
        expect(str(conn.recvLine())).to.equal('45body\n');
        expect(str(conn.recvExactly(1))).to.equal('A');
        expect(str(conn.recvLine())).to.equal('B\n');
        expect(str(conn.recv())).to.equal('CD');
      }));

    it("the bytes after a line reach 'data' when the socket goes back to evented use", () =>
      inFiber(() => {
        const { conn } = buffered('first\nsecond\nthird');
        expect(str(conn.recvLine())).to.equal('first\n');
        const got = [];
        conn.removeAllListeners('readable');
        conn.on('data', (d) => got.push(d));
        until(() => Buffer.concat(got).length === 12, "'data'");
        expect(str(Buffer.concat(got))).to.equal('second\nthird');
      }));

    it('large random chunking, mixed with recv() and recvExactly(), stays byte-exact', () =>
      inFiber(() => {
        const rand = prng(20240611);
        const size = 400 * 1024;
        const payload = Buffer.alloc(size);
        for (let i = 0; i < size; i++) payload[i] = rand() < 0.03 ? 0x0a : Math.floor(rand() * 256);
        const { client, conn } = pair();
        spawn(() => {
          for (let off = 0; off < size; ) {
            const n = Math.min(size - off, 1 + Math.floor(rand() * 9000));
            client.sendall(payload.subarray(off, off + n));
            off += n;
            if (rand() < 0.3) sleep(0);
          }
          client.shutdown('write');
        });
        const parts = [];
        let got = 0;
        const pick = prng(7);
        for (;;) {
          const r = pick();
          let b;
          if (r < 0.6) {
            b = conn.recvLine(pick() < 0.2 ? 1 + Math.floor(pick() * 50) : undefined);
            if (b.length === 0) break;
            const nl = b.indexOf(0x0a);
            expect(nl === -1 || nl === b.length - 1, 'a newline only at the end').to.equal(true);
          } else if (r < 0.8) {
            const n = 1 + Math.floor(pick() * 3000);
            try {
              b = conn.recvExactly(n);
              expect(b.length).to.equal(n);
            } catch (err) {
              expect(err).to.be.instanceOf(IncompleteReadError);
              parts.push(err.partial);
              got += err.partial.length;
              break;
            }
          } else {
            b = conn.recv(1 + Math.floor(pick() * 5000));
            if (b.length === 0) break;
          }
          parts.push(b);
          got += b.length;
        }
        expect(got).to.equal(size);
        expect(Buffer.concat(parts).equals(payload)).to.equal(true);
      }));

    it('with options.timeout throws TimeoutError "timed out" and keeps the partial line', () =>
      inFiber(() => {
        const { client, conn } = buffered('par');
        const err = expectCode(() => conn.recvLine(undefined, { timeout: 10 }), 'ETIMEDOUT');
        expect(err).to.be.instanceOf(TimeoutError);
        expect(err.message).to.equal('timed out');
        client.sendall('tial\n');
        expect(str(conn.recvLine())).to.equal('partial\n');
      }));

    it('the timeout is one deadline for the whole call, not one per chunk', () =>
      inFiber(() => {
        const { client, conn } = pair();
        const drip = spawn(() => {
          for (let i = 0; i < 150; i++) {
            client.sendall('x');
            sleep(2);
          }
          client.sendall('\n');
        });
        expectCode(() => conn.recvLine(undefined, { timeout: 30 }), 'ETIMEDOUT');
        drip.join();
        expect(str(conn.recvLine())).to.equal(`${'x'.repeat(150)}\n`);
      }));

    it('uses blockingTimeout when no timeout is given', () =>
      inFiber(() => {
        const { conn } = buffered('abc');
        conn.blockingTimeout = 5;
        expect(() => conn.recvLine()).to.throw(TimeoutError);
        conn.blockingTimeout = null;
        expect(conn.readableLength).to.equal(3);
      }));

    it('with blockingTimeout 0 returns a buffered line, and throws EAGAIN for a partial one, keeping it', () =>
      inFiber(() => {
        const { conn } = buffered('ready\nnot yet');
        conn.blockingTimeout = 0;
        expect(str(conn.recvLine())).to.equal('ready\n');
        expectCode(() => conn.recvLine(), 'EAGAIN');
        expect(str(conn.recv())).to.equal('not yet');
      }));

    it('a Timeout interrupts it; the partial line is read again by the next call', () =>
      inFiber(() => {
        const { client, conn } = buffered('abc');
        const t = new Timeout(10);
        t.start();
        try {
          conn.recvLine();
          expect.fail('not interrupted');
        } catch (err) {
          expect(err).to.equal(t.error);
        } finally {
          t.cancel();
        }
        client.sendall('def\n');
        expect(str(conn.recvLine())).to.equal('abcdef\n');
      }));

    it('withTimeout() with a fallback keeps the partial line too', () =>
      inFiber(() => {
        const { client, conn } = buffered('12');
        expect(withTimeout(10, () => conn.recvLine(), { fallback: null })).to.equal(null);
        client.sendall('3\n');
        expect(str(conn.recvLine())).to.equal('123\n');
      }));

    it('kill() interrupts it; another fiber then reads the whole line', () =>
      inFiber(() => {
        const { client, conn } = buffered('par');
        const reader = spawn(() => conn.recvLine());
        sleep(5);
        reader.kill();
        expect(reader.dead).to.equal(true);
        client.sendall('tial\n');
        expect(str(conn.recvLine())).to.equal('partial\n');
      }));

    it('a kill() that lands together with a destroy loses no byte', () =>
      inFiber(() => {
        const { conn } = buffered('ab');
        const reader = spawn(() => conn.recvLine());
        sleep(5);
        reader.kill(undefined, { block: false }); // queued: the reader runs after...
        conn.destroy(); // ...the socket can no longer take bytes back
        reader.join();
        expect(str(conn.recvLine())).to.equal('ab');
        expectCode(() => conn.recvLine(), 'EBADF');
      }));

    it('close() wakes a waiting fiber with EBADF', () =>
      inFiber(() => {
        const { conn } = buffered('par');
        const reader = spawn(() => {
          try {
            conn.recvLine();
          } catch (err) {
            return err.code;
          }
        });
        sleep(5);
        conn.close();
        expect(reader.get()).to.equal('EBADF');
        expectCode(() => conn.recvLine(), 'EBADF');
      }));

    it('after a peer reset returns the lines that came before, then throws ECONNRESET', () =>
      inFiber(() => {
        const { client, conn } = buffered('one\ntwo\nthr');
        client.resetAndDestroy();
        until(() => conn.destroyed, 'the reset');
        expect(str(conn.recvLine())).to.equal('one\n');
        expect(str(conn.recvLine())).to.equal('two\n');
        expect(str(conn.recvLine())).to.equal('thr');
        expectCode(() => conn.recvLine(), 'ECONNRESET');
      }));

    it('a reset while waiting returns the partial line; the next call throws ECONNRESET', () =>
      inFiber(() => {
        const { client, conn } = buffered('part');
        spawn(() => {
          sleep(5);
          client.resetAndDestroy();
        });
        expect(str(conn.recvLine())).to.equal('part');
        expectCode(() => conn.recvLine(), 'ECONNRESET');
      }));

    it('two fibers reading lines at once: the second gets ConcurrentObjectUseError, the first its line', () =>
      inFiber(() => {
        const { client, conn } = pair();
        const first = spawn(() => str(conn.recvLine()));
        sleep(5);
        const err = expectCode(() => conn.recvLine(), 'ERR_CONCURRENT_OBJECT_USE');
        expect(err).to.be.instanceOf(ConcurrentObjectUseError);
        client.sendall('for the first\n');
        expect(first.get()).to.equal('for the first\n');
      }));

    it('in an event-loop callback: a buffered line is returned, a partial one throws BlockingSwitchOutError and stays', async () => {
      const { conn } = await inFiber(() => buffered('whole\npart'));
      const ok = await inCallback(() => str(conn.recvLine()));
      expect(ok).to.deep.equal({ value: 'whole\n' });
      const r = await inCallback(() => conn.recvLine());
      expect(r.err).to.be.instanceOf(BlockingSwitchOutError);
      expect(conn.readableLength).to.equal(4);
      expect(await inFiber(() => str(conn.recv()))).to.equal('part');
    });

    it('rejects a non-number maxBytes with ERR_INVALID_ARG_TYPE', () =>
      inFiber(() => {
        const { conn } = pair();
        expect(() => conn.recvLine('10')).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
        expect(() => conn.recvLine(null)).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
      }));

    it('rejects a negative, fractional or NaN maxBytes with ERR_OUT_OF_RANGE', () =>
      inFiber(() => {
        const { conn } = pair();
        for (const v of [-1, 2.5, NaN, -Infinity]) expect(() => conn.recvLine(v)).to.throw(RangeError).with.property('code', 'ERR_OUT_OF_RANGE');
      }));

    it('rejects bad options with ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE', () =>
      inFiber(() => {
        const { conn } = pair();
        expect(() => conn.recvLine(10, 5)).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
        expect(() => conn.recvLine(10, null)).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
        expect(() => conn.recvLine(10, { timeout: '5' })).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
        expect(() => conn.recvLine(10, { timeout: -1 })).to.throw(RangeError).with.property('code', 'ERR_OUT_OF_RANGE');
      }));

    it('a bad argument reads nothing', () =>
      inFiber(() => {
        const { conn } = buffered('kept\n');
        expect(() => conn.recvLine(-1)).to.throw(RangeError);
        expect(str(conn.recvLine())).to.equal('kept\n');
      }));

    it('on something that is not a socket throws ERR_INVALID_ARG_TYPE', () => {
      expect(() => net.Socket.prototype.recvLine.call({})).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
    });
  });

  describe('recvExactly()', () => {
    it('returns exactly n bytes, gathered from several chunks', () =>
      inFiber(() => {
        const { client, conn } = pair();
        spawn(() => {
          for (const piece of ['ab', 'cde', 'fghij']) {
            client.sendall(piece);
            sleep(3);
          }
        });
        expect(str(conn.recvExactly(7))).to.equal('abcdefg');
        expect(str(conn.recvExactly(3))).to.equal('hij');
      }));

    it('leaves what follows for the next read', () =>
      inFiber(() => {
        const { conn } = buffered('0123456789');
        expect(str(conn.recvExactly(4))).to.equal('0123');
        expect(str(conn.recv())).to.equal('456789');
      }));

    it('recvExactly(0) returns an empty Buffer at once', () =>
      inFiber(() => {
        const { conn } = pair();
        expect(conn.recvExactly(0).length).to.equal(0);
      }));

    it('at EOF first throws IncompleteReadError (ERR_INCOMPLETE_READ) with the bytes on .partial', () =>
      inFiber(() => {
        const { client, conn } = pair();
        client.sendall('abc');
        client.shutdown('write');
        const err = expectCode(() => conn.recvExactly(5), 'ERR_INCOMPLETE_READ');
        expect(err).to.be.instanceOf(IncompleteReadError);
        expect(err).to.be.instanceOf(Error);
        expect(err.name).to.equal('IncompleteReadError');
        expect(str(err.partial)).to.equal('abc');
        expect(err.expected).to.equal(5);
        expect(err.message).to.include('3 of 5');
        expect(conn.recv().length).to.equal(0);
      }));

    it('at EOF with nothing read: IncompleteReadError with an empty .partial', () =>
      inFiber(() => {
        const { client, conn } = pair();
        client.shutdown('write');
        const err = expectCode(() => conn.recvExactly(2), 'ERR_INCOMPLETE_READ');
        expect(err.partial.length).to.equal(0);
      }));

    it('a reset mid-way: IncompleteReadError whose cause is ECONNRESET; the next call throws ECONNRESET', () =>
      inFiber(() => {
        const { client, conn } = buffered('abc');
        spawn(() => {
          sleep(5);
          client.resetAndDestroy();
        });
        const err = expectCode(() => conn.recvExactly(10), 'ERR_INCOMPLETE_READ');
        expect(str(err.partial)).to.equal('abc');
        expect(err.cause.code).to.equal('ECONNRESET');
        expectCode(() => conn.recvExactly(1), 'ECONNRESET');
      }));

    it('a timeout keeps the bytes read so far', () =>
      inFiber(() => {
        const { client, conn } = buffered('abc');
        expectCode(() => conn.recvExactly(6, { timeout: 10 }), 'ETIMEDOUT');
        client.sendall('def');
        expect(str(conn.recvExactly(6))).to.equal('abcdef');
      }));

    it('kill() keeps the bytes read so far for the next reader', () =>
      inFiber(() => {
        const { client, conn } = buffered('abc');
        const reader = spawn(() => conn.recvExactly(6));
        sleep(5);
        reader.kill();
        client.sendall('def');
        expect(str(conn.recvExactly(6))).to.equal('abcdef');
      }));

    it('with blockingTimeout 0 throws EAGAIN without consuming a short buffer', () =>
      inFiber(() => {
        const { conn } = buffered('abc');
        conn.blockingTimeout = 0;
        expect(str(conn.recvExactly(2))).to.equal('ab');
        expectCode(() => conn.recvExactly(2), 'EAGAIN');
        expect(str(conn.recv())).to.equal('c');
      }));

    it('throws EBADF on a closed socket', () =>
      inFiber(() => {
        const { conn } = pair();
        conn.close();
        expectCode(() => conn.recvExactly(1), 'EBADF');
        expectCode(() => conn.recvExactly(0), 'EBADF');
      }));

    it('in an event-loop callback with too few bytes throws BlockingSwitchOutError and keeps them', async () => {
      const { conn } = await inFiber(() => buffered('abc'));
      const r = await inCallback(() => conn.recvExactly(4));
      expect(r.err).to.be.instanceOf(BlockingSwitchOutError);
      expect(conn.readableLength).to.equal(3);
      const ok = await inCallback(() => str(conn.recvExactly(3)));
      expect(ok).to.deep.equal({ value: 'abc' });
    });

    it('rejects a missing or non-number n with ERR_INVALID_ARG_TYPE', () =>
      inFiber(() => {
        const { conn } = pair();
        expect(() => conn.recvExactly()).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
        expect(() => conn.recvExactly('3')).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
      }));

    it('rejects a negative, fractional, NaN or infinite n with ERR_OUT_OF_RANGE', () =>
      inFiber(() => {
        const { conn } = pair();
        for (const v of [-1, 1.5, NaN, Infinity]) expect(() => conn.recvExactly(v)).to.throw(RangeError).with.property('code', 'ERR_OUT_OF_RANGE');
      }));

    it('rejects bad options with ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE', () =>
      inFiber(() => {
        const { conn } = pair();
        expect(() => conn.recvExactly(1, 'x')).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
        expect(() => conn.recvExactly(1, { timeout: -5 })).to.throw(RangeError).with.property('code', 'ERR_OUT_OF_RANGE');
      }));

    it('on something that is not a socket throws ERR_INVALID_ARG_TYPE', () => {
      expect(() => net.Socket.prototype.recvExactly.call({}, 1)).to.throw(TypeError).with.property('code', 'ERR_INVALID_ARG_TYPE');
    });
  });

  describe('patching', () => {
    after(() => patchAll());

    it("come and go with net's patches", () => {
      patchAll();
      expect(Object.getOwnPropertyDescriptor(net.Socket.prototype, 'recvLine').enumerable).to.equal(false);
      expect(typeof net.Socket.prototype.recvExactly).to.equal('function');
      unpatchAll();
      expect('recvLine' in net.Socket.prototype).to.equal(false);
      expect('recvExactly' in net.Socket.prototype).to.equal(false);
      patchAll({ net: false });
      expect(isPatched('net')).to.equal(false);
      expect('recvLine' in net.Socket.prototype).to.equal(false);
    });
  });
});
