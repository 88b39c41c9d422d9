import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrimary } from './primary.js';
import { parsePrimaryBytes, readPrimaryIntoCache, PrimaryBytesUnsupported } from './primary-bytes.js';
import { PrimaryCacheWriter, primaryCachePackages } from './primary-cache-codec.js';
import { mulberry32 } from '../util/index.js';
import type { RepoPackage } from './types.js';

async function* chunked(data: string, sizes: () => number): AsyncGenerator<Uint8Array> {
  const buf = Buffer.from(data, 'utf8');
  for (let i = 0; i < buf.length; ) {
    const n = Math.max(1, sizes());
    yield buf.subarray(i, i + n);
    i += n;
  }
}

/** What saxes (the reference) reads, or its error code. */
async function reference(xml: string): Promise<RepoPackage[] | string> {
  const out: RepoPackage[] = [];
  try {
    await parsePrimary(chunked(xml, () => 4096), 'p.xml', (p) => out.push(p), { engine: 'saxes' });
  } catch (error) {
    return (error as { code?: string }).code ?? 'error';
  }
  return out;
}

/** The byte reader, then (as repo.ts does) the tokenizer when it stops; both delivery forms. */
async function viaBytes(xml: string, sizes: () => number): Promise<{ packages: RepoPackage[] | string; cached: RepoPackage[] | string; stopped: boolean }> {
  let stopped = false;
  const read = async (into: (out: RepoPackage[]) => Promise<void>): Promise<RepoPackage[] | string> => {
    const out: RepoPackage[] = [];
    try {
      await into(out);
    } catch (error) {
      if (error instanceof PrimaryBytesUnsupported) {
        stopped = true;
        return await reference(xml);
      }
      return (error as { code?: string }).code ?? 'error';
    }
    return out;
  };
  const packages = await read(async (out) => void (await parsePrimaryBytes(chunked(xml, sizes), 'p.xml', (p) => out.push(p))));
  const cached = await read(async (out) => {
    const writer = new PrimaryCacheWriter(true);
    await readPrimaryIntoCache(chunked(xml, sizes), 'p.xml', writer);
    out.push(...primaryCachePackages(writer.finish('k')));
  });
  return { packages, cached, stopped };
}

const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="2">\n';
const pkg = (name: string, format: string, extra = ''): string => `<package type="rpm">
  <name>${name}</name>
  <arch>x86_64</arch>
  <version epoch="0" ver="1.0" rel="1.el9"/>
  <checksum type="sha256" pkgid="YES">ABCDEF0123</checksum>
  <summary>Summary of ${name}</summary>
  <description>Line one &amp; &lt;two&gt; &#233;t&#xE9;
line 2 with café</description>${extra}
  <packager>builder@example.org</packager>
  <url>https://example.org</url>
  <time file="1716330110" build="1715287144"/>
  <size package="2922140" installed="11556907" archive="11596752"/>
  <location href="Packages/${name}-1.0-1.el9.x86_64.rpm"/>
  <format>
    <rpm:license>GPL-3.0-or-later</rpm:license>
    <rpm:vendor>CentOS</rpm:vendor>
    <rpm:group>Unspecified</rpm:group>
    <rpm:buildhost>host</rpm:buildhost>
    <rpm:sourcerpm>${name}-1.0-1.el9.src.rpm</rpm:sourcerpm>
    <rpm:header-range start="4504" end="13421"/>
${format}
    <file>/usr/bin/${name}</file>
    <file type="dir">/etc/${name}</file>
    <file type="ghost">/var/log/${name}.log</file>
  </format>
</package>
`;
const DEPS = `    <rpm:provides>
      <rpm:entry name="a" flags="EQ" epoch="0" ver="1.0" rel="1.el9"/>
      <rpm:entry name="a(x86-64)" flags="EQ" epoch="0" ver="1.0" rel="1.el9"/>
      <rpm:entry name="config(a)" flags="EQ" epoch="2" ver="1.0" rel="1.el9"/>
    </rpm:provides>
    <rpm:requires>
      <rpm:entry name="/bin/sh" pre="1"/>
      <rpm:entry name="libc.so.6(GLIBC_2.34)(64bit)"/>
      <rpm:entry name="b" flags="GE" epoch="0" ver="2:1"/>
      <rpm:entry name="(c if d)"/>
      <rpm:entry name="a" flags="EQ" epoch="0" ver="1.0" rel="1.el9"/>
      <rpm:entry name='single' flags='LT' ver='3'/>
      <rpm:entry flags="EQ" name="order" ver="1"/>
      <rpm:entry name="x&amp;y" flags="LE" ver="1&lt;2"/>
      <rpm:entry name="tab	and
newline" ver="1"/>
      <rpm:entry name="unknown-attr" other="z" ver="1"/>
      <rpm:entry name="é-non-ascii" ver="ü"/>
      <rpm:entry name="spaced"   flags = "GT"  ver="1" />
    </rpm:requires>
    <rpm:obsoletes><rpm:entry name="old" flags="LT" epoch="0" ver="1.0"/></rpm:obsoletes>
    <rpm:recommends><rpm:entry name="rec"></rpm:entry></rpm:recommends>
    <rpm:suggests><!-- a comment --><rpm:entry name="sug"/><?pi data?></rpm:suggests>
    <rpm:requires><rpm:entry name="second-requires-block"/></rpm:requires>`;

const GOOD = HEAD + pkg('alpha', DEPS) + pkg('beta', DEPS.replace(/"a"/g, '"b"'), '\n  <unknown attr="1"><name>nested</name></unknown>\n  <![CDATA[ignored]]>') + '</metadata>\n';

test('byte reader: same packages as saxes, in both delivery forms, whatever the chunk sizes', async () => {
  const ref = await reference(GOOD);
  assert.ok(Array.isArray(ref) && ref.length === 2);
  const random = mulberry32(11);
  for (const sizes of [() => 1, () => 2, () => 3, () => 7, () => 64, () => 1 << 20, () => 1 + Math.floor(random() * 40)]) {
    const got = await viaBytes(GOOD, sizes);
    assert.equal(got.stopped, false);
    assert.deepEqual(got.packages, ref);
    assert.deepEqual(got.cached, ref);
  }
});

test('byte reader: CDATA text, BOM, entities in text and attributes, skipped non-rpm packages', async () => {
  const xml = '\ufeff' + HEAD.replace('packages="2"', 'packages="1"') + '<package type="srpm"><name>skip</name><rpm:entry name="z"/></package>' + pkg('gamma', DEPS).replace('<summary>Summary of gamma</summary>', '<summary><![CDATA[a <b> & c]]> tail &quot;q&quot;</summary>') + '</metadata>';
  const ref = await reference(xml);
  assert.ok(Array.isArray(ref) && ref.length === 1);
  const got = await viaBytes(xml, () => 5);
  assert.equal(got.stopped, false);
  assert.deepEqual(got.packages, ref);
  assert.deepEqual(got.cached, ref);
});

test('byte reader: malformed or unusual input stops it, and the tokenizer gives the answer', async () => {
  const cases = [
    GOOD.replace('</name>', '</nam>'),
    GOOD.replace('<rpm:entry name="order"', '<rpm:entry name="order" name="twice"'),
    GOOD.replace('flags="GT"', 'flags=GT'),
    GOOD.replace('ver="3"', 'ver="<3"'),
    GOOD.replace('&amp; &lt;', '&bogus; &lt;'),
    GOOD.replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?><!DOCTYPE metadata>'),
    GOOD + '<second/>',
    GOOD + 'trailing text',
    GOOD.slice(0, -40),
    GOOD.replace('flags="LT" ver="3"', 'flags="XX" ver="3"'),
    GOOD.replace('packages="2"', 'packages="3"'),
    GOOD.replace('<rpm:entry name="sug"/>', '<rpm:entry name="sug"/ >'),
    GOOD.replace('<name>alpha</name>', '<name>al\rpha</name>'),
  ];
  for (const [i, xml] of cases.entries()) {
    const ref = await reference(xml);
    const got = await viaBytes(xml, () => 9);
    assert.deepEqual(got.packages, ref, `case ${i}`);
    assert.deepEqual(got.cached, ref, `case ${i}`);
  }
});
