import { createRequire } from 'node:module';
import type { SaxesTagPlain } from 'saxes';
import { isAscii } from 'node:buffer';
import { AtollError } from '../errors/index.js';
import { createChecksum } from './checksum.js';
import { XmlScanner, XmlSyntaxError } from './xml-scanner.js';

/**
 * Which tokenizer reads the XML: `fast` (xml-scanner.ts, the default: indexOf-based) or
 * `saxes` (the reference; tests require both to agree on the whole corpus).
 */
export type XmlEngine = 'fast' | 'saxes';

/** Callbacks of a streaming metadata reader; element names arrive without namespace prefix. */
export interface XmlHandlers {
  open(name: string, attributes: Record<string, string>): void;
  close(name: string): void;
  /** Character data (text and CDATA), only delivered while `wantText()` is true. */
  text(data: string): void;
  wantText(): boolean;
}

export interface XmlStreamResult {
  /** Decompressed bytes seen. */
  bytes: number;
  /** Digest of the decompressed bytes, when asked for. */
  digest: string | null;
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

/**
 * Feed decompressed chunks through saxes (a SAX parser: constant memory, no DOM) into
 * `handlers`. Malformed XML becomes RPMMD_XML_MALFORMED with the file name, line and column.
 * Optionally hashes the decompressed bytes on the way (open-checksum verification).
 */
export async function parseXmlStream(
  chunks: AsyncIterable<Uint8Array>,
  fileName: string,
  handlers: XmlHandlers,
  options: { openChecksumType?: string; engine?: XmlEngine } = {},
): Promise<XmlStreamResult> {
  if ((options.engine ?? 'fast') === 'fast') return await parseWithScanner(chunks, fileName, handlers, options);
  // saxes (the reference engine) loads only when asked for.
  const { SaxesParser } = createRequire(import.meta.url)('saxes') as typeof import('saxes');
  const parser = new SaxesParser({ xmlns: false, fileName });
  parser.on('opentag', (tag: SaxesTagPlain) => handlers.open(localName(tag.name), tag.attributes));
  parser.on('closetag', (tag: SaxesTagPlain) => handlers.close(localName(tag.name)));
  parser.on('text', (text: string) => {
    if (handlers.wantText()) handlers.text(text);
  });
  parser.on('cdata', (text: string) => {
    if (handlers.wantText()) handlers.text(text);
  });
  try {
    return await feedText(chunks, options.openChecksumType, (text) => parser.write(text), () => parser.close());
  } catch (error) {
    if (error instanceof AtollError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new AtollError('RPMMD_XML_MALFORMED', `malformed XML in ${message.startsWith(fileName) ? message : `${fileName}: ${message}`}`, {
      cause: error,
      data: { file: fileName, line: parser.line, column: parser.column },
    });
  }
}

async function parseWithScanner(
  chunks: AsyncIterable<Uint8Array>,
  fileName: string,
  handlers: XmlHandlers,
  options: { openChecksumType?: string },
): Promise<XmlStreamResult> {
  const scanner = new XmlScanner(handlers);
  try {
    return await feedText(chunks, options.openChecksumType, (text) => scanner.write(text), () => scanner.close());
  } catch (error) {
    if (error instanceof XmlSyntaxError) {
      throw new AtollError('RPMMD_XML_MALFORMED', `malformed XML in ${fileName}:${error.message}`, {
        cause: error,
        data: { file: fileName, line: error.line, column: error.column },
      });
    }
    throw error;
  }
}

/**
 * Decode UTF-8 chunks into a tokenizer (`write`, then `close`), counting the bytes and hashing
 * them on the way when an open-checksum type is given. Shared by both engines.
 */
async function feedText(
  chunks: AsyncIterable<Uint8Array>,
  openChecksumType: string | undefined,
  write: (text: string) => void,
  close: () => void,
): Promise<XmlStreamResult> {
  const hash = openChecksumType !== undefined ? createChecksum(openChecksumType) : null;
  const decoder = new TextDecoder('utf-8');
  let bytes = 0;
  // Metadata is mostly ASCII: such a chunk is copied as latin1 (no UTF-8 decoding), unless the
  // decoder still holds the start of a character from the previous chunk.
  let pending = false;
  for await (const chunk of chunks) {
    bytes += chunk.length;
    hash?.update(chunk);
    if (!pending && isAscii(chunk)) {
      write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1'));
    } else {
      write(decoder.decode(chunk, { stream: true }));
      pending = endsInsideCharacter(chunk);
    }
  }
  write(decoder.decode());
  close();
  return { bytes, digest: hash ? hash.digest('hex') : null };
}

/** True when `chunk` ends with an incomplete UTF-8 sequence (the decoder keeps it for the next chunk). */
function endsInsideCharacter(chunk: Uint8Array): boolean {
  for (let back = 1; back <= 4 && back <= chunk.length; back++) {
    const b = chunk[chunk.length - back] as number;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back
    if (b < 0x80) return false;
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return length > back;
  }
  return false;
}

/** Parse a small in-memory XML document the same way (repomd.xml, metalink). */
export async function parseXmlString(text: string | Uint8Array, fileName: string, handlers: XmlHandlers): Promise<void> {
  const data = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  await parseXmlStream(
    (async function* () {
      yield data;
    })(),
    fileName,
    handlers,
  );
}

/** Parse a decimal attribute or text; malformed numbers are a metadata error. */
export function parseInteger(value: string | undefined, what: string, fileName: string): number {
  if (value === undefined || value.trim() === '') return 0;
  const n = Number(value.trim());
  if (!Number.isSafeInteger(n)) {
    throw new AtollError('RPMMD_METADATA_INVALID', `${fileName}: ${what} is not an integer: '${value}'`, {
      data: { file: fileName, what, value },
    });
  }
  return n;
}
