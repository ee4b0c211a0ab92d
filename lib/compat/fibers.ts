// Drop-in stand-in for `require('fibers')`.
import { Fiber } from '../fiber';

export = Fiber;
