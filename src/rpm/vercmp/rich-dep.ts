import { AtollError } from '../../errors/index.js';
import { RPMSENSE } from '../package/index.js';

/** A simple dependency inside a rich one: `name`, or `name OP evr`. */
export interface SimpleDep {
  kind: 'simple';
  name: string;
  flags: number;
  evr: string;
}

export type RichOp = 'and' | 'or' | 'if' | 'unless' | 'with' | 'without';

/**
 * A rich (boolean) dependency node. `and`/`or`/`with` chains are folded right-nested
 * (`(a and b and c)` = `a and (b and c)`, as libsolv builds it). `if`/`unless` keep the
 * optional `else` branch in `otherwise`.
 */
export interface RichNode {
  kind: 'rich';
  op: RichOp;
  left: RichExpr;
  right: RichExpr;
  otherwise?: RichExpr;
}

export type RichExpr = SimpleDep | RichNode;

const OPS: ReadonlySet<string> = new Set(['and', 'or', 'if', 'unless', 'with', 'without', 'else']);

export function isRichDependency(name: string): boolean {
  return name.startsWith('(');
}

function senseFromOp(op: string): number | undefined {
  switch (op) {
    case '<':
      return RPMSENSE.LESS;
    case '>':
      return RPMSENSE.GREATER;
    case '=':
    case '==':
      return RPMSENSE.EQUAL;
    case '<=':
    case '=<':
      return RPMSENSE.LESS | RPMSENSE.EQUAL;
    case '>=':
    case '=>':
      return RPMSENSE.GREATER | RPMSENSE.EQUAL;
    default:
      return undefined;
  }
}

class RichParser {
  pos = 0;
  constructor(readonly text: string) {}

  fail(what: string): never {
    throw new AtollError('RPM_RICHDEP_SYNTAX', `invalid rich dependency '${this.text}': ${what} at offset ${this.pos}`, {
      data: { dependency: this.text, offset: this.pos },
    });
  }

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  /** A token: up to whitespace or a parenthesis. */
  word(): string {
    this.skipSpace();
    const start = this.pos;
    while (this.pos < this.text.length && !/[\s()]/.test(this.text[this.pos]!)) this.pos++;
    return this.text.slice(start, this.pos);
  }

  peekWord(): string {
    const save = this.pos;
    const w = this.word();
    this.pos = save;
    return w;
  }

  /** `( expr )` */
  group(depth: number): RichExpr {
    if (depth > 1000) this.fail('nesting too deep');
    this.skipSpace();
    if (this.text[this.pos] !== '(') this.fail("expected '('");
    this.pos++;
    const first = this.operand(depth);
    this.skipSpace();
    if (this.text[this.pos] === ')') {
      // rpm accepts a single parenthesised operand: "(foo)".
      this.pos++;
      return first;
    }
    const op = this.word();
    if (!OPS.has(op) || op === 'else') this.fail(`expected an operator, got '${op}'`);
    const operands: RichExpr[] = [first, this.operand(depth)];
    let otherwise: RichExpr | undefined;
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === ')') {
        this.pos++;
        break;
      }
      const next = this.word();
      if (next === 'else' && (op === 'if' || op === 'unless') && otherwise === undefined && operands.length === 2) {
        otherwise = this.operand(depth);
        continue;
      }
      if (next !== op || op === 'if' || op === 'unless' || op === 'without') {
        this.fail(`operator '${next}' cannot follow '${op}'`);
      }
      operands.push(this.operand(depth));
    }
    let expr = operands[operands.length - 1]!;
    for (let i = operands.length - 2; i >= 0; i--) {
      expr = { kind: 'rich', op: op as RichOp, left: operands[i]!, right: expr };
    }
    if (otherwise !== undefined) (expr as RichNode).otherwise = otherwise;
    return expr;
  }

  operand(depth: number): RichExpr {
    this.skipSpace();
    if (this.text[this.pos] === '(') return this.group(depth + 1);
    const name = this.word();
    if (name === '') this.fail('expected a dependency');
    if (OPS.has(name)) this.fail(`unexpected operator '${name}'`);
    const maybeOp = this.peekWord();
    const sense = senseFromOp(maybeOp);
    if (sense === undefined) return { kind: 'simple', name, flags: 0, evr: '' };
    this.word();
    const evr = this.word();
    if (evr === '' || OPS.has(evr)) this.fail('expected a version after the comparison operator');
    return { kind: 'simple', name, flags: sense, evr };
  }
}

/** Parse an rpm rich dependency string such as `(foo >= 1.0 or (bar if baz))` into an AST. */
export function parseRichDependency(text: string): RichExpr {
  const p = new RichParser(text);
  const expr = p.group(0);
  p.skipSpace();
  if (p.pos !== text.length) p.fail('trailing text');
  return expr;
}

/** Format an AST back to rpm's syntax (fully parenthesised). */
export function formatRichDependency(expr: RichExpr): string {
  if (expr.kind === 'simple') {
    const sense = expr.flags & RPMSENSE.SENSEMASK;
    if (sense === 0) return expr.name;
    const op =
      (sense & RPMSENSE.LESS ? '<' : '') + (sense & RPMSENSE.GREATER ? '>' : '') + (sense & RPMSENSE.EQUAL ? '=' : '');
    return `${expr.name} ${op} ${expr.evr}`;
  }
  const inner = (e: RichExpr): string => formatRichDependency(e);
  let s = `(${inner(expr.left)} ${expr.op} ${inner(expr.right)}`;
  if (expr.otherwise) s += ` else ${inner(expr.otherwise)}`;
  return s + ')';
}
