import { DEPENDENCY_KINDS, formatDependency } from '../package/index.js';
import type { RpmHeaderPackage, RpmScript, TriggerSet } from './rpm-header-package.js';

/**
 * The JSON shape of `atoll rpm inspect --json`: strings exactly as `rpm -qp --queryformat`
 * prints them (dependencies as %{PROVIDENEVRS}..., epoch null when absent).
 */
/**
 * `prog` is the interpreter line as `rpm -qp --scripts` shows it ("/bin/sh -e"); `%{PREINPROG}`
 * prints only its first element, which `progArgs[0]` holds. null when the tag is absent.
 */
function scriptJson(s: RpmScript | null): { prog: string | null; progArgs: string[]; body: string | null; flags: number } {
  if (s === null) return { prog: null, progArgs: [], body: null, flags: 0 };
  return { prog: s.prog.length === 0 ? null : s.prog.join(' '), progArgs: s.prog, body: s.body, flags: s.flags };
}

function triggersJson(t: TriggerSet): unknown {
  return {
    scripts: t.scripts.map((s) => ({ prog: s.prog.join(' '), body: s.body, flags: s.flags, ...(s.priority === undefined ? {} : { priority: s.priority }) })),
    conditions: t.conditions,
  };
}

export function packageToJson(pkg: RpmHeaderPackage): Record<string, unknown> {
  const deps = Object.fromEntries(DEPENDENCY_KINDS.map((k) => [k, pkg[k].map(formatDependency)]));
  const hexOrNull = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('hex'));
  return {
    name: pkg.name,
    epoch: pkg.epoch,
    version: pkg.version,
    release: pkg.release,
    arch: pkg.arch,
    summary: pkg.summary,
    description: pkg.description,
    license: pkg.license,
    url: pkg.url,
    vendor: pkg.vendor,
    packager: pkg.packager,
    group: pkg.group,
    buildtime: pkg.buildtime,
    buildhost: pkg.buildhost,
    size: pkg.installedSize,
    sourcerpm: pkg.sourcerpm,
    isSource: pkg.isSource,
    os: pkg.os,
    rpmversion: pkg.rpmversion,
    ...deps,
    orderwithrequires: pkg.orderwithrequires.map(formatDependency),
    fileDigestAlgo: pkg.fileDigestAlgo,
    files: pkg.files.map((f) => ({
      path: f.path,
      mode: f.mode,
      size: f.size,
      user: f.user,
      group: f.group,
      mtime: f.mtime,
      digest: f.digest,
      flags: f.flags,
      linkto: f.linkto,
      inode: f.inode,
      device: f.device,
      rdev: f.rdev,
      lang: f.lang,
      caps: f.caps,
      verifyFlags: f.verifyFlags,
      color: f.color,
    })),
    scripts: {
      pretrans: scriptJson(pkg.scripts.pretrans),
      prein: scriptJson(pkg.scripts.prein),
      postin: scriptJson(pkg.scripts.postin),
      preun: scriptJson(pkg.scripts.preun),
      postun: scriptJson(pkg.scripts.postun),
      posttrans: scriptJson(pkg.scripts.posttrans),
      verifyscript: scriptJson(pkg.scripts.verifyscript),
    },
    triggers: triggersJson(pkg.triggers),
    fileTriggers: triggersJson(pkg.fileTriggers),
    transFileTriggers: triggersJson(pkg.transFileTriggers),
    changelog: pkg.changelog,
    payload: pkg.payload,
    signature: {
      sha1: pkg.signature.sha1,
      sha256: pkg.signature.sha256,
      md5: pkg.signature.md5,
      size: pkg.signature.size,
      signed: pkg.signature.signed,
      rsa: hexOrNull(pkg.signature.rsa),
      dsa: hexOrNull(pkg.signature.dsa),
      pgp: hexOrNull(pkg.signature.pgp),
      gpg: hexOrNull(pkg.signature.gpg),
      openpgp: pkg.signature.openpgp,
    },
    headerRange: pkg.headerRange,
    leadMajor: pkg.leadMajor,
  };
}
