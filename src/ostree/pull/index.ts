// Remotes, pull (HTTP and local) and signatures. Other layers import from here only.
export { addRemote, deleteRemote, listRemotes, getRemote, isValidRemoteName, parseSignVerify } from './remote-config.js';
export type { Remote, RemoteAddOptions } from './remote-config.js';
export { ed25519PublicKey, ed25519SecretKey, ed25519Sign, ed25519Verify, publicKeyBase64, parsePublicKeyList, ED25519_METADATA_KEY } from './ed25519.js';
export { importRemoteGpgKeys, verifyGpgSignatures, gpgSign, trustedGpgKeys, readPublicKeys, GPG_METADATA_KEY } from './gpg.js';
export type { GpgVerifyResult } from './gpg.js';
export { pull, pullLocal, remotePolicies } from './pull.js';
export type { PullOptions, PullLocalOptions } from './pull.js';
export type { PullResult } from './pull-engine.js';
export { formatBytes } from './pull-engine.js';
export { signCommit, signSummary, verifyCommitSignatures, verifySummarySignatures } from './signatures.js';
export type { VerifyPolicy, SignOptions, SignatureReport } from './signatures.js';
export { HttpSource, DirectorySource, sourceForUrl } from './source.js';
export type { FileSource } from './source.js';
export { resolveCommitRev } from './target.js';
export { addCookie, deleteCookie, readCookies } from './cookies.js';
export type { Cookie } from './cookies.js';
