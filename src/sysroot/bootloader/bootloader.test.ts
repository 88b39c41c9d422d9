import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BootConfig } from './boot-config.js';
import { KernelArgs, splitKernelArgs, procCmdlineArgs } from './kernel-args.js';
import { strverscmp } from './strverscmp.js';
import { shellUnquote, parseOsRelease } from './os-release.js';
import { buildBlsEntry, entryFileName, entryTitle } from './bls-entry.js';

const CSUM = 'fb13acf66d021b3783543b13f262f424ca339a8546258f6319333a83c111dc09';

test('BLS entry: the bytes ostree admin deploy 2022.7 wrote for the first deployment', () => {
  const base = new BootConfig();
  base.set('options', 'root=LABEL=root quiet');
  const entry = buildBlsEntry({
    base,
    osname: 'testos',
    bootcsum: CSUM,
    bootserial: 0,
    bootversion: 1,
    index: 0,
    deploymentCount: 1,
    multipleStateroots: false,
    osRelease: 'NAME=TestOS\nID=testos\nPRETTY_NAME="Test OS 1"\n',
    commitVersion: '1.0',
    kernel: { kernelName: 'vmlinuz-5.10.0', initramfsName: 'initramfs-5.10.0.img', devicetreeName: undefined },
  });
  assert.equal(
    entry.serialize(),
    'title Test OS 1 1.0 (ostree:0)\nversion 1\n' +
      `options root=LABEL=root quiet ostree=/ostree/boot.1/testos/${CSUM}/0\n` +
      `linux /ostree/testos-${CSUM}/vmlinuz-5.10.0\ninitrd /ostree/testos-${CSUM}/initramfs-5.10.0.img\n`,
  );
  assert.equal(entryFileName('testos', 0, 3), 'ostree-3-testos.conf');
});

test('BLS entry: no initramfs adds init=, the ostree= argument is replaced in place', () => {
  const base = new BootConfig();
  base.set('options', `a ostree=/ostree/boot.0/x/${CSUM}/0 b`);
  // (a first entry, without ostree= yet, reads `init=... ostree=...`: see the kernel interop test)
  const entry = buildBlsEntry({
    base, osname: 'x', bootcsum: CSUM, bootserial: 1, bootversion: 1, index: 1, deploymentCount: 2, multipleStateroots: true,
    osRelease: 'ID=x\n', commitVersion: undefined,
    kernel: { kernelName: 'vmlinuz-1', initramfsName: undefined, devicetreeName: undefined },
  });
  assert.equal(entry.get('options'), `a ostree=/ostree/boot.1/x/${CSUM}/1 b init=/ostree/boot.1/x/${CSUM}/1/usr/lib/ostree/ostree-prepare-root`);
  assert.equal(entry.get('title'), 'x (ostree:x:1)');
  assert.equal(entry.get('initrd'), undefined);
});

test('title: version not repeated when PRETTY_NAME has it; ID as fallback; neither is an error', () => {
  assert.equal(entryTitle('PRETTY_NAME="Fedora 39"\n', '39', 'f', 0, false), 'Fedora 39 (ostree:0)');
  assert.equal(entryTitle("ID='deb'\n", '12', 'd', 2, false), 'deb 12 (ostree:2)');
  assert.throws(() => entryTitle('NAME=x\n', '1', 'x', 0, false), { code: 'SYSROOT_NO_OS_RELEASE_NAME' });
});

test('BootConfig: parse keeps OSTree rules (letters only, first blank splits, second initrd is an overlay)', () => {
  const c = BootConfig.parse('# comment\ntitle A B\n version 9\nversion 2\ninitrd /a\ninitrd /b\nfoo\taa bb\nlinux /k\n');
  assert.equal(c.get('title'), 'A B');
  assert.equal(c.get('version'), '2');
  assert.deepEqual(c.overlayInitrds, ['/b']);
  assert.equal(c.serialize(), 'title A B\nversion 2\nlinux /k\ninitrd /a\ninitrd /b\nfoo aa bb\n');
});

test('KernelArgs: replace keeps position, append repeats, delete by key or key=value, quotes', () => {
  const k = KernelArgs.parse('root=/dev/sda quiet console=tty0 console=ttyS0');
  k.replace('console=hvc0');
  assert.equal(k.toString(), 'root=/dev/sda quiet console=hvc0');
  k.append('quiet');
  k.delete('quiet');
  assert.equal(k.toString(), 'root=/dev/sda console=hvc0');
  assert.deepEqual(splitKernelArgs('a="b c"  d'), ['a="b c"', 'd']);
});

test('strverscmp orders as glibc', () => {
  const sorted = ['1', '10', '2', '9', '000', '00', '01', '010', '09', '0', 'a', '1a'].sort(strverscmp);
  assert.deepEqual(sorted, ['000', '00', '01', '010', '09', '0', '1', '1a', '2', '9', '10', 'a']);
  assert.ok(strverscmp('10', '9') > 0);
  assert.equal(strverscmp('3', '3'), 0);
});

test('os-release values are shell-unquoted as g_shell_unquote does', () => {
  assert.equal(shellUnquote('"a \\"b\\" \\$c"'), 'a "b" $c');
  assert.equal(shellUnquote("'x y'z"), 'x yz');
  assert.equal(shellUnquote('"open'), undefined);
  assert.equal(parseOsRelease('#x=1\nPRETTY_NAME="P"\nBAD="\n').get('PRETTY_NAME'), 'P');
});

test('procCmdlineArgs: split at spaces, without the boot loader\'s BOOT_IMAGE= and initrd=', () => {
  assert.deepEqual(procCmdlineArgs('BOOT_IMAGE=/vmlinuz-6 root=UUID=x ro initrd=/i.img quiet -- --x\n'), ['root=UUID=x', 'ro', 'quiet', '--', '--x']);
});
