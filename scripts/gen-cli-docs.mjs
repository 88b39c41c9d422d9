#!/usr/bin/env node
// Writes docs/cli.md from the commander definitions (run after `npm run build`; `npm run docs:cli` does both).
import { writeFileSync } from 'node:fs';
import { buildProgram } from '../dist/src/cli/program.js';
import { renderCliReference } from '../dist/src/cli/cli-reference.js';

const { program } = buildProgram();
writeFileSync(new URL('../docs/cli.md', import.meta.url), renderCliReference(program));
