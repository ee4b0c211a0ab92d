'use strict';
const { expect } = require('chai');
const fibernet = require('../..');

describe('hub errors', () => {
  const cases = [
    ['ConcurrentObjectUseError', 'ERR_CONCURRENT_OBJECT_USE'],
    ['InvalidSwitchError', 'ERR_INVALID_SWITCH'],
    ['BlockingSwitchOutError', 'ERR_BLOCKING_SWITCH_OUT'],
    ['TimeoutError', 'ETIMEDOUT'],
    ['FiberExit', 'ERR_FIBER_EXIT'],
    ['LoopExit', 'ERR_LOOP_EXIT'],
  ];
  for (const [name, code] of cases) {
    it(`${name} is an Error with name ${name} and code ${code}`, () => {
      const err = new fibernet[name]();
      expect(err).to.be.instanceOf(Error);
      expect(err).to.be.instanceOf(fibernet[name]);
      expect(err.name).to.equal(name);
      expect(err.code).to.equal(code);
      expect(err.stack).to.be.a('string').that.includes(name);
    });
  }

  it('TimeoutError says "timed out"', () => {
    expect(new fibernet.TimeoutError().message).to.equal('timed out');
  });

  it('LoopExit says "This operation would block forever"', () => {
    expect(new fibernet.LoopExit().message).to.equal('This operation would block forever');
  });

  it('BlockingSwitchOutError tells to use spawn()', () => {
    expect(new fibernet.BlockingSwitchOutError().message).to.include('spawn()');
  });

  it('takes a custom message', () => {
    expect(new fibernet.TimeoutError('read timed out').message).to.equal('read timed out');
  });
});
