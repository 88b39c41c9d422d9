import { AtollError } from '../errors/index.js';
import type { Repomd, RepomdRecord } from './types.js';
import { parseXmlString, parseInteger } from './xml-stream.js';
import { isKnownChecksumType } from './checksum.js';

/**
 * Read repomd.xml (rpm-md.md §2). Children may come in any order; unknown elements and data
 * types are kept or ignored, never an error. A record without type or location, or a document
 * whose root is not `repomd`, is RPMMD_REPOMD_INVALID.
 */
export async function parseRepomd(data: string | Uint8Array, fileName = 'repomd.xml'): Promise<Repomd> {
  const repomd: Repomd = { revision: null, distroTags: [], contentTags: [], repoTags: [], records: [] };
  const stack: string[] = [];
  let text = '';
  let record: RepomdRecord | null = null;
  let checksumType = '';
  let distroCpe: string | null = null;
  let root: string | null = null;
  const invalid = (message: string): AtollError =>
    new AtollError('RPMMD_REPOMD_INVALID', `${fileName}: ${message}`, { data: { file: fileName } });

  await parseXmlString(data, fileName, {
    wantText: () => true,
    text(chunk) {
      text += chunk;
    },
    open(name, attrs) {
      if (root === null) {
        root = name;
        if (name !== 'repomd') throw invalid(`root element is <${name}>, expected <repomd>`);
      }
      stack.push(name);
      text = '';
      const parent = stack[stack.length - 2];
      if (name === 'data' && parent === 'repomd') {
        const type = attrs.type;
        if (type === undefined || type === '') throw invalid('a <data> record has no type');
        record = {
          type,
          locationHref: '',
          locationBase: null,
          checksum: null,
          openChecksum: null,
          size: null,
          openSize: null,
          timestamp: null,
          databaseVersion: null,
        };
      } else if (record !== null && parent === 'data') {
        if (name === 'location') {
          record.locationHref = attrs.href ?? '';
          record.locationBase = attrs['xml:base'] ?? null;
        } else if (name === 'checksum' || name === 'open-checksum') {
          checksumType = attrs.type ?? '';
        }
      } else if (name === 'distro' && parent === 'tags') {
        distroCpe = attrs.cpeid ?? null;
      }
    },
    close(name) {
      stack.pop();
      const parent = stack[stack.length - 1];
      const value = text.trim();
      text = '';
      if (name === 'revision' && parent === 'repomd') repomd.revision = value;
      else if (parent === 'tags') {
        if (name === 'distro') repomd.distroTags.push({ cpeid: distroCpe, name: value });
        else if (name === 'content') repomd.contentTags.push(value);
        else if (name === 'repo') repomd.repoTags.push(value);
      } else if (name === 'data' && record !== null && parent === 'repomd') {
        if (record.locationHref === '') throw invalid(`the '${record.type}' record has no location`);
        repomd.records.push(record);
        record = null;
      } else if (record !== null && parent === 'data') {
        switch (name) {
          case 'checksum':
          case 'open-checksum': {
            if (!isKnownChecksumType(checksumType)) {
              throw new AtollError('RPMMD_CHECKSUM_TYPE_UNKNOWN', `${fileName}: the '${record.type}' record uses unknown checksum type '${checksumType}'`, {
                data: { file: fileName, type: checksumType },
              });
            }
            const sum = { type: checksumType.toLowerCase(), value: value.toLowerCase() };
            if (name === 'checksum') record.checksum = sum;
            else record.openChecksum = sum;
            break;
          }
          case 'size':
            record.size = parseInteger(value, `size of '${record.type}'`, fileName);
            break;
          case 'open-size':
            record.openSize = parseInteger(value, `open-size of '${record.type}'`, fileName);
            break;
          case 'timestamp':
            record.timestamp = parseInteger(value.split('.')[0], `timestamp of '${record.type}'`, fileName);
            break;
          case 'database_version':
            record.databaseVersion = parseInteger(value, `database_version of '${record.type}'`, fileName);
            break;
        }
      }
    },
  });
  if (root === null) throw invalid('empty document');
  return repomd;
}

export function findRecord(repomd: Repomd, type: string): RepomdRecord | undefined {
  return repomd.records.find((r) => r.type === type);
}
