import { AtollError } from '../../errors/index.js';

export type VariableValue = string | number | boolean;

const CONDITION = /^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*(==|!=|<=|>=|<|>)\s*(.+?)\s*$/;

/**
 * Evaluate one `conditional-include` condition, `var op value`, as rpm-ostree does: `==` and
 * `!=` compare values of the same type (strings quoted, integers, booleans), the ordering
 * operators compare integers only. An unknown variable or a type mismatch is an error.
 */
export function evaluateCondition(
  condition: string,
  variables: ReadonlyMap<string, VariableValue>,
  file: string,
): boolean {
  const match = CONDITION.exec(condition);
  if (!match) {
    throw new AtollError('TREEFILE_BAD_CONDITION', `${file}: cannot parse condition '${condition}'`, {
      hint: 'conditions look like `releasever >= 41`, `basearch != "s390x"` or `prod == false`',
    });
  }
  const [, name, op, rawValue] = match as unknown as [string, string, string, string];
  if (!variables.has(name)) {
    throw new AtollError('TREEFILE_UNDEFINED_VARIABLE', `${file}: condition '${condition}' uses undefined variable '${name}'`, {
      hint: 'define it under `variables:` in this treefile or one that includes it',
    });
  }
  const actual = variables.get(name) as VariableValue;
  const expected = parseLiteral(rawValue, condition, file);
  if (typeof actual !== typeof expected) {
    throw new AtollError(
      'TREEFILE_BAD_CONDITION',
      `${file}: condition '${condition}' compares ${typeof actual} variable '${name}' with a ${typeof expected}`,
    );
  }
  if (op === '==') return actual === expected;
  if (op === '!=') return actual !== expected;
  if (typeof actual !== 'number' || typeof expected !== 'number') {
    throw new AtollError('TREEFILE_BAD_CONDITION', `${file}: '${op}' in '${condition}' needs integers`);
  }
  switch (op) {
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
    case '>':
      return actual > expected;
    default:
      return actual >= expected;
  }
}

function parseLiteral(text: string, condition: string, file: string): VariableValue {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^-?\d+$/.test(text)) return Number(text);
  const quoted = /^"(.*)"$/.exec(text) ?? /^'(.*)'$/.exec(text);
  if (quoted) return quoted[1] as string;
  throw new AtollError('TREEFILE_BAD_CONDITION', `${file}: cannot parse value '${text}' in condition '${condition}'`, {
    hint: 'quote strings ("s390x"); integers and true/false are bare',
  });
}

/**
 * Replace `${name}` in a string with the variable's value. Unknown names are errors, as in
 * rpm-ostree (a typo must not end up in a ref name).
 */
export function substituteVariables(text: string, variables: ReadonlyMap<string, VariableValue>, where: string): string {
  return text.replace(/\$\{([^}]*)\}/g, (_whole, name: string) => {
    if (!variables.has(name)) {
      throw new AtollError('TREEFILE_UNDEFINED_VARIABLE', `${where}: undefined variable '\${${name}}'`, {
        hint: 'define it under `variables:`; basearch and releasever are set automatically',
      });
    }
    return String(variables.get(name));
  });
}
