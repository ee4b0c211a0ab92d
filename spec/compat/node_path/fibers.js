// Stand-in for the old `fibers` module, for tests that resolve it through NODE_PATH.
module.exports = require('../../../dist/lib/compat/fibers.js');
