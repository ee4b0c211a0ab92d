'use strict';
const { expect } = require('chai');
const { Fiber } = require('../..');
const FiberCompat = require('../../dist/lib/compat/fibers.js');

describe('Fiber API (old fibers semantics)', () => {
  it('is what require("fibernet/fibers") exports', () => {
    expect(FiberCompat).to.equal(Fiber);
  });

  it('constructs with or without new', () => {
    const a = new Fiber(() => 1);
    const b = Fiber(() => 2);
    expect(a).to.be.instanceOf(Fiber);
    expect(b).to.be.instanceOf(Fiber);
    expect(a.run()).to.equal(1);
    expect(b.run()).to.equal(2);
  });

  it('rejects a missing function or extra arguments with the old messages', () => {
    expect(() => Fiber()).to.throw(TypeError, 'Fiber expects 1 argument');
    expect(() => Fiber(() => 1, 2, 3)).to.throw(TypeError, 'Fiber expects 1 argument');
    expect(() => Fiber(42)).to.throw(TypeError, 'Fiber expects a function');
    expect(() => new Fiber('x')).to.throw(TypeError, 'Fiber expects a function');
  });

  it('passes run()\'s value to the function, yields values out and run() values in', () => {
    const seen = [];
    const f = Fiber((first) => {
      seen.push(first);
      seen.push(Fiber.yield('a'));
      seen.push(Fiber.yield('b'));
      return 'end';
    });
    expect(f.run(1)).to.equal('a');
    expect(f.run(2)).to.equal('b');
    expect(f.run(3)).to.equal('end');
    expect(seen).to.deep.equal([1, 2, 3]);
  });

  it('calls the function with the global object as this', () => {
    let self;
    Fiber(function () {
      self = this;
    }).run();
    expect(self).to.equal(globalThis);
  });

  it('throws errors from the fiber out of run() with their stack', () => {
    function deepInFiber() {
      throw new Error('boom');
    }
    const f = Fiber(() => {
      Fiber.yield();
      deepInFiber();
    });
    f.run();
    let caught;
    try {
      f.run();
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(Error);
    expect(caught.message).to.equal('boom');
    expect(caught.stack).to.contain('deepInFiber');
    expect(f.started).to.equal(false);
  });

  it('passes non-Error throwables through unchanged', () => {
    const obj = { odd: true };
    expect(() =>
      Fiber(() => {
        throw obj;
      }).run(),
    ).to.throw().that.equals(obj);
  });

  it('reports started from the first run until the function returns', () => {
    const f = Fiber(() => {
      expect(Fiber.current.started).to.equal(true);
      Fiber.yield();
    });
    expect(f.started).to.equal(false);
    f.run();
    expect(f.started).to.equal(true);
    f.run();
    expect(f.started).to.equal(false);
  });

  it('sets Fiber.current inside a fiber and leaves it undefined outside', () => {
    let inside;
    const f = Fiber(() => {
      inside = Fiber.current;
    });
    expect(Fiber.current).to.equal(undefined);
    f.run();
    expect(inside).to.equal(f);
    expect(Fiber.current).to.equal(undefined);
  });

  it('nests: a fiber may run another, and yield returns to whoever ran it', () => {
    const order = [];
    const inner = Fiber(() => {
      order.push('inner 1');
      Fiber.yield();
      order.push('inner 2');
    });
    const outer = Fiber(() => {
      order.push('outer 1');
      inner.run();
      expect(Fiber.current).to.equal(outer);
      order.push('outer 2');
      Fiber.yield();
      inner.run();
      order.push('outer 3');
    });
    outer.run();
    order.push('main');
    outer.run();
    expect(order).to.deep.equal(['outer 1', 'inner 1', 'outer 2', 'main', 'inner 2', 'outer 3']);
  });

  it('refuses to run a running fiber: "This Fiber is already running"', () => {
    const f = Fiber(() => f.run());
    expect(() => f.run()).to.throw(Error, 'This Fiber is already running');
    // A fiber up the caller chain is running too.
    const outer = Fiber(() => Fiber(() => outer.run()).run());
    expect(() => outer.run()).to.throw(Error, 'This Fiber is already running');
  });

  it('refuses Fiber.yield() outside a fiber: "yield() called with no fiber running"', () => {
    expect(() => Fiber.yield()).to.throw(Error, 'yield() called with no fiber running');
  });

  it('runs a finished fiber again from the start (no error, as the old package)', () => {
    let runs = 0;
    const f = Fiber(() => ++runs);
    expect(f.run()).to.equal(1);
    expect(f.run()).to.equal(2);
  });

  it('checks argument counts with the old messages', () => {
    const f = Fiber(() => Fiber.yield(Fiber.yield()));
    expect(() => f.run(1, 2)).to.throw(TypeError, 'run() excepts 1 or no arguments');
    f.run();
    expect(() => f.throwInto(1, 2)).to.throw(TypeError, 'throwInto() expects 1 or no arguments');
    expect(() => f.reset(1)).to.throw(TypeError, 'reset() expects no arguments');
    const g = Fiber(() => Fiber.yield(1, 2));
    expect(() => g.run()).to.throw(TypeError, 'yield() expects 1 or no arguments');
  });

  it('throwInto() raises inside the parked fiber and returns what it yields next', () => {
    const f = Fiber(() => {
      try {
        Fiber.yield();
      } catch (err) {
        return `caught ${err.message}`;
      }
      return 'not caught';
    });
    f.run();
    expect(f.throwInto(new Error('x'))).to.equal('caught x');
  });

  it('throwInto() on a fiber that never started throws "This Fiber is not yielding"', () => {
    expect(() => Fiber(() => 1).throwInto(new Error('x'))).to.throw(Error, 'This Fiber is not yielding');
  });

  it('reset() on a fiber that never started returns undefined without throwing', () => {
    expect(Fiber(() => 1).reset()).to.equal(undefined);
  });

  it('reset() unwinds a parked fiber: finally blocks run, and yield keeps throwing until it ends', () => {
    const log = [];
    let attempts = 0;
    const f = Fiber(() => {
      try {
        for (;;) {
          try {
            Fiber.yield();
          } catch (err) {
            attempts++;
            if (attempts === 3) throw err;
          }
        }
      } finally {
        log.push('finally');
      }
    });
    f.run();
    expect(f.reset()).to.equal(undefined);
    expect(log).to.deep.equal(['finally']);
    expect(attempts).to.equal(3);
    expect(f.started).to.equal(false);
  });

  it('reset() returns what the unwound fiber returns, or throws what else it throws', () => {
    const returns = Fiber(() => {
      try {
        Fiber.yield();
      } catch {
        return 'recovered';
      }
    });
    returns.run();
    expect(returns.reset()).to.equal('recovered');
    const throws = Fiber(() => {
      try {
        Fiber.yield();
      } finally {
        // eslint-disable-next-line no-unsafe-finally
        throw new Error('other');
      }
    });
    throws.run();
    expect(() => throws.reset()).to.throw(Error, 'other');
  });

  it('reset() on a running fiber throws "This Fiber is not yielding"', () => {
    const f = Fiber(() => f.reset());
    expect(() => f.run()).to.throw(Error, 'This Fiber is not yielding');
  });

  it('rejects methods called on something that is not a Fiber', () => {
    expect(() => Fiber.prototype.run.call(null)).to.throw(TypeError);
    expect(() => Fiber.prototype.run.call({})).to.throw(TypeError);
    expect(() => Fiber.prototype.throwInto.call(42)).to.throw(TypeError);
    expect(() => Fiber.prototype.reset.call(undefined)).to.throw(TypeError);
  });

  it('exposes poolSize (settable) and fibersCreated', () => {
    const before = Fiber.poolSize;
    expect(before).to.equal(120);
    Fiber.poolSize = 10;
    expect(Fiber.poolSize).to.equal(10);
    Fiber.poolSize = before;
    expect(() => {
      Fiber.poolSize = -1;
    }).to.throw(TypeError, 'poolSize');
    expect(Fiber.fibersCreated).to.be.a('number').that.is.greaterThan(0);
  });

  it('validates stack sizes', () => {
    expect(() => {
      Fiber.stackSize = 'big';
    }).to.throw(TypeError, 'stackSize');
    expect(() => {
      Fiber.stackSize = 1024;
    }).to.throw(RangeError, 'at least');
    expect(() => new Fiber(() => 1, { stackSize: 10 })).to.throw(RangeError, 'at least');
    expect(Fiber.stackSize).to.equal(1024 * 1024);
  });

  it('lets timers and I/O callbacks started in a fiber run on the event loop', (done) => {
    Fiber(() => {
      setTimeout(() => {
        expect(Fiber.current).to.equal(undefined);
        done();
      }, 1);
    }).run();
  });

  it('resumes a fiber from a timer callback', (done) => {
    const f = Fiber(() => {
      const v = Fiber.yield();
      expect(v).to.equal('from timer');
      done();
    });
    f.run();
    setTimeout(() => f.run('from timer'), 1);
  });
});
