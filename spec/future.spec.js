'use strict';
// Future: the old `fibers/future` semantics, messages included.
const util = require('util');
const fs = require('fs');
const { expect } = require('chai');
const Fiber = require('../dist/lib/compat/fibers.js');
const Future = require('../dist/lib/compat/future.js');

/** Runs fn in a new fiber; settles with what it returns or throws (whenever it finishes). */
function inFiber(fn) {
  return new Promise((resolve, reject) => {
    Fiber(() => {
      try {
        resolve(fn());
      } catch (err) {
        reject(err);
      }
    }).run();
  });
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

// Mocha owns 'uncaughtException'; these specs take it over for one exception.
let savedUncaught = null;
function nextUncaught() {
  return new Promise((resolve) => {
    savedUncaught = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.once('uncaughtException', (err) => {
      restoreUncaught();
      resolve(err);
    });
  });
}
function restoreUncaught() {
  if (savedUncaught === null) return;
  process.removeAllListeners('uncaughtException');
  for (const l of savedUncaught) process.on('uncaughtException', l);
  savedUncaught = null;
}

describe('Future', function () {
  afterEach(restoreUncaught);

  describe('module', function () {
    it('is what fibernet/future and fibernet export', function () {
      expect(require('fibernet/future')).to.equal(Future);
      expect(require('../dist/lib/index.js').Future).to.equal(Future);
    });

    it('defines a non-enumerable Function.prototype.future', function () {
      const d = Object.getOwnPropertyDescriptor(Function.prototype, 'future');
      expect(d.value).to.be.a('function');
      expect(d.enumerable).to.equal(false);
      const keys = [];
      for (const k in function () {}) keys.push(k);
      expect(keys).to.not.include('future');
    });
  });

  describe('constructor and state', function () {
    it('starts unresolved, with no state properties yet', function () {
      const f = new Future();
      expect(f).to.be.instanceOf(Future);
      expect(f.isResolved()).to.equal(false);
      expect(Object.keys(f)).to.deep.equal([]);
      expect(Future.prototype.constructor).to.equal(Future);
    });

    it('supports ES5 subclassing with Future.call(this) and util.inherits', function () {
      function MyFuture() {
        Future.call(this);
        this.tag = 'mine';
      }
      util.inherits(MyFuture, Future);
      const f = new MyFuture();
      expect(f).to.be.instanceOf(Future);
      f.return(3);
      expect(f.get()).to.equal(3);
      expect(f.tag).to.equal('mine');
    });

    it('return(v) resolves with v; get() returns it; state is public', function () {
      const f = new Future();
      expect(f.return(42)).to.equal(undefined);
      expect(f.isResolved()).to.equal(true);
      expect(f.resolved).to.equal(true);
      expect(f.value).to.equal(42);
      expect(f.get()).to.equal(42);
    });

    it('throw(err) resolves with err; get() throws it', function () {
      const f = new Future();
      const err = new Error('boom');
      f.throw(err);
      expect(f.isResolved()).to.equal(true);
      expect(f.error).to.equal(err);
      expect(() => f.get()).to.throw(err);
    });

    it('passes non-Error throwables through get()', function () {
      const f = new Future();
      f.throw('a string');
      let caught;
      try {
        f.get();
      } catch (e) {
        caught = e;
      }
      expect(caught).to.equal('a string');
    });

    it('get() before resolution: "Future must resolve before value is ready"', function () {
      expect(() => new Future().get()).to.throw(Error, /^Future must resolve before value is ready$/);
    });

    it('resolving twice: "Future resolved more than once", in every combination', function () {
      const a = new Future();
      a.return(1);
      expect(() => a.return(2)).to.throw(Error, /^Future resolved more than once$/);
      expect(() => a.throw(new Error('x'))).to.throw(Error, /^Future resolved more than once$/);
      expect(a.get()).to.equal(1);
      const b = new Future();
      b.throw(new Error('first'));
      expect(() => b.return(2)).to.throw(Error, /^Future resolved more than once$/);
      expect(() => b.throw(new Error('x'))).to.throw(Error, /^Future resolved more than once$/);
      expect(() => b.get()).to.throw('first');
    });

    it('throw() with a falsy error: "Must throw non-empty error", future stays unresolved', function () {
      for (const v of [undefined, null, 0, '', false]) {
        const f = new Future();
        expect(() => f.throw(v)).to.throw(Error, /^Must throw non-empty error$/);
        expect(f.isResolved()).to.equal(false);
      }
      // "resolved twice" is checked first.
      const g = new Future();
      g.return();
      expect(() => g.throw()).to.throw(/resolved more than once/);
    });
  });

  describe('resolve / resolveSuccess / resolver', function () {
    it('resolve(cb) runs cb(undefined, value) on return, and returns this', function () {
      const f = new Future();
      const calls = [];
      expect(f.resolve((...args) => calls.push(args))).to.equal(f);
      expect(calls).to.deep.equal([]);
      f.return('v');
      expect(calls).to.deep.equal([[undefined, 'v']]);
    });

    it('resolve(cb) runs cb(err) with a single argument on throw', function () {
      const f = new Future();
      const calls = [];
      f.resolve((...args) => calls.push(args));
      const err = new Error('e');
      f.throw(err);
      expect(calls).to.have.length(1);
      expect(calls[0]).to.have.length(1);
      expect(calls[0][0]).to.equal(err);
    });

    it('resolve(cb) on a resolved future calls cb(error, value) synchronously', function () {
      const ok = new Future();
      ok.return(7);
      const seen = [];
      ok.resolve((...args) => seen.push(args));
      const bad = new Future();
      const err = new Error('e');
      bad.throw(err);
      bad.resolve((...args) => seen.push(args));
      expect(seen).to.deep.equal([
        [undefined, 7],
        [err, undefined],
      ]);
    });

    it('runs callbacks in registration order and drops them after use', function () {
      const f = new Future();
      const order = [];
      f.resolve(() => order.push(1));
      f.resolve(() => order.push(2));
      expect(f.callbacks).to.have.length(2);
      f.return();
      expect(order).to.deep.equal([1, 2]);
      expect('callbacks' in f).to.equal(false);
    });

    it('resolve(target, onValue): onValue(value) on success, target.throw(err) on error', function () {
      const got = [];
      const target = { throw: (e) => got.push(['throw', e]) };
      const ok = new Future();
      ok.resolve(target, (v) => got.push(['value', v]));
      ok.return(5);
      const bad = new Future();
      const err = new Error('x');
      bad.resolve(target, (v) => got.push(['value', v]));
      bad.throw(err);
      // Already resolved: immediate.
      ok.resolve(target, (v) => got.push(['late', v]));
      bad.resolve(target, () => got.push(['never']));
      expect(got).to.deep.equal([
        ['value', 5],
        ['throw', err],
        ['late', 5],
        ['throw', err],
      ]);
    });

    it('a callback throwing during return() does not stop the others; it is raised as uncaught', async function () {
      const f = new Future();
      const boom = new Error('listener failed');
      const ran = [];
      f.resolve(() => {
        throw boom;
      });
      f.resolve(() => ran.push('second'));
      const uncaught = nextUncaught();
      f.return(1); // must not throw here
      expect(ran).to.deep.equal(['second']);
      expect(await uncaught).to.equal(boom);
    });

    it('a callback throwing on an already-resolved future throws out of resolve()', function () {
      const f = new Future();
      f.return(1);
      expect(() =>
        f.resolve(() => {
          throw new Error('sync');
        }),
      ).to.throw('sync');
    });

    it('resolveSuccess(cb) calls cb(value) only on success and returns this', function () {
      const seen = [];
      const ok = new Future();
      expect(ok.resolveSuccess((v) => seen.push(v))).to.equal(ok);
      ok.return('yes');
      const bad = new Future();
      bad.resolveSuccess((v) => seen.push(v));
      bad.throw(new Error('no'));
      expect(seen).to.deep.equal(['yes']);
    });

    it('resolver() is a bound node-style callback', function () {
      const f = new Future();
      const cb = f.resolver();
      cb.call(null, null, 'val');
      expect(f.get()).to.equal('val');
      expect(() => cb(null, 'again')).to.throw(/^Future resolved more than once$/);

      const g = new Future();
      const err = new Error('cb error');
      g.resolver()(err, 'ignored');
      expect(() => g.get()).to.throw(err);

      const h = new Future();
      h.resolver()(0, 'falsy error means success');
      expect(h.get()).to.equal('falsy error means success');
    });
  });

  describe('proxy / proxyErrors / promise / detach', function () {
    it('proxy(target) forwards value or error and returns undefined', function () {
      const a = new Future();
      const b = new Future();
      expect(a.proxy(b)).to.equal(undefined);
      a.return('p');
      expect(b.get()).to.equal('p');

      const c = new Future();
      const d = new Future();
      c.proxy(d);
      const err = new Error('px');
      c.throw(err);
      expect(() => d.get()).to.throw(err);
    });

    it('proxyErrors forwards only errors, to one future or an array, and returns this', function () {
      const src = new Future();
      const one = new Future();
      expect(src.proxyErrors(one)).to.equal(src);
      src.return('value is not forwarded');
      expect(one.isResolved()).to.equal(false);

      const bad = new Future();
      const targets = [new Future(), new Future()];
      bad.proxyErrors(targets);
      bad.proxyErrors(one);
      const err = new Error('pe');
      bad.throw(err);
      for (const t of [...targets, one]) expect(() => t.get()).to.throw(err);
    });

    it('promise() settles with the outcome', async function () {
      const ok = new Future();
      const p = ok.promise();
      ok.return(9);
      expect(await p).to.equal(9);

      const bad = new Future();
      const err = new Error('rej');
      bad.throw(err);
      let caught;
      await bad.promise().catch((e) => (caught = e));
      expect(caught).to.equal(err);
    });

    it('detach() raises a later error as an uncaught exception; success is silent', async function () {
      const quiet = new Future();
      expect(quiet.detach()).to.equal(undefined);
      quiet.return(1);

      const f = new Future();
      f.detach();
      const uncaught = nextUncaught();
      const err = new Error('detached');
      f.throw(err); // must not throw here
      expect(await uncaught).to.equal(err);
    });

    it('detach() on an already-failed future throws right away', function () {
      const f = new Future();
      f.throw(new Error('already'));
      expect(() => f.detach()).to.throw('already');
    });
  });

  describe('fromPromise', function () {
    it('resolves with the promise value', async function () {
      const f = Future.fromPromise(Promise.resolve('pv'));
      expect(f.isResolved()).to.equal(false);
      await tick();
      expect(f.get()).to.equal('pv');
    });

    it('throws the rejection reason', async function () {
      const err = new Error('pr');
      const f = Future.fromPromise(Promise.reject(err));
      await tick();
      expect(() => f.get()).to.throw(err);
    });

    it('can be waited on in a fiber', async function () {
      const v = await inFiber(() => Future.fromPromise(new Promise((r) => setTimeout(() => r('later'), 1))).wait());
      expect(v).to.equal('later');
    });
  });

  describe('wait()', function () {
    it('on a resolved future needs no fiber', function () {
      const f = new Future();
      f.return('now');
      expect(Fiber.current).to.equal(undefined);
      expect(f.wait()).to.equal('now');
      const g = new Future();
      g.throw(new Error('now-err'));
      expect(() => g.wait()).to.throw('now-err');
    });

    it('on an unresolved future outside a fiber: "Can\'t wait without a fiber", nothing registered', function () {
      const f = new Future();
      expect(() => f.wait()).to.throw(Error, /^Can't wait without a fiber$/);
      expect(f.callbacks).to.equal(undefined);
    });

    it('parks the fiber until the future resolves, then returns the value', async function () {
      const order = [];
      const f = new Future();
      const done = inFiber(() => {
        order.push('waiting');
        const v = f.wait();
        order.push('woke');
        return v;
      });
      order.push('parked');
      setTimeout(() => f.return('late'), 1);
      expect(await done).to.equal('late');
      expect(order).to.deep.equal(['waiting', 'parked', 'woke']);
    });

    it('throws the error the future got', async function () {
      const f = new Future();
      const err = new Error('waited-err');
      setTimeout(() => f.throw(err), 1);
      let caught;
      await inFiber(() => f.wait()).catch((e) => (caught = e));
      expect(caught).to.equal(err);
    });

    it('links the error stack: first line, waiter frames, separator, origin frames', async function () {
      const f = new Future();
      setTimeout(function originOfTheError() {
        f.throw(new Error('boom'));
      }, 1);
      function theWaiter() {
        return f.wait();
      }
      let err;
      await inFiber(theWaiter).catch((e) => (err = e));
      const lines = err.stack.split('\n');
      expect(lines[0]).to.equal('Error: boom');
      const sep = lines.indexOf('    - - - - -');
      expect(sep).to.be.above(1);
      expect(lines.slice(1, sep).join('\n')).to.match(/theWaiter/);
      expect(lines.slice(sep + 1).join('\n')).to.match(/originOfTheError/);
      expect(err.futureStack).to.be.a('string').that.does.not.include('- - - - -');
      expect(err.futureStack).to.match(/originOfTheError/);
      // Linking again (another get()) does not pile up separators.
      expect(() => f.get()).to.throw();
      expect(err.stack.split('    - - - - -')).to.have.length(2);
      err.stack = 'replaced';
      expect(err.stack).to.equal('replaced');
    });

    it('throws frozen errors unchanged', function () {
      const f = new Future();
      const err = Object.freeze(new Error('frozen'));
      f.throw(err);
      let caught;
      try {
        f.get();
      } catch (e) {
        caught = e;
      }
      expect(caught).to.equal(err);
    });

    it('if the fiber is resumed early, get() reports the future unresolved', async function () {
      const f = new Future();
      let fiber;
      const done = inFiber(() => {
        fiber = Fiber.current;
        return f.wait();
      });
      fiber.run();
      let caught;
      await done.catch((e) => (caught = e));
      expect(caught).to.be.instanceOf(Error);
      expect(caught.message).to.equal('Future must resolve before value is ready');
    });

    it('a future resolved from another fiber resumes its waiter inside that resolve', async function () {
      const order = [];
      const f = new Future();
      const waiter = inFiber(() => {
        f.wait();
        order.push('waiter resumed');
      });
      await inFiber(() => {
        order.push('before return');
        f.return();
        order.push('after return');
      });
      await waiter;
      expect(order).to.deep.equal(['before return', 'waiter resumed', 'after return']);
    });
  });

  describe('wait() under kill() and Timeout (a bare-yield park)', function () {
    const fibernet = require('..');

    it('withTimeout() ends future.wait() with its TimeoutError, and the late resolve resumes nothing', async function () {
      const f = new Future();
      const out = await inFiber(() => {
        let err;
        try {
          fibernet.withTimeout(30, () => f.wait());
        } catch (e) {
          err = e;
        }
        f.return('late');
        fibernet.sleep(10);
        return { name: err && err.name, code: err && err.code, value: f.get() };
      });
      expect(out).to.deep.equal({ name: 'TimeoutError', code: 'ETIMEDOUT', value: 'late' });
    });

    it('kill() reaches a greenlet parked in future.wait() and in Future.wait(a, b): its finally runs, it is dead', async function () {
      const out = await inFiber(() => {
        const finals = [];
        const one = fibernet.spawn(() => {
          try {
            new Future().wait();
          } finally {
            finals.push('one');
          }
        });
        const two = fibernet.spawn(() => {
          try {
            Future.wait(new Future(), new Future());
          } finally {
            finals.push('two');
          }
        });
        fibernet.sleep(10);
        fibernet.killAll([one, two]);
        return { dead: [one.dead, two.dead], ok: [one.successful(), two.successful()], finals };
      });
      expect(out).to.deep.equal({ dead: [true, true], ok: [true, true], finals: ['one', 'two'] });
    });

    it('a plain Fiber resumed early by run() still gets an unresolved future, as in the old package', function () {
      const f = new Future();
      let seen;
      const fiber = Fiber(() => {
        try {
          seen = f.wait();
        } catch (e) {
          seen = e.message;
        }
      });
      fiber.run();
      fiber.run(); // early: f is not resolved
      expect(seen).to.equal('Future must resolve before value is ready');
    });
  });

  describe('Future.wait(...)', function () {
    it('waits for futures and arrays of futures; returns undefined and throws nothing', async function () {
      const a = new Future();
      const b = new Future();
      const c = new Future();
      setTimeout(() => a.return('a'), 2);
      setTimeout(() => b.throw(new Error('b failed')), 1);
      process.nextTick(() => c.return('c'));
      const result = await inFiber(() => Future.wait(a, [b, c]));
      expect(result).to.equal(undefined);
      expect(a.get()).to.equal('a');
      expect(() => b.get()).to.throw('b failed');
      expect(c.get()).to.equal('c');
    });

    it('rejects non-futures with "<value> is not a future", before touching anything', function () {
      const f = new Future();
      expect(() => Future.wait(f, 1)).to.throw(Error, /^1 is not a future$/);
      expect(() => Future.wait([f, {}])).to.throw(Error, /^\[object Object\] is not a future$/);
      expect(() => Future.wait([[f]])).to.throw(Error, /is not a future$/);
      expect(() => Future.wait(null)).to.throw(Error, /^null is not a future$/);
      expect(() => Future.wait(Object.create(null))).to.throw(Error, /is not a future$/);
      expect(f.callbacks).to.equal(undefined);
    });

    it('outside a fiber throws "Can\'t wait without a fiber", even with nothing to wait for', function () {
      const done = new Future();
      done.return();
      expect(() => Future.wait()).to.throw(Error, /^Can't wait without a fiber$/);
      expect(() => Future.wait(done)).to.throw(Error, /^Can't wait without a fiber$/);
    });

    it('returns at once in a fiber when everything is resolved', async function () {
      const done = new Future();
      done.return();
      const r = await inFiber(() => {
        Future.wait(done, [done]);
        Future.wait();
        return 'no park';
      });
      expect(r).to.equal('no park');
    });

    it('runs one not-yet-started task inline in the waiting fiber', async function () {
      let runs = 0;
      let ranIn;
      const task = function () {
        runs++;
        ranIn = Fiber.current;
        return 'inline';
      }.future();
      let waiter;
      const r = await inFiber(() => {
        waiter = Fiber.current;
        const f = task();
        Future.wait(f);
        expect(f.started).to.equal(true);
        return f.get();
      });
      expect(r).to.equal('inline');
      expect(ranIn).to.equal(waiter);
      await tick();
      expect(runs).to.equal(1);
    });

    it('runs only the first unstarted task inline; others get their own fibers', async function () {
      const fibers = [];
      const t = function (n) {
        fibers.push([n, Fiber.current]);
        return n;
      }.future();
      let waiter;
      await inFiber(() => {
        waiter = Fiber.current;
        const a = t(1);
        const b = t(2);
        Future.wait([a, b]);
        expect([a.get(), b.get()]).to.deep.equal([1, 2]);
      });
      expect(fibers.find(([n]) => n === 1)[1]).to.equal(waiter);
      expect(fibers.find(([n]) => n === 2)[1]).to.not.equal(waiter);
    });
  });

  describe('Function.prototype.future', function () {
    it('returns a function that runs the original in a new fiber on the next tick', async function () {
      let seen;
      const fn = function (a, b) {
        seen = { self: this, args: [a, b], fiber: Fiber.current };
        return a + b;
      }.future();
      const self = { me: true };
      const f = fn.call(self, 2, 3);
      expect(f).to.be.instanceOf(Future);
      expect(f.isResolved()).to.equal(false);
      expect(f.started).to.equal(false);
      expect(seen).to.equal(undefined);
      await tick();
      expect(f.get()).to.equal(5);
      expect(seen.self).to.equal(self);
      expect(seen.args).to.deep.equal([2, 3]);
      expect(seen.fiber).to.be.instanceOf(Fiber);
    });

    it('stores what the function throws', async function () {
      const err = new Error('inside');
      const f = function () {
        throw err;
      }.future()();
      await tick();
      expect(() => f.get()).to.throw(err);
    });

    it('lets the function wait on other futures', async function () {
      const inner = new Future();
      const f = function () {
        return inner.wait() * 2;
      }.future()();
      setTimeout(() => inner.return(21), 1);
      expect(await f.promise()).to.equal(42);
    });

    it('future(true) detaches: an error becomes an uncaught exception', async function () {
      const err = new Error('detached task');
      const uncaught = nextUncaught();
      (function () {
        throw err;
      }).future(true)();
      expect(await uncaught).to.equal(err);
    });

    it('a falsy throw cannot be stored: "Must throw non-empty error" is uncaught', async function () {
      const uncaught = nextUncaught();
      const f = function () {
        throw undefined; // eslint-disable-line no-throw-literal
      }.future()();
      const e = await uncaught;
      expect(e.message).to.equal('Must throw non-empty error');
      expect(f.isResolved()).to.equal(false);
    });

    it('has the old toString', function () {
      const orig = function foo() {};
      expect(String(orig.future())).to.equal('<<Future ' + orig + '.future()>>');
    });
  });

  describe('Future.task', function () {
    it('runs one function in a fiber and resolves with its result', async function () {
      const f = Future.task(() => Fiber.current !== undefined);
      expect(f).to.be.instanceOf(Future);
      expect(await f.promise()).to.equal(true);
    });

    it('runs several and resolves with their results in argument order', async function () {
      const slow = () => {
        const t = new Future();
        setTimeout(() => t.return(), 2);
        t.wait();
        return 'slow';
      };
      const f = Future.task(slow, () => 'fast');
      expect(await f.promise()).to.deep.equal(['slow', 'fast']);
    });

    it('throws an error if any of several fails, after all finish', async function () {
      let finished = false;
      const err = new Error('task failed');
      const f = Future.task(
        () => {
          throw err;
        },
        () => {
          const t = new Future();
          setTimeout(() => t.return(), 2);
          t.wait();
          finished = true;
        },
      );
      let caught;
      await f.promise().catch((e) => (caught = e));
      expect(caught).to.equal(err);
      expect(finished).to.equal(true);
    });

    it('rejects non-functions with a TypeError', function () {
      expect(() => Future.task(5)).to.throw(TypeError);
    });

    it('with no functions returns a future that never resolves (as before)', async function () {
      const f = Future.task();
      await tick();
      expect(f.isResolved()).to.equal(false);
    });
  });

  describe('Future.wrap', function () {
    function addLater(a, b, cb) {
      setImmediate(() => cb(null, a + b));
      return 'returned synchronously';
    }

    it('wraps a callback-last function: future result, `_` holds the return value', async function () {
      const add = Future.wrap(addLater);
      const f = add(1, 2);
      expect(f).to.be.instanceOf(Future);
      expect(f._).to.equal('returned synchronously');
      expect(await inFiber(() => f.wait())).to.equal(3);
    });

    it('passes `this`, turns callback errors into future errors', async function () {
      const obj = {
        base: 10,
        add: Future.wrap(function (n, cb) {
          const err = n < 0 ? new Error('negative') : null;
          process.nextTick(() => cb(err, this.base + n));
        }),
      };
      expect(await obj.add(5).promise()).to.equal(15);
      let caught;
      await obj
        .add(-1)
        .promise()
        .catch((e) => (caught = e));
      expect(caught.message).to.equal('negative');
    });

    it('multi: resolves with the array of callback values after err', async function () {
      const two = Future.wrap((cb) => setImmediate(() => cb(null, 'x', 'y')), true);
      expect(await two().promise()).to.deep.equal(['x', 'y']);
    });

    it('lets a synchronous throw escape the wrapper', function () {
      const bad = Future.wrap(() => {
        throw new Error('sync fail');
      });
      expect(() => bad()).to.throw('sync fail');
    });

    it('wraps an object: inherits from it, adds <name>Future methods', async function () {
      const base = {
        greet(name, cb) {
          setImmediate(() => cb(null, this.prefix + name));
        },
      };
      const src = Object.create(base);
      src.prefix = 'hi ';
      src.own = function (cb) {
        cb(null, 'own');
      };
      src.notAFunction = 42;
      const w = Future.wrap(src);
      expect(Object.getPrototypeOf(w)).to.equal(src);
      expect(w.greet).to.equal(base.greet);
      expect(w.notAFunctionFuture).to.equal(undefined);
      expect(w.ownFuture().get()).to.equal('own');
      expect(await w.greetFuture('bob').promise()).to.equal('hi bob');
    });

    it('honours a custom suffix', function () {
      const w = Future.wrap({ f: (cb) => cb(null, 1) }, false, 'Sync');
      expect(w.fSync().get()).to.equal(1);
      expect(w.fFuture).to.equal(undefined);
    });

    it('wraps function-valued modules: properties inherited and wrapped too', function () {
      function request(cb) {
        cb(null, 'main');
      }
      request.get = function (cb) {
        cb(null, 'get');
      };
      request.version = '1.0';
      const w = Future.wrap(request);
      expect(w().get()).to.equal('main');
      expect(w.version).to.equal('1.0');
      expect(w.get).to.equal(request.get);
      expect(w.getFuture().get()).to.equal('get');
      // wrapper -> wrapped copy -> copy -> original
      const chain = Object.getPrototypeOf(Object.getPrototypeOf(Object.getPrototypeOf(w)));
      expect(chain).to.equal(request);
      expect(w).to.be.instanceOf(Function);
      expect(w.call).to.equal(Function.prototype.call);
    });

    it('with stop=true leaves the wrapper a plain function', function () {
      function mod(cb) {
        cb(null, 1);
      }
      mod.extra = () => {};
      const w = Future.wrap(mod, false, undefined, true);
      expect(w.extra).to.equal(undefined);
      expect(Object.getPrototypeOf(w)).to.equal(Function.prototype);
    });

    it('returns undefined for anything else', function () {
      expect(Future.wrap(5)).to.equal(undefined);
      expect(Future.wrap('s')).to.equal(undefined);
      expect(Future.wrap(undefined)).to.equal(undefined);
    });

    it('works on the fs module, as in the old README', async function () {
      const wfs = Future.wrap(fs);
      const text = await inFiber(() => wfs.readFileFuture(__filename, 'utf8').wait());
      expect(text).to.include('links the error stack');
    });
  });
});
