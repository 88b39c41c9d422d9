import { AtollError } from '../../errors/index.js';
import { warn, type Reporter } from '../../report/index.js';
import { RPMFILE, RPMSENSE, formatNevra, type RpmHeaderPackage } from '../../rpm/index.js';
import { runInSandbox, type ScriptRun } from './run-scriptlet.js';

/**
 * `%transfiletriggerin` at the end of the transaction, as rpm-ostree runs them: for each
 * trigger (higher priority first, then transaction order), the paths of every installed file
 * under one of its prefixes go to the script's standard input, one per line, and the script
 * runs once when there is at least one. rpm-ostree does not run per-package `%filetriggerin`
 * scripts; neither does atoll (they are reported).
 */
export async function runTransFileTriggers(root: string, packages: readonly RpmHeaderPackage[], options: { reporter?: Reporter; bwrap?: string } = {}): Promise<ScriptRun[]> {
  const files: string[] = [];
  for (const pkg of packages) for (const f of pkg.files) if (!(f.flags & RPMFILE.GHOST)) files.push(f.path);
  files.sort();
  const jobs: Array<{ pkg: RpmHeaderPackage; order: number; priority: number; index: number; prefixes: string[] }> = [];
  packages.forEach((pkg, order) => {
    const byScript = new Map<number, string[]>();
    for (const c of pkg.transFileTriggers.conditions) {
      if (!(c.flags & RPMSENSE.TRIGGERIN)) continue;
      const list = byScript.get(c.index) ?? [];
      list.push(c.name);
      byScript.set(c.index, list);
    }
    for (const [index, prefixes] of byScript) {
      jobs.push({ pkg, order, index, prefixes, priority: pkg.transFileTriggers.scripts[index]?.priority ?? 1000000 });
    }
    if (pkg.fileTriggers.conditions.some((c) => c.flags & RPMSENSE.TRIGGERIN) && options.reporter) {
      warn(options.reporter, `%filetriggerin of ${formatNevra(pkg)} not run (rpm-ostree runs only %transfiletriggerin)`);
    }
  });
  jobs.sort((a, b) => b.priority - a.priority || a.order - b.order || a.index - b.index);
  const runs: ScriptRun[] = [];
  for (const job of jobs) {
    const matched = files.filter((f) => job.prefixes.some((p) => f.startsWith(p)));
    if (matched.length === 0) continue;
    const script = job.pkg.transFileTriggers.scripts[job.index]!;
    const nevra = formatNevra(job.pkg);
    const prog = script.prog.length > 0 ? script.prog : ['/bin/sh'];
    if (prog[0] === '<lua>') {
      if (script.body?.includes('-- rpm-ostree-skip')) continue;
      throw new AtollError('ASSEMBLE_SCRIPT_LUA', `%transfiletriggerin of ${nevra} is a Lua script, which cannot run in a tree compose`, {
        hint: "add '-- rpm-ostree-skip' to the script if it is not needed",
        data: { package: nevra, script: '%transfiletriggerin' },
      });
    }
    await runInSandbox(root, {
      nevra,
      label: '%transfiletriggerin',
      script: { ...script, prog },
      // rpm 4.18 passes a single 0 to transaction file triggers (checked against dnf --installroot).
      args: ['0'],
      input: `${matched.join('\n')}\n`,
      env: job.pkg,
      reporter: options.reporter,
      bwrap: options.bwrap,
    });
    runs.push({ package: nevra, script: '%transfiletriggerin' });
  }
  return runs;
}
