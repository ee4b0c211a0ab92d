#!/usr/bin/env node
'use strict';
// See lib/cli.ts. Kept in plain JavaScript so the package's bin works from dist/.
const code = require('../dist/lib/cli.js').main(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
