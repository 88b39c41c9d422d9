// OSTree's command tree (the part atoll implements), with OSTree's option names, mapped onto
// atoll's own verbs (`atoll repo ...`, `atoll admin ...`). Only argv is translated here: the
// behaviour is atoll's. Options atoll does not implement are absent, so GOption rejects them
// ("Unknown option"), which keeps `--help` honest.
import os from 'node:os';
import type { OptionSpec } from './goption.js';

export interface OstreeCommand {
  name: string;
  summary: string;
  /** Positional part of the usage line, e.g. "PATH". */
  usage?: string;
  options?: OptionSpec[];
  subcommands?: OstreeCommand[];
  /** Does not need a repository (admin verbs use the sysroot). */
  noRepo?: boolean;
  /** atoll argv (without --repo) for a parsed call. */
  toAtoll?: (positionals: string[], options: Map<string, string[]>) => string[];
}

const flag = (long: string, help: string, short?: string): OptionSpec => ({ long, short, help });
const value = (long: string, arg: string, help: string, short?: string): OptionSpec => ({ long, short, arg, help });
const multi = (long: string, arg: string, help: string, short?: string): OptionSpec => ({ long, short, arg, help, repeat: true });
const ignored = (spec: OptionSpec): OptionSpec => ({ ...spec, ignored: true });

/** Passes every given option (except ignored ones) through under the same long name. */
function passOptions(options: Map<string, string[]>, specs: OptionSpec[], rename: Record<string, string> = {}): string[] {
  const out: string[] = [];
  for (const spec of specs) {
    if (spec.ignored) continue;
    const values = options.get(spec.long);
    if (!values) continue;
    const name = rename[spec.long] ?? spec.long;
    for (const v of values) out.push(spec.arg ? `--${name}=${v}` : `--${name}`);
  }
  return out;
}

function repoVerb(verb: string[], specs: OptionSpec[], rename: Record<string, string> = {}) {
  return (positionals: string[], options: Map<string, string[]>): string[] => ['repo', ...verb, ...passOptions(options, specs, rename), '--', ...positionals];
}

/** `ostree admin VERB` → `atoll admin VERB` (the sysroot is added by the dispatcher). */
function admin(name: string, summary: string, usage: string, options: OptionSpec[], verb: string[] = [name]): OstreeCommand {
  return { name, summary, usage, options, noRepo: true, toAtoll: (positionals, given) => ['admin', ...verb, ...passOptions(given, options), '--', ...positionals] };
}

/** ostree prints its deploy messages (Copying /etc changes, Bootloader updated...) on stdout. */
function withPrintMessages(command: OstreeCommand): OstreeCommand {
  const inner = command.toAtoll!;
  return {
    ...command,
    toAtoll: (positionals, options) => {
      const argv = inner(positionals, options);
      argv.splice(argv.indexOf('--'), 0, '--print-messages');
      return argv;
    },
  };
}

function cmd(name: string, summary: string, usage: string, options: OptionSpec[], verb: string[] = [name], rename: Record<string, string> = {}): OstreeCommand {
  return { name, summary, usage, options, toAtoll: repoVerb(verb, options, rename) };
}

const initOptions = [value('mode', 'MODE', 'Initialize repository in given mode (bare, bare-user, bare-user-only, archive)'), value('collection-id', 'COLLECTION-ID', 'Globally unique ID for this repository as an collection of refs')];

const commitOptions = [
  value('subject', 'SUBJECT', 'One line subject', 's'),
  value('body', 'BODY', 'Full description', 'm'),
  value('branch', 'BRANCH', 'Branch', 'b'),
  multi('tree', 'dir=PATH', 'Overlay the given argument as a tree'),
  flag('consume', 'Consume (delete) content after commit (for local directories)'),
  value('body-file', 'FILE', 'Commit message from FILE path', 'F'),
  value('base', 'REV', 'Start from the given commit as a base (no modifiers apply)'),
  value('parent', 'COMMIT', "Parent commit checksum, or 'none'"),
  flag('orphan', 'Create a commit without writing a ref'),
  multi('add-metadata-string', 'KEY=VALUE', 'Add a key/value pair to metadata'),
  multi('add-detached-metadata-string', 'KEY=VALUE', 'Add a key/value pair to detached metadata'),
  multi('add-metadata', 'KEY=VALUE', 'Add a key/value pair to metadata, where the KEY is a string, and VALUE is g_variant_parse() formatted'),
  multi('keep-metadata', 'KEY', 'Keep metadata KEY and its associated VALUE from parent'),
  value('owner-uid', 'UID', 'Set file ownership user id'),
  value('owner-gid', 'GID', 'Set file ownership group id'),
  flag('no-xattrs', 'Do not import extended attributes'),
  flag('canonical-permissions', 'Canonicalize permissions in the same way bare-user does for hardlinked files'),
  value('timestamp', 'TIMESTAMP', 'Override the timestamp of the commit'),
  flag('no-bindings', 'Do not write any ref bindings'),
  multi('bind-ref', 'BRANCH', 'Add a ref to ref binding commit metadata'),
  flag('skip-if-unchanged', 'If the contents are unchanged from previous commit, do nothing'),
  flag('bootable', 'Flag this commit as a bootable OSTree'),
  flag('generate-sizes', 'Generate size information along with commit metadata'),
  value('statoverride', 'PATH', 'File containing list of modifications to make to permissions'),
  value('skip-list', 'PATH', 'File containing list of files to skip'),
  flag('mode-ro-executables', 'Ensure executable files are not writable'),
  flag('devino-canonical', 'Assume hardlinked objects are unmodified.  Implies --link-checkout-speedup', 'I'),
  flag('table-output', 'Output more information in a KEY: VALUE format'),
  multi('gpg-sign', 'KEY-ID', 'GPG Key ID to sign the commit with'),
  value('gpg-homedir', 'HOMEDIR', 'GPG Homedir to use when looking for keyrings'),
  multi('sign', 'KEY_ID', 'Sign the commit with'),
  value('sign-type', 'NAME', "Signature type to use (defaults to 'ed25519')"),
  ignored(flag('link-checkout-speedup', 'Optimize for commits of trees composed of hardlinks into the repository')),
  ignored(value('fsync', 'POLICY', 'Specify how to invoke fsync()')),
];

const checkoutOptions = [
  flag('user-mode', 'Do not change file ownership or initialize extended attributes', 'U'),
  flag('require-hardlinks', 'Do not fall back to full copies if hardlinking fails', 'H'),
  flag('force-copy', 'Never hardlink (but may reflink if available)', 'C'),
  flag('union', 'Keep existing directories, overwrite existing files'),
  flag('union-add', 'Keep existing files/directories, only add new'),
  flag('union-identical', 'When layering checkouts, error out if a file would be replaced with a different version, but add new files and directories'),
  value('subpath', 'PATH', 'Checkout sub-directory PATH'),
  flag('allow-noent', 'Do nothing if specified path does not exist'),
  flag('disable-cache', 'Do not update or use the internal repository uncompressed object cache'),
  flag('whiteouts', 'Process \'whiteout\' (Docker style) entries'),
  flag('process-passthrough-whiteouts', 'Enable overlayfs whiteout extraction into char 0:0 devices'),
  value('skip-list', 'PATH', 'Skip checking out paths listed in the file'),
  flag('bareuseronly-dirs', 'Suppress mode bits outside of 0775 for directories (suid, world writable, etc.)', 'M'),
  // ostree never hardlinks empty files any more: -z is accepted and does nothing.
  ignored(flag('force-copy-zerosized', 'Do not hardlink zero-sized files', 'z')),
  ignored(flag('disable-fsync', 'Do not invoke fsync()')),
];

const lsOptions = [
  flag('recursive', 'Print directories recursively', 'R'),
  flag('checksum', 'Print checksum', 'C'),
  flag('xattrs', 'Print extended attributes', 'X'),
  flag('dironly', 'Only print directories', 'd'),
];

const refsOptions = [flag('list', 'Do not remove the prefix from the refs'), flag('delete', 'Delete refs which match PREFIX, rather than listing them'), value('create', 'NEWREF', 'Create a new ref for an existing commit'), flag('force', 'Overwrite existing refs when creating'), flag('collections', 'Enable listing collection IDs for refs', 'c'), flag('alias', 'If used with --create, create an alias, otherwise just list aliases', 'A')];

const pruneOptions = [
  flag('no-prune', 'Only display unreachable objects; don\'t delete'),
  flag('refs-only', 'Only compute reachability via refs'),
  value('depth', 'DEPTH', 'Only traverse DEPTH parents for each commit (default: -1=infinite)'),
  value('delete-commit', 'COMMIT', 'Specify a commit to delete'),
  value('keep-younger-than', 'DATE', 'Prune all commits older than the specified date'),
  flag('static-deltas-only', 'Change the behavior of delete-commit and keep-younger-than to prune only static deltas'),
  multi('retain-branch-depth', 'BRANCH=DEPTH', 'Additionally retain BRANCH=DEPTH commits'),
  multi('only-branch', 'BRANCH', 'Only prune BRANCH (may be specified multiple times)'),
  flag('commit-only', 'Only traverse and delete commit objects.'),
];

const remoteAddOptions = [
  multi('set', 'KEY=VALUE', 'Set config option KEY=VALUE for remote'),
  flag('no-gpg-verify', 'Disable GPG verification'),
  flag('no-sign-verify', 'Disable signature verification'),
  multi('sign-verify', 'KEYTYPE=[inline|file]:PUBKEY', 'Verify signatures using KEYTYPE inline or file'),
  flag('if-not-exists', 'Do nothing if the provided remote exists'),
  flag('force', 'Replace the provided remote if it exists'),
  value('contenturl', 'URL', 'Use URL when fetching content'),
  value('collection-id', 'COLLECTION-ID', 'Globally unique ID for this repository'),
  value('gpg-import', 'FILE', 'Import GPG key from FILE'),
  value('sysroot', 'PATH', 'Use sysroot at PATH (overrides --repo)'),
  value('custom-backend', 'NAME', 'This remote has content not fetched via libostree'),
];

/** The libostree version in the User-Agent (the same as --version prints). */
const USER_AGENT_VERSION = '2022.7';

const pullOptions = [
  value('depth', 'DEPTH', 'Traverse DEPTH parents (-1=infinite) (default: 0)'),
  flag('mirror', 'Write refs suitable for a mirror'),
  flag('commit-metadata-only', 'Fetch only the commit metadata'),
  value('url', 'URL', 'Pull objects from this URL instead of the one from the remote config'),
  multi('http-header', 'NAME=VALUE', 'Add NAME=VALUE as HTTP header to all requests'),
  multi('subpath', 'SUBPATH', 'Only pull the provided subpath(s)'),
  multi('localcache-repo', 'REPO', 'Add REPO as local cache source for objects during this pull', 'L'),
  flag('bareuseronly-files', 'Reject regular files with mode outside of 0775 (world writable, suid, etc.)'),
  flag('timestamp-check', 'Verify commit timestamps are newer than existing refs', 'T'),
  value('timestamp-check-from-rev', 'COMMIT', 'Verify that all fetched commits have timestamps newer than COMMIT'),
  flag('http-trusted', 'Do not verify checksums of HTTP sources (mostly useful when mirroring)'),
  flag('disable-static-deltas', 'Do not use static deltas'),
  flag('require-static-deltas', 'Require static deltas'),
  flag('dry-run', 'Only print information on what will be downloaded (requires static deltas)'),
  ignored(value('append-user-agent', 'USERAGENT', 'Append string to user agent')),
  // atoll's pull makes every object durable (one syncfs) before it writes any ref.
  flag('disable-verify-bindings', 'Do not verify commit bindings'),
  value('cache-dir', 'DIR', 'Use custom cache dir'),
  ignored(flag('per-object-fsync', 'Don\'t disable fsync() (objects are synced before refs are written)')),
];

const pullLocalOptions = [
  value('remote', 'REMOTE', 'Add REMOTE to refspec'),
  value('depth', 'DEPTH', 'Traverse DEPTH parents (-1=infinite) (default: 0)'),
  flag('commit-metadata-only', 'Fetch only the commit metadata'),
  // Not passed on: without it the front end adds atoll's --trusted (see pull-local below).
  ignored(flag('untrusted', 'Verify checksums of local sources (always enabled for HTTP pulls)')),
  flag('bareuseronly-files', 'Reject regular files with mode outside of 0775 (world writable, suid, etc.)'),
  flag('require-static-deltas', 'Require static deltas'),
  // `--gpg-verify[=BOOL]`: ostree takes an optional boolean (test-admin-gpg passes =true).
  ignored({ ...flag('gpg-verify', 'GPG verify commits (must specify --remote)'), optionalArg: true }),
  ignored({ ...flag('gpg-verify-summary', 'GPG verify summary (must specify --remote)'), optionalArg: true }),
  flag('disable-verify-bindings', 'Do not verify commit bindings'),
];

const setOriginOptions = [multi('set', 'KEY=VALUE', 'Set config option KEY=VALUE for remote', 's'), value('index', 'INDEX', 'Operate on the deployment INDEX, starting from zero')];

const upgradeOptions = [
  value('os', 'OSNAME', 'Use a different operating system root than the current one'),
  flag('allow-downgrade', 'Permit deployment of chronologically older trees'),
  value('override-commit', 'CHECKSUM', 'Deploy CHECKSUM instead of the latest tree'),
  flag('pull-only', 'Do not create a deployment, just download'),
  flag('deploy-only', 'Do not pull, only deploy'),
  flag('stage', 'Enable staging (finalization at reboot time)'),
];

const showOptions = [
  value('print-metadata-key', 'KEY', 'Print string value of metadata key'),
  value('print-detached-metadata-key', 'KEY', 'Print string value of detached metadata key'),
  ignored(flag('no-byteswap', 'Do not byteswap the commit metadata', 'B')),
  flag('print-sizes', 'Show the commit size metadata'),
  flag('raw', 'Show raw variant data'),
  value('gpg-homedir', 'HOMEDIR', 'GPG Homedir to use when looking for keyrings'),
  value('gpg-verify-remote', 'REMOTE', 'Use REMOTE name for GPG configuration'),
];

const staticDeltaGenerateOptions = [
  value('from', 'REV', 'Create delta from revision REV'),
  flag('empty', 'Create delta from scratch'),
  flag('inline', 'Inline delta parts into main delta'),
  value('to', 'REV', 'Create delta to revision REV'),
  flag('disable-bsdiff', 'Disable use of bsdiff'),
  flag('if-not-exists', 'Only generate if a delta does not already exist', 'n'),
  value('set-endianness', 'ENDIAN', "Choose metadata endianness ('l' or 'B')"),
  flag('swap-endianness', 'Swap metadata endianness from host order'),
  value('min-fallback-size', 'SIZE', 'Minimum uncompressed size in megabytes for individual HTTP request'),
  value('max-bsdiff-size', 'SIZE', 'Maximum size in megabytes to consider bsdiff compression for input files'),
  value('max-chunk-size', 'SIZE', 'Maximum size of delta chunks in megabytes'),
  value('filename', 'PATH', 'Write the delta content to PATH (a directory).  If not specified, the OSTree repository is used'),
  multi('sign', 'KEY_ID', 'Sign the delta with'),
  value('sign-type', 'NAME', "Signature type to use (defaults to 'ed25519')"),
  value('keys-file', 'NAME', 'Read key(s) from file'),
];

const summaryOptions = [
  flag('update', 'Update the summary', 'u'),
  flag('view', 'View the local summary file', 'v'),
  flag('raw', 'View the raw bytes of the summary file'),
  multi('gpg-sign', 'KEY-ID', 'GPG Key ID to sign the summary with'),
  value('gpg-homedir', 'HOMEDIR', 'GPG Homedir to use when looking for keyrings'),
  multi('sign', 'KEY-ID', 'Key ID to sign the summary with'),
  value('sign-type', 'NAME', "Signature type to use (defaults to 'ed25519')"),
  multi('add-metadata', 'KEY=VALUE', 'Additional metadata field to add to the summary', 'm'),
];

const signOptions = [
  flag('delete', 'Delete signatures having any of the KEY-IDs', 'd'),
  flag('verify', 'Verify signatures'),
  value('sign-type', 'NAME', "Signature type to use (defaults to 'ed25519')", 's'),
  value('keys-file', 'NAME', 'Read key(s) from file'),
  value('keys-dir', 'NAME', 'Redefine system-wide directories with public and revoked keys for verification'),
];

const gpgSignOptions = [flag('delete', 'Delete signatures having any of the GPG KEY-IDs', 'd'), value('gpg-homedir', 'HOMEDIR', 'GPG Homedir to use when looking for keyrings')];

export const OSTREE_COMMANDS: OstreeCommand[] = [
  {
    name: 'admin', summary: 'Commands for managing a host system booted with ostree', usage: '--print-current-dir|COMMAND', noRepo: true,
    options: [value('sysroot', 'PATH', 'Create a new OSTree sysroot at PATH'), flag('print-current-dir', 'Print the current deployment directory')],
    subcommands: [
      admin('cleanup', 'Delete untagged deployments and repository objects', '', []),
      admin('config-diff', 'Diff current /etc configuration versus default', '', [value('os', 'OSNAME', 'Use a different operating system root than the current one')]),
      withPrintMessages(admin('deploy', 'Checkout revision REFSPEC as the new default deployment', 'REFSPEC', [
        value('os', 'OSNAME', 'Use a different operating system root than the current one'),
        multi('karg', 'NAME=VALUE', 'Set kernel argument, like root=/dev/sda1; this overrides any earlier argument with the same name'),
        multi('karg-append', 'NAME=VALUE', 'Append kernel argument; useful with e.g. console= that can be used multiple times'),
        multi('karg-delete', 'NAME=VALUE', 'Delete kernel argument if exists'),
        flag('karg-proc-cmdline', 'Import current /proc/cmdline'),
        flag('karg-none', 'Do not import kernel arguments'),
        flag('retain', 'Do not delete previous deployments'),
        flag('retain-pending', 'Do not delete pending deployments'),
        flag('retain-rollback', 'Do not delete rollback deployments'),
        flag('not-as-default', 'Append rather than prepend new deployment'),
        flag('no-merge', 'Do not apply configuration (/etc and kernel arguments) from booted deployment'),
        value('origin-file', 'FILENAME', 'Specify origin file'),
        flag('stage', 'Complete deployment at OS shutdown'),
      ])),
      admin('init-fs', 'Initialize a root filesystem', 'PATH', [flag('modern', 'Only create /boot and /ostree')]),
      admin('os-init', 'Initialize empty state for given operating system', 'OSNAME', []),
      admin('pin', 'Change the "pinning" state of a deployment', 'INDEX', [flag('unpin', 'Unset pin', 'u')]),
      {
        ...admin('set-origin', 'Set Origin and create a new origin file', 'REMOTENAME URL [BRANCH]', setOriginOptions),
        // REMOTENAME URL [BRANCH] → REMOTENAME:[BRANCH] --url URL (no BRANCH: the origin's ref is kept).
        toAtoll: ([remote = '', url = '', branch = '', ...rest], given) => ['admin', 'set-origin', ...passOptions(given, setOriginOptions), `--url=${url}`, '--', `${remote}:${branch}`, ...rest],
      },
      admin('status', 'List deployments', '', [flag('verify', 'Print the commit verification status', 'V')]),
      admin('switch', 'Construct new tree from REFSPEC and deploy it', 'REFSPEC', [value('os', 'OSNAME', 'Use a different operating system root than the current one')]),
      admin('undeploy', 'Delete deployment INDEX', 'INDEX', []),
      {
        ...admin('upgrade', 'Construct new tree from current origin and deploy it, if it changed', '', upgradeOptions),
        // ostree stages when OSTREE_EX_STAGE_DEPLOYMENTS is set, as with --stage.
        toAtoll: (positionals, given) => ['admin', 'upgrade', ...passOptions(given, upgradeOptions), ...(process.env.OSTREE_EX_STAGE_DEPLOYMENTS && !given.has('stage') ? ['--stage'] : []), '--', ...positionals],
      },
      {
        name: 'instutil', summary: 'Provide instutil commands, allow admin to change boot configuration and relabel selinux', usage: 'COMMAND', noRepo: true,
        subcommands: [
          admin('set-kargs', 'Set new kernel command line arguments(Not stable)', '[KARG...]', [
            flag('import-proc-cmdline', 'Import current /proc/cmdline'),
            flag('merge', 'Merge with previous command line'),
            multi('replace', 'NAME=VALUE', 'Set kernel argument, like root=/dev/sda1; this overrides any earlier argument with the same name'),
            multi('append', 'NAME=VALUE', 'Append kernel argument; useful with e.g. console= that can be used multiple times'),
          ], ['instutil', 'set-kargs']),
        ],
      },
      {
        name: 'kargs', summary: 'Change kernel arguments', usage: 'COMMAND', noRepo: true,
        subcommands: [admin('edit-in-place', 'Set new kernel command line arguments in place (applies to all deployments by default)', '', [multi('append-if-missing', 'NAME=VALUE', 'Append kernel arguments if they do not exist')], ['kargs', 'edit-in-place'])],
      },
    ],
  },
  cmd('cat', 'Concatenate contents of files', 'COMMIT PATH...', []),
  cmd('checkout', 'Check out a commit into a filesystem tree', 'COMMIT [DESTINATION]', checkoutOptions),
  { ...cmd('checksum', 'Checksum a file or directory', 'PATH', [flag('ignore-xattrs', "Don't include xattrs in checksum")]), noRepo: true, toAtoll: (positionals, options) => ['repo', 'checksum', ...(options.has('ignore-xattrs') ? ['--ignore-xattrs'] : []), '--', ...positionals] },
  {
    ...cmd('commit', 'Commit a new revision', '[PATH]', commitOptions),
    // OSTree commits the current directory when neither PATH nor --tree is given.
    toAtoll: (positionals, options) => repoVerb(['commit'], commitOptions)(positionals.length === 0 && !options.has('tree') ? ['.'] : positionals, options),
  },
  cmd('config', 'Change repo configuration settings', '(get KEY|set KEY VALUE|unset KEY)', [value('group', 'GROUP', 'Group name')]),
  cmd('diff', 'Compare directory TARGETDIR against revision REV', '[REV] TARGETDIR', [value('owner-uid', 'UID', 'Use file ownership user id for local files'), value('owner-gid', 'GID', 'Use file ownership group id for local files')]),
  cmd('fsck', 'Check the repository for consistency', '', [
    flag('add-tombstones', 'Add tombstones for missing commits'),
    ignored(flag('quiet', 'Only print error messages', 'q')),
    flag('all', "Don't stop on first error", 'a'),
    flag('delete', 'Remove corrupted objects'),
    flag('verify-bindings', 'Verify ref bindings'),
    flag('verify-back-refs', 'Verify back-references (implies --verify-bindings)'),
  ]),
  {
    ...cmd('gpg-sign', 'Sign a commit', 'COMMIT KEY-ID...', gpgSignOptions),
    toAtoll: (positionals, options) => ['repo', 'sign', '--sign-type=gpg', ...passOptions(options, gpgSignOptions), '--', ...positionals],
  },
  cmd('init', 'Initialize a new empty repository', '', initOptions),
  cmd('log', 'Show log starting at commit or ref', 'REF', []),
  cmd('ls', 'List file paths', 'COMMIT [PATH...]', lsOptions),
  cmd('prune', 'Search for unreachable objects', '', pruneOptions),
  {
    ...cmd('pull-local', 'Copy data from SRC_REPO', 'SRC_REPO [REFS...]', pullLocalOptions),
    // ostree trusts a local source unless --untrusted (atoll's verb verifies unless --trusted),
    // and closes with its statistics line (the suite greps it).
    toAtoll: (positionals, options) => {
      const argv = repoVerb(['pull-local'], pullLocalOptions)(positionals, options);
      if (!options.has('untrusted')) argv.splice(argv.indexOf('--'), 0, '--trusted');
      for (const name of ['gpg-verify', 'gpg-verify-summary']) {
        const v = options.get(name)?.at(-1);
        if (v !== undefined && !['false', 'no', '0'].includes(v.toLowerCase())) argv.splice(argv.indexOf('--'), 0, `--${name}`);
      }
      argv.splice(argv.indexOf('--'), 0, '--print-stats');
      return argv;
    },
  },
  {
    ...cmd('pull', 'Download data from remote repository', 'REMOTE [BRANCH...]', pullOptions),
    // libostree's User-Agent is `libostree/VERSION`, with --append-user-agent after a space.
    toAtoll: (positionals, options) => {
      const append = options.get('append-user-agent')?.at(-1);
      const argv = repoVerb(['pull'], pullOptions)(positionals, options);
      argv.splice(argv.indexOf('--'), 0, `--user-agent=libostree/${USER_AGENT_VERSION}${append ? ` ${append}` : ''}`, '--print-stats');
      return argv;
    },
  },
  cmd('refs', 'List refs', '[PREFIX]', refsOptions),
  {
    name: 'remote', summary: 'Remote commands that may involve internet access', usage: 'COMMAND',
    subcommands: [
      cmd('add', 'Add a remote repository', 'NAME [metalink=|mirrorlist=]URL [BRANCH...]', remoteAddOptions, ['remote', 'add']),
      cmd('delete', 'Delete a remote repository', 'NAME', [flag('if-exists', 'Do nothing if the provided remote does not exist')], ['remote', 'delete']),
      cmd('add-cookie', 'Add a cookie to remote', 'NAME DOMAIN PATH COOKIE_NAME VALUE', [], ['remote', 'add-cookie']),
      cmd('delete-cookie', 'Remove one cookie from remote', 'NAME DOMAIN PATH COOKIE_NAME VALUE', [], ['remote', 'delete-cookie']),
      cmd('list-cookies', 'Show remote repository cookies', 'NAME', [], ['remote', 'list-cookies']),
      cmd('list', 'List remote repository names', '', [flag('show-urls', 'Show remote URLs in list', 'u')], ['remote', 'list']),
      cmd('show-url', 'Show remote repository URL', 'NAME', [], ['remote', 'show-url']),
      cmd('refs', 'List remote refs', 'NAME', [], ['remote', 'refs']),
      {
        ...cmd('summary', 'Show remote summary', 'NAME', [flag('raw', 'Show raw variant data')], ['remote', 'summary']),
        // ostree prints the raw summary byte-swapped on little-endian hosts (ot_dump_variant).
        toAtoll: (positionals, options) => ['repo', 'remote', 'summary', ...(options.has('raw') ? ['--raw', ...(os.endianness() === 'LE' ? ['--byteswap'] : [])] : []), '--', ...positionals],
      },
      cmd('gpg-import', 'Import GPG keys', 'NAME [KEY-ID...]', [multi('keyring', 'FILE', 'Import keys from a keyring file (repeatable)', 'k'), flag('stdin', 'Import keys from standard input')], ['remote', 'gpg-import']),
      cmd('gpg-list-keys', 'Show remote GPG keys', 'NAME', [], ['remote', 'gpg-list-keys']),
    ],
  },
  cmd('reset', 'Reset a REF to a previous COMMIT', 'REF COMMIT', []),
  cmd('rev-parse', 'Output the target of a rev', 'REV', [flag('single', 'If the repository has exactly one commit, then print it; any other case will result in an error', 'S')]),
  cmd('sign', 'Sign a commit', 'COMMIT KEY-ID...', signOptions),
  {
    ...cmd('show', 'Output a metadata object', 'OBJECT', showOptions),
    // ostree prints metadata values byte-swapped on little-endian hosts unless -B.
    toAtoll: (positionals, options) => {
      const argv = repoVerb(['show'], showOptions)(positionals, options);
      if (!options.has('no-byteswap') && os.endianness() === 'LE') argv.splice(argv.indexOf('--'), 0, '--byteswap');
      return argv;
    },
  },
  {
    name: 'static-delta', summary: 'Static delta related commands', usage: 'COMMAND',
    subcommands: [
      cmd('list', 'List static delta files', '', [], ['static-delta', 'list']),
      cmd('show', 'Dump information on a delta', '', [], ['static-delta', 'show']),
      cmd('delete', 'Remove a delta', '', [], ['static-delta', 'delete']),
      cmd('generate', 'Generate static delta files', '[TO]', staticDeltaGenerateOptions, ['static-delta', 'generate']),
      cmd('apply-offline', 'Apply static delta file', '', [value('sign-type', 'NAME', "Signature type to use (defaults to 'ed25519')"), value('keys-file', 'NAME', 'Read key(s) from file'), value('keys-dir', 'NAME', 'Redefine system-wide directories with public and revoked keys for verification')], ['static-delta', 'apply-offline']),
      cmd('verify', 'Verify static delta signatures', '', [value('sign-type', 'NAME', "Signature type to use (defaults to 'ed25519')"), value('keys-file', 'NAME', 'Read key(s) from file')], ['static-delta', 'verify']),
      cmd('indexes', 'List static delta indexes', '', [], ['static-delta', 'indexes']),
      cmd('reindex', 'Regenerate static delta indexes', '', [], ['static-delta', 'reindex']),
    ],
  },
  {
    ...cmd('summary', 'Manage summary metadata', '', summaryOptions),
    // ostree prints the raw summary byte-swapped on little-endian hosts (ot_dump_variant).
    toAtoll: (positionals, options) => {
      const argv = repoVerb(['summary'], summaryOptions)(positionals, options);
      if (options.has('raw') && os.endianness() === 'LE') argv.splice(argv.indexOf('--'), 0, '--byteswap');
      return argv;
    },
  },
];
