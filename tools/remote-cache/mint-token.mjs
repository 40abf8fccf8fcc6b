#!/usr/bin/env node
// Mints a scope token: it writes only to <scope> (never main) and reads
// <scope> then main, until it expires. Run it where NX_CACHE_SERVER_SCOPE_KEY
// is (a trusted CI step, never one that runs a pull request's code); it prints
// the token, nothing else.
//
//   NX_CACHE_SERVER_SCOPE_KEY=… node tools/remote-cache/mint-token.mjs --scope pr-42 [--hours 24]
import { parseArgs } from 'node:util';
import { mintScopeToken } from './tokens.mjs';

// A scope token serves one CI job: a month is ample, and keeps the expiry within what gateways accept.
const MAX_HOURS = 24 * 31;
try {
  const { values: args } = parseArgs({ options: { scope: { type: 'string' }, hours: { type: 'string', default: '24' } } });
  const key = process.env.NX_CACHE_SERVER_SCOPE_KEY;
  const hours = Number(args.hours);
  if (!key) throw new Error('set NX_CACHE_SERVER_SCOPE_KEY, the gateways’ key for scope tokens.');
  if (!args.scope) throw new Error('--scope <name> is required (e.g. pr-42).');
  if (!/^\d+(\.\d+)?$/.test(args.hours.trim()) || !(hours > 0) || hours > MAX_HOURS)
    throw new Error(`--hours must be a number of hours above 0 and at most ${MAX_HOURS} (31 days), not "${args.hours}".`);
  process.stdout.write(`${mintScopeToken(key, args.scope, new Date(Date.now() + hours * 3600_000))}\n`);
} catch (e) {
  process.stderr.write(`mint-token: ${e.message}\n`);
  process.exit(2);
}
