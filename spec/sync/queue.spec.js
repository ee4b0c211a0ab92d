'use strict';
const { expect } = require('chai');
const {
  Queue,
  LifoQueue,
  PriorityQueue,
  JoinableQueue,
  Channel,
  QueueEmpty,
  QueueFull,
  TaskDoneError,
  IncomparableError,
  Event,
  spawn,
  sleep,
  withTimeout,
  Timeout,
  TimeoutError,
  FiberExit,
  BlockingSwitchOutError,
} = require('../..');
const { inFiber } = require('../hub/helpers');
const { runAtRoot, expectCode, cutDrainBefore } = require('./helpers');

/** What fn() throws (fails if it returns). */
function thrown(fn) {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

/** Spawns `fn` in a greenlet for each name and lets them all start (and park). */
function parked(names, fn) {
  const gs = names.map((name) => spawn(fn, name));
  sleep(0);
  return gs;
}

/**
 * A greenlet parked in a long sleep that runs `fn` when it is killed: killed
 * (without blocking) right after a call that queued the queue's unlock, it
 * runs after the unlock's first step and before the party that step woke.
 */
function onKill(fn) {
  const g = spawn(() => {
    try {
      sleep(60000);
    } catch (err) {
      if (!(err instanceof FiberExit)) throw err;
      return fn();
    }
    return undefined;
  });
  return g;
}

const BAD_TIMEOUTS = [
  ['x', 'ERR_INVALID_ARG_TYPE'],
  [true, 'ERR_INVALID_ARG_TYPE'],
  [-1, 'ERR_OUT_OF_RANGE'],
  [NaN, 'ERR_OUT_OF_RANGE'],
];

describe('QueueEmpty and QueueFull', () => {
  it('are Errors with a name, a stable code and a default message', () => {
    const e = new QueueEmpty();
    const f = new QueueFull();
    expect(e).to.be.instanceOf(Error);
    expect([e.name, e.code, e.message]).to.deep.equal(['QueueEmpty', 'ERR_QUEUE_EMPTY', 'The queue is empty']);
    expect(f).to.be.instanceOf(Error);
    expect([f.name, f.code, f.message]).to.deep.equal(['QueueFull', 'ERR_QUEUE_FULL', 'The queue is full']);
    expect(new QueueEmpty('nothing').message).to.equal('nothing');
    expect(new QueueFull('no room').message).to.equal('no room');
  });

  it('TaskDoneError and IncomparableError have names and codes too', () => {
    const t = new TaskDoneError();
    expect(t).to.be.instanceOf(RangeError);
    expect([t.name, t.code, t.message]).to.deep.equal(['TaskDoneError', 'ERR_TOO_MANY_TASK_DONE', 'taskDone() called too many times']);
    const i = new IncomparableError();
    expect(i).to.be.instanceOf(TypeError);
    expect([i.name, i.code]).to.deep.equal(['IncomparableError', 'ERR_INCOMPARABLE']);
  });
});

describe('Queue', () => {
  describe('construction', () => {
    it('is unbounded without a maxsize, with null, 0 (gevent 1.0+) and Infinity', () => {
      for (const size of [undefined, null, 0, Infinity]) {
        const q = new Queue(size);
        expect(q.maxsize).to.equal(null);
        for (let i = 0; i < 1000; i++) q.putNowait(i);
        expect(q.full()).to.equal(false);
        expect(q.qsize()).to.equal(1000);
      }
    });

    it('is bounded by a positive integer maxsize', () => {
      const q = new Queue(2);
      expect(q.maxsize).to.equal(2);
      q.put('a');
      expect(q.full()).to.equal(false);
      q.put('b');
      expect(q.full()).to.equal(true);
      expect(thrown(() => q.putNowait('c'))).to.be.instanceOf(QueueFull);
    });

    it('rejects a bad maxsize or options', () => {
      expectCode(() => new Queue('2'), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => new Queue(2n), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => new Queue(-1), 'ERR_OUT_OF_RANGE');
      expectCode(() => new Queue(1.5), 'ERR_OUT_OF_RANGE');
      expectCode(() => new Queue(NaN), 'ERR_OUT_OF_RANGE');
      expectCode(() => new Queue(1, 'items'), 'ERR_INVALID_ARG_TYPE');
      expectCode(() => new Queue(1, { items: 5 }), 'ERR_INVALID_ARG_TYPE');
    });

    it('starts with options.items, in order, even beyond maxsize', () => {
      const q = new Queue(2, { items: new Set(['a', 'b', 'c']) });
      expect([q.qsize(), q.full()]).to.deep.equal([3, true]);
      expect([q.get(), q.get(), q.get()]).to.deep.equal(['a', 'b', 'c']);
      expect(new Queue(null, { items: null }).qsize()).to.equal(0);
    });
  });

  describe('without waiting', () => {
    it('put()/get() are first in, first out; qsize() and empty() follow', () => {
      const q = new Queue();
      expect([q.qsize(), q.empty()]).to.deep.equal([0, true]);
      q.put(1);
      q.put({ two: 2 });
      q.putNowait(3);
      expect([q.qsize(), q.empty()]).to.deep.equal([3, false]);
      expect(q.get()).to.equal(1);
      expect(q.getNowait()).to.deep.equal({ two: 2 });
      expect(q.get(0)).to.equal(3);
      expect(q.empty()).to.equal(true);
    });

    it('peek()/peekNowait() return the next item and leave it', () => {
      const q = new Queue();
      q.put('a');
      q.put('b');
      expect([q.peek(), q.peekNowait(), q.peek(0), q.qsize()]).to.deep.equal(['a', 'a', 'a', 2]);
      q.get();
      expect(q.peek()).to.equal('b');
    });

    it('getNowait()/peekNowait()/get(0) on an empty queue throw QueueEmpty, anywhere', () => {
      const q = new Queue();
      for (const fn of [() => q.getNowait(), () => q.peekNowait(), () => q.get(0), () => q.peek(0)]) {
        const err = thrown(fn);
        expect(err).to.be.instanceOf(QueueEmpty);
        expect(err.code).to.equal('ERR_QUEUE_EMPTY');
      }
    });

    it('putNowait()/put(x, 0) on a full queue throw QueueFull and add nothing, anywhere', () => {
      const q = new Queue(1);
      q.put('a');
      for (const fn of [() => q.putNowait('b'), () => q.put('b', 0)]) {
        const err = thrown(fn);
        expect(err).to.be.instanceOf(QueueFull);
        expect(err.code).to.equal('ERR_QUEUE_FULL');
      }
      expect([q.qsize(), q.get()]).to.deep.equal([1, 'a']);
    });

    it('rejects bad timeouts in put(), get() and peek(), even when they need not wait', () => {
      const q = new Queue();
      q.put('a');
      for (const [ms, code] of BAD_TIMEOUTS) {
        expectCode(() => q.put('b', ms), code);
        expectCode(() => q.get(ms), code);
        expectCode(() => q.peek(ms), code);
      }
      expect([q.qsize(), q.get()]).to.deep.equal([1, 'a']);
    });

    it('refuses to block in an event-loop callback (BlockingSwitchOutError), and leaves no waiter', () => {
      const q = new Queue(1);
      expect(() => q.get()).to.throw(BlockingSwitchOutError, /Queue\.get\(\)/);
      expect(() => q.peek(10)).to.throw(BlockingSwitchOutError, /Queue\.peek\(\)/);
      q.put('a');
      expect(() => q.put('b')).to.throw(BlockingSwitchOutError, /Queue\.put\(\)/);
      expect(() => new PriorityQueue(1, { items: [1] }).put(2, 5)).to.throw(BlockingSwitchOutError, /PriorityQueue\.put\(\)/);
      expect([q.getterCount, q.putterCount, q.qsize()]).to.deep.equal([0, 0, 1]);
    });

    it('toString() shows maxsize, items and waiters as gevent does', () => {
      const q = new Queue(3);
      expect(String(q)).to.equal('<Queue maxsize=3>');
      q.put('a');
      q.put(2);
      expect(String(q)).to.equal("<Queue maxsize=3 queue=[ 'a', 2 ]>");
      expect(String(new LifoQueue())).to.equal('<LifoQueue>');
    });

    it('copy() makes an independent queue with the same kind, maxsize and items', () => {
      const q = new Queue(5, { items: [1, 2] });
      const c = q.copy();
      expect(c).to.be.instanceOf(Queue);
      expect(c.maxsize).to.equal(5);
      c.put(3);
      expect([q.qsize(), c.qsize(), c.get()]).to.deep.equal([2, 3, 1]);
    });
  });

  describe('blocking', () => {
    it('get() blocks until a put(); put() wakes nobody by itself: the getter runs later', async () => {
      const log = await inFiber(() => {
        const q = new Queue();
        const out = [];
        const [g] = parked(['g'], () => out.push(`got ${q.get()}`));
        expect(q.getterCount).to.equal(1);
        q.put('x');
        out.push('put returned');
        g.join();
        return out;
      });
      expect(log).to.deep.equal(['put returned', 'got x']);
    });

    it('put() blocks while full, until a get() frees a slot', async () => {
      const got = await inFiber(() => {
        const q = new Queue(1);
        q.put('a');
        const out = [];
        const [p] = parked(['p'], () => {
          q.put('b');
          out.push('b added');
        });
        expect([q.putterCount, q.full()]).to.deep.equal([1, true]);
        out.push(`got ${q.get()}`);
        p.join();
        out.push(`got ${q.get()}`);
        return out;
      });
      expect(got).to.deep.equal(['got a', 'b added', 'got b']);
    });

    it('serves blocked getters and putters in the order they came', async () => {
      const got = await inFiber(() => {
        const q = new Queue(1);
        const order = [];
        const gs = parked(['c', 'a', 'b'], (n) => order.push(`${n}:${q.get()}`));
        for (const x of [1, 2, 3]) q.put(x);
        for (const g of gs) g.join();
        q.put('full');
        const ps = parked(['z', 'x', 'y'], (n) => q.put(n));
        const taken = [q.get(), q.get(), q.get(), q.get()];
        for (const p of ps) p.join();
        return { order, taken };
      });
      expect(got.order).to.deep.equal(['c:1', 'a:2', 'b:3']);
      expect(got.taken).to.deep.equal(['full', 'z', 'x', 'y']);
    });

    it('a peeker ahead of a getter sees the item, then the getter takes it', async () => {
      const got = await inFiber(() => {
        const q = new Queue();
        const out = [];
        const gs = [spawn(() => out.push(`peek ${q.peek()}`)), spawn(() => out.push(`get ${q.get()}`)), spawn(() => out.push(`peek2 ${q.peek(10000)}`))];
        sleep(0);
        q.put('x');
        gs[0].join();
        gs[1].join();
        sleep(0);
        out.push(`peek2 waiting: ${!gs[2].dead}`);
        q.put('y');
        gs[2].join();
        return { out, left: q.get() };
      });
      expect(got.out).to.deep.equal(['peek x', 'get x', 'peek2 waiting: true', 'peek2 y']);
      expect(got.left).to.equal('y');
    });

    it('an Infinity timeout waits like null', async () => {
      const got = await inFiber(() => {
        const q = new Queue(1);
        spawn(() => {
          q.put('a', Infinity);
          q.put('b', Infinity);
        });
        return [q.get(Infinity), q.peek(Infinity), q.get(Infinity)];
      });
      expect(got).to.deep.equal(['a', 'b', 'b']);
    });

    it('get(ms) throws QueueEmpty once ms pass, leaving no getter behind', async () => {
      const got = await inFiber(() => {
        const q = new Queue();
        const err = thrown(() => q.get(5));
        const perr = thrown(() => q.peek(5));
        q.put('later');
        return { err, perr, getters: q.getterCount, qsize: q.qsize() };
      });
      expect(got.err).to.be.instanceOf(QueueEmpty);
      expect(got.perr).to.be.instanceOf(QueueEmpty);
      expect([got.getters, got.qsize]).to.deep.equal([0, 1]);
    });

    it('put(x, ms) throws QueueFull once ms pass; the item is not added', async () => {
      const got = await inFiber(() => {
        const q = new Queue(1);
        q.put('a');
        const err = thrown(() => q.put('b', 5));
        return { err, putters: q.putterCount, items: [q.get(), q.qsize()] };
      });
      expect(got.err).to.be.instanceOf(QueueFull);
      expect(got.err.code).to.equal('ERR_QUEUE_FULL');
      expect(got.putters).to.equal(0);
      expect(got.items).to.deep.equal(['a', 0]);
    });

    it('Timeout and withTimeout interrupt get(), peek() and put() with their own error', async () => {
      const got = await inFiber(() => {
        const q = new Queue(1);
        const getErr = thrown(() => withTimeout(5, () => q.get()));
        const fallback = withTimeout(5, () => q.peek(), { fallback: 'none' });
        q.put('a');
        const t = Timeout.start(5);
        let putErr;
        try {
          q.put('b');
        } catch (err) {
          putErr = err === t.error;
        } finally {
          t.cancel();
        }
        return { getErr, fallback, putErr, waiters: q.getterCount + q.putterCount, items: [q.get(), q.qsize()] };
      });
      expect(got.getErr).to.be.instanceOf(TimeoutError);
      expect(got.fallback).to.equal('none');
      expect(got.putErr).to.equal(true);
      expect(got.waiters).to.equal(0);
      expect(got.items).to.deep.equal(['a', 0]);
    });

    it('a getter killed while waiting leaves; the next put goes to the next getter', async () => {
      const got = await inFiber(() => {
        const q = new Queue();
        const [a, b] = parked(['a', 'b'], () => q.get());
        a.kill();
        const getters = q.getterCount;
        q.put('x');
        b.join();
        return { a: a.value instanceof FiberExit, b: b.value, getters, qsize: q.qsize() };
      });
      expect(got).to.deep.equal({ a: true, b: 'x', getters: 1, qsize: 0 });
    });

    it('a putter killed while waiting does not add its item', async () => {
      const got = await inFiber(() => {
        const q = new Queue(1);
        q.put('a');
        const [p1, p2] = parked(['p1', 'p2'], (n) => q.put(n));
        p1.kill();
        const putters = q.putterCount;
        const first = q.get();
        p2.join();
        return { putters, items: [first, q.get(), q.qsize()], p1: p1.value instanceof FiberExit };
      });
      expect(got).to.deep.equal({ putters: 1, items: ['a', 'p2', 0], p1: true });
    });

    it('a peeker killed while waiting leaves the item for the others', async () => {
      const got = await inFiber(() => {
        const q = new Queue();
        const [k, g] = [spawn(() => q.peek()), spawn(() => q.get())];
        sleep(0);
        k.kill();
        q.put('x');
        g.join();
        return { g: g.value, k: k.value instanceof FiberExit, qsize: q.qsize() };
      });
      expect(got).to.deep.equal({ g: 'x', k: true, qsize: 0 });
    });

    for (const [Kind, expected] of [
      [Queue, ['x', 'y']],
      [LifoQueue, ['x', 'y']],
      [PriorityQueue, ['x', 'y']],
    ]) {
      it(`${Kind.name}: a getter woken with an item but killed before it ran gives the item to the next getter`, async () => {
        const got = await inFiber(() => {
          const q = new Kind();
          const taken = [];
          const [a, b] = parked(['a', 'b'], () => taken.push(q.get()));
          q.put('x');
          // The kill is raised in `a` once it runs, after the unlock handed it 'x'.
          a.kill(undefined, { block: false });
          b.join();
          q.put('y');
          return { taken, left: q.get(), a: a.value instanceof FiberExit, qsize: q.qsize() };
        });
        expect(got.taken).to.deep.equal([expected[0]]);
        expect([got.left, got.a, got.qsize]).to.deep.equal([expected[1], true, 0]);
      });
    }

    it('an item handed to a woken getter is not anyone else\'s, even before that getter runs', async () => {
      const got = await inFiber(() => {
        const q = new Queue(1);
        const [a] = parked(['a'], () => q.get());
        let seen = null;
        const go = new Event();
        cutDrainBefore(go, () => {
          seen = { qsize: q.qsize(), full: q.full() };
          seen.stolen = thrown(() => q.getNowait()) instanceof QueueEmpty;
          seen.putRefused = thrown(() => q.putNowait('t')) instanceof QueueFull;
        });
        sleep(0);
        go.set();
        q.put('x');
        a.join();
        return { seen, a: a.value };
      });
      expect(got.seen).to.deep.equal({ qsize: 0, full: true, stolen: true, putRefused: true });
      expect(got.a).to.equal('x');
    });

    it('a putter woken but killed before it ran adds nothing; its slot goes to the next putter', async () => {
      const got = await inFiber(() => {
        const q = new Queue(1);
        q.put('a');
        const [p1, p2] = parked(['p1', 'p2'], (n) => q.put(n));
        let seen = null;
        const go = new Event();
        cutDrainBefore(go, () => {
          seen = { full: q.full(), putRefused: thrown(() => q.putNowait('t')) instanceof QueueFull };
          p1.kill(undefined, { block: false });
        });
        sleep(0);
        go.set();
        const first = q.get();
        p1.join();
        p2.join();
        return { first, seen, p1: p1.value instanceof FiberExit, rest: [q.get(), q.qsize()] };
      });
      expect(got).to.deep.equal({ first: 'a', seen: { full: true, putRefused: true }, p1: true, rest: ['p2', 0] });
    });

    it('iterates with get() until Queue.STOP', async () => {
      const got = await inFiber(() => {
        const q = new Queue(1);
        spawn(() => {
          for (const x of [1, 2, 3]) q.put(x);
          q.put(Queue.STOP);
          q.put('after');
        });
        const seen = [];
        for (const x of q) seen.push(x);
        return { seen, left: q.get() };
      });
      expect(got).to.deep.equal({ seen: [1, 2, 3], left: 'after' });
    });

    it('getterCount, putterCount and toString() show the waiters', async () => {
      const got = await inFiber(() => {
        const q = new Queue(1);
        const gs = parked(['a', 'b'], () => q.get());
        const shown = [String(q), q.getterCount];
        q.put(1);
        q.put(2);
        for (const g of gs) g.join();
        q.put(3);
        const [p] = parked(['p'], () => q.put(4));
        shown.push(String(q), q.putterCount);
        q.get();
        p.join();
        return shown;
      });
      expect(got).to.deep.equal(['<Queue maxsize=1 getters[2]>', 2, '<Queue maxsize=1 queue=[ 3 ] putters[1]>', 1]);
    });
  });

  describe('at the root (a plain script\'s top level)', () => {
    it('blocks in get(), put() and peek(), and iterates', () => {
      const lines = runAtRoot(`
        const { Queue, spawn } = fibernet;
        const q = new Queue(1);
        spawn(() => { q.put('a'); q.put('b'); });
        console.log(q.peek(), q.get(), q.get());
        q.put('x');
        const g = spawn(() => console.log('got', q.get(), q.get()));
        q.put('y'); // blocks until g took 'x'
        console.log('put y');
        g.join();
        spawn(() => { q.put(1); q.put(2); q.put(Queue.STOP); });
        for (const v of q) console.log('iter', v);
      `);
      expect(lines).to.deep.equal(['a a b', 'put y', 'got x y', 'iter 1', 'iter 2']);
    });

    it('get(ms) times out with QueueEmpty; a get() nothing can satisfy throws LoopExit', () => {
      const lines = runAtRoot(`
        const q = new fibernet.Queue();
        try { q.get(5); } catch (err) { console.log(err.name); }
        try { q.get(); } catch (err) { console.log(err.name, q.getterCount); }
      `);
      expect(lines).to.deep.equal(['QueueEmpty', 'LoopExit 0']);
    });
  });
});

describe('LifoQueue', () => {
  it('gives back the most recent item first; peek() shows it', () => {
    const q = new LifoQueue(3, { items: ['a', 'b'] });
    q.put('c');
    expect([q.full(), q.peek(), q.get(), q.get(), q.get(), q.empty()]).to.deep.equal([true, 'c', 'c', 'b', 'a', true]);
  });

  it('serves getters parked on it newest item first', async () => {
    const got = await inFiber(() => {
      const q = new LifoQueue();
      const taken = [];
      const gs = parked(['a', 'b'], (n) => taken.push(`${n}:${q.get()}`));
      q.put(1);
      q.put(2);
      q.put(3);
      for (const g of gs) g.join();
      return { taken, left: q.get() };
    });
    expect(got).to.deep.equal({ taken: ['a:3', 'b:2'], left: 1 });
  });

  it('copy() is a LifoQueue with the same items', () => {
    const c = new LifoQueue(4, { items: [1, 2] }).copy();
    expect(c).to.be.instanceOf(LifoQueue);
    expect([c.maxsize, c.get(), c.get()]).to.deep.equal([4, 2, 1]);
  });
});

describe('PriorityQueue', () => {
  const drain = (q) => Array.from({ length: q.qsize() }, () => q.get());

  it('gives back the smallest number first, bigints mixed in', () => {
    const q = new PriorityQueue(null, { items: [5, 1n, 3, -2, 2.5, 10n] });
    expect(q.peek()).to.equal(-2);
    expect(drain(q)).to.deep.equal([-2, 1n, 2.5, 3, 5, 10n]);
  });

  it('orders strings by code point, as Python does', () => {
    const q = new PriorityQueue();
    for (const s of ['b', '\u{1f600}', '\uffff', 'B', '', 'ab']) q.put(s);
    expect(drain(q)).to.deep.equal(['', 'B', 'ab', 'b', '\uffff', '\u{1f600}']);
  });

  it('orders arrays element by element like tuples, the shorter first on a tie', () => {
    const q = new PriorityQueue();
    for (const a of [[2, 'b'], [1, 'z', 0], [2, 'a', [1]], [1, 'z'], [2, 'a', [0, 5]], [0]]) q.put(a);
    expect(drain(q)).to.deep.equal([[0], [1, 'z'], [1, 'z', 0], [2, 'a', [0, 5]], [2, 'a', [1]], [2, 'b']]);
  });

  it('only compares array elements up to the first that differ, so [priority, object] pairs work', () => {
    const q = new PriorityQueue();
    const a = { a: 1 };
    const b = { b: 2 };
    q.put([2, a]);
    q.put([1, b]);
    q.put([1, b]);
    expect(drain(q)).to.deep.equal([[1, b], [1, b], [2, a]]);
  });

  it('throws IncomparableError for items it cannot order, and the queue is left as it was', () => {
    const q = new PriorityQueue();
    q.put([1, 'one']);
    q.put([2, 'two']);
    for (const bad of ['x', [1, 2], null, undefined, true, {}, [1, {}]]) {
      const err = thrown(() => q.put(bad));
      expect(err, String(bad)).to.be.instanceOf(IncomparableError);
      expect(err.code).to.equal('ERR_INCOMPARABLE');
      expect(err.message).to.match(/'<' not supported between/);
    }
    expect(drain(q)).to.deep.equal([[1, 'one'], [2, 'two']]);
  });

  it('a get() whose comparisons fail throws IncomparableError and keeps every item', () => {
    const q = new PriorityQueue();
    q.put([0, 0]);
    q.put([1, 'a']);
    q.put([1, 2]); // compared only with [0, 0] on the way in
    const err = thrown(() => q.get());
    expect(err).to.be.instanceOf(IncomparableError);
    expect(q.qsize()).to.equal(3);
    expect(q.peek()).to.deep.equal([0, 0]);
  });

  it('a getter served by the unlock from a heap that cannot be ordered gets the error; the items stay', async () => {
    const got = await inFiber(() => {
      const q = new PriorityQueue();
      const [g] = parked(['g'], () => thrown(() => q.get()));
      q.put([0, 0]);
      q.put([1, 'a']);
      q.put([1, 2]);
      g.join();
      return { err: g.value, qsize: q.qsize() };
    });
    expect(got.err).to.be.instanceOf(IncomparableError);
    expect(got.qsize).to.equal(3);
  });

  it('initial items that cannot be ordered make the constructor throw IncomparableError', () => {
    expect(() => new PriorityQueue(null, { items: [1, 'a'] })).to.throw(IncomparableError);
  });

  it('takes a compare function; ties come out in heapq\'s order, not insertion order', () => {
    const q = new PriorityQueue(null, { compare: (a, b) => a.p - b.p });
    [2, 1, 2, 1, 2, 1, 0, 2].forEach((p, i) => q.put({ p, name: `j${i}` }));
    expect(drain(q).map((j) => j.name)).to.deep.equal(['j6', 'j1', 'j5', 'j3', 'j2', 'j7', 'j4', 'j0']);
  });

  it('a compare function that throws leaves the queue as it was', () => {
    const q = new PriorityQueue(null, {
      compare: (a, b) => {
        if (a === 'boom' || b === 'boom') throw new Error('boom');
        return a - b;
      },
    });
    q.put(3);
    q.put(1);
    expect(() => q.put('boom')).to.throw('boom');
    expect(drain(q)).to.deep.equal([1, 3]);
  });

  it('rejects a compare that is not a function', () => {
    expectCode(() => new PriorityQueue(null, { compare: 'desc' }), 'ERR_INVALID_ARG_TYPE');
    expect(new PriorityQueue(null, { compare: null }).qsize()).to.equal(0);
  });

  it('copy() keeps the ordering and the items', () => {
    const q = new PriorityQueue(3, { compare: (a, b) => b - a, items: [1, 3, 2] });
    const c = q.copy();
    expect(c).to.be.instanceOf(PriorityQueue);
    expect([c.maxsize, ...drain(c)]).to.deep.equal([3, 3, 2, 1]);
    expect(q.qsize()).to.equal(3);
  });

  it('a failed put on a full queue, after waiting, adds nothing and frees the slot for the next putter', async () => {
    const got = await inFiber(() => {
      const q = new PriorityQueue(2, { items: [1, 2] });
      const [bad, good] = [spawn(() => thrown(() => q.put('x'))), spawn(() => q.put(0))];
      sleep(0);
      const first = q.get();
      bad.join();
      good.join();
      return { first, bad: bad.value instanceof IncomparableError, rest: drain(q) };
    });
    expect(got).to.deep.equal({ first: 1, bad: true, rest: [0, 2] });
  });
});

describe('JoinableQueue', () => {
  it('counts every item put as an unfinished task; taskDone() marks one done', () => {
    const q = new JoinableQueue();
    expect(q.unfinishedTasks).to.equal(0);
    q.put('a');
    q.putNowait('b');
    expect(q.unfinishedTasks).to.equal(2);
    q.get();
    expect(q.unfinishedTasks).to.equal(2);
    q.taskDone();
    expect(q.unfinishedTasks).to.equal(1);
    expect(q.join(0)).to.equal(false);
    q.taskDone();
    expect([q.unfinishedTasks, q.join(0), q.join()]).to.deep.equal([0, true, true]);
  });

  it('taskDone() called too many times throws TaskDoneError', () => {
    const q = new JoinableQueue();
    q.put(1);
    q.taskDone();
    const err = thrown(() => q.taskDone());
    expect(err).to.be.instanceOf(TaskDoneError);
    expect(err.code).to.equal('ERR_TOO_MANY_TASK_DONE');
    expect(q.unfinishedTasks).to.equal(0);
  });

  it('starts with one task per initial item, or options.unfinishedTasks', () => {
    expect(new JoinableQueue(null, { items: [1, 2, 3] }).unfinishedTasks).to.equal(3);
    expect(new JoinableQueue(null, { items: [1], unfinishedTasks: 4 }).unfinishedTasks).to.equal(4);
    expect(new JoinableQueue(null, { items: [1], unfinishedTasks: null }).unfinishedTasks).to.equal(1);
    expectCode(() => new JoinableQueue(null, { unfinishedTasks: '1' }), 'ERR_INVALID_ARG_TYPE');
    expectCode(() => new JoinableQueue(null, { unfinishedTasks: -1 }), 'ERR_OUT_OF_RANGE');
    expectCode(() => new JoinableQueue(null, { unfinishedTasks: 0.5 }), 'ERR_OUT_OF_RANGE');
  });

  it('a failed put (PriorityQueue-style compare errors aside) counts no task', () => {
    const q = new JoinableQueue(1);
    q.put('a');
    expect(() => q.putNowait('b')).to.throw(QueueFull);
    expect(q.unfinishedTasks).to.equal(1);
  });

  it('join() rejects bad timeouts, and refuses to block in an event-loop callback', () => {
    const q = new JoinableQueue();
    for (const [ms, code] of BAD_TIMEOUTS) expectCode(() => q.join(ms), code);
    q.put(1);
    expect(() => q.join()).to.throw(BlockingSwitchOutError, /JoinableQueue\.join\(\)/);
    expect(q.join(0)).to.equal(false);
  });

  it('join() blocks until the count is zero, and wakes joiners in the order they joined', async () => {
    const got = await inFiber(() => {
      const q = new JoinableQueue();
      q.put('a');
      q.put('b');
      const log = [];
      const js = parked(['j1', 'j2', 'j3'], (n) => log.push(`${n} ${q.join()} ${q.unfinishedTasks}`));
      q.get();
      q.taskDone();
      sleep(0);
      log.push('one done');
      q.get();
      q.taskDone();
      log.push('all done');
      for (const j of js) j.join();
      return log;
    });
    expect(got).to.deep.equal(['one done', 'all done', 'j1 true 0', 'j2 true 0', 'j3 true 0']);
  });

  it('every joiner of the notification returns true even if a woken one put a new item', async () => {
    const got = await inFiber(() => {
      const q = new JoinableQueue();
      q.put('a');
      const log = [];
      const [j1, j2] = [
        spawn(() => {
          log.push(`j1 ${q.join()}`);
          q.put('b');
        }),
        spawn(() => log.push(`j2 ${q.join()} ${q.unfinishedTasks}`)),
      ];
      sleep(0);
      q.get();
      q.taskDone();
      j1.join();
      j2.join();
      return { log, unfinished: q.unfinishedTasks };
    });
    expect(got).to.deep.equal({ log: ['j1 true', 'j2 true 1'], unfinished: 1 });
  });

  it('join(ms) returns false once ms pass, leaving no joiner behind', async () => {
    const got = await inFiber(() => {
      const q = new JoinableQueue();
      q.put('a');
      const r = q.join(5);
      q.get();
      q.taskDone();
      return { r, after: q.join(0) };
    });
    expect(got).to.deep.equal({ r: false, after: true });
  });

  it('kill() and Timeout interrupt join(); the remaining joiners are still woken', async () => {
    const got = await inFiber(() => {
      const q = new JoinableQueue();
      q.put('a');
      const [k, j] = parked(['k', 'j'], () => q.join());
      k.kill();
      const timeoutErr = thrown(() => withTimeout(5, () => q.join()));
      q.get();
      q.taskDone();
      j.join();
      return { k: k.value instanceof FiberExit, j: j.value, timeoutErr };
    });
    expect(got.k).to.equal(true);
    expect(got.j).to.equal(true);
    expect(got.timeoutErr).to.be.instanceOf(TimeoutError);
  });

  it('copy() keeps items and the unfinished count; toString() shows the tasks', () => {
    const q = new JoinableQueue(2, { items: ['a'] });
    q.put('b');
    q.get();
    const c = q.copy();
    expect(c).to.be.instanceOf(JoinableQueue);
    expect([c.maxsize, c.qsize(), c.unfinishedTasks]).to.deep.equal([2, 1, 2]);
    expect(String(q)).to.equal("<JoinableQueue maxsize=2 queue=[ 'b' ] tasks=2>");
  });

  it('join() works at the root', () => {
    const lines = runAtRoot(`
      const { JoinableQueue, spawn, sleep } = fibernet;
      const q = new JoinableQueue();
      spawn(() => { for (;;) { const x = q.get(); sleep(1); console.log('did', x); q.taskDone(); } });
      q.put(1); q.put(2);
      console.log('joined', q.join(), q.unfinishedTasks);
      process.exit(0);
    `);
    expect(lines).to.deep.equal(['did 1', 'did 2', 'joined true 0']);
  });
});

describe('Channel', () => {
  it('holds nothing: qsize() 0, empty() and full() true; maxsize may only be 1', () => {
    const ch = new Channel();
    expect([ch.qsize(), ch.empty(), ch.full(), ch.balance, ch.getterCount, ch.putterCount]).to.deep.equal([0, true, true, 0, 0, 0]);
    expect(new Channel(1).balance).to.equal(0);
    expectCode(() => new Channel(0), 'ERR_OUT_OF_RANGE');
    expectCode(() => new Channel(2), 'ERR_OUT_OF_RANGE');
    expectCode(() => new Channel('1'), 'ERR_INVALID_ARG_TYPE');
    expect(String(ch)).to.equal('<Channel>');
  });

  it('putNowait()/getNowait() with nobody on the other side throw QueueFull/QueueEmpty, anywhere', () => {
    const ch = new Channel();
    expect(thrown(() => ch.putNowait(1))).to.be.instanceOf(QueueFull);
    expect(thrown(() => ch.put(1, 0))).to.be.instanceOf(QueueFull);
    expect(thrown(() => ch.getNowait())).to.be.instanceOf(QueueEmpty);
    expect(thrown(() => ch.get(0))).to.be.instanceOf(QueueEmpty);
  });

  it('rejects bad timeouts and refuses to block in an event-loop callback', () => {
    const ch = new Channel();
    for (const [ms, code] of BAD_TIMEOUTS) {
      expectCode(() => ch.put(1, ms), code);
      expectCode(() => ch.get(ms), code);
    }
    expect(() => ch.put(1)).to.throw(BlockingSwitchOutError, /Channel\.put\(\)/);
    expect(() => ch.get(5)).to.throw(BlockingSwitchOutError, /Channel\.get\(\)/);
    expect(ch.balance).to.equal(0);
  });

  it('put() returns only once a getter took the item', async () => {
    const got = await inFiber(() => {
      const ch = new Channel();
      const log = [];
      const [p] = parked(['p'], () => {
        ch.put('x');
        log.push('put returned');
      });
      log.push(`balance ${ch.balance}`);
      log.push(`got ${ch.get()}`);
      p.join();
      return log;
    });
    expect(got).to.deep.equal(['balance 1', 'got x', 'put returned']);
  });

  it('pairs getters and putters in the order they came', async () => {
    const got = await inFiber(() => {
      const ch = new Channel();
      const log = [];
      const gs = parked(['g1', 'g2'], (n) => log.push(`${n}:${ch.get()}`));
      const balance = ch.balance;
      const ps = parked(['a', 'b'], (n) => ch.put(n));
      for (const g of [...gs, ...ps]) g.join();
      return { log, balance, after: ch.balance };
    });
    expect(got).to.deep.equal({ log: ['g1:a', 'g2:b'], balance: -2, after: 0 });
  });

  it('putNowait() hands the item to a waiting getter; getNowait() takes a waiting putter\'s', async () => {
    const got = await inFiber(() => {
      const ch = new Channel();
      const [g] = parked(['g'], () => ch.get());
      ch.putNowait('to g');
      g.join();
      const log = [];
      const [p] = parked(['p'], () => {
        ch.put('from p');
        log.push('p returned');
      });
      log.push(ch.getNowait());
      p.join();
      return { g: g.value, log };
    });
    expect(got).to.deep.equal({ g: 'to g', log: ['from p', 'p returned'] });
  });

  it('get(ms) throws QueueEmpty and put(x, ms) QueueFull once ms pass, leaving nobody behind', async () => {
    const got = await inFiber(() => {
      const ch = new Channel();
      return { g: thrown(() => ch.get(5)), p: thrown(() => ch.put(1, 5)), balance: ch.balance };
    });
    expect(got.g).to.be.instanceOf(QueueEmpty);
    expect(got.p).to.be.instanceOf(QueueFull);
    expect(got.balance).to.equal(0);
  });

  it('kill() and Timeout interrupt put() and get(); nothing is delivered to or from them', async () => {
    const got = await inFiber(() => {
      const ch = new Channel();
      const [p] = parked(['p'], () => ch.put('killed'));
      p.kill();
      const getErr = thrown(() => withTimeout(5, () => ch.get()));
      const putErr = thrown(() => withTimeout(5, () => ch.put('timed out')));
      return { p: p.value instanceof FiberExit, getErr, putErr, balance: ch.balance, after: thrown(() => ch.getNowait()) };
    });
    expect(got.p).to.equal(true);
    expect(got.getErr).to.be.instanceOf(TimeoutError);
    expect(got.putErr).to.be.instanceOf(TimeoutError);
    expect(got.balance).to.equal(0);
    expect(got.after).to.be.instanceOf(QueueEmpty);
  });

  it('a getter handed an item but killed before it ran gives it back: the next getter takes it', async () => {
    const got = await inFiber(() => {
      const ch = new Channel();
      const log = [];
      const [p] = parked(['p'], () => {
        ch.put('x');
        log.push('put returned');
      });
      const g1 = spawn(() => ch.get());
      const g2 = spawn(() => log.push(`g2 got ${ch.get()}`));
      // Started after g1 queued the unlock: its kill lands in g1 after the
      // unlock handed g1 the item, before g1 runs.
      spawn(() => g1.kill(undefined, { block: false }));
      p.join();
      g2.join();
      return { log, g1: g1.value instanceof FiberExit, balance: ch.balance };
    });
    expect(got).to.deep.equal({ log: ['g2 got x', 'put returned'], g1: true, balance: 0 });
  });

  it('a putter killed once the unlock paired it with a getter: the getter has its item, the put() raises the kill (as in gevent)', async () => {
    const got = await inFiber(() => {
      const ch = new Channel();
      const [p1, p2] = parked(['p1', 'p2'], (n) => ch.put(n));
      const g = spawn(() => ch.get());
      spawn(() => p1.kill(undefined, { block: false }));
      g.join();
      p1.join();
      const left = ch.balance;
      const next = ch.get();
      p2.join();
      return { g: g.value, p1: p1.value instanceof FiberExit, left, next, balance: ch.balance };
    });
    expect(got).to.deep.equal({ g: 'p1', p1: true, left: 1, next: 'p2', balance: 0 });
  });

  it('a putter killed before the root it was paired with ran withdraws its item; the root waits again, first in line', () => {
    const lines = runAtRoot(`
      const { Channel, spawn, sleep, FiberExit } = fibernet;
      const ch = new Channel();
      const p1 = spawn(() => ch.put('p1'));
      // Runs after p1 has offered its item, before the unlock pairs it with the root.
      spawn(() => p1.kill(undefined, { block: false }));
      const p2 = spawn(() => { sleep(30); ch.put('p2'); });
      console.log('root got', ch.get());
      p1.join();
      p2.join();
      console.log('p1 killed', p1.value instanceof FiberExit, 'balance', ch.balance);
    `);
    expect(lines).to.deep.equal(['root got p2', 'p1 killed true balance 0']);
  });

  it('an item putNowait() handed to a getter killed before it ran stays in the channel', async () => {
    const got = await inFiber(() => {
      const ch = new Channel();
      const [g] = parked(['g'], () => ch.get());
      ch.putNowait('kept');
      g.kill();
      const balance = ch.balance;
      return { g: g.value instanceof FiberExit, balance, got: ch.get(), after: ch.balance };
    });
    expect(got).to.deep.equal({ g: true, balance: 1, got: 'kept', after: 0 });
  });

  it('iterates until Channel.STOP', async () => {
    const got = await inFiber(() => {
      const ch = new Channel();
      spawn(() => {
        ch.put('a');
        ch.put('b');
        ch.put(Channel.STOP);
      });
      return Array.from(ch);
    });
    expect(got).to.deep.equal(['a', 'b']);
    expect(Channel.STOP).to.equal(Queue.STOP);
  });

  it('getterCount, putterCount and toString() show the waiters', async () => {
    const shown = await inFiber(() => {
      const ch = new Channel();
      const gs = parked(['a', 'b'], () => ch.get());
      const out = [String(ch), ch.getterCount, ch.putterCount];
      ch.putNowait(1);
      ch.putNowait(2);
      for (const g of gs) g.join();
      const [p] = parked(['p'], () => ch.put(3));
      out.push(String(ch), ch.getterCount, ch.putterCount, ch.get());
      p.join();
      return out;
    });
    expect(shown).to.deep.equal(['<Channel getters[2]>', 2, 0, '<Channel putters[1]>', 0, 1, 3]);
  });

  it('put() and get() work at the root', () => {
    const lines = runAtRoot(`
      const { Channel, spawn } = fibernet;
      const ch = new Channel();
      spawn(() => { console.log('g got', ch.get()); ch.put('back'); });
      ch.put('hello');
      console.log('root put returned');
      console.log('root got', ch.get());
    `);
    expect(lines).to.deep.equal(['g got hello', 'root put returned', 'root got back']);
  });
});
