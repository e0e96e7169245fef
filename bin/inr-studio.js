#!/usr/bin/env node
// The `inr-studio` command. Runs the TypeScript engine through tsx's loader (a runtime
// dependency), so the installed package needs no build step.
import { register } from 'tsx/esm/api';

// A reader that stops early (`inr-studio methods | head`) closes the pipe: end quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err && err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

register();
const { main } = await import('../main/cli/index.ts');
process.exitCode = await main();
