#!/usr/bin/env node
import { enableCompileCache } from '../cli/compile-cache.js';
import { fastPath } from '../cli/fast-path.js';
import { runCli } from '../cli/run-cli.js';

/*
 * The `credd` command (package.json "bin"), built into one CommonJS file, dist/bin/credd.cjs
 * (npm run build; docs/architecture.md, "The CLI's two entries"). The commands run most often
 * (plain `status`, `switch P`, `export P`: see fast-path.ts) run from that file alone: Node then
 * neither starts its ES-module loader nor opens ~25 module files. Everything else hands over, whole,
 * to the ES-module CLI in credd.js, which makes its own context and handles its own errors: no
 * object of this bundle crosses into it.
 */
enableCompileCache(process.env, process.argv[2]);
const fast = fastPath(process.argv);
if (fast !== undefined) void runCli(fast);
// Left to Node by the bundler (--external:./credd.js): resolved next to this file.
else void import('./credd.js');
