import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { AtollError } from '../../errors/index.js';
import { Repo, resolveRev, loadCommit } from '../../ostree/repo/index.js';
import {
  applyDeltaOffline,
  deleteDelta,
  deltaExists,
  describeDelta,
  generateDelta,
  listDeltaIndexes,
  listDeltas,
  parseDeltaName,
  reindexDeltas,
  readSuperblock,
  verifyDeltaSignatures,
  type DeltaSigning,
} from '../../ostree/delta/index.js';

function repoOption(): Option {
  return new Option('--repo <path>', 'path to the OSTree repository').default(process.env.OSTREE_REPO ?? '.');
}

function megabytes(name: string): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value)) throw new AtollError('CLI_USAGE', `--${name} must be a number of megabytes, got '${value}'`);
    return Number(value);
  };
}

/**
 * What `--sign-type` and the keys (positional and `--keys-file`) describe: dummy is built into
 * the delta module; ed25519 keys are parsed here with ostree/pull's codecs (secret keys to sign,
 * public keys to verify).
 */
async function deltaSigning(type: string, keys: readonly string[], keysFile: string | undefined, purpose: 'sign' | 'verify', keysDir?: string): Promise<DeltaSigning> {
  const fileText = keysFile === undefined ? '' : await readFile(keysFile, 'utf8').catch((error: unknown) => {
    throw new AtollError('CLI_USAGE', `cannot read keys file ${keysFile}: ${(error as Error).message}`);
  });
  const fileKeys = fileText.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (type !== 'ed25519') return { type, keys: [...keys, ...fileKeys] };
  const pull = await import('../../ostree/pull/index.js');
  if (purpose === 'sign') {
    const secrets = [...keys, ...fileKeys].map((k) => pull.ed25519SecretKey(k));
    return { type, keys: [...keys, ...fileKeys], sign: (data) => secrets.map((k) => pull.ed25519Sign(data, k)) };
  }
  // Public keys that do not parse are skipped, as libostree skips them.
  const publics = [...keys.flatMap((k) => pull.publicKeysFromText(k)), ...pull.publicKeysFromText(fileText)];
  if (keysDir !== undefined) {
    // `--keys-dir`: trusted.ed25519(.d) minus revoked.ed25519(.d), as libostree's ed25519 engine.
    const set = await pull.readEd25519KeyDirs([keysDir]);
    const raw = (k: { export(o: { format: 'der'; type: 'spki' }): Buffer }): string => k.export({ format: 'der', type: 'spki' }).toString('hex');
    const revoked = new Set(set.revoked.map(raw));
    publics.push(...set.trusted.filter((k) => !revoked.has(raw(k))));
  }
  return { type, keys, verify: (data, sigs) => sigs.some((sig) => publics.some((key) => pull.ed25519Verify(data, sig, key))) };
}

/** `atoll repo static-delta ...`: ostree's `static-delta` verbs (generate, apply-offline, list, show, delete, indexes, reindex). */
export function registerRepoDeltaCommands(repo: Command, context: CliContext): void {
  const group = repo.command('static-delta').description('generate, apply and manage static deltas (ostree static-delta)');
  group
    .command('list')
    .description('list the static deltas of the repository')
    .addOption(repoOption())
    .action(async (o: { repo: string }) => {
      const names = listDeltas(await Repo.open(o.repo));
      context.out(names.length === 0 ? '(No static deltas)' : names.join('\n'));
    });
  group
    .command('indexes')
    .description('list the target commits that have a static delta index')
    .addOption(repoOption())
    .action(async (o: { repo: string }) => {
      const names = listDeltaIndexes(await Repo.open(o.repo));
      context.out(names.length === 0 ? '(No static deltas indexes)' : names.join('\n'));
    });
  group
    .command('reindex')
    .description('regenerate delta-indexes/ from the deltas present')
    .addOption(repoOption())
    .action(async (o: { repo: string }) => {
      await reindexDeltas(await Repo.open(o.repo));
    });
  group
    .command('show')
    .description('describe a delta (FROM-TO or TO)')
    .argument('<delta>', 'delta name')
    .addOption(repoOption())
    .action(async (name: string, o: { repo: string }) => {
      const r = await Repo.open(o.repo);
      parseDeltaName(name);
      context.out(await describeDelta(r, name));
    });
  group
    .command('delete')
    .description('remove a delta (FROM-TO or TO)')
    .argument('<delta>', 'delta name')
    .addOption(repoOption())
    .action(async (name: string, o: { repo: string }) => {
      deleteDelta(await Repo.open(o.repo), name);
    });
  group
    .command('apply-offline')
    .description('apply a delta (its directory, or a superblock file) to the repository; no ref is written')
    .argument('<path>', 'delta directory or superblock file')
    .argument('[keys...]', 'verify the delta signature with these keys first (dummy: the key text)')
    .addOption(repoOption())
    .option('--sign-type <type>', 'signature type of the keys', 'ed25519')
    .option('--keys-file <file>', 'read the keys from FILE too (one a line)')
    .option('--keys-dir <dir>', 'ed25519: the trusted and revoked keys of DIR (trusted.ed25519.d/, revoked.ed25519.d/)')
    .action(async (path: string, keys: string[], o: { repo: string; signType: string; keysFile?: string; keysDir?: string }) => {
      const signing = keys.length > 0 || o.keysFile !== undefined || o.keysDir !== undefined ? await deltaSigning(o.signType, keys, o.keysFile, 'verify', o.keysDir) : undefined;
      await applyDeltaOffline(await Repo.open(o.repo), path, context.reporter, signing);
    });
  group
    .command('verify')
    .description('verify the signature of a signed delta')
    .argument('<delta>', 'delta name (FROM-TO or TO)')
    .argument('[keys...]', 'keys to verify with (dummy: the key text)')
    .addOption(repoOption())
    .option('--sign-type <type>', 'signature type', 'ed25519')
    .option('--keys-file <file>', 'read the public keys from FILE too (one a line)')
    .action(async (name: string, keys: string[], o: { repo: string; signType: string; keysFile?: string }) => {
      const sb = readSuperblock(await Repo.open(o.repo), name);
      const signing = await deltaSigning(o.signType, keys, o.keysFile, 'verify');
      try {
        verifyDeltaSignatures(sb, signing);
      } catch (error) {
        // ostree prints the verdict on stdout, then the reason as the error.
        context.out('Verification fails');
        throw error;
      }
      context.out('Verification OK');
    });
  group
    .command('generate')
    .description('generate a static delta (default: from the parent of TO)')
    .argument('[to]', 'target revision (same as --to)')
    .addOption(repoOption())
    .option('--from <rev>', 'create the delta from revision REV')
    .option('--empty', 'create the delta from scratch')
    .option('--to <rev>', 'create the delta to revision REV')
    .option('--inline', 'put the parts inside the superblock')
    .option('--disable-bsdiff', 'never encode a modified file as a bsdiff patch')
    .option('-n, --if-not-exists', 'only generate if the delta does not exist yet')
    .option('--set-endianness <endian>', "size fields in this byte order ('l' or 'B')")
    .option('--swap-endianness', 'size fields in the byte order opposite to the host')
    .option('--min-fallback-size <mb>', 'content objects larger than this (megabytes) are fetched as plain objects', megabytes('min-fallback-size'))
    .option('--max-bsdiff-size <mb>', 'largest input (megabytes) considered for bsdiff', megabytes('max-bsdiff-size'))
    .option('--max-chunk-size <mb>', 'maximum size of a part (megabytes)', megabytes('max-chunk-size'))
    .option('--filename <path>', 'write the superblock to PATH (parts beside it) instead of into the repository')
    .option('--sign <key>', 'sign the delta with KEY (repeatable; dummy: the key text)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--sign-type <type>', 'signature type for --sign', 'ed25519')
    .option('--keys-file <file>', 'sign with the secret keys of FILE too (one a line)')
    .action(async (positional: string | undefined, o: Record<string, string | number | boolean | string[] | undefined>) => {
      if (o.empty === true && typeof o.from === 'string') throw new AtollError('CLI_USAGE', 'Cannot specify both --empty and --from=REV');
      const toRev = (o.to as string | undefined) ?? positional;
      if (toRev === undefined) throw new AtollError('CLI_USAGE', 'TO revision must be specified');
      const r = await Repo.open(o.repo as string);
      const to = await resolveRev(r, toRev);
      let from: string | undefined;
      if (typeof o.from === 'string') from = await resolveRev(r, o.from);
      else if (o.empty !== true) {
        const parent = (await loadCommit(r, to)).parent;
        if (parent === null) throw new AtollError('DELTA_NO_PARENT', `commit ${to} has no parent: pass --from=REV or --empty`);
        from = parent;
      }
      const name = from === undefined ? to : `${from}-${to}`;
      if (o.ifNotExists === true && deltaExists(r, from, to)) {
        context.out(`Delta ${name} already exists.`);
        return;
      }
      const endian = o.setEndianness as string | undefined;
      if (endian !== undefined && endian !== 'l' && endian !== 'B') throw new AtollError('CLI_USAGE', `Invalid endianness '${endian}'`);
      context.out(`Generating static delta:\n  From: ${from ?? 'empty'}\n  To:   ${to}`);
      const result = await generateDelta(r, {
        from,
        to,
        inline: o.inline === true,
        disableBsdiff: o.disableBsdiff === true,
        bigEndian: endian === 'B' || (endian === undefined && o.swapEndianness === true),
        ...(typeof o.minFallbackSize === 'number' ? { minFallbackSize: o.minFallbackSize } : {}),
        ...(typeof o.maxBsdiffSize === 'number' ? { maxBsdiffSize: o.maxBsdiffSize } : {}),
        ...(typeof o.maxChunkSize === 'number' ? { maxChunkSize: o.maxChunkSize } : {}),
        ...(typeof o.filename === 'string' ? { filename: o.filename } : {}),
        ...((o.sign as string[]).length > 0 || typeof o.keysFile === 'string'
          ? { sign: await deltaSigning(o.signType as string, o.sign as string[], o.keysFile as string | undefined, 'sign') }
          : {}),
      });
      for (const line of result.log) context.notice(line);
    });
}
