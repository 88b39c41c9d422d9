import { createRequire } from 'node:module';
import { AtollError } from '../../errors/index.js';
import type { PackageDescription } from './description.js';

// yaml (25 modules) loads on the first description parsed, not with the rpm codec: most
// commands that read RPMs or repositories never parse one.
let yamlParse: typeof import('yaml').parse | undefined;
function parseYaml(text: string, options: import('yaml').ParseOptions & import('yaml').DocumentOptions & import('yaml').SchemaOptions & import('yaml').ToJSOptions): unknown {
  yamlParse ??= (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse;
  return yamlParse(text, options);
}

/**
 * Read a package description from JSON or YAML text (YAML is a superset of JSON, so one parser
 * serves both). Binary content is written `{ base64: ... }`; the structure is checked when the
 * package is built (normalizePackage), which reports problems with RPM_BUILD_DESCRIPTION_BAD.
 * A file may hold one description or a list of them.
 */
export function parsePackageDescriptions(text: string, source = 'description'): PackageDescription[] {
  let value: unknown;
  try {
    // JSON text goes through JSON.parse: same value, and the YAML parser needs minutes and
    // gigabytes for descriptions embedding large binaries as base64 (a 100 MB node binary).
    // YAML flow mappings (`{ name: x }`) are not JSON and fall through to the YAML parser.
    value = jsonOrUndefined(text) ?? parseYaml(text, { prettyErrors: true, maxAliasCount: 100 });
  } catch (error) {
    throw new AtollError('RPM_BUILD_DESCRIPTION_SYNTAX', `cannot parse ${source}: ${(error as Error).message}`, {
      cause: error,
      hint: 'package descriptions are JSON or YAML objects (or lists of them)',
    });
  }
  const list = Array.isArray(value) ? value : [value];
  for (const [i, item] of list.entries()) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new AtollError('RPM_BUILD_DESCRIPTION_SYNTAX', `${source}: entry ${i} is not an object`, {
        hint: 'each package description is a mapping with at least name, version and release',
      });
    }
  }
  return list as PackageDescription[];
}

function jsonOrUndefined(text: string): unknown {
  const first = /\S/.exec(text)?.[0];
  if (first !== '{' && first !== '[') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
