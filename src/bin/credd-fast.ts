#!/usr/bin/env node
import { enableCompileCache } from '../cli/compile-cache.js';
import { exitUnlessNodeSupported } from '../cli/node-support.js';
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
exitUnlessNodeSupported();
enableCompileCache(process.env, process.argv[2]);
const fast = fastPath(process.argv);
if (fast !== undefined) void runCli(fast);
// Left to Node by the bundler (--external:./credd.js): resolved next to this file. credd.js
// reports its own command errors; runCli reports a failure to load it, as one line and exit 1.
else void runCli(async () => void (await import('./credd.js')));
