import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseSha512 } from '../../src/release/sha512.js';
import { sharedDir } from '../helpers/paths.js';

const HASH = 'c6ffccc15f47a9ff69c6f9a5843c93025e8bd2684846a973a8b483a2e8adabd153029864124404de66606a5707706ec79eaa5d0a9ed5df77a3bf2730f488c7c2';
const URL = 'https://mirror.example/release/latest/x86_64/runsc.sha512';

describe('parseSha512 on real gVisor release checksum files', () => {
  const fixtures: [string, string][] = [
    ['runsc-a.sha512', 'runsc'],
    ['runsc-b.sha512', 'runsc'],
    ['containerd-shim-runsc-v1.sha512', 'containerd-shim-runsc-v1'],
  ];
  for (const [file, name] of fixtures) {
    test(`${file} gives a 128-digit lowercase hash for ${name}`, async () => {
      const text = await readFile(join(sharedDir(), 'fixtures/release', file), 'utf8');
      const e = parseSha512(text, file);
      assert.equal(e.name, name);
      assert.match(e.hash, /^[0-9a-f]{128}$/);
      assert.equal(e.hash, text.slice(0, 128));
    });
  }
});

describe('parseSha512 formats', () => {
  test('sha512sum text mode: "<hex>  <name>"', () => {
    assert.deepEqual(parseSha512(`${HASH}  runsc\n`, URL), { hash: HASH, name: 'runsc' });
  });

  test('sha512sum binary mode: "<hex> *<name>"', () => {
    assert.deepEqual(parseSha512(`${HASH} *runsc\n`, URL), { hash: HASH, name: 'runsc' });
  });

  test('a bare hash, with CRLF', () => {
    assert.deepEqual(parseSha512(`${HASH}\r\n`, URL), { hash: HASH });
  });

  test('uppercase hex is lowercased', () => {
    assert.equal(parseSha512(HASH.toUpperCase(), URL).hash, HASH);
  });

  test('BSD style "SHA512 (runsc) = <hex>"', () => {
    assert.deepEqual(parseSha512(`SHA512 (runsc) = ${HASH}\n`, URL), { hash: HASH, name: 'runsc' });
  });

  test('a file listing several entries: the one for the expected name is chosen', () => {
    const other = 'a'.repeat(128);
    const text = `${other}  containerd-shim-runsc-v1\n${HASH}  runsc\n`;
    assert.equal(parseSha512(text, URL, 'runsc').hash, HASH);
    assert.throws(() => parseSha512(text, URL), /lists 2 entries/);
  });
});

describe('parseSha512 refusals name the file and say what is wrong', () => {
  test('empty', () => {
    assert.throws(() => parseSha512('', URL), (e: Error) => {
      assert.ok(e.message.includes(URL));
      assert.match(e.message, /is empty/);
      return true;
    });
    assert.throws(() => parseSha512(' \n\n', URL), /is empty/);
  });

  test('truncated (wrong length)', () => {
    assert.throws(() => parseSha512(`${HASH.slice(0, 100)}  runsc`, URL), (e: Error) => {
      assert.ok(e.message.includes(URL));
      assert.match(e.message, /100-digit hash.*truncated.*128 hex digits/);
      return true;
    });
  });

  test('a sha256 instead of a sha512', () => {
    assert.throws(() => parseSha512(`${HASH.slice(0, 64)}  runsc`, URL), /64-digit hash \(that is the length of a sha256\)/);
  });

  test('non-hex', () => {
    const bad = `${HASH.slice(0, 127)}g  runsc`;
    assert.throws(() => parseSha512(bad, URL), (e: Error) => {
      assert.ok(e.message.includes(URL));
      assert.match(e.message, /does not start with a hex sha512 hash/);
      return true;
    });
  });

  test('a plain-text 404 body ("Not Found", case C3)', async () => {
    const body = await readFile(join(sharedDir(), 'cases/download-404-body.bin'), 'utf8');
    assert.throws(() => parseSha512(body, URL), (e: Error) => {
      assert.ok(e.message.includes(URL));
      assert.ok(e.message.includes('"Not Found"'), e.message);
      return true;
    });
  });

  test('an HTML error page', () => {
    const html = '<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>\n';
    assert.throws(() => parseSha512(html, URL), (e: Error) => {
      assert.ok(e.message.includes(URL));
      assert.match(e.message, /HTML\/XML page/);
      return true;
    });
  });

  test("Google Cloud Storage's XML NoSuchKey answer", () => {
    const xml = "<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>";
    assert.throws(() => parseSha512(xml, URL), /HTML\/XML page .*NoSuchKey/);
  });
});
