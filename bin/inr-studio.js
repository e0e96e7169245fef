#!/usr/bin/env node
// The `inr-studio` command. Runs the TypeScript engine through tsx's loader (a runtime
// dependency), so the installed package needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../main/cli/index.ts');
process.exitCode = await main();
