#!/usr/bin/env node
import { enableCompileCache } from '../cli/compile-cache.js';
import { exitUnlessNodeSupported } from '../cli/node-support.js';

// Before the CLI's modules load, so they come from the cache (a dynamic import for that reason).
exitUnlessNodeSupported();
enableCompileCache(process.env, process.argv[2]);
const { main } = await import('../cli/main.js');
await main();
