import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import TOML from '@iarna/toml';

import { applyOps, blockEndLine, insertLinesAfter, scanToml, type KeyValueStatement } from '../../src/containerd/toml-lines.js';

const kv = (text: string): KeyValueStatement[] => scanToml(text).keyValues;

describe('scanToml', () => {
  it('given strings, arrays and comments that look like headers, then only real headers are headers', () => {
    const text = [
      '#[plugins."io.containerd.grpc.v1.cri"]',
      'a = """',
      '[not.a.header]',
      'with \\""" quotes inside"""',
      "b = '''",
      "[nor.this]'''",
      'c = [',
      '  "[x]", # [y]',
      "  ['[z]'],",
      ']',
      '[real] # [comment]',
      '  d = 1979-05-27 07:32:00Z',
    ].join('\n');
    TOML.parse(text); // valid TOML
    const doc = scanToml(text);
    assert.deepEqual(doc.headers.map((h) => [h.path, h.line]), [[['real'], 10]]);
    assert.deepEqual(doc.keyValues.map((s) => [s.key[0]!.name, s.line, s.endLine, s.valueKind]), [
      ['a', 1, 3, 'ml-basic'],
      ['b', 4, 5, 'ml-literal'],
      ['c', 6, 9, 'array'],
      ['d', 11, 11, 'scalar'],
    ]);
    assert.equal(text.slice(doc.keyValues[3]!.valueStart, doc.keyValues[3]!.valueEnd), '1979-05-27 07:32:00Z');
    assert.deepEqual(doc.lines.map((l) => l.kind), [
      'comment', 'statement', 'continuation', 'continuation', 'statement', 'continuation',
      'statement', 'continuation', 'continuation', 'continuation', 'statement', 'statement',
    ]);
  });

  it('given quoted and dotted keys, then segments are decoded and the value span excludes spaces and comments', () => {
    const text = "[plugins.\"io.containerd.grpc.v1.cri\" . 'x.y']\n  \"a\\u0062\".c = 'v'   # note\n";
    const doc = scanToml(text);
    assert.deepEqual(doc.headers[0]!.path, ['plugins', 'io.containerd.grpc.v1.cri', 'x.y']);
    assert.deepEqual(doc.headers[0]!.key.map((k) => k.quote), ['bare', 'basic', 'literal']);
    const s = doc.keyValues[0]!;
    assert.deepEqual(s.fullPath, ['plugins', 'io.containerd.grpc.v1.cri', 'x.y', 'ab', 'c']);
    assert.equal(text.slice(s.start, s.keyEnd), '"a\\u0062".c');
    assert.equal(text.slice(s.valueStart, s.valueEnd), "'v'");
  });

  it('given CRLF, a BOM and no final newline, then lines, indentation and insertion keep them', () => {
    const text = '\uFEFF[a]\r\n\tx = 1';
    const doc = scanToml(text);
    assert.equal(doc.eol, '\r\n');
    assert.equal(doc.lines.length, 2);
    assert.equal(doc.lines[1]!.indent, '\t');
    assert.equal(doc.headers[0]!.indent, '');
    assert.equal(applyOps(text, [insertLinesAfter(doc, 1, ['y = 2'])]), '\uFEFF[a]\r\n\tx = 1\r\ny = 2');
  });

  it('given trailing comments after the last key, then deeper-indented ones belong to the table and ones introducing the next header do not', () => {
    const text = '[a]\n  x = 1\n  #y = 2\n\n# next table\n[b]\n';
    assert.equal(blockEndLine(scanToml(text), 0), 2);
    const flat = '[a]\nx = 1\n# about b\n[b]\n';
    assert.equal(blockEndLine(scanToml(flat), 0), 1);
    const nested = '[a]\n  x = 1\n  # about b\n  [a.b]\n';
    assert.equal(blockEndLine(scanToml(nested), 0), 1);
    const keysAboveHeader = '[a]\n    x = 1\n    #y = 2\n  [a.b]\n';
    assert.equal(blockEndLine(scanToml(keysAboveHeader), 0), 2);
  });

  it('given inline tables and nested arrays, then the whole value is one span', () => {
    const [s] = kv('runtimes = { runc = { runtime_type = "x" }, list = [[1], ["]"]] }\n');
    assert.equal(s!.valueKind, 'inline-table');
    assert.equal(s!.valueEnd, 'runtimes = { runc = { runtime_type = "x" }, list = [[1], ["]"]] }'.length);
  });
});
