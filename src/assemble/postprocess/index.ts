// Making an assembled root OSTree-shaped: rpmdb, /usr/etc, passwd split, tmpfiles.d, kernel, toplevel.
export { postprocessTree } from './postprocess-tree.js';
export type { PostprocessOptions, PostprocessResult } from './postprocess-tree.js';
export { integrationConf, mergeTmpfiles, varToTmpfiles, INTEGRATION_CONF, AUTOVAR_CONF, PACKAGE_TMPFILES_DIR } from './tmpfiles.js';
