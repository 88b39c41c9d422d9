import { RPMSENSE } from '../rpm/index.js';
import type { RichExpr, SimpleDep } from '../rpm/index.js';
import { parseRichDependency, isRichDependency } from '../rpm/index.js';

/**
 * The dependency form the depsolver works with: an rpm simple dependency (name, sense flags,
 * EVR) or a rich expression over simple dependencies (rpm/vercmp's AST). A namespace
 * dependency (`namespace:language(de)`) is a simple dependency whose name holds the whole
 * `namespace:x(arg)` text; it is answered by the pool's namespace table.
 */
export type Dep = RichExpr;

export function simpleDep(name: string, flags = 0, evr = ''): SimpleDep {
  return { kind: 'simple', name, flags: evr === '' ? 0 : flags, evr };
}

/** From the shared package model's dependency (rpm syntax, rich deps as `(...)` names). */
export function depFromRpm(d: { name: string; flags: number; evr: string }): Dep {
  if (isRichDependency(d.name)) return parseRichDependency(d.name);
  return simpleDep(d.name, d.flags & RPMSENSE.SENSEMASK, d.evr);
}

const OPNAMES: Record<number, string> = {
  [RPMSENSE.LESS]: '<',
  [RPMSENSE.GREATER]: '>',
  [RPMSENSE.EQUAL]: '=',
  [RPMSENSE.LESS | RPMSENSE.EQUAL]: '<=',
  [RPMSENSE.GREATER | RPMSENSE.EQUAL]: '>=',
  [RPMSENSE.LESS | RPMSENSE.GREATER]: '<>',
};

const TESTCASE_OPS: Record<string, string> = {
  and: '&',
  or: '|',
  if: '<IF>',
  unless: '<UNLESS>',
  with: '+',
  without: '-',
};

/** libsolv's testcase spelling of a dependency (used in messages, problem texts and keys). */
export function depToString(d: Dep, top = true): string {
  if (d.kind === 'simple') {
    const sense = d.flags & RPMSENSE.SENSEMASK;
    if (sense === 0 || d.evr === '') return d.name;
    return `${d.name} ${OPNAMES[sense] ?? '?'} ${d.evr}`;
  }
  let s = `${depToString(d.left, false)} ${TESTCASE_OPS[d.op]} `;
  if (d.otherwise) s += `(${depToString(d.right, false)} <ELSE> ${depToString(d.otherwise, false)})`;
  else s += depToString(d.right, false);
  return top ? s : `(${s})`;
}
