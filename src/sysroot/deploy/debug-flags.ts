/**
 * `OSTREE_SYSROOT_DEBUG`: libostree's comma-separated sysroot debug switches, which its test
 * suite sets (`mutable-deployments`, `no-dtb`, ...). atoll honours the ones that change what
 * a deployment looks like.
 */
export function sysrootDebug(flag: 'mutable-deployments' | 'no-dtb' | 'test-fifreeze'): boolean {
  return (process.env.OSTREE_SYSROOT_DEBUG ?? '').split(',').includes(flag);
}
