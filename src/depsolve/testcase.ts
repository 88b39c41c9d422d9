import { AtollError } from '../errors/index.js';
import { RPMSENSE, compareEvrStrings } from '../rpm/index.js';
import type { RichExpr, RichOp, SimpleDep } from '../rpm/index.js';
import { simpleDep, type Dep } from './dep.js';
import { Pool, defaultPoolFlags, type NewSolvable, type PoolFlags, type Repo } from './pool.js';
import { RpmSolver, defaultSolverFlags, type Job, type JobVerb, type Selection, type SolvePhase, type SolveResult, type SolverFlags } from './rpm-solver.js';
import { transactionLines } from './transaction.js';
import { checkSolution } from './checker.js';
import { flatten, jobPackages, matchDeps, selectFilelist, selectName, selectionJobString, type SelectionJob } from './selection.js';

/**
 * libsolv's testcase format (solver.md §1): parse a `.t` file into steps, run each step on a
 * persistent pool, and compare the printed result with the file's expectation as testsolv
 * does (sorted sets of lines).
 */

export interface TestcaseIo {
  /** Read a file named by a testcase line (relative to the testcase; `.gz` already inflated). */
  readFile(name: string): string;
  /** Debug output: the solver's decisions (and the rule dump with `traceRules`). */
  trace?: (line: string) => void;
  traceRules?: boolean;
  /**
   * Runs the solving work of each step (provides index, rules, the solve itself), so a caller
   * can time it apart from reading and parsing the metadata (libsolv's `solver_solve took`).
   */
  solvePhase?: <T>(run: () => T) => T;
  /** Told as each phase of building and solving ends (see RpmSolver's phaseEnd). */
  phaseEnd?: (phase: SolvePhase) => void;
}

const REL_OPS: Array<[string, number]> = [
  ['<=', RPMSENSE.LESS | RPMSENSE.EQUAL],
  ['>=', RPMSENSE.GREATER | RPMSENSE.EQUAL],
  ['<>', RPMSENSE.LESS | RPMSENSE.GREATER],
  ['==', RPMSENSE.EQUAL],
  ['=', RPMSENSE.EQUAL],
  ['<', RPMSENSE.LESS],
  ['>', RPMSENSE.GREATER],
];

const BOOL_OPS: Array<[string, RichOp | 'else']> = [
  ['<IF>', 'if'],
  ['<UNLESS>', 'unless'],
  ['<ELSE>', 'else'],
  ['&', 'and'],
  ['|', 'or'],
  ['+', 'with'],
  ['-', 'without'],
];

function unescape(s: string): string {
  return s.replace(/\\([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

type Parsed = RichExpr | { kind: 'else'; left: RichExpr; right: RichExpr };

/** testcase_str2dep: libsolv's dependency spelling, including boolean operators. */
export function parseTestcaseDep(text: string): Dep {
  let pos = 0;
  const ws = (): void => {
    while (pos < text.length && (text[pos] === ' ' || text[pos] === '\t')) pos++;
  };
  const fail = (what: string): never => {
    throw new AtollError('DEPSOLVE_TESTCASE_SYNTAX', `invalid dependency '${text}': ${what}`);
  };
  const expr = (): Parsed => {
    ws();
    let left: Parsed;
    if (text[pos] === '(') {
      pos++;
      left = expr();
      ws();
      if (text[pos] !== ')') fail("missing ')'");
      pos++;
    } else {
      // a name: up to whitespace, balanced parentheses allowed inside (libc.so.6()(64bit))
      const start = pos;
      let depth = 0;
      while (pos < text.length) {
        const c = text[pos]!;
        if (c === '(') depth++;
        else if (c === ')') {
          if (depth === 0) break;
          depth--;
        } else if ((c === ' ' || c === '\t') && depth === 0) break;
        pos++;
      }
      const name = unescape(text.slice(start, pos));
      if (name === '') fail('empty name');
      ws();
      let flags = 0;
      let evr = '';
      for (const [op, f] of REL_OPS) {
        if (text.startsWith(op, pos) && (text[pos + op.length] === ' ' || text[pos + op.length] === '\t')) {
          pos += op.length;
          ws();
          const s2 = pos;
          while (pos < text.length && text[pos] !== ' ' && text[pos] !== ')' && text[pos] !== '\t') pos++;
          evr = unescape(text.slice(s2, pos));
          flags = f;
          break;
        }
      }
      left = simpleDep(name, flags, evr);
    }
    ws();
    for (const [opname, op] of BOOL_OPS) {
      if (!text.startsWith(opname, pos)) continue;
      pos += opname.length;
      const right = expr();
      if (op === 'else') return { kind: 'else', left: asRich(left), right: asRich(right) };
      if (right.kind === 'else' && (op === 'if' || op === 'unless'))
        return { kind: 'rich', op, left: asRich(left), right: right.left, otherwise: right.right };
      return { kind: 'rich', op, left: asRich(left), right: asRich(right) };
    }
    return left;
  };
  const asRich = (p: Parsed): RichExpr => (p.kind === 'else' ? fail('misplaced <ELSE>') : p);
  const r = expr();
  ws();
  if (pos !== text.length) fail(`trailing text at ${pos}`);
  return asRich(r);
}

/**
 * libsolv's repo_fix_supplements, which its testtags reader applies to `=Ver: 2` packages: a
 * `locale(de)` provide means "supplements namespace:language(de)", `locale(pkg:de;en)` means
 * "supplements pkg and (namespace:language(de) or namespace:language(en))".
 */
export function localeSupplements(provides: readonly Dep[]): Dep[] {
  const out: Dep[] = [];
  for (const d of provides) {
    if (d.kind !== 'simple' || d.flags !== 0 || !d.name.startsWith('locale(')) continue;
    let body = d.name.slice(7);
    let pkg: string | null = null;
    const colon = body.indexOf(':');
    if (colon > 0) {
      pkg = body.slice(0, colon);
      body = body.slice(colon + 1);
    }
    let expr: Dep | null = null;
    const add = (lang: string): void => {
      const ns = simpleDep(`namespace:language(${lang})`);
      expr = expr ? { kind: 'rich', op: 'or', left: expr, right: ns } : ns;
    };
    const parts = body.split(';');
    const last = parts.pop()!;
    for (const l of parts) if (l) add(l);
    // the last language runs up to the closing parenthesis and needs two characters at least
    if (last.length >= 2) add(last.replace(/\).*$/, ''));
    if (!expr) continue;
    out.push(pkg ? { kind: 'rich', op: 'and', left: simpleDep(pkg), right: expr } : expr);
  }
  return out;
}

const NO_DEPS: Dep[] = Object.freeze([]) as unknown as Dep[];
const NO_FILES: string[] = Object.freeze([]) as unknown as string[];
const DEP_KEYS = ['provides', 'requires', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'supplements', 'enhances'] as const;

/**
 * Parse a testtags repository into packages: a text, its lines, or a range of a larger text
 * (the `#>` lines of an inline block, `prefix` characters of each line skipped). The parser
 * reads the text in place: it makes no string per line, only per value it keeps.
 */
export function parseTesttags(
  text: string | readonly string[] | { text: string; start: number; end: number },
  prefix = 0,
  internDep?: (d: SimpleDep) => void,
): NewSolvable[] {
  if (typeof text === 'string') return parseTesttagsRange(text, 0, text.length, prefix, internDep);
  if ('text' in text) return parseTesttagsRange(text.text, text.start, text.end, prefix, internDep);
  const joined = text.join('\n');
  return parseTesttagsRange(joined, 0, joined.length, prefix, internDep);
}

/** Intern every simple dependency of an expression in the pool (its name string and id). */
function internDepNames(d: Dep, internDep: (d: SimpleDep) => void): void {
  if (d.kind === 'simple') {
    internDep(d);
    return;
  }
  internDepNames(d.left, internDep);
  internDepNames(d.right, internDep);
  if (d.otherwise) internDepNames(d.otherwise, internDep);
}

function parseTesttagsRange(
  src: string,
  start: number,
  end: number,
  prefix: number,
  internDep?: (d: SimpleDep) => void,
): NewSolvable[] {
  const out: NewSolvable[] = [];
  let cur: NewSolvable | null = null;
  let version = 0;
  let addSelf = true;
  let block: string | null = null;
  const depCache = new Map<string, Dep>();
  // The current package's lists are collected in scratch arrays reused for every package and
  // copied out at their exact size (most are empty: those share one frozen array), so parsing
  // tens of thousands of packages does not leave hundreds of thousands of small arrays behind.
  const scratch: Record<(typeof DEP_KEYS)[number], Dep[]> = {
    provides: [],
    requires: [],
    conflicts: [],
    obsoletes: [],
    recommends: [],
    suggests: [],
    supplements: [],
    enhances: [],
  };
  const scratchFiles: string[] = [];
  const finish = (): void => {
    if (!cur) return;
    const provides = scratch.provides;
    if (addSelf && cur.arch !== 'src' && cur.arch !== 'nosrc') {
      const self = simpleDep(cur.name, RPMSENSE.EQUAL, cur.evr);
      if (!provides.some((d) => d.kind === 'simple' && d.name === self.name && d.flags === self.flags && d.evr === self.evr))
        provides.push(self);
    }
    // only the `=Ver: 2` (and later) reader finishes packages with repo_fix_supplements
    if (version >= 2) for (const d of localeSupplements(provides)) scratch.supplements.push(d);
    for (const k of DEP_KEYS) {
      const l = scratch[k];
      if (l.length === 0) continue;
      cur[k] = l.slice();
      l.length = 0;
    }
    if (scratchFiles.length) {
      cur.files = scratchFiles.slice();
      scratchFiles.length = 0;
    }
    out.push(cur);
    cur = null;
  };
  // tags by their three letters packed into a number (no string per line)
  const code = (t: string): number => (t.charCodeAt(0) << 16) | (t.charCodeAt(1) << 8) | t.charCodeAt(2);
  const depTags = new Map<number, (typeof DEP_KEYS)[number]>([
    [code('Req'), 'requires'],
    [code('Prq'), 'requires'],
    [code('Prv'), 'provides'],
    [code('Obs'), 'obsoletes'],
    [code('Con'), 'conflicts'],
    [code('Rec'), 'recommends'],
    [code('Sug'), 'suggests'],
    [code('Sup'), 'supplements'],
    [code('Enh'), 'enhances'],
  ]);
  const PRV = code('Prv');
  const FLS = code('Fls');
  const VER = code('Ver');
  const PKG = code('Pkg');
  const VND = code('Vnd');
  const TIM = code('Tim');
  const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 11 || c === 12 || c === 13;
  /** The value src[from..to) without surrounding white space, sliced once. */
  const trimmed = (from: number, to: number): string => {
    let a = from;
    let b = to;
    while (a < b && isSpace(src.charCodeAt(a))) a++;
    while (b > a && isSpace(src.charCodeAt(b - 1))) b--;
    return src.slice(a, b);
  };
  const addValue = (tag: number, from: number, to: number): void => {
    if (!cur) return;
    const key = depTags.get(tag);
    if (key) {
      const text = trimmed(from, to);
      // a distribution repeats the same few thousand dependencies: parse (and keep) each once
      let dep = depCache.get(text);
      if (!dep) {
        dep = parseTestcaseDep(text);
        // names interned once per distinct dependency, as libsolv's reader does (pool_str2id):
        // the solver's lookups then find them without hashing a new string
        if (internDep) internDepNames(dep, internDep);
        depCache.set(text, dep);
      }
      scratch[key].push(dep);
      if (tag === PRV && dep.kind === 'simple' && dep.name.startsWith('/')) scratchFiles.push(dep.name);
      return;
    }
    if (tag === FLS) {
      const parts = trimmed(from, to).split(/\s+/);
      scratchFiles.push(parts.length > 1 ? `${parts[0]!.replace(/\/$/, '')}/${parts[1]}` : parts[0]!);
    }
  };
  const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  let blockTag = 0;
  let blockEnd = '';
  for (let pos = start; pos < end; ) {
    // one line: [o, le) after the `prefix` characters (the `#>` of an inline block) and
    // without a trailing CR; nothing is copied
    let eol = src.indexOf('\n', pos);
    if (eol < 0 || eol > end) eol = end;
    let le = eol;
    if (le > pos && src.charCodeAt(le - 1) === 13) le--;
    const o = pos + prefix;
    pos = eol + 1;
    if (o > le) continue;
    if (block !== null) {
      if (le - o >= blockEnd.length && src.startsWith(blockEnd, o)) {
        block = null;
        continue;
      }
      addValue(blockTag, o, le);
      continue;
    }
    // `=Tag: value` or `+Tag:` (by hand: this loop sees every line of a large repository)
    if (le - o < 5) continue;
    const kind = src.charCodeAt(o);
    if ((kind !== 61 && kind !== 43) || src.charCodeAt(o + 4) !== 58) continue;
    const c1 = src.charCodeAt(o + 1);
    const c2 = src.charCodeAt(o + 2);
    const c3 = src.charCodeAt(o + 3);
    if (!isLetter(c1) || !isLetter(c2) || !isLetter(c3)) continue;
    const tag = (c1 << 16) | (c2 << 8) | c3;
    const ws = o + 5 < le ? src.charCodeAt(o + 5) : -1;
    const from = ws === 32 || ws === 9 || ws === 11 || ws === 12 ? o + 6 : o + 5;
    if (kind === 43) {
      block = src.slice(o + 1, o + 4);
      blockTag = tag;
      blockEnd = `-${block}:`;
      continue;
    }
    switch (tag) {
      case VER: {
        const value = src.slice(from, le);
        version = Number.parseFloat(value);
        addSelf = !(version >= 3) || value.includes('addselfprovides');
        break;
      }
      case PKG: {
        finish();
        const f = trimmed(from, le).split(/\s+/);
        if (f.length !== 4) break;
        let evr = f[1]!;
        if (!(f[2] === '-')) evr += `-${f[2]}`;
        if (evr.startsWith('0:') && evr.length > 2) evr = evr.slice(2);
        cur = {
          name: f[0]!,
          evr,
          arch: f[3]!,
          vendor: '',
          provides: NO_DEPS,
          requires: NO_DEPS,
          conflicts: NO_DEPS,
          obsoletes: NO_DEPS,
          recommends: NO_DEPS,
          suggests: NO_DEPS,
          supplements: NO_DEPS,
          enhances: NO_DEPS,
          files: NO_FILES,
          buildtime: 0,
        };
        break;
      }
      case VND:
        if (cur) cur.vendor = trimmed(from, le);
        break;
      case TIM:
        if (cur) cur.buildtime = Number(trimmed(from, le));
        break;
      default:
        addValue(tag, from, le);
    }
  }
  finish();
  return out;
}

export interface StepResult {
  /** The lines atoll printed for the requested result kinds. */
  output: string[];
  expected: string[] | null;
  kinds: string[];
  pass: boolean;
  /** Diff lines (+ only in atoll, - only expected). */
  diff: string[];
  unsupported: string[];
  solutionCheck: string[];
}

export interface TestcaseResult {
  steps: StepResult[];
  pass: boolean;
  unsupported: string[];
}

interface State {
  pool: Pool;
  poolFlags: PoolFlags;
  disttypeOk: boolean;
  firstRepo: boolean;
  repos: Map<string, Repo>;
  installedName: string | null;
  arch: string | null;
}

function splitWords(line: string): string[] {
  return line.trim().split(/\s+/).filter((w) => w !== '');
}

const SOLVER_FLAG_NAMES = new Set(Object.keys(defaultSolverFlags()));
const POOL_FLAG_NAMES = new Set(Object.keys(defaultPoolFlags()));

/** Run every step of a testcase file. */
export function runTestcase(text: string, io: TestcaseIo): TestcaseResult {
  // The lines, without CR. A run of `#>` lines (an inline block: a whole repository, most of
  // a large testcase) is one entry, the marker '#>' with the block's offsets (first line's
  // start, last line's end without CR): the repository parser reads the block in place, and a
  // testcase of hundreds of thousands of lines leaves no per-line arrays in the heap the
  // solver's garbage collections have to walk.
  const lines: string[] = [];
  const lineStart: number[] = [];
  const lineEnd: number[] = [];
  for (let pos = 0; pos <= text.length; ) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = text.length;
    let le = eol;
    if (le > pos && text.charCodeAt(le - 1) === 13) le--;
    const inlineLine = text.charCodeAt(pos) === 35 && text.charCodeAt(pos + 1) === 62 && le - pos >= 2;
    const k = lines.length - 1;
    if (inlineLine && k >= 0 && lines[k] === '#>') lineEnd[k] = le;
    else {
      lines.push(inlineLine ? '#>' : text.slice(pos, le));
      lineStart.push(pos);
      lineEnd.push(le);
    }
    pos = eol + 1;
  }
  /** The lines of an inline block entry, without their `#>` prefix. */
  const blockLines = (k: number): string[] =>
    text
      .slice(lineStart[k]!, lineEnd[k]!)
      .split('\n')
      .map((l) => (l.endsWith('\r') ? l.slice(2, -1) : l.slice(2)));
  const state: State = {
    pool: new Pool(),
    poolFlags: defaultPoolFlags(),
    disttypeOk: true,
    firstRepo: true,
    repos: new Map(),
    installedName: null,
    arch: null,
  };
  const steps: StepResult[] = [];
  const unsupportedAll: string[] = [];
  let jobs: Job[] = [];
  let jobLines: string[] = [];
  let sflags: SolverFlags = defaultSolverFlags();
  let results: Array<{ kinds: string[]; expected: string[] }> = [];
  let unsupported: string[] = [];
  let evrcmpJobs: string[] = [];

  const inline = (i: number): [string[], number] => {
    if (i + 1 < lines.length && lines[i + 1] === '#>') return [blockLines(i + 1), i + 1];
    return [[], i];
  };

  // selection jobs of the current step (`job VERB selection…`), printed by `result jobs`
  let selJobs: Array<{ verb: string; job: SelectionJob }> = [];
  const flush = (): void => {
    for (const { verb, job } of selJobs) evrcmpJobs.push(selectionJobString(state.pool, verb, job));
    selJobs = [];
    if (!results.length && !jobs.length && !evrcmpJobs.length) return;
    steps.push(runStep(state, jobs, jobLines, sflags, results, unsupported, evrcmpJobs, io));
    unsupportedAll.push(...unsupported);
    jobs = [];
    jobLines = [];
    sflags = defaultSolverFlags();
    results = [];
    unsupported = [];
    evrcmpJobs = [];
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('#') || line.trim() === '') continue;
    const w = splitWords(line);
    const cmd = w[0]!;
    switch (cmd) {
      case 'repo': {
        if (state.firstRepo) {
          state.poolFlags = defaultPoolFlags();
          state.pool.flags = state.poolFlags;
          state.firstRepo = false;
        }
        const [name, prio = '0', type = 'testtags', src = '<inline>'] = w.slice(1);
        const [pr, sub] = prio.split('.');
        const repo = state.pool.addRepo(name!, Number(pr), Number(sub ?? 0));
        state.repos.set(name!, repo);
        if (name === state.installedName) state.pool.installed = repo;
        let body: string | { text: string; start: number; end: number } = '';
        let prefix = 0;
        if (src === '<inline>') {
          // the block's lines in place, still with their `#>` prefix (parseTesttags skips it)
          if (i + 1 < lines.length && lines[i + 1] === '#>') {
            body = { text, start: lineStart[i + 1]!, end: lineEnd[i + 1]! };
            i++;
          }
          prefix = 2;
        } else if (type !== 'empty') {
          body = io.readFile(src);
        }
        if (type === 'testtags') {
          const pool = state.pool;
          for (const p of parseTesttags(body, prefix, (d) => pool.internDep(d))) pool.addSolvable(repo, p);
        }
        else if (type !== 'empty') unsupported.push(`repo type ${type}`);
        break;
      }
      case 'system': {
        const [arch = '-', disttype = '*', inst] = w.slice(1);
        if (disttype !== '*' && disttype !== 'rpm' && !disttype.split(',').includes('rpm')) {
          state.disttypeOk = false;
          unsupported.push(`disttype ${disttype}`);
        }
        state.arch = arch === 'unset' || arch === '-' ? null : arch;
        state.pool.setArch(state.arch);
        state.installedName = inst ?? null;
        state.pool.installed = inst ? (state.repos.get(inst) ?? null) : null;
        state.pool.invalidate();
        break;
      }
      case 'job': {
        if (w[2]?.startsWith('selection')) {
          const sel = runSelection(state, w.slice(1), selJobs);
          if (sel === null) unsupported.push(`selection job: ${line.trim()}`);
          else selJobs = sel;
          break;
        }
        try {
          jobs.push(parseJob(state, w.slice(1)));
          jobLines.push(line.trim());
        } catch (err) {
          unsupported.push(`job: ${(err as Error).message}`);
        }
        break;
      }
      case 'solverflags':
        for (const f of w.slice(1)) {
          const on = !f.startsWith('!');
          const name = on ? f : f.slice(1);
          if (SOLVER_FLAG_NAMES.has(name)) (sflags as unknown as Record<string, boolean>)[name] = on;
          else unsupported.push(`solverflag ${name}`);
        }
        break;
      case 'poolflags':
        for (const f of w.slice(1)) {
          const on = !f.startsWith('!');
          const name = on ? f : f.slice(1);
          if (POOL_FLAG_NAMES.has(name)) (state.poolFlags as unknown as Record<string, boolean>)[name] = on;
          else unsupported.push(`poolflag ${name}`);
        }
        state.pool.flags = state.poolFlags;
        state.pool.invalidate();
        break;
      case 'disable': {
        if (w[1] === 'pkg') {
          const p = findPkg(state, w[2]!);
          if (p) state.pool.disabled.add(p);
        } else unsupported.push(`disable ${w[1]}`);
        state.pool.invalidate();
        break;
      }
      case 'namespace': {
        const name = w[1]!;
        const provs: number[] = [];
        for (const x of w.slice(2)) {
          if (x === '@SYSTEM') provs.push(1);
          else {
            const p = findPkg(state, x);
            if (p) provs.push(p);
          }
        }
        state.pool.namespaces.set(name, provs);
        state.pool.invalidate();
        break;
      }
      case 'feature':
        break;
      case 'vendorclass':
        unsupported.push('vendorclass');
        break;
      case 'evrcmp': {
        const [a = '', b = ''] = w.slice(1);
        const r = compareEvrStrings(a, b);
        evrcmpJobs.push(`job noop provides ${a} ${r < 0 ? '<' : r > 0 ? '>' : '='} ${b}`);
        break;
      }
      case 'result': {
        const kinds = (w[1] ?? '').split(',');
        let expected: string[] = [];
        if (w[2] === '<inline>') {
          const [b, j] = inline(i);
          expected = b;
          i = j;
        } else if (w[2]) expected = io.readFile(w[2]).split('\n');
        // a later result line replaces an earlier one of the same step (as in testsolv)
        results = [{ kinds, expected: expected.filter((l) => l.trim() !== '') }];
        break;
      }
      case 'nextjob':
        flush();
        break;
      default:
        unsupported.push(`command ${cmd}`);
    }
  }
  flush();
  return { steps, pass: steps.every((s) => s.pass), unsupported: unsupportedAll };
}


/**
 * One `job VERB selection…` line: the new selection replaces, is added to, or filters the
 * step's selection so far. null when the line uses what this subset does not implement.
 */
function runSelection(
  state: State,
  w: string[],
  current: Array<{ verb: string; job: SelectionJob }>,
): Array<{ verb: string; job: SelectionJob }> | null {
  const verb = w[0]!;
  const kind = w[1]!;
  const flags = new Set((w[w.length - 1] ?? '').split(',').filter((x) => x));
  const pool = state.pool;
  let made: SelectionJob[] | null;
  if (kind === 'selection') {
    const what = w.slice(2, -1).join(' ');
    const known = ['name', 'filelist', 'glob', 'nocase', 'flat', 'withsource', 'sourceonly', 'withbadarch', 'withdisabled', 'add', 'filter'];
    if ([...flags].some((f) => !known.includes(f))) return null;
    if (flags.has('filelist') && what.startsWith('/')) made = selectFilelist(pool, what, flags);
    else if (flags.has('name')) made = selectName(pool, what, flags);
    else return null;
  } else {
    const mode = kind.slice('selection_'.length);
    if (mode !== 'matchdeps' && mode !== 'matchdepid' && mode !== 'matchsolvable') return null;
    const key = w[2]!;
    const what = w.slice(3, -1).join(' ');
    let solvable: number | undefined;
    if (mode === 'matchsolvable') {
      solvable = findPkg(state, what);
      if (solvable === undefined) return null;
    }
    const ps = matchDeps(pool, mode, key, what, flags, parseTestcaseDep, solvable);
    if (ps === null) return null;
    made = ps.length ? [{ kind: 'pkgs', ps }] : [];
  }
  if (flags.has('flat')) made = flatten(pool, made, flags);
  const fresh = made.map((job) => ({ verb, job }));
  if (flags.has('filter')) {
    const keep = new Set(made.flatMap((j) => jobPackages(pool, j, flags)));
    return current.flatMap(({ verb: v, job }) => {
      const ps = jobPackages(pool, job, flags).filter((p) => keep.has(p));
      if (!ps.length) return [];
      if (job.kind === 'pkgs' && ps.length === job.ps.length) return [{ verb: v, job }];
      return [{ verb: v, job: { kind: 'pkgs', ps } as SelectionJob }];
    });
  }
  return [...current, ...fresh];
}

function findPkg(state: State, spec: string): number | undefined {
  const pool = state.pool;
  for (let p = 2; p < pool.size; p++) if (pool.str(p) === spec) return p;
  const noRepo = spec.replace(/@[^@]*$/, '');
  for (let p = 2; p < pool.size; p++) if (pool.nevra(p) === noRepo) return p;
  return undefined;
}

function parseJob(state: State, w: string[]): Job {
  let flags = new Set<string>();
  const last = w[w.length - 1]!;
  if (last.startsWith('[') && last.endsWith(']')) {
    flags = new Set(last.slice(1, -1).split(',').filter((x) => x));
    w = w.slice(0, -1);
  }
  const verb = (w[0] === 'noobsoletes' ? 'multiversion' : w[0]) as JobVerb;
  const kind = w[1];
  const rest = w.slice(2).join(' ');
  let select: Selection;
  switch (kind) {
    case 'pkg': {
      const p = findPkg(state, rest);
      if (!p) throw new AtollError('DEPSOLVE_TESTCASE_SYNTAX', `unknown package ${rest}`);
      select = { kind: 'pkg', p };
      break;
    }
    case 'name':
      select = { kind: 'name', dep: parseTestcaseDep(rest) };
      break;
    case 'provides':
      select = { kind: 'provides', dep: parseTestcaseDep(rest) };
      break;
    case 'oneof': {
      const ps: number[] = [];
      for (const x of w.slice(2)) {
        if (x === 'nothing') continue;
        const p = findPkg(state, x);
        if (p) ps.push(p);
      }
      select = { kind: 'oneof', ps };
      break;
    }
    case 'repo': {
      const repo = state.repos.get(rest);
      if (!repo) throw new AtollError('DEPSOLVE_TESTCASE_SYNTAX', `unknown repo ${rest}`);
      select = { kind: 'repo', repo };
      break;
    }
    case 'all':
      select = { kind: 'all' };
      break;
    default:
      throw new AtollError('DEPSOLVE_TESTCASE_SYNTAX', `unknown job selector ${kind}`);
  }
  return { verb, select, flags };
}

function runStep(
  state: State,
  jobs: Job[],
  _jobLines: string[],
  sflags: SolverFlags,
  results: Array<{ kinds: string[]; expected: string[] }>,
  unsupported: string[],
  evrcmpJobs: string[],
  io: TestcaseIo,
): StepResult {
  const trace = io.trace;
  const traceRules = io.traceRules ?? false;
  const kinds = [...new Set(results.flatMap((r) => r.kinds))];
  const expected = results.length ? results.flatMap((r) => r.expected) : null;
  const output: string[] = [];
  const solutionCheck: string[] = [];
  const local = [...unsupported];
  if (!state.disttypeOk) local.push('disttype');
  let problemCount = 0;
  if (kinds.includes('transaction') || kinds.includes('problems') || (!kinds.length && jobs.length)) {
    const solve = (): [RpmSolver, SolveResult] => {
      const solver = new RpmSolver(state.pool, jobs, sflags, trace, io.phaseEnd);
      return [solver, solver.solve()];
    };
    const [solver, res] = io.solvePhase ? io.solvePhase(solve) : solve();
    if (trace && traceRules) for (const l of solver.dumpRules()) trace(l);
    output.push(...transactionLines(solver, res.installed));
    for (const [k, prob] of res.problems.entries()) {
      problemCount++;
      output.push(`problem ${k.toString(16).padStart(8, '0')} info ${solver.problemInfo(prob)}`);
    }
    if (!res.problems.length) solutionCheck.push(...checkSolution(state.pool, res.installed, solver));
    if (kinds.includes('cleandeps')) for (const p of solver.cleandeps) output.push(`cleandeps ${state.pool.str(p)}`);
    if (kinds.includes('recommended')) {
      const rec = solver.recommendations();
      for (const p of rec.recommended) output.push(`recommended ${state.pool.str(p)}`);
      for (const p of rec.suggested) output.push(`suggested ${state.pool.str(p)}`);
    }
  }
  if (kinds.includes('jobs')) output.push(...evrcmpJobs);
  for (const k of kinds) {
    if (!['transaction', 'problems', 'jobs', 'recommended', 'cleandeps'].includes(k)) local.push(`result kind ${k}`);
  }
  if (expected === null) {
    return { output, expected, kinds, pass: true, diff: [], unsupported: local, solutionCheck };
  }
  // transaction and job lines exactly; problems loosely (same number of problems)
  const exact = (l: string): boolean => !l.startsWith('problem ') && !l.startsWith('alternative ');

  const relevantKinds = new Set(kinds);
  const want = expected.filter((l) => exact(l) && kindOf(l, relevantKinds)).sort();
  const got = output.filter(exact).sort();
  const diff: string[] = [];
  const wantCount = new Map<string, number>();
  for (const l of want) wantCount.set(l, (wantCount.get(l) ?? 0) + 1);
  for (const l of got) {
    const c = wantCount.get(l) ?? 0;
    if (c > 0) wantCount.set(l, c - 1);
    else diff.push(`+${l}`);
  }
  for (const [l, c] of wantCount) for (let k = 0; k < c; k++) diff.push(`-${l}`);
  const expectedProblems = new Set(expected.filter((l) => / info /.test(l) && l.startsWith('problem ')).map((l) => l.split(' ')[1])).size;
  if (kinds.includes('problems') && expectedProblems !== problemCount) {
    diff.push(`problems: expected ${expectedProblems}, atoll found ${problemCount}`);
  }
  const pass = diff.length === 0 && solutionCheck.length === 0;
  return { output, expected, kinds, pass, diff, unsupported: local, solutionCheck };
}

function kindOf(line: string, kinds: Set<string>): boolean {
  const w = line.split(' ')[0]!;
  if (['install', 'erase', 'upgrade', 'downgrade', 'change', 'reinstall', 'multiinstall', 'multireinstall'].includes(w))
    return kinds.has('transaction');
  if (w === 'job') return kinds.has('jobs');
  if (w === 'recommended' || w === 'suggested') return kinds.has('recommended');
  return true;
}
