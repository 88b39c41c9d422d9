/**
 * The example's package descriptions reference the host's static busybox as
 * `content: { hostFile: PATH }` (so no binary is committed); this copies the description tree
 * and embeds that file as base64, which `atoll rpm build` reads as ordinary content.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AtollError } from '../errors/index.js';

const HOST_FILE = /\{\s*hostFile:\s*(\/[^\s}]+)\s*\}/g;

/** The busybox to embed: $ATOLL_DEMO_BUSYBOX, else Debian's busybox-static locations. */
export function findBusybox(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [env.ATOLL_DEMO_BUSYBOX, '/usr/bin/busybox', '/bin/busybox'].filter((p): p is string => p !== undefined && p !== '');
  return candidates.find((p) => existsSync(p));
}

/** Copy FROM (folders of .yaml descriptions) to TO, replacing hostFile references by base64 content. */
export function prepareDescriptions(from: string, to: string, busybox: string): void {
  for (const entry of readdirSync(from)) {
    const source = join(from, entry);
    const target = join(to, entry);
    if (statSync(source).isDirectory()) {
      mkdirSync(target, { recursive: true });
      prepareDescriptions(source, target, busybox);
      continue;
    }
    const text = readFileSync(source, 'utf8').replace(HOST_FILE, (_whole, path: string) => {
      // The descriptions name /usr/bin/busybox; the host may keep it elsewhere (or the user
      // points ATOLL_DEMO_BUSYBOX at another static build).
      const file = path === '/usr/bin/busybox' ? busybox : path;
      if (!existsSync(file)) {
        throw new AtollError('DEMO_NO_BUSYBOX', `${entry} needs ${file}, which does not exist`, {
          hint: 'install Debian\'s busybox-static or set ATOLL_DEMO_BUSYBOX',
        });
      }
      return `{ base64: ${readFileSync(file).toString('base64')} }`;
    });
    mkdirSync(to, { recursive: true });
    writeFileSync(target, text);
  }
}
