// GLib keyfile codec (repo config, remotes, .origin files). Other layers import from here only.
export { KeyFile, escapeValue, unescapeValue, isValidGroupName, isValidKeyName } from './key-file.js';
