import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';

import { maskOf, SecretMasker } from '../../src/log/mask.js';
import { formatArgv, RunLog, type LogEntry } from '../../src/log/run-log.js';

const TOKEN = 'abcdef.0123456789abcdef';
const CA_HASH = 'sha256:' + 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** A RunLog writing to a fresh temp dir, with every entry also collected from a listener. */
function loggedTo(): { log: RunLog; entries: LogEntry[]; fileText(): string } {
  const dir = mkdtempSync(join(tmpdir(), 'gvw-unit-log-'));
  dirs.push(dir);
  const log = new RunLog({ dir, name: 'unit' });
  const entries: LogEntry[] = [];
  log.subscribe((e) => entries.push(e));
  return {
    log,
    entries,
    fileText: () => {
      log.close();
      return readFileSync(log.filePath!, 'utf8');
    },
  };
}

function assertNowhere(secret: string, ...texts: string[]): void {
  for (const t of texts) assert.ok(!t.includes(secret), `"${secret}" leaked into: ${t}`);
}

describe('RunLog masks registered secrets', () => {
  it('given a registered join token, when a line holding it is logged, then neither the file nor listeners see it', () => {
    const l = loggedTo();
    l.log.masker.add(TOKEN);
    l.log.info(`kubeadm join 192.0.2.10:6443 --token ${TOKEN}`);
    const file = l.fileText();
    assertNowhere(TOKEN, file, ...l.entries.map((e) => e.text));
    assert.ok(file.includes(`--token ${maskOf(TOKEN)}`), file);
  });

  it('given a secret inside a longer word, when logged at every level, then it is masked everywhere', () => {
    const l = loggedTo();
    l.log.masker.add(TOKEN);
    l.log.write('cmd', `$ kubeadm join --token=${TOKEN},x`);
    l.log.write('out', `prefix${TOKEN}suffix`);
    l.log.write('err', `"${TOKEN}"`, 'join', true);
    l.log.warn(`${TOKEN}${TOKEN}`);
    l.log.error(`x ${TOKEN}`);
    const file = l.fileText();
    assertNowhere(TOKEN, file, ...l.entries.map((e) => e.text));
    assert.equal(l.entries.length, 5);
  });

  it('given a sha256 CA hash, when logged, then the sha256: prefix stays and the hex is hidden', () => {
    const l = loggedTo();
    l.log.masker.add(CA_HASH);
    l.log.info(`--discovery-token-ca-cert-hash ${CA_HASH}`);
    const file = l.fileText();
    assertNowhere(CA_HASH.slice(7), file, ...l.entries.map((e) => e.text));
    assert.ok(l.entries[0]!.text.endsWith('sha256:****'), l.entries[0]!.text);
  });

  it('given two secrets that overlap in the text, when logged, then neither appears in file or listener entries', () => {
    for (const order of [['abcdef', 'defghi'], ['defghi', 'abcdef']]) {
      const l = loggedTo();
      for (const s of order) l.log.masker.add(s);
      l.log.info('value=abcdefghi end');
      const texts = [l.fileText(), ...l.entries.map((e) => e.text)];
      for (const s of order) assertNowhere(s, ...texts);
    }
  });

  it('given a secret whose tail overlaps the start of a longer one, when logged, then no more than the kept 3-character prefix shows', () => {
    const l = loggedTo();
    l.log.masker.add('aaaa1111');
    l.log.masker.add('1111bbbbbbbbbbbb');
    l.log.info('x aaaa1111bbbbbbbbbbbb y');
    const texts = [l.fileText(), ...l.entries.map((e) => e.text)];
    // Masking the longer secret alone would leave "aaaa111" (7 of the 8 characters) in clear.
    for (const t of texts) assert.ok(!t.includes('aaaa'), `too much of "aaaa1111" is visible in: ${t}`);
    assert.equal(l.entries[0]!.text, 'x aaa**** y');
  });

  it('given a short secret that starts before a longer one, when logged, then masking the long one does not rebuild the short one', () => {
    const l = loggedTo();
    l.log.masker.add('zzabc');
    l.log.masker.add('abcdefgh');
    l.log.info('xx zzabcdefgh yy');
    const texts = [l.fileText(), ...l.entries.map((e) => e.text)];
    assertNowhere('zzabc', ...texts);
    assertNowhere('abcdefgh', ...texts);
    assert.ok(texts[1]!.startsWith('xx ') && texts[1]!.endsWith(' yy'), texts[1]);
  });

  it('given a secret that contains another secret, when logged, then the whole longer secret is masked', () => {
    const m = new SecretMasker();
    m.add('cdef');
    m.add('abcdefgh');
    assert.equal(m.mask('[abcdefgh] [cdef]'), `[${maskOf('abcdefgh')}] [${maskOf('cdef')}]`);
  });

  it('given a log dir, when the log file is created, then only the owner can read it', () => {
    const l = loggedTo();
    l.fileText();
    assert.equal(statSync(l.log.filePath!).mode & 0o777, 0o600);
  });
});

describe('SecretMasker', () => {
  it('given secrets shorter than 4 characters or empty, when added, then they are not masked (too short to be secrets)', () => {
    const m = new SecretMasker();
    m.add('');
    m.add(undefined);
    m.add('abc');
    assert.equal(m.mask('abc abc'), 'abc abc');
  });

  it('given an argv with a secret, when masked, then only the element holding it changes', () => {
    const m = new SecretMasker();
    m.add(TOKEN);
    assert.deepEqual(m.maskArgv(['kubeadm', 'join', '--token', TOKEN]), ['kubeadm', 'join', '--token', maskOf(TOKEN)]);
  });

  it('given text without any registered secret, when masked, then it is returned unchanged', () => {
    const m = new SecretMasker();
    m.add(TOKEN);
    assert.equal(m.mask('nothing to hide here'), 'nothing to hide here');
  });
});

describe('formatArgv', () => {
  it('given plain words, paths, flags and key=value, when formatted, then nothing is quoted', () => {
    assert.equal(formatArgv(['/usr/bin/docker', 'run', '--runtime=runsc', '-e', 'A=b,c:d', 'user@host', '50%']), '/usr/bin/docker run --runtime=runsc -e A=b,c:d user@host 50%');
  });

  it('given a word with a space, when formatted, then it is single-quoted', () => {
    assert.equal(formatArgv(['echo', 'two words']), `echo 'two words'`);
  });

  it('given a word with a single quote, when formatted, then the quote is escaped shell-style', () => {
    assert.equal(formatArgv(["it's"]), `'it'\\''s'`);
  });

  it('given an empty word and shell metacharacters, when formatted, then they are quoted so they stay visible and inert', () => {
    assert.equal(formatArgv(['sh', '-c', '', '$HOME; rm *']), `sh -c '' '$HOME; rm *'`);
  });
});
