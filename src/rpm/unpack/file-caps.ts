import { AtollError } from '../../errors/index.js';

/**
 * FILECAPS text (libcap's `cap_to_text` form, e.g. `cap_net_raw=ep`) → the bytes of the
 * `security.capability` extended attribute (struct vfs_cap_data, revision 2: little-endian
 * magic|flags, then permitted/inheritable for capabilities 0–31 and 32–63). This is what rpm
 * writes with cap_set_file() and what OSTree stores in a file's xattrs.
 */

export const CAPABILITY_NAMES: readonly string[] = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap',
  'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner',
  'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice',
  'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease', 'audit_write', 'audit_control', 'setfcap',
  'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf',
  'checkpoint_restore',
];

const VFS_CAP_REVISION_2 = 0x02000000;
const VFS_CAP_FLAGS_EFFECTIVE = 0x000001;

function capsBad(text: string, why: string): AtollError {
  return new AtollError('RPM_FILECAPS_BAD', `file capabilities '${text}': ${why}`, { data: { text } });
}

/** Parse capability text into the three 64-bit sets (as bigint bit masks). */
export function parseCapText(text: string): { effective: bigint; permitted: bigint; inheritable: bigint } {
  const sets = { e: 0n, p: 0n, i: 0n };
  const all = (1n << BigInt(CAPABILITY_NAMES.length)) - 1n;
  for (const clause of text.trim().split(/\s+/)) {
    if (clause === '') continue;
    const m = /^([^=+-]*)((?:[=+-][eip]*)+)$/.exec(clause);
    if (!m) throw capsBad(text, `cannot parse '${clause}'`);
    const list = m[1]!;
    let mask = 0n;
    if (list === '' || list === 'all') mask = all;
    else {
      for (const raw of list.split(',')) {
        const name = raw.toLowerCase().replace(/^cap_/, '');
        const n = /^\d+$/.test(name) ? Number(name) : CAPABILITY_NAMES.indexOf(name);
        if (n < 0 || n > 63) throw capsBad(text, `unknown capability '${raw}'`);
        mask |= 1n << BigInt(n);
      }
    }
    for (const op of m[2]!.match(/[=+-][eip]*/g)!) {
      const flags = op.slice(1);
      if (op[0] === '=') {
        sets.e &= ~mask;
        sets.p &= ~mask;
        sets.i &= ~mask;
      }
      for (const f of flags as Iterable<'e' | 'p' | 'i'>) {
        if (op[0] === '-') sets[f] &= ~mask;
        else sets[f] |= mask;
      }
    }
  }
  return { effective: sets.e, permitted: sets.p, inheritable: sets.i };
}

/** The `security.capability` xattr value for a FILECAPS string; null for "" (no capabilities). */
export function fileCapsXattr(text: string): Uint8Array | null {
  if (text.trim() === '') return null;
  const { effective, permitted, inheritable } = parseCapText(text);
  const out = new Uint8Array(20);
  const view = new DataView(out.buffer);
  view.setUint32(0, VFS_CAP_REVISION_2 | (effective !== 0n ? VFS_CAP_FLAGS_EFFECTIVE : 0), true);
  view.setUint32(4, Number(permitted & 0xffffffffn), true);
  view.setUint32(8, Number(inheritable & 0xffffffffn), true);
  view.setUint32(12, Number(permitted >> 32n), true);
  view.setUint32(16, Number(inheritable >> 32n), true);
  return out;
}
