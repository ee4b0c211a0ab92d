// Drop-in stand-in for `require('fibers/future')`. Loading it defines
// Function.prototype.future, as the old module did.
import { Future } from '../future';

export = Future;
