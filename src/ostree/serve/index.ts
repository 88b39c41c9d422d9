// Static HTTP serving of archive repositories. Other layers import from here only.
export { startRepoServer, requestPathComponents, parseRange, formatEtag } from './static-server.js';
export type { RepoServer, RepoServerOptions, RequestLogEntry } from './static-server.js';
export { checkServableRepo } from './servable.js';
