import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AtollError } from '../../errors/index.js';
import { KeyFile } from '../../keyfile/index.js';

/**
 * Only archive repositories can be pulled from over HTTP: a pull fetches `.filez` objects
 * (and may fetch `config` and check `core.mode`), which bare repositories do not have.
 */
export async function checkServableRepo(root: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(join(root, 'config'), 'utf8');
  } catch (error) {
    throw new AtollError('SERVE_NO_REPO', `${root} is not an OSTree repository: cannot read config`, {
      cause: error,
      hint: 'pass --repo with the path of an archive repository (the directory holding config and objects/)',
    });
  }
  const mode = KeyFile.parse(text).getStringOr('core', 'mode', 'bare');
  if (mode !== 'archive-z2' && mode !== 'archive') {
    throw new AtollError('SERVE_NOT_ARCHIVE', `repository ${root} has mode '${mode}'; only archive repositories can be served`, {
      hint: 'create an archive mirror with `atoll repo init --mode=archive` and `atoll repo pull-local`',
      data: { mode },
    });
  }
}
