// Subtle libsolv behaviours found while matching libsolv's own testcases, each as a small
// testcase whose expected result was produced by Debian's testsolv 0.7.23 (`testsolv -r`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runTestcase } from './testcase.js';

function check(text: string): void {
  const res = runTestcase(text, { readFile: () => { throw new Error('no files'); } });
  const diffs = res.steps.flatMap((s) => [...s.diff, ...s.solutionCheck]);
  assert.deepEqual(diffs, []);
  assert.ok(res.pass);
}

const inline = (lines: string[]): string => lines.map((l) => `#>${l}`).join('\n');

test('distupgrade problem: every problem rule is given up, then the dup package is updated first', () => {
  // the problem offers erase lib / erase old / allow lib-1; libsolv disables all three and its
  // first pass over the installed packages updates lib (in the distupgrade) before keeping old
  check(`repo system 0 testtags <inline>
${inline(['=Pkg: old 1 1 x86_64', '=Pkg: lib 1 1 x86_64'])}
repo avail 0 testtags <inline>
${inline(['=Pkg: lib 2 1 x86_64', '=Con: old'])}
system x86_64 rpm system
job distupgrade repo avail
result transaction,problems <inline>
#>erase old-1-1.x86_64@system
#>problem f7e6e383 info package lib-2-1.x86_64 conflicts with old provided by old-1-1.x86_64
#>problem f7e6e383 solution 0c7c627d erase lib-1-1.x86_64@system
#>problem f7e6e383 solution 9c88f008 erase old-1-1.x86_64@system
#>problem f7e6e383 solution fe40eb31 allow lib-1-1.x86_64@system
#>upgrade lib-1-1.x86_64@system lib-2-1.x86_64@avail
`);
});

test('targeted distupgrade: the target binds like forcebest; given up, the best update wins', () => {
  check(`repo system 0 testtags <inline>
${inline(['=Pkg: tool 1 1 noarch', '=Pkg: guard 1 1 noarch', '=Con: tool = 2-1'])}
repo avail 0 testtags <inline>
${inline(['=Pkg: tool 2 1 noarch', '=Pkg: tool 3 1 noarch'])}
system x86_64 rpm system
job distupgrade name tool = 2-1
result transaction,problems <inline>
#>problem 53e8d222 info package guard-1-1.noarch conflicts with tool = 2-1 provided by tool-2-1.noarch
#>problem 53e8d222 solution 2751eabd erase tool-1-1.noarch@system
#>problem 53e8d222 solution e9114d52 allow tool-3-1.noarch@avail
#>problem 53e8d222 solution f9197d8b erase guard-1-1.noarch@system
#>upgrade tool-1-1.noarch@system tool-3-1.noarch@avail
`);
});

test('allowuninstall without keeporphans: the update rule with the highest id goes', () => {
  check(`repo system 0 testtags <inline>
${inline(['=Pkg: x 1 1 noarch', '=Pkg: y 1 1 noarch'])}
repo avail 0 testtags <inline>
${inline(['=Pkg: x 2 1 noarch', '=Pkg: y 2 1 noarch', '=Con: x'])}
system x86_64 rpm system
solverflags allowuninstall
job distupgrade repo avail
result transaction,problems <inline>
#>erase y-1-1.noarch@system
#>upgrade x-1-1.noarch@system x-2-1.noarch@avail
`);
});

test('locale(pkg:fr;de) provides supplement "pkg and a language", but only in =Ver: 2 repos', () => {
  const repo = (ver: boolean): string => `repo system 0 testtags <inline>
${inline(['=Pkg: base 1 1 noarch'])}
repo avail 0 testtags <inline>
${inline([...(ver ? ['=Ver: 2'] : []), '=Pkg: app-lang 1 1 noarch', '=Prv: locale(app:fr;de)', '=Pkg: app 1 1 noarch', '=Pkg: fonts-de 1 1 noarch', '=Prv: locale(de)'])}
system x86_64 rpm system
namespace namespace:language(de) @SYSTEM
job install name app
`;
  // fonts-de supplements a language the system already had: not "newly" supplemented
  check(`${repo(true)}result transaction,problems <inline>
#>install app-1-1.noarch@avail
#>install app-lang-1-1.noarch@avail
`);
  check(`${repo(false)}result transaction,problems <inline>
#>install app-1-1.noarch@avail
`);
});

test('cleandeps: what only the replaced package needed goes, transitively, unless still recommended', () => {
  const sys = (withOther: boolean): string => `repo system 0 testtags <inline>
${inline(['=Pkg: app 1 1 noarch', '=Req: libold', '=Pkg: libold 1 1 noarch', '=Req: helper', '=Pkg: helper 1 1 noarch', ...(withOther ? ['=Pkg: other 1 1 noarch', '=Rec: helper'] : [])])}
repo avail 0 testtags <inline>
${inline(['=Pkg: app 2 1 noarch', '=Req: libnew', '=Pkg: libnew 1 1 noarch'])}
system x86_64 rpm system
job update name app [cleandeps]
result transaction,problems,cleandeps <inline>
`;
  const common = ['#>erase libold-1-1.noarch@system', '#>cleandeps libold-1-1.noarch@system', '#>install libnew-1-1.noarch@avail', '#>upgrade app-1-1.noarch@system app-2-1.noarch@avail'];
  check(`${sys(true)}${common.join('\n')}\n`);
  check(`${sys(false)}${[...common, '#>erase helper-1-1.noarch@system', '#>cleandeps helper-1-1.noarch@system'].join('\n')}\n`);
});

test('selections: file-list globs give one job per package group, matchdeps with rel compares versions', () => {
  check(`repo available 0 testtags <inline>
${inline(['=Pkg: tool 1 1 noarch', '=Fls: /usr/bin/tool', '=Req: libz >= 2', '=Pkg: tool 2 1 noarch', '=Fls: /usr/bin/tool', '=Req: libz >= 3', '=Pkg: toolkit 1 1 x86_64', '=Fls: /usr/bin/toolkit'])}
system x86_64 rpm
job noop selection /usr/bin/tool* filelist,glob
result jobs <inline>
#>job noop oneof tool-1-1.noarch@available tool-2-1.noarch@available
#>job noop pkg toolkit-1-1.x86_64@available [noautoset]
nextjob
job noop selection_matchdeps solvable:requires LIBZ < 3 rel,flat,nocase
result jobs <inline>
#>job noop pkg tool-1-1.noarch@available [noautoset]
`);
});
