/**
 * The bundled walkthrough (`atoll demo`): build the example OS's packages, compose them,
 * serve the commit over loopback HTTP, install it into a fresh sysroot, edit /etc, build and
 * compose v2, upgrade, roll back. Every step is the command a user would type, run through
 * the injected `run` (the CLI runs its own binary), so the transcript is reproducible by hand.
 * The only work done in-process is what a user would do with a shell (copying files, editing
 * /etc) and the HTTP server (so it lives exactly as long as the walkthrough).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, isAbsolute } from 'node:path';
import { AtollError } from '../errors/index.js';
import { startRepoServer, type RepoServer } from '../ostree/serve/index.js';
import { setImmutable } from '../sysroot/index.js';
import { prepareDescriptions, findBusybox } from './prepare-descriptions.js';
import { bootDemoSysroot, prepareBootAssets, useBootKernel, type DemoBootOptions } from './boot-demo.js';

export interface DemoRunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `atoll ARGS...` and returns its output; it is also responsible for echoing it live. */
export type DemoRunner = (args: string[]) => Promise<DemoRunResult>;

export interface DemoOptions {
  /** The demo directory (created; a previous demo there is replaced). */
  dir: string;
  /** examples/demo-os. */
  exampleDir: string;
  run: DemoRunner;
  /** Transcript text (step headers, shell-equivalent lines, closing notes). */
  write: (text: string) => void;
  /** Leave the HTTP server running (the caller closes `result.server`). */
  keepServer?: boolean;
  /** Busybox binary to put into the shell package (default: the host's static busybox). */
  busybox?: string;
  /** Directory the displayed paths are relative to (default: process.cwd()). */
  cwd?: string;
  /** `--boot`: a kernel that boots, and the result booted in QEMU as the last step. */
  boot?: DemoBootOptions;
}

export interface DemoResult {
  dir: string;
  /** Step titles in order, with how each ended. */
  steps: Array<{ title: string; outcome: 'ok' | 'skipped' }>;
  /** The served URL (server closed unless keepServer). */
  url: string;
  server?: RepoServer;
  commits: { v1: string; v2: string };
  /** With `boot`: what the default and the rollback entry reported on the console. */
  boots?: Array<{ label: string; fields: Record<string, string> }>;
}

/** The stateroot, the remote and the ref the walkthrough uses (the ref is base.yaml's). */
export const DEMO_OSNAME = 'demo';
export const DEMO_REMOTE = 'demo';
export const DEMO_REF = 'demo/stable';
const MARKER = '.atoll-demo';
/** Everything a run creates, removed by the next run. */
const OWNED = ['rpms', 'repo', 'sysroot', 'cache', 'packages', 'treefiles', 'boot', MARKER];

interface Step {
  title: string;
  /** What the user would type, shown after `$ `. */
  shown: string;
  /** Returns text to print (shell-like steps), or 'skip'; atoll steps are echoed by the runner. */
  action: () => Promise<string | undefined>;
  echoed?: boolean;
}

/** A step whose definition needs results of earlier steps is a function making it. */
type StepSpec = Step | (() => Step);

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const dir = resolve(options.dir);
  const cwd = options.cwd ?? process.cwd();
  const show = (p: string): string => {
    const rel = relative(cwd, p);
    return rel === '' ? '.' : !rel.startsWith('..') && !isAbsolute(rel) ? rel : p;
  };
  const busybox = options.busybox ?? findBusybox();
  if (busybox === undefined) {
    throw new AtollError('DEMO_NO_BUSYBOX', 'no static busybox found at /usr/bin/busybox or /bin/busybox', {
      hint: 'install Debian\'s busybox-static (apt-get install busybox-static) or set ATOLL_DEMO_BUSYBOX to a static busybox binary',
    });
  }
  await resetDemoDir(dir);

  const paths = {
    rpms: join(dir, 'rpms'),
    repo: join(dir, 'repo'),
    sysroot: join(dir, 'sysroot'),
    cache: join(dir, 'cache'),
    packages: join(dir, 'packages'),
    treefiles: join(dir, 'treefiles'),
    boot: join(dir, 'boot'),
  };
  const S = ['--sysroot', paths.sysroot];
  let server: RepoServer | undefined;
  const commits = { v1: '', v2: '' };
  const result: DemoResult = { dir, steps: [], url: '', commits };

  const atoll = (args: string[], title: string): Step => ({
    title,
    echoed: true,
    shown: `atoll ${args.map((a) => (a.startsWith('/') ? quote(show(a)) : quote(a))).join(' ')}`,
    action: async () => {
      const r = await options.run(args);
      if (r.status !== 0) {
        // A verb that says it is not implemented (a build older than the demo): say so, fake nothing.
        if (/not implemented yet/.test(r.stderr)) return 'skip';
        throw new AtollError('DEMO_STEP_FAILED', `demo step '${title}' failed: atoll ${args.join(' ')} exited ${r.status}`, {
          hint: 'its output is above; the demo directory is left as it was for a look',
          data: { stderr: r.stderr },
        });
      }
      return r.stdout;
    },
  });
  const packagesOf = (version: string): string[] =>
    readdirSync(join(paths.packages, version)).filter((n) => n.endsWith('.yaml')).sort().map((n) => join(paths.packages, version, n));
  const deploymentOf = (csum: string): string => join(paths.sysroot, 'ostree/deploy', DEMO_OSNAME, 'deploy', `${csum}.0`);
  const composeCommit = (out: string | undefined): string => {
    const m = /=> ([0-9a-f]{64})/.exec(out ?? '');
    if (!m) throw new AtollError('DEMO_STEP_FAILED', 'demo step compose printed no commit checksum', { data: { out } });
    return m[1] as string;
  };
  const localEdit = 'greeting="Hi from the demo"\n';

  const steps: StepSpec[] = [
    {
      title: 'Prepare the package descriptions',
      shown: `cp -r ${show(join(options.exampleDir, 'packages'))} ${show(paths.packages)}    # and embed ${busybox} into busybox.yaml`,
      action: async () => {
        prepareDescriptions(join(options.exampleDir, 'packages'), paths.packages, busybox);
        let bootNote = '';
        if (options.boot !== undefined) {
          const assets = prepareBootAssets(options.boot, paths.boot);
          const n = useBootKernel(paths.packages, assets);
          bootNote = `--boot: ${n} kernel.yaml replaced by Debian's cloud kernel ${assets.kver} + virtio modules + initramfs + a reporting /sbin/init (downloads cached in ${show(assets.cache)})\n`;
        }
        mkdirSync(paths.treefiles, { recursive: true });
        for (const name of ['base.yaml', 'v1.yaml', 'v2.yaml']) writeFileSync(join(paths.treefiles, name), readFileSync(join(options.exampleDir, name)));
        // The treefiles name the rpm-md repository `demo`; its URL depends on DIR.
        writeFileSync(join(paths.treefiles, 'demo.repo'), `[demo]\nname=Atoll demo packages\nbaseurl=file://${paths.rpms}\ngpgcheck=0\n`);
        return `${readdirSync(paths.packages).map((v) => `${v}: ${readdirSync(join(paths.packages, v)).length} descriptions`).join('\n')}\ntreefiles and demo.repo (baseurl=file://${show(paths.rpms)}) in ${show(paths.treefiles)}\n${bootNote}`;
      },
    },
    () => ({ ...atoll(['rpm', 'build', ...packagesOf('v1'), ...packagesOf('extra'), '-o', paths.rpms], 'Build the v1 packages (and hello-extra, libextra for layering)'), shown: `atoll rpm build ${show(paths.packages)}/v1/*.yaml ${show(paths.packages)}/extra/*.yaml -o ${show(paths.rpms)}` }),
    atoll(['rpm-repo', 'create', paths.rpms], 'Index them as an rpm-md repository'),
    atoll(['repo', 'init', '--repo', paths.repo, '--mode', 'archive'], 'Create the compose repository (archive mode, for serving)'),
    wrap(atoll(['compose', 'tree', '--repo', paths.repo, '--cachedir', paths.cache, join(paths.treefiles, 'v1.yaml')], 'Compose v1: depsolve, assemble, commit'), (out) => { commits.v1 = composeCommit(out); }),
    {
      title: 'Serve the compose repository over HTTP on loopback',
      shown: `atoll repo serve --repo ${show(paths.repo)} --port 0 &`,
      action: async () => {
        server = await startRepoServer({ root: paths.repo, address: '127.0.0.1', port: 0 });
        result.url = server.url;
        return `${server.url}\n`;
      },
    },
    { title: 'Create the client system root', shown: `mkdir -p ${show(paths.sysroot)}`, action: async () => { mkdirSync(paths.sysroot, { recursive: true }); return undefined; } },
    atoll(['admin', 'init-fs', paths.sysroot], 'Lay out an OSTree sysroot'),
    atoll(['admin', 'os-init', ...S, DEMO_OSNAME], 'Create the stateroot'),
    (() => atoll(['repo', 'remote', 'add', '--repo', join(paths.sysroot, 'ostree/repo'), '--no-gpg-verify', DEMO_REMOTE, result.url], 'Point the client at the server')),
    atoll(['rebase', ...S, '--os', DEMO_OSNAME, `${DEMO_REMOTE}:${DEMO_REF}`], 'Install: pull the commit and deploy it'),
    atoll(['status', ...S], 'Show the deployment'),
    (() => {
      const file = join(deploymentOf(commits.v1), 'etc/greeter.conf');
      return {
        title: 'Edit a configuration file in the deployment\'s /etc',
        shown: `echo '${localEdit.trim()}' > ${show(file)}`,
        action: async () => { writeFileSync(file, localEdit); return undefined; },
      };
    }),
    () => ({ ...atoll(['rpm', 'build', ...packagesOf('v2'), '-o', paths.rpms], 'Build the v2 packages into the same repository'), shown: `atoll rpm build ${show(paths.packages)}/v2/*.yaml -o ${show(paths.rpms)}` }),
    atoll(['rpm-repo', 'create', paths.rpms], 'Re-index the package repository'),
    wrap(atoll(['compose', 'tree', '--repo', paths.repo, '--cachedir', paths.cache, join(paths.treefiles, 'v2.yaml')], 'Compose v2'), (out) => { commits.v2 = composeCommit(out); }),
    atoll(['upgrade', ...S], 'Upgrade the client (prints the package diff)'),
    atoll(['status', ...S], 'The new deployment is the default, the old one the rollback target'),
    (() => {
      const file = join(deploymentOf(commits.v2), 'etc/greeter.conf');
      return {
        title: 'The local /etc edit was carried into v2 (v2 changed the default; the local copy wins)',
        shown: `cat ${show(file)}`,
        action: async () => readFileSync(file, 'utf8'),
      };
    }),
    atoll(['rollback', ...S], 'Roll back to v1'),
    atoll(['status', ...S], 'v1 is the default again'),
  ];
  if (options.boot !== undefined) {
    steps.push({
      title: 'Boot the result in QEMU: the default entry (v1), then the rollback entry (v2)',
      shown: `mkfs.ext4 -d ${show(paths.sysroot)} ${show(join(paths.boot, 'sysroot.img'))} && qemu-system-x86_64 -accel tcg -kernel ... -initrd ... -append "$(options of the entry) root=/dev/vda rw"`,
      action: async () => {
        const booted = await bootDemoSysroot(paths.sysroot, paths.boot, options.write);
        result.boots = booted.map((b) => ({ label: b.label, fields: b.result.fields }));
        return booted.map(({ label, result: r }) => {
          const f = r.fields;
          const which = f.csum === commits.v1 ? 'v1' : f.csum === commits.v2 ? 'v2' : 'an unknown commit';
          return `${label} entry: booted ${which} (commit ${(f.csum ?? '').slice(0, 12)}, VERSION_ID=${f.version}) in ${r.seconds.toFixed(1)} s; `
            + `/ is the deployment: ${f['root-is-deployment']}, /usr read-only: ${f['usr-ro']}, /var is the stateroot's: ${f['var-is-stateroot']}, boots counted in /var: ${f['boots-in-var']}`;
        }).join('\n') + '\n';
      },
    });
  }

  for (const [i, spec] of steps.entries()) {
    const s = typeof spec === 'function' ? spec() : spec;
    options.write(`\n### ${i + 1}/${steps.length} ${s.title}\n$ ${s.shown}\n`);
    const out = await s.action();
    if (out === 'skip') {
      options.write('(skipped: this atoll build does not implement it yet; the steps after it need it, so the walkthrough stops here)\n');
      result.steps.push({ title: s.title, outcome: 'skipped' });
      break;
    }
    if (out !== undefined && out !== '' && !s.echoed) options.write(out.endsWith('\n') ? out : `${out}\n`);
    result.steps.push({ title: s.title, outcome: 'ok' });
  }

  if (server !== undefined) {
    if (options.keepServer) result.server = server;
    else {
      await server.close();
      options.write(`\n(the HTTP server on ${server.url} is stopped)\n`);
    }
  }
  options.write(closingNotes(show, paths, result.url));
  return result;
}

/** Run `after` on a step's output (e.g. to remember the commit it made). */
function wrap(step: Step, after: (out: string | undefined) => void): Step {
  return {
    ...step,
    action: async () => {
      const out = await step.action();
      if (out !== 'skip') after(out);
      return out;
    },
  };
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * Remove what a previous run left so re-running starts over; refuse a non-empty directory that
 * is not a demo directory (the marker file says it is).
 */
async function resetDemoDir(dir: string): Promise<void> {
  if (existsSync(dir)) {
    const entries = readdirSync(dir);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new AtollError('DEMO_DIR_NOT_DEMO', `${dir} is not empty and was not made by atoll demo`, {
        hint: 'pass --dir with a new or empty directory (a demo directory holds a .atoll-demo file)',
      });
    }
    // Deployment roots carry the immutable flag, as OSTree seals them.
    const stateroots = join(dir, 'sysroot/ostree/deploy');
    if (existsSync(stateroots)) {
      for (const os of readdirSync(stateroots)) {
        const deployDir = join(stateroots, os, 'deploy');
        if (!existsSync(deployDir)) continue;
        for (const d of readdirSync(deployDir)) await setImmutable(join(deployDir, d), false);
      }
    }
    for (const name of OWNED) rmSync(join(dir, name), { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, MARKER), 'made by atoll demo; re-running atoll demo replaces rpms/, repo/, sysroot/, cache/, packages/ and treefiles/\n');
}

function closingNotes(show: (p: string) => string, paths: Record<string, string>, url: string): string {
  const sr = show(paths.sysroot as string);
  const repo = show(paths.repo as string);
  const port = url === '' ? '8080' : new URL(url).port;
  return [
    '',
    'Done. Everything is left in place for exploring:',
    `  ${show(paths.rpms as string)}      the package repository (rpm-md; also holds hello-extra and libextra, in no treefile)`,
    `  ${repo}      the compose repository (OSTree, archive mode)`,
    `  ${sr}   the client system root`,
    '',
    'Try next:',
    `  atoll status --sysroot ${sr} --json`,
    `  ostree admin status --sysroot=${sr}`,
    `  atoll db diff --sysroot ${sr}`,
    `  atoll repo log --repo ${repo} ${DEMO_REF}`,
    `  atoll rpm inspect ${show(paths.rpms as string)}/hello-extra-1.0-1.demo.noarch.rpm`,
    `  atoll repo serve --repo ${repo} --port ${port} &    (the client's remote points at this port)`,
    `  atoll upgrade --sysroot ${sr}    (then, with the server running: back to v2)`,
    'See docs/getting-started.md for what each step did.',
    '',
  ].join('\n');
}
