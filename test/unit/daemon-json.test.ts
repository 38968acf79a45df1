import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { ConfigFileError, mergeDockerRuntime, parseDaemonJson, type RuntimeWanted } from '../../src/docker/daemon-json.js';
import { sharedDir } from '../helpers/paths.js';

const fixturesDir = join(sharedDir(), 'fixtures', 'docker');
const casesDir = join(sharedDir(), 'cases');
const read = (path: string): string => readFileSync(path, 'utf8');
const fixture = (name: string): string => join(fixturesDir, name);
const caseFile = (name: string): string => join(casesDir, name);

const RUNSC: RuntimeWanted = { name: 'runsc', path: '/usr/local/bin/runsc' };
const FILE = '/etc/docker/daemon.json';

/** Cases handled by their own tests below; every other daemon-json-*.json case is a valid file. */
const SPECIAL_CASES = new Set(['daemon-json-empty.json', 'daemon-json-trailing-comma.json']);

const validFiles = [
  ...readdirSync(fixturesDir)
    .filter((f) => f.endsWith('.json') && !f.startsWith('broken-'))
    .map(fixture),
  ...readdirSync(casesDir)
    .filter((f) => f.startsWith('daemon-json-') && f.endsWith('.json') && !SPECIAL_CASES.has(f))
    .map(caseFile),
];

/** Where each broken file goes wrong (checked by hand against the file). */
const BROKEN: Record<string, { line: number; column: number; detail: RegExp }> = {
  // "fixed-cidr" ends line 3 without ','; the comma belongs there, the next member starts line 4.
  'broken-missing-comma-bip-cgroupdriver.json': { line: 3, column: 32, detail: /missing ',' between members \(before "exec-opts" on line 4\)/ },
  // `"selinux-enabled": true,}` on the last line.
  'broken-trailing-comma-inline-default-runtime-bottlerocket.json': { line: 9, column: 26, detail: /trailing comma before '}'/ },
  // `   },` closes log-opts, then the top-level object ends.
  'broken-trailing-comma-kubeadm-playbook.json': { line: 7, column: 5, detail: /trailing comma before '}'/ },
};

function refusal(fn: () => unknown): ConfigFileError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigFileError, `expected ConfigFileError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the input to be refused');
}

const endsWithNewline = (t: string): boolean => t.endsWith('\n');
const withoutRunsc = (v: Record<string, unknown>): Record<string, unknown> => {
  const copy = structuredClone(v);
  const runtimes = copy.runtimes as Record<string, unknown> | undefined;
  if (runtimes) delete runtimes.runsc;
  if (runtimes && Object.keys(runtimes).length === 0) delete copy.runtimes;
  return copy;
};

describe('mergeDockerRuntime on every valid fixture', () => {
  assert.ok(validFiles.length >= 10, `fixtures found in ${fixturesDir}`);
  for (const path of validFiles) {
    const name = path.slice(path.lastIndexOf('/') + 1);

    it(`given ${name}, when runsc is merged, then only runtimes.runsc differs and key order is kept`, () => {
      const original = read(path);
      const before = parseDaemonJson(original, path).value;
      const result = mergeDockerRuntime(original, RUNSC, { file: path });
      const after = parseDaemonJson(result.text, path).value;

      assert.deepEqual(withoutRunsc(after), withoutRunsc(before));
      assert.deepEqual((after.runtimes as Record<string, { path: string }>).runsc?.path, RUNSC.path);
      // Old keys keep their order; new keys only come after them.
      assert.deepEqual(Object.keys(after).slice(0, Object.keys(before).length), Object.keys(before));
      const oldRuntimes = Object.keys((before.runtimes as object | undefined) ?? {});
      assert.deepEqual(Object.keys(after.runtimes as object).slice(0, oldRuntimes.length), oldRuntimes);
      // Line endings and the final newline stay as the file had them.
      assert.equal(endsWithNewline(result.text), endsWithNewline(original));
      if (original.includes('\r\n')) assert.doesNotMatch(result.text, /[^\r]\n/);
      // The original text survives: the merge only inserts or swaps one value.
      assert.equal(result.changed, original !== result.text);
    });

    it(`given ${name} merged once, when merged again, then the text is byte-identical and nothing is reported`, () => {
      const once = mergeDockerRuntime(read(path), RUNSC, { file: path });
      const twice = mergeDockerRuntime(once.text, RUNSC, { file: path });
      assert.equal(twice.changed, false);
      assert.deepEqual(twice.changes, []);
      assert.equal(twice.text, once.text);
    });
  }
});

describe('broken daemon.json files are refused with their line', () => {
  const brokenFiles = readdirSync(fixturesDir).filter((f) => f.startsWith('broken-') && f.endsWith('.json'));

  it('given the fixture folder, when its broken files are listed, then each has a known error position here', () => {
    assert.deepEqual(brokenFiles.sort(), Object.keys(BROKEN).sort());
  });

  for (const name of brokenFiles) {
    it(`given ${name}, when parsed or merged, then it is refused naming the file, line and fault`, () => {
      const expected = BROKEN[name]!;
      const path = fixture(name);
      const text = read(path);
      for (const attempt of [() => parseDaemonJson(text, path), () => mergeDockerRuntime(text, RUNSC, { file: path })]) {
        const err = refusal(attempt);
        assert.equal(err.file, path);
        assert.equal(err.line, expected.line);
        assert.equal(err.column, expected.column);
        assert.match(err.detail, expected.detail);
        assert.ok(err.message.startsWith(`${path}:${expected.line}:${expected.column}: `), err.message);
        assert.match(err.hint, /Nothing was changed/);
      }
    });
  }

  it('given case A3 (a stray comma after the runtimes object), when parsed, then the error names line 7 where the comma is', () => {
    const path = caseFile('daemon-json-trailing-comma.json');
    const err = refusal(() => mergeDockerRuntime(read(path), RUNSC, { file: path }));
    assert.equal(err.line, 7);
    assert.equal(err.column, 4);
    assert.equal(err.detail, "trailing comma before '}'");
    assert.match(err.hint, /Remove the ',' at line 7, column 4/);
  });

  it('given a trailing comma inside an array, when parsed, then the error says so and points at the comma', () => {
    const err = refusal(() => parseDaemonJson('{\n  "dns": [\n    "1.1.1.1",\n  ]\n}\n', FILE));
    assert.equal(err.line, 3);
    assert.equal(err.detail, "trailing comma before ']'");
  });
});

describe('case A4: an empty daemon.json', () => {
  const path = caseFile('daemon-json-empty.json');

  it('given the 0-byte file, when merged without consent, then it is refused as empty with the way out', () => {
    const text = read(path);
    assert.equal(text, '');
    const err = refusal(() => mergeDockerRuntime(text, RUNSC, { file: path }));
    assert.equal(err.line, undefined);
    assert.match(err.detail, /^file is empty: .*dockerd/);
    assert.match(err.hint, /--treat-empty-as-object/);
    assert.match(err.hint, /backs the file up/);
    assert.ok(err.message.startsWith(`${path}: file is empty`));
  });

  it('given a whitespace-only file, when parsed, then it is refused as empty too', () => {
    assert.match(refusal(() => parseDaemonJson(' \n\t\r\n', FILE)).detail, /^file is empty/);
  });

  it('given the 0-byte file and consent, when merged, then the result holds just the runsc entry and ends with a newline', () => {
    const result = mergeDockerRuntime(read(path), RUNSC, { file: path, treatEmptyAsObject: true });
    assert.equal(result.text, '{\n  "runtimes": {\n    "runsc": {\n      "path": "/usr/local/bin/runsc"\n    }\n  }\n}\n');
    assert.equal(result.changed, true);
    assert.deepEqual(result.changes, ['treated the empty file as {}', 'added runtimes.runsc']);
    assert.deepEqual(parseDaemonJson(result.text, path).value, { runtimes: { runsc: { path: '/usr/local/bin/runsc' } } });
  });

  it('given the 0-byte file, consent, a tab indent and makeDefault, when merged, then the fresh file uses tabs and sets the default', () => {
    const result = mergeDockerRuntime(read(path), { ...RUNSC, makeDefault: true }, { file: path, treatEmptyAsObject: true, newFileIndent: '\t' });
    assert.equal(
      result.text,
      '{\n\t"runtimes": {\n\t\t"runsc": {\n\t\t\t"path": "/usr/local/bin/runsc"\n\t\t}\n\t},\n\t"default-runtime": "runsc"\n}\n',
    );
  });
});

describe('case A8: merge, do not replace', () => {
  it('given an older runsc path next to crun, when merged, then the result is byte-for-byte the expected file', () => {
    const input = read(caseFile('daemon-json-overwrite.json'));
    const expected = read(caseFile('daemon-json-overwrite.expected.json'));
    const result = mergeDockerRuntime(input, RUNSC, { file: FILE });
    assert.equal(result.text, expected);
    assert.deepEqual(result.changes, ['runtimes.runsc.path: "/usr/bin/runsc" -> "/usr/local/bin/runsc"']);
    const again = mergeDockerRuntime(result.text, RUNSC, { file: FILE });
    assert.equal(again.changed, false);
    assert.equal(again.text, expected);
  });

  it('given the same file and new runtimeArgs, when merged, then exactly the runtimeArgs value is replaced', () => {
    const input = read(caseFile('daemon-json-overwrite.json'));
    const result = mergeDockerRuntime(input, { ...RUNSC, runtimeArgs: ['--platform=systrap'] }, { file: FILE });
    assert.equal(
      result.text,
      input
        .replace('"/usr/bin/runsc"', '"/usr/local/bin/runsc"')
        .replace('["--platform=kvm", "--network=host"]', '["--platform=systrap"]'),
    );
    assert.deepEqual(result.changes, [
      'runtimes.runsc.path: "/usr/bin/runsc" -> "/usr/local/bin/runsc"',
      'runtimes.runsc.runtimeArgs: ["--platform=kvm", "--network=host"] -> ["--platform=systrap"]',
    ]);
  });

  it('given an existing runtime whose runtimeArgs span lines, when new args are wanted, then the array is written on one line', () => {
    const path = fixture('runsc-rdma-runtime-runtimeargs-gvisor-branch.json');
    const result = mergeDockerRuntime(read(path), { name: 'runsc-rdma', path: '/usr/local/bin/runsc-rdma', runtimeArgs: ['--nvproxy'] }, { file: path });
    assert.equal(
      result.text,
      '{\n  "runtimes": {\n    "runsc-rdma": {\n      "path": "/usr/local/bin/runsc-rdma",\n      "runtimeArgs": ["--nvproxy"]\n    }\n  }\n}\n',
    );
  });

  it('given a runtime without runtimeArgs, when args are wanted, then they are added after its path', () => {
    const input = read(caseFile('daemon-json-overwrite.json'));
    const result = mergeDockerRuntime(input, { name: 'crun', path: '/usr/bin/crun', runtimeArgs: [] }, { file: FILE });
    assert.equal(result.text, input.replace('"path": "/usr/bin/crun"\n', '"path": "/usr/bin/crun",\n      "runtimeArgs": []\n'));
    assert.deepEqual(result.changes, ['added runtimes.crun.runtimeArgs: []']);
  });

  it('given a runtime entry without a path, when merged, then the path is added to that entry', () => {
    const result = mergeDockerRuntime('{\n  "runtimes": {\n    "runsc": {}\n  }\n}\n', RUNSC, { file: FILE });
    assert.equal(result.text, '{\n  "runtimes": {\n    "runsc": {\n      "path": "/usr/local/bin/runsc"\n    }\n  }\n}\n');
    assert.deepEqual(result.changes, ['added runtimes.runsc.path: "/usr/local/bin/runsc"']);
  });
});

describe('layout of the operator file is kept', () => {
  it('given the kubeadm-docs file (tabs, CRLF, no final newline), when merged, then the new lines use tabs and CRLF and no newline is added', () => {
    const path = fixture('kubeadm-docs-systemd-overlay2-tabs-no-newline.json');
    const original = read(path);
    const result = mergeDockerRuntime(original, RUNSC, { file: path });
    const tail =
      '\t],\r\n\t"runtimes": {\r\n\t\t"runsc": {\r\n\t\t\t"path": "/usr/local/bin/runsc"\r\n\t\t}\r\n\t}\r\n}';
    assert.equal(result.text, original.replace(/\t\]\r\n\}$/, tail));
    assert.ok(!result.text.endsWith('\n'));
  });

  it('given mixed indentation whose last member uses a tab, when merged, then the new member follows that sibling', () => {
    const path = fixture('hosts-tcp-conflicts-with-fd-unit-tabs.json');
    const result = mergeDockerRuntime(read(path), RUNSC, { file: path });
    assert.ok(result.text.includes('\t"exec-opts": ["native.cgroupdriver=systemd"],\n\t"runtimes": {\n\t\t"runsc": {\n\t\t\t"path"'));
    assert.ok(!result.text.endsWith('\n'), 'no final newline before, none after');
  });

  it('given the nvidia file without a final newline, when merged, then it still has none and runsc sits beside nvidia', () => {
    const path = fixture('nvidia-default-runtime-relative-path-no-newline.json');
    const result = mergeDockerRuntime(read(path), RUNSC, { file: path });
    assert.ok(result.text.endsWith('    }\n}'));
    assert.ok(result.text.includes('      },\n      "runsc": {\n        "path": "/usr/local/bin/runsc"\n      }\n'));
  });

  it('given nvidia as default runtime, when runsc is merged with makeDefault, then only the default value and the new entry change', () => {
    const path = fixture('nvidia-default-runtime-shm-size.json');
    const original = read(path);
    const result = mergeDockerRuntime(original, { ...RUNSC, makeDefault: true }, { file: path });
    assert.equal(
      result.text,
      original
        .replace('"default-runtime": "nvidia"', '"default-runtime": "runsc"')
        .replace(
          '            "runtimeArgs": []\n        }\n',
          '            "runtimeArgs": []\n        },\n        "runsc": {\n            "path": "/usr/local/bin/runsc"\n        }\n',
        ),
    );
    assert.deepEqual(result.changes, ['added runtimes.runsc', 'default-runtime: "nvidia" -> "runsc"']);
  });

  it('given a file without default-runtime, when merged with makeDefault, then default-runtime is appended after runtimes', () => {
    const path = fixture('minimal-registry-mirror-only.json');
    const result = mergeDockerRuntime(read(path), { ...RUNSC, makeDefault: true }, { file: path });
    assert.equal(
      result.text,
      '{\n  "registry-mirrors": ["https://mirror.gcr.io"],\n  "runtimes": {\n    "runsc": {\n      "path": "/usr/local/bin/runsc"\n    }\n  },\n  "default-runtime": "runsc"\n}\n',
    );
    assert.deepEqual(result.changes, ['added runtimes.runsc', 'added default-runtime: "runsc"']);
  });

  it('given the bottlerocket file with its stray comma removed, when merged, then runsc joins the one-line runtimes object', () => {
    const broken = read(fixture('broken-trailing-comma-inline-default-runtime-bottlerocket.json'));
    const fixed = broken.replace('"selinux-enabled": true,}', '"selinux-enabled": true}');
    assert.notEqual(fixed, broken);
    const result = mergeDockerRuntime(fixed, RUNSC, { file: FILE });
    assert.equal(
      result.text,
      fixed.replace(
        '"runtimes": { "shimpei": { "path": "shimpei" } },',
        '"runtimes": { "shimpei": { "path": "shimpei" }, "runsc": { "path": "/usr/local/bin/runsc" } },',
      ),
    );
  });

  it('given a whole file on one line, when runtimeArgs are added, then they are inserted on that line', () => {
    const result = mergeDockerRuntime('{"runtimes": {"runsc": {"path": "/usr/bin/runsc"}}}', { ...RUNSC, runtimeArgs: ['--a', '--b'] }, { file: FILE });
    assert.equal(result.text, '{"runtimes": {"runsc": {"path": "/usr/local/bin/runsc", "runtimeArgs": ["--a", "--b"]}}}');
  });

  it('given a one-line file with compact spacing, when a runtime is added, then the compact spacing is copied', () => {
    const result = mergeDockerRuntime('{"debug":true,"runtimes":{"crun":{"path":"/usr/bin/crun"}}}\n', RUNSC, { file: FILE });
    assert.equal(result.text, '{"debug":true,"runtimes":{"crun":{"path":"/usr/bin/crun"},"runsc":{"path":"/usr/local/bin/runsc"}}}\n');
  });

  it('given "{}", when merged, then the object is opened up over several lines', () => {
    assert.equal(
      mergeDockerRuntime('{}', RUNSC, { file: FILE }).text,
      '{\n  "runtimes": {\n    "runsc": {\n      "path": "/usr/local/bin/runsc"\n    }\n  }\n}',
    );
  });

  it('given an empty runtimes object in a 4-space file, when merged, then it is filled with 4-space steps', () => {
    const result = mergeDockerRuntime('{\n    "debug": true,\n    "runtimes": {}\n}\n', RUNSC, { file: FILE });
    assert.equal(
      result.text,
      '{\n    "debug": true,\n    "runtimes": {\n        "runsc": {\n            "path": "/usr/local/bin/runsc"\n        }\n    }\n}\n',
    );
  });

  it('given an empty runtimes object on a one-line file, when merged, then it is filled on that line', () => {
    const result = mergeDockerRuntime('{"runtimes": {}}\n', RUNSC, { file: FILE });
    assert.equal(result.text, '{"runtimes": {"runsc": {"path": "/usr/local/bin/runsc"}}}\n');
  });

  it('given a byte order mark, when merged, then it is refused because dockerd 20.10 cannot read such a file', () => {
    assert.throws(() => mergeDockerRuntime('\uFEFF{\n  "debug": true\n}\n', RUNSC, { file: FILE }), (e: Error) => e instanceof ConfigFileError && /byte order mark/.test(e.message) && e.line === 1);
  });
});

describe('what the merge refuses', () => {
  it('given a runtime name with a space or a leading dash, when merged, then it throws a clear error', () => {
    for (const name of ['run sc', '-runsc', '', 'runsc/x']) {
      assert.throws(() => mergeDockerRuntime('{}', { name, path: '/x' }, { file: FILE }), /invalid runtime name/);
    }
  });

  it('given an empty path, when merged, then it throws', () => {
    assert.throws(() => mergeDockerRuntime('{}', { name: 'runsc', path: '' }, { file: FILE }), /path must be a non-empty string/);
  });

  it('given "runtimes" that is not an object, when merged, then it is refused at that value', () => {
    const err = refusal(() => mergeDockerRuntime('{\n  "runtimes": ["runsc"]\n}\n', RUNSC, { file: FILE }));
    assert.equal(err.line, 2);
    assert.match(err.detail, /"runtimes" must be .* found an array/);
  });

  it('given "runtimes" twice, when merged, then it is refused naming both lines', () => {
    const text = '{\n  "runtimes": {"a": {"path": "/a"}},\n  "debug": true,\n  "runtimes": {"b": {"path": "/b"}}\n}\n';
    const err = refusal(() => mergeDockerRuntime(text, RUNSC, { file: FILE }));
    assert.equal(err.line, 4);
    assert.match(err.detail, /"runtimes" appears 2 times \(lines 2, 4\)/);
  });
});

describe('parseDaemonJson', () => {
  it('given repeated keys at the top and inside runtimes, when parsed, then each repeat is reported with its path and line', () => {
    const text = '{\n  "debug": true,\n  "runtimes": {\n    "runsc": {"path": "/a", "path": "/b"}\n  },\n  "debug": false\n}\n';
    const parsed = parseDaemonJson(text, FILE);
    assert.deepEqual(parsed.duplicateKeys, [
      { key: 'runtimes.runsc.path', line: 4 },
      { key: 'debug', line: 6 },
    ]);
    // The value is what JSON.parse would give (last one wins).
    assert.deepEqual(parsed.value, JSON.parse(text));
  });

  it('given every valid fixture, when parsed, then the value equals what JSON.parse reads', () => {
    for (const path of validFiles) {
      const text = read(path);
      assert.deepEqual(parseDaemonJson(text, path).value, JSON.parse(text), path);
    }
  });

  const refusedInputs: { given: string; text: string; line: number; column: number; detail: RegExp }[] = [
    { given: 'a // comment', text: '{\n  // runsc\n  "a": 1\n}', line: 2, column: 3, detail: /comments are not allowed in JSON \(dockerd refuses them\)/ },
    { given: 'a /* block */ comment', text: '{ /* x */ }', line: 1, column: 3, detail: /comments are not allowed/ },
    { given: 'a # comment', text: '{\n# x\n}', line: 2, column: 1, detail: /comments are not allowed/ },
    { given: 'a top-level array', text: '[\n  {}\n]\n', line: 1, column: 1, detail: /top-level value must be an object.*found an array/ },
    { given: 'a top-level string', text: '"x"', line: 1, column: 1, detail: /top-level value must be an object.*found a string/ },
    { given: 'an unclosed object', text: '{\n  "a": {\n    "b": 1\n', line: 4, column: 1, detail: /unexpected end of file.*'\{' opened at line 2, column 8 is never closed/ },
    { given: 'an unquoted key', text: '{\n  debug: true\n}', line: 2, column: 3, detail: /member names must be in double quotes \(found 'debug'\)/ },
    { given: 'single-quoted strings', text: "{\"a\": 'b'}", line: 1, column: 7, detail: /double quotes/ },
    { given: 'a missing colon', text: '{\n  "a" 1\n}', line: 2, column: 7, detail: /missing ':' after the member name "a"/ },
    { given: 'a second object after the first', text: '{}\n{}\n', line: 2, column: 1, detail: /after the end of the top-level object/ },
    { given: 'a string broken over two lines', text: '{"a": "x\ny"}', line: 1, column: 7, detail: /not closed before the end of the line/ },
    { given: 'an unquoted word value', text: '{"storage-driver": overlay2}', line: 1, column: 20, detail: /unquoted text 'overlay2'/ },
    { given: 'a capitalised True', text: '{"debug": True}', line: 1, column: 11, detail: /write true in lower case/ },
    { given: 'a number with a leading zero', text: '{"mtu": 01500}', line: 1, column: 9, detail: /invalid number '01500'/ },
    { given: 'a missing comma in an array', text: '{"dns": [\n  "1.1.1.1"\n  "8.8.8.8"\n]}', line: 2, column: 12, detail: /missing ',' between array elements/ },
    { given: 'a bad escape', text: '{"data-root": "C:\\docker"}', line: 1, column: 18, detail: /invalid escape/ },
  ];
  for (const c of refusedInputs) {
    it(`given ${c.given}, when parsed, then it is refused at line ${c.line}, column ${c.column}`, () => {
      const err = refusal(() => parseDaemonJson(c.text, FILE));
      assert.match(err.detail, c.detail);
      assert.deepEqual([err.line, err.column], [c.line, c.column], err.message);
      assert.ok(err.message.startsWith(`${FILE}:${c.line}:${c.column}: ${err.detail}\n`));
    });
  }
});

describe('parser and merge against random damage', () => {
  it('given thousands of small random edits of the fixtures, when parsed, then exactly what JSON.parse accepts as an object is accepted, with the same value', () => {
    const texts = validFiles.map(read);
    const pieces = ['{', '}', '[', ']', ',', ':', '"', ' ', '\n', '\r', '\t', '1', '-', '.', 'e', 'a', '\\', '/', '*'];
    let seed = 7;
    const random = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
    let accepted = 0;
    for (let round = 0; round < 4000; round++) {
      let text = pick(texts);
      const at = Math.floor(random() * (text.length + 1));
      const op = random();
      if (op < 0.33) text = text.slice(0, at) + text.slice(at + 1);
      else if (op < 0.66) text = text.slice(0, at) + pick(pieces) + text.slice(at);
      else text = text.slice(0, at) + pick(pieces) + text.slice(at + 1);

      let reference: unknown;
      try {
        reference = JSON.parse(text);
      } catch {
        reference = undefined;
      }
      const referenceOk = typeof reference === 'object' && reference !== null && !Array.isArray(reference);
      let ours: Record<string, unknown> | undefined;
      try {
        ours = parseDaemonJson(text, FILE).value;
      } catch (err) {
        assert.ok(err instanceof ConfigFileError, `only ConfigFileError escapes the parser: ${String(err)}`);
      }
      assert.equal(ours !== undefined, referenceOk, `acceptance differs for ${JSON.stringify(text)}`);
      if (!ours) continue;
      accepted++;
      assert.deepEqual(ours, reference);
      try {
        const once = mergeDockerRuntime(text, { ...RUNSC, runtimeArgs: ['--x'], makeDefault: true }, { file: FILE });
        const twice = mergeDockerRuntime(once.text, { ...RUNSC, runtimeArgs: ['--x'], makeDefault: true }, { file: FILE });
        assert.equal(twice.text, once.text);
      } catch (err) {
        // Refusals (e.g. a mutated "runtimes" that is no longer an object) are fine; internal errors are not.
        assert.ok(err instanceof ConfigFileError, `merge of ${JSON.stringify(text)}: ${String(err)}`);
      }
    }
    assert.ok(accepted > 100, 'enough mutations stay valid to exercise the merge');
  });
});
