#!/usr/bin/env node
// nx-polyglot-publish-summary <publish-log>: the release summary of a publish
// run (src/publish/publish-summary.ts), one row per package; exits 1 when a
// package failed or the log is empty.
/* global process */
import { publishSummaryMain } from '../dist/publish/publish-summary.js';

process.exitCode = publishSummaryMain(process.argv.slice(2));
