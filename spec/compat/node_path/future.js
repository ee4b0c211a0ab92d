// Stand-in for the old `fibers/future` module (its tests also load it as plain `future`).
module.exports = require('../../../dist/lib/compat/future.js');
