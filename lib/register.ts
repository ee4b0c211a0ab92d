// `node -r fibernet/register script.js`: patch everything, alias the old
// `fibers` package to fibernet, and run the main module inside a main fiber.
// FIBERNET_NO_FIBERS_ALIAS=1 leaves `require('fibers')` alone.
import { patchAll } from '../patches';
import { hookRunMain, installFibersAlias } from './runner';

patchAll();
if (!process.env.FIBERNET_NO_FIBERS_ALIAS) installFibersAlias();
hookRunMain();
