import { readFileSync } from 'node:fs';

/** The version in package.json, read once (dist/src/cli/ is three levels below the root). */
export const ATOLL_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
