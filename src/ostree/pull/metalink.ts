import { createHash } from 'node:crypto';
import { AtollError } from '../../errors/index.js';

/**
 * OSTree's `metalink=URL` remotes (ostree-metalink.c): the metalink (XML, metalink 3.0) names
 * the repository's `summary` with its size, SHA-256/SHA-512 and the URLs that serve it. The pull
 * fetches the summary from the first URL whose bytes match, and that URL's directory becomes
 * the repository URL for everything else. Error texts are OSTree's (its tests grep them).
 */
export interface Metalink {
  size: number;
  sha256: string | undefined;
  sha512: string | undefined;
  /** http(s) URLs in document order (OSTree ignores `preference`). */
  urls: string[];
}

function metalinkError(message: string): AtollError {
  return new AtollError('PULL_METALINK', message, { hint: 'the metalink document of this remote is invalid or names no usable summary' });
}

interface Element {
  name: string;
  attributes: Map<string, string>;
}

interface MarkupHandler {
  start(element: Element, position: () => string): void;
  end(name: string): void;
  text(text: string): void;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string, fail: (why: string) => never): string {
  return text.replace(/&([^;]*);/g, (_, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    const value = ENTITIES[name];
    if (value === undefined) fail(`Entity name '${name}' is not known`);
    return value;
  });
}

/**
 * The subset of GMarkup a metalink needs: elements, attributes, text, comments, processing
 * instructions. Errors carry GMarkup's "Error on line L char C: " prefix (OSTree parses with
 * G_MARKUP_PREFIX_ERROR_POSITION, so its handlers' errors get it too).
 */
function parseMarkup(text: string, handler: MarkupHandler): void {
  let pos = 0;
  // GMarkup's counting: on a newline the line is already the next one (char 1), and past the
  // first line the first character of a line is char 2.
  const where = (at: number): string => {
    const upTo = text.slice(0, at + 1);
    const lastNewline = upTo.lastIndexOf('\n');
    const line = upTo.split('\n').length;
    const char = text[at] === '\n' ? 1 : lastNewline < 0 ? at + 1 : at - lastNewline + 1;
    return `Error on line ${line} char ${char}: `;
  };
  const fail = (at: number, why: string): never => {
    throw metalinkError(`${where(at)}${why}`);
  };
  const stack: string[] = [];
  let sawRoot = false;
  while (pos < text.length) {
    const lt = text.indexOf('<', pos);
    const chunk = text.slice(pos, lt < 0 ? text.length : lt);
    if (stack.length === 0) {
      const stray = chunk.search(/\S/);
      if (stray >= 0) fail(pos + stray, sawRoot ? 'Document must end with an element' : 'Document must begin with an element (e.g. <book>)');
    } else if (chunk.length > 0) handler.text(decodeEntities(chunk, (why) => fail(pos, why)));
    if (lt < 0) break;
    pos = lt;
    if (text.startsWith('<?', pos)) {
      const close = text.indexOf('?>', pos);
      if (close < 0) fail(text.length, 'Document ended unexpectedly inside a processing instruction');
      pos = close + 2;
      continue;
    }
    if (text.startsWith('<!--', pos)) {
      const close = text.indexOf('-->', pos);
      if (close < 0) fail(text.length, 'Document ended unexpectedly inside a comment');
      pos = close + 3;
      continue;
    }
    if (text.startsWith('<!', pos)) {
      const close = text.indexOf('>', pos);
      if (close < 0) fail(text.length, 'Document ended unexpectedly');
      pos = close + 1;
      continue;
    }
    if (text.startsWith('</', pos)) {
      const match = /^<\/([^\s>]+)\s*>/.exec(text.slice(pos));
      if (!match) fail(pos, 'Malformed close tag');
      const name = (match as RegExpExecArray)[1] as string;
      const open = stack.pop();
      if (open !== name) fail(pos, `Element '${name}' was closed, but the currently open element is '${open ?? ''}'`);
      pos += (match as RegExpExecArray)[0].length;
      handler.end(name);
      continue;
    }
    const tag = /^<([A-Za-z_:][-A-Za-z0-9_:.]*)((?:\s+[A-Za-z_:][-A-Za-z0-9_:.]*\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(text.slice(pos));
    if (!tag) fail(pos + 1, `Odd character '${text[pos + 1] ?? ''}', expected an element name`);
    const [whole, name, attrText, selfClosing] = tag as RegExpExecArray as unknown as [string, string, string, string];
    if (stack.length === 0 && sawRoot) fail(pos, 'Document must end with an element');
    sawRoot = true;
    const attributes = new Map<string, string>();
    for (const m of attrText.matchAll(/([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
      attributes.set(m[1] as string, decodeEntities(m[2] ?? m[3] ?? '', (why) => fail(pos, why)));
    }
    pos += whole.length;
    const after = pos;
    handler.start({ name, attributes }, () => where(after));
    if (selfClosing === '/') handler.end(name);
    else stack.push(name);
  }
  if (!sawRoot) fail(pos, 'Document was empty or contained only whitespace');
  if (stack.length > 0) fail(pos, `Document ended unexpectedly with elements still open - '${stack[stack.length - 1] ?? ''}' was the last element opened`);
}

/** Parse a metalink document for `requestedFile` (OSTree asks for `summary`). */
export function parseMetalink(text: string, requestedFile = 'summary'): Metalink {
  type State = 'initial' | 'metalink' | 'files' | 'file' | 'size' | 'verification' | 'hash' | 'resources' | 'url' | 'passthrough';
  const states: State[] = ['initial'];
  let passthroughDepth = 0;
  let foundFile = false;
  let foundOurFile = false;
  let sizeText = '';
  let size = 0;
  let hashType: string | undefined;
  let hashText = '';
  let sha256: string | undefined;
  let sha512: string | undefined;
  let urlText = '';
  const urls: string[] = [];
  const state = (): State => states[states.length - 1] as State;
  parseMarkup(text, {
    start(element, position) {
      const current = state();
      if (current === 'passthrough') {
        passthroughDepth++;
        return;
      }
      let next: State = 'passthrough';
      switch (current) {
        case 'initial':
          if (element.name === 'metalink') next = 'metalink';
          break;
        case 'metalink':
          if (element.name === 'files') next = 'files';
          break;
        case 'files':
          if (element.name === 'file') {
            foundFile = true;
            if (element.attributes.get('name') === requestedFile) {
              foundOurFile = true;
              next = 'file';
            }
          }
          break;
        case 'file':
          if (element.name === 'size') {
            sizeText = '';
            next = 'size';
          } else if (element.name === 'verification') next = 'verification';
          else if (element.name === 'resources') next = 'resources';
          break;
        case 'verification':
          if (element.name === 'hash') {
            hashType = element.attributes.get('type');
            hashText = '';
            next = 'hash';
          }
          break;
        case 'resources': {
          // OSTree checks what the file element declared before the first resource.
          if (size === 0) throw metalinkError(`${position()}No <size> element found or it is zero`);
          if (sha256 === undefined && sha512 === undefined) throw metalinkError(`${position()}No <verification> element with known <hash type=> found`);
          if (element.name === 'url') {
            const protocol = element.attributes.get('protocol');
            if (protocol === undefined) throw metalinkError(`${position()}element 'url' requires attribute 'protocol'`);
            if (protocol === 'http' || protocol === 'https') {
              urlText = '';
              next = 'url';
            }
          }
          break;
        }
        default:
          break;
      }
      if (next === 'passthrough') passthroughDepth = 1;
      states.push(next);
    },
    end() {
      const current = state();
      if (current === 'passthrough' && --passthroughDepth > 0) return;
      states.pop();
      if (current === 'size') {
        const n = Number(sizeText.trim());
        size = Number.isSafeInteger(n) && n > 0 ? n : 0;
      } else if (current === 'hash') {
        if (hashType === 'sha256') sha256 = hashText.trim();
        else if (hashType === 'sha512') sha512 = hashText.trim();
      } else if (current === 'url') {
        const url = urlText.trim();
        if (URL.canParse(url)) urls.push(url);
      }
    },
    text(chunk) {
      const current = state();
      if (current === 'size') sizeText += chunk;
      else if (current === 'hash') hashText += chunk;
      else if (current === 'url') urlText += chunk;
    },
  });
  if (!foundFile) throw metalinkError('No <file> element found');
  if (!foundOurFile) throw metalinkError(`No <file name='${requestedFile}'> found`);
  if (sha256 === undefined && sha512 === undefined) throw metalinkError('No <verification> element with known <hash type=> found');
  if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256)) throw metalinkError('Invalid hash digest for sha256');
  if (sha512 !== undefined && !/^[0-9a-f]{128}$/.test(sha512)) throw metalinkError('Invalid hash digest for sha512');
  if (urls.length === 0) throw metalinkError("No <url method='http'> elements found");
  return { size, sha256, sha512, urls };
}

/** Why `bytes` is not the file the metalink describes, or undefined when it is. */
export function checkMetalinkTarget(metalink: Metalink, bytes: Uint8Array): string | undefined {
  if (bytes.length !== metalink.size) return `Expected size is ${metalink.size} bytes but content is ${bytes.length} bytes`;
  for (const [algorithm, expected] of [['sha256', metalink.sha256], ['sha512', metalink.sha512]] as const) {
    if (expected === undefined) continue;
    const actual = createHash(algorithm).update(bytes).digest('hex');
    if (actual !== expected) return `Expected checksum is ${expected} but actual is ${actual}`;
  }
  return undefined;
}

/**
 * Fetch the file a metalink describes: each URL in turn until one serves matching bytes.
 * Returns the bytes and the URL they came from.
 */
export async function fetchMetalinkTarget(metalink: Metalink, fetch: (url: URL, maxSize: number) => Promise<Uint8Array | undefined>): Promise<{ bytes: Uint8Array; url: URL }> {
  let lastError = '';
  for (const text of metalink.urls) {
    const url = new URL(text);
    try {
      const bytes = await fetch(url, metalink.size);
      if (bytes === undefined) {
        lastError = `Server returned HTTP 404 for ${url.href}`;
        continue;
      }
      const why = checkMetalinkTarget(metalink, bytes);
      if (why === undefined) return { bytes, url };
      lastError = why;
    } catch (error) {
      if (error instanceof AtollError && error.code === 'PULL_OBJECT_TOO_LARGE') {
        lastError = `Expected size is ${metalink.size} bytes but content is larger`;
        continue;
      }
      lastError = (error as Error).message;
    }
  }
  throw metalinkError(`Exhausted ${metalink.urls.length} metalink targets, last error: ${lastError}`);
}
