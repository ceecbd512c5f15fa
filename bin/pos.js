#!/usr/bin/env node
// The `pos` command. The terminal is TypeScript run through tsx's loader, so a checkout
// runs as it is, on this machine and on the Pi, with no build step to forget.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
