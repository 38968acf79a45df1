import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import {
  explainJoinFailure,
  joinArgv,
  JoinParseError,
  joinSecrets,
  normalizeJoinText,
  NodeValueError,
  parseJoinCommand,
  validateNodeLabel,
  validateTaint,
} from '../../src/kube/join.js';
import { SecretMasker } from '../../src/log/mask.js';
import { sharedDir } from '../helpers/paths.js';

const casesDir = join(sharedDir(), 'cases');
const readCase = (name: string): string => readFileSync(join(casesDir, name), 'utf8');

const CRI = 'unix:///run/containerd/containerd.sock';
const CASE_TOKEN = 'abcdef.0123456789abcdef';
const CASE_HASH = 'sha256:' + '0'.repeat(64);

// A realistic token and hash for the generated inputs (the case files use easy-to-spot zeros).
const TOKEN = 'k8s9zq.w7x1v3m5p0r2t4y6';
const SECRET = TOKEN.split('.')[1]!;
const HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const HASH = `sha256:${HEX}`;
const GOOD = `kubeadm join 192.0.2.10:6443 --token ${TOKEN} --discovery-token-ca-cert-hash ${HASH}`;

function refusal(text: string): JoinParseError {
  try {
    parseJoinCommand(text);
  } catch (err) {
    assert.ok(err instanceof JoinParseError, `expected JoinParseError, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected the text to be refused: ${JSON.stringify(text)}`);
}

/** Every text that could reach a screen or a log from this error. */
function shownTexts(e: JoinParseError): string[] {
  return [e.message, e.hint, e.part, String(e), e.stack ?? '', JSON.stringify(e), ...e.others.flatMap((o) => [o.message, o.hint, o.part])];
}

describe('parseJoinCommand on the pasted join commands of case E4', () => {
  const expectedArgv = readCase('join-command-normalized.expected.txt').trim().split(' ');

  it('given join-command-space-in-hash.txt, when parsed, then the argv is exactly the one in join-command-normalized.expected.txt (plus the CRI socket)', () => {
    const j = parseJoinCommand(readCase('join-command-space-in-hash.txt'));
    assert.deepEqual(joinArgv(j, { criSocket: CRI }), [...expectedArgv, '--cri-socket', CRI]);
    assert.deepEqual(j.caCertHashes, [CASE_HASH]);
    assert.ok(j.notes?.some((n) => /whitespace inside the quoted --discovery-token-ca-cert-hash/.test(n)), 'the repair is reported');
  });

  it('given join-command-normalized.expected.txt itself, when parsed, then it yields the same argv and nothing was repaired', () => {
    const j = parseJoinCommand(readCase('join-command-normalized.expected.txt'));
    assert.deepEqual(joinArgv(j, { criSocket: CRI }).slice(0, -2), expectedArgv);
    assert.equal(j.notes, undefined);
  });

  it('given join-command-nbsp-wrapped.txt, when parsed, then it is refused at the endpoint that runs into --token, and the hard line break is reported too', () => {
    const text = readCase('join-command-nbsp-wrapped.txt');
    const e = refusal(text);
    const norm = normalizeJoinText(text);
    assert.equal(e.part, '192.0.2.10:6443--token');
    assert.equal(norm.slice(e.index, e.index + e.length), e.part);
    assert.deepEqual([e.line, e.column], [1, 15]);
    assert.match(e.message, /the space between them is missing/);
    assert.match(e.hint, /Put a space between "192\.0\.2\.10:6443" and "--token"/);
    // The no-break space was normalised, not reported.
    assert.ok(!norm.includes('\u00a0'));
    assert.ok(!e.others.some((o) => /non-ASCII/.test(o.message)));
    // The wrap inside the token is an error of its own (not glued back together).
    const wrap = e.others.find((o) => /line 1 ends without "\\"/.test(o.message));
    assert.ok(wrap, 'the line break inside the token is reported');
    assert.equal(norm[wrap.index], '\n');
    assert.equal(norm.slice(wrap.index - 5, wrap.index), 'abcde');
    assert.match(wrap.hint, /does not guess whether a word was cut in two/);
  });

  it('given join-command-nbsp-wrapped.txt with the lost space put back, when parsed, then the cut token is refused and the message blames the line break', () => {
    const text = readCase('join-command-nbsp-wrapped.txt').replace('6443--token', '6443 --token');
    const e = refusal(text);
    assert.equal(e.part, 'abcdef.****');
    assert.match(e.message, /15 characters after the "\." instead of 16; the line ends right after it without "\\", so the copy probably cut it in two/);
    assert.ok(e.others.some((o) => o.part === '\n' && /^line 1 ends without "\\"/.test(o.message)));
    assert.ok(e.others.some((o) => /40 hex digits instead of 64; the line ends right after it/.test(o.message)));
  });

  it('given join-command-stray-dot.txt, when parsed, then it is refused at ".--discovery-token-ca-cert-hash" on line 2', () => {
    const text = readCase('join-command-stray-dot.txt');
    const e = refusal(text);
    assert.equal(e.part, '.--discovery-token-ca-cert-hash');
    assert.equal(normalizeJoinText(text).slice(e.index, e.index + e.length), e.part);
    assert.deepEqual([e.line, e.column], [2, 2]);
    assert.match(e.message, /"\." stands in front of "--discovery-token-ca-cert-hash"/);
    assert.match(e.hint, /Remove the stray "\."/);
  });

  it('given join-command-stray-dot.txt without the dot, when parsed, then the tab-indented continuation line is joined and it parses', () => {
    const j = parseJoinCommand(readCase('join-command-stray-dot.txt').replace('\t.--', '\t--'));
    assert.deepEqual(joinArgv(j, { criSocket: CRI }).slice(0, -2), expectedArgv);
  });
});

describe('parseJoinCommand normalisation', () => {
  const cases: [string, string][] = [
    ['no-break spaces (U+00A0, U+202F) and a thin space', GOOD.replace(' 192', '\u00a0192').replace(' --token', '\u202f--token').replace(' --disc', '\u2009--disc')],
    ['backslash continuations as kubeadm prints them', `kubeadm join 192.0.2.10:6443 --token ${TOKEN} \\\n\t--discovery-token-ca-cert-hash ${HASH} `],
    ['CR LF line ends', `kubeadm join 192.0.2.10:6443 --token ${TOKEN} \\\r\n    --discovery-token-ca-cert-hash ${HASH}\r\n`],
    ['invisible spaces after the continuation backslash', `kubeadm join 192.0.2.10:6443 --token ${TOKEN} \\  \n --discovery-token-ca-cert-hash ${HASH}`],
    ['--flag=value forms', `kubeadm join 192.0.2.10:6443 --token=${TOKEN} --discovery-token-ca-cert-hash=${HASH}`],
    ['simple quotes', `kubeadm join '192.0.2.10:6443' --token "${TOKEN}" --discovery-token-ca-cert-hash '${HASH}'`],
    ['the old flag order (endpoint after --token)', `kubeadm join --token ${TOKEN} 192.0.2.10:6443 --discovery-token-ca-cert-hash ${HASH}`],
    ['blank lines and spaces around the command', `\n\n   ${GOOD}   \n\n`],
    ['a UTF-8 byte order mark in front', `\ufeff${GOOD}`],
  ];
  for (const [what, text] of cases) {
    it(`given ${what}, when parsed, then the same join command comes out`, () => {
      const j = parseJoinCommand(text);
      assert.deepEqual(j, { endpoint: '192.0.2.10:6443', token: TOKEN, caCertHashes: [HASH] });
    });
  }

  it('given a leading sudo, when parsed, then it is accepted and dropped with a note', () => {
    const j = parseJoinCommand(`sudo ${GOOD}`);
    assert.equal(j.token, TOKEN);
    assert.ok(j.notes?.some((n) => /sudo/.test(n)));
  });

  it('given two CA hashes (comma list and repeated flag), when parsed, then both are kept once each, in order', () => {
    const other = `sha256:${'a'.repeat(64)}`;
    const j = parseJoinCommand(`${GOOD},${other} --discovery-token-ca-cert-hash ${other}`);
    assert.deepEqual(j.caCertHashes, [HASH, other]);
    assert.deepEqual(joinArgv(j, { criSocket: CRI }).filter((a) => a === '--discovery-token-ca-cert-hash').length, 2);
  });

  it('given DNS and IPv6 endpoints, when parsed, then they are accepted', () => {
    for (const ep of ['k8s-api.example.internal:6443', '[2001:db8::10]:6443', '[fd00::1]:443', 'cp1:6443']) {
      assert.equal(parseJoinCommand(GOOD.replace('192.0.2.10:6443', ep)).endpoint, ep);
    }
  });

  it('given --node-name, --v and --cri-socket, when parsed and rebuilt, then the wizard CRI socket replaces the pasted one', () => {
    const j = parseJoinCommand(`${GOOD} --node-name worker-1 --v=5 --cri-socket unix:///var/run/cri-dockerd.sock`);
    assert.deepEqual(joinArgv(j, { criSocket: CRI }), [
      'kubeadm', 'join', '192.0.2.10:6443', '--token', TOKEN, '--discovery-token-ca-cert-hash', HASH,
      '--cri-socket', CRI, '--node-name', 'worker-1', '--v', '5',
    ]);
    assert.ok(j.notes?.some((n) => /--cri-socket from the pasted command is replaced/.test(n)));
  });
});

describe('parseJoinCommand refusals point at the bad part', () => {
  const T = TOKEN;
  const H = HASH;
  const table: { what: string; text: string; part: string; message: RegExp }[] = [
    { what: 'command substitution', text: `${GOOD} --node-name $(hostname)`, part: '$(hostname)', message: /command substitution/ },
    { what: 'backticks', text: `${GOOD} --node-name \`hostname\``, part: '`hostname`', message: /backticks/ },
    { what: 'a second command with ;', text: `${GOOD}; echo done`, part: ';', message: /second command/ },
    { what: 'a second command with &&', text: `${GOOD} && echo done`, part: '&&', message: /"&&" \(a second command\)/ },
    { what: 'a pipe', text: `${GOOD} | tee log`, part: '|', message: /pipe/ },
    { what: 'a redirection', text: `${GOOD} > /tmp/out`, part: '>', message: /redirection/ },
    { what: 'a variable', text: `kubeadm join $ENDPOINT --token ${T} --discovery-token-ca-cert-hash ${H}`, part: '$ENDPOINT', message: /variable/ },
    { what: 'a shell prompt', text: `$ ${GOOD}`, part: '$', message: /shell prompt/ },
    { what: 'a root prompt comment', text: `# ${GOOD}`, part: `# kubeadm join 192.0.2.10:6443 --token k8s9zq.**** --discovery-token-ca-cert-hash sha256:****`, message: /shell comment/ },
    { what: '--discovery-token-unsafe-skip-ca-verification', text: `kubeadm join 192.0.2.10:6443 --token ${T} --discovery-token-unsafe-skip-ca-verification`, part: '--discovery-token-unsafe-skip-ca-verification', message: /turns off CA pinning/ },
    { what: '--control-plane', text: `${GOOD} --control-plane`, part: '--control-plane', message: /control-plane node/ },
    { what: '--certificate-key', text: `${GOOD} --certificate-key ${'f'.repeat(64)}`, part: '--certificate-key ****', message: /control-plane nodes/ },
    { what: '--apiserver-advertise-address', text: `${GOOD} --apiserver-advertise-address=192.0.2.11`, part: '--apiserver-advertise-address=192.0.2.11', message: /control-plane nodes/ },
    { what: 'an unknown flag', text: `${GOOD} --ignore-preflight-errors=all`, part: '--ignore-preflight-errors=all', message: /unknown flag "--ignore-preflight-errors"/ },
    { what: 'a single-dash flag', text: GOOD.replace('--token', '-token'), part: '-token', message: /unknown flag "-token"/ },
    { what: 'a token one character short', text: GOOD.replace(T, T.slice(0, -1)), part: 'k8s9zq.****', message: /15 characters after the "\." instead of 16/ },
    { what: 'a token with capitals', text: GOOD.replace(T, T.toUpperCase()), part: 'K8S9ZQ.****', message: /capital letters/ },
    { what: 'a token without a dot', text: GOOD.replace(T, T.replace('.', '')), part: '****', message: /has no "\."/ },
    { what: 'a quoted token with a space (not repaired)', text: GOOD.replace(T, `"${T.slice(0, 10)} ${T.slice(10)}"`), part: '"k8s9zq.****"', message: /contains whitespace/ },
    { what: 'a hash with 63 digits', text: GOOD.replace(H, H.slice(0, -1)), part: 'sha256:****', message: /63 hex digits instead of 64/ },
    { what: 'a hash with capital digits', text: GOOD.replace(H, `sha256:${HEX.toUpperCase()}`), part: 'sha256:****', message: /capital hex digits/ },
    { what: 'a hash without the sha256: prefix', text: GOOD.replace(H, HEX), part: '****', message: /does not start with "sha256:"/ },
    { what: 'a missing --discovery-token-ca-cert-hash', text: `kubeadm join 192.0.2.10:6443 --token ${T}`, part: '', message: /no --discovery-token-ca-cert-hash/ },
    { what: 'a missing --token', text: `kubeadm join 192.0.2.10:6443 --discovery-token-ca-cert-hash ${H}`, part: '', message: /no --token/ },
    { what: '--token without a value', text: `kubeadm join 192.0.2.10:6443 --discovery-token-ca-cert-hash ${H} --token`, part: '--token', message: /--token needs a value/ },
    { what: 'a missing endpoint', text: `kubeadm join --token ${T} --discovery-token-ca-cert-hash ${H}`, part: '', message: /no API server endpoint/ },
    { what: 'two endpoints', text: `${GOOD} 192.0.2.11:6443`, part: '192.0.2.11:6443', message: /unexpected argument/ },
    { what: 'an endpoint without port', text: GOOD.replace('192.0.2.10:6443', '192.0.2.10'), part: '192.0.2.10', message: /has no port/ },
    { what: 'port 0', text: GOOD.replace(':6443', ':0'), part: '192.0.2.10:0', message: /not a port number/ },
    { what: 'port 65536', text: GOOD.replace(':6443', ':65536'), part: '192.0.2.10:65536', message: /not a port number/ },
    { what: 'a URL', text: GOOD.replace('192.0.2.10:6443', 'https://192.0.2.10:6443'), part: 'https://192.0.2.10:6443', message: /URL scheme/ },
    { what: 'IPv6 without brackets', text: GOOD.replace('192.0.2.10:6443', '2001:db8::10:6443'), part: '2001:db8::10:6443', message: /without brackets/ },
    { what: 'a bad IPv4 address', text: GOOD.replace('192.0.2.10', '192.0.2.300'), part: '192.0.2.300:6443', message: /not a valid IPv4/ },
    { what: 'a typographic dash', text: GOOD.replace('--token', '\u2014token'), part: '\u2014', message: /typographic dash/ },
    { what: 'a zero-width space', text: GOOD.replace('--token', '--to\u200bken'), part: '\u200b', message: /zero-width/ },
    { what: 'typographic quotes', text: GOOD.replace(T, `\u201c${T}\u201d`), part: '\u201c', message: /typographic quote/ },
    { what: 'an unclosed quote', text: GOOD.replace(T, `'${T}`), part: "'", message: /never closed/ },
    { what: 'kubeadm init', text: GOOD.replace('join', 'init'), part: 'init', message: /expected "kubeadm join"/ },
    { what: 'another program', text: GOOD.replace('kubeadm', '/usr/bin/kubeadm'), part: '/usr/bin/kubeadm', message: /must start with "kubeadm join"/ },
    { what: 'an empty paste', text: ' \n\u00a0\n', part: '', message: /no command/ },
    { what: 'a bad node name', text: `${GOOD} --node-name Worker_1`, part: 'Worker_1', message: /not a valid node name/ },
    { what: 'a token given twice', text: `${GOOD} --token ${T}`, part: `--token k8s9zq.****`, message: /given twice/ },
    { what: 'a backslash escape', text: GOOD.replace(' --token', ' \\--token'), part: '\\-', message: /backslash escape/ },
  ];
  for (const c of table) {
    it(`given ${c.what}, when parsed, then it is refused at "${c.part}" with a hint`, () => {
      const e = refusal(c.text);
      assert.equal(e.part, c.part);
      assert.match(e.message, c.message);
      assert.ok(e.hint.length > 20, 'a hint says what to do');
      const norm = normalizeJoinText(c.text);
      assert.ok(e.index >= 0 && e.index + e.length <= norm.length);
      if (!/\*\*\*\*/.test(e.part)) assert.equal(norm.slice(e.index, e.index + e.length), e.part);
      assert.ok(e.line >= 1 && e.column >= 1);
    });
  }

  it('given any rejected join text, when the errors are shown, then neither the token secret nor the CA hash (nor long pieces of them) appear', () => {
    const texts = [
      ...table.map((c) => c.text),
      readCase('join-command-nbsp-wrapped.txt'),
      readCase('join-command-stray-dot.txt'),
      readCase('join-command-space-in-hash.txt').replace('" sha256', '" sha257'),
      GOOD.replace(` ${HASH}`, ` ${HEX.slice(0, 40)}\n${HEX.slice(40)}`),
      GOOD.replace(TOKEN, `${TOKEN.slice(0, 15)}\n${TOKEN.slice(15)}`),
      GOOD.replace(`--token ${TOKEN}`, `--token\u00a0${TOKEN}--discovery-token-ca-cert-hash`),
      GOOD.replace('--discovery-token-ca-cert-hash ', ''),
      GOOD.replace('--token ', ''),
      `${GOOD} ${TOKEN} ${HASH} ${HEX}`,
      `${GOOD} --discovery-token-ca-cert-hash sha256:${HEX.slice(0, 10)} ${HEX.slice(10)}`,
      GOOD.replace('kubeadm join', 'kubeadm token'),
    ];
    const secrets = [
      { s: SECRET, pieces: 6 },
      { s: CASE_TOKEN.split('.')[1]!, pieces: 8 },
      { s: HEX, pieces: 12 },
    ];
    for (const text of texts) {
      const e = refusal(text);
      for (const shown of shownTexts(e)) {
        for (const { s, pieces } of secrets) {
          for (let i = 0; i + pieces <= s.length; i++) {
            const piece = s.slice(i, i + pieces);
            assert.ok(!shown.includes(piece), `"${piece}" (part of a secret) leaked for input ${JSON.stringify(text)}: ${shown}`);
          }
        }
        assert.doesNotMatch(shown, /[0-9a-f]{16}/i, `a long hex run leaked: ${shown}`);
      }
    }
  });
});

describe('joinArgv and joinSecrets', () => {
  it('given a parsed command, when rebuilt, then the CRI socket is always passed (case E2)', () => {
    const argv = joinArgv(parseJoinCommand(GOOD), { criSocket: 'unix:///var/run/crio/crio.sock' });
    assert.deepEqual(argv.slice(-2), ['--cri-socket', 'unix:///var/run/crio/crio.sock']);
  });

  it('given a CRI socket that is not an absolute unix socket, when rebuilding, then it is refused', () => {
    assert.throws(() => joinArgv(parseJoinCommand(GOOD), { criSocket: 'containerd' }), /not an absolute unix socket/);
    assert.throws(() => joinArgv(parseJoinCommand(GOOD), { criSocket: '' }), /not an absolute unix socket/);
  });

  it('given the secrets of a command, when a SecretMasker masks the argv and kubeadm output, then no secret is left', () => {
    const j = parseJoinCommand(GOOD);
    const secrets = joinSecrets(j);
    assert.deepEqual(secrets, [TOKEN, SECRET, HASH, HEX]);
    const masker = new SecretMasker();
    for (const s of secrets) masker.add(s);
    const shown = [
      ...masker.maskArgv(joinArgv(j, { criSocket: CRI })),
      masker.mask(`none of the public keys "${HASH}" are pinned`),
      masker.mask(`bare ${HEX} and ${SECRET}`),
    ].join(' ');
    for (const s of secrets) assert.ok(!shown.includes(s), `${s} leaked: ${shown}`);
  });
});

describe('validateNodeLabel', () => {
  for (const label of ['gvisor.example/runsc=true', 'runsc=', 'a=b', 'node.kubernetes.io/sandbox=gvisor', 'kubelet.kubernetes.io/x=1', 'foo.node.kubernetes.io/x=y', 'topology.kubernetes.io/zone=rack-1', `x/${'n'.repeat(63)}=${'v'.repeat(63)}`, 'Example_Key.1=Value-2_x.3']) {
    it(`given "${label}", when validated, then it is accepted`, () => {
      const { key, value } = validateNodeLabel(label);
      assert.equal(`${key}=${value}`, label);
    });
  }

  const refused: [string, RegExp, RegExp][] = [
    ['node-role.kubernetes.io/worker=', /NodeRestriction/, /kubectl label node NODE node-role\.kubernetes\.io\/worker=/],
    ['kubernetes.io/runsc=true', /NodeRestriction/, /gvisor\.example\/runsc=true/],
    ['sandbox.k8s.io/gvisor=true', /kubernetes\.io \/ k8s\.io namespace/, /gvisor\.example\/runsc=true/],
    ['runsc', /has no "="/, /key=value/],
    [`${'n'.repeat(64)}=x`, /64 characters \(at most 63\)/, /at most 63/],
    ['Gvisor.Example/runsc=true', /not a lowercase DNS subdomain/, /prefix/],
    [`${'a'.repeat(254)}/x=y`, /not a lowercase DNS subdomain/, /253/],
    ['a/b/c=d', /more than one "\/"/, /prefix/],
    ['-runsc=true', /characters that are not allowed/, /starting and ending/],
    ['runsc=true value', /value "true value"/, /at most 63/],
    [`runsc=${'v'.repeat(64)}`, /64 characters/, /at most 63/],
    ['runsc=-x', /value "-x"/, /starting and ending/],
  ];
  for (const [label, detail, hint] of refused) {
    it(`given "${label.slice(0, 40)}", when validated, then it is refused and the message says why`, () => {
      assert.throws(
        () => validateNodeLabel(label),
        (err: unknown) => err instanceof NodeValueError && err.input === label && detail.test(err.detail) && hint.test(err.hint),
      );
    });
  }
});

describe('validateTaint', () => {
  it('given key=value:Effect and key:Effect, when validated, then the parts come back', () => {
    assert.deepEqual(validateTaint('gvisor.example/runsc=true:NoSchedule'), { key: 'gvisor.example/runsc', value: 'true', effect: 'NoSchedule' });
    assert.deepEqual(validateTaint('sandbox:NoExecute'), { key: 'sandbox', value: '', effect: 'NoExecute' });
    assert.deepEqual(validateTaint('a=b:PreferNoSchedule').effect, 'PreferNoSchedule');
  });

  for (const [taint, detail] of [
    ['runsc=true', /has no ":Effect"/],
    ['runsc=true:noschedule', /spelled "NoSchedule"/],
    ['runsc=true:Never', /not one of NoSchedule, PreferNoSchedule, NoExecute/],
    ['=true:NoSchedule', /empty name/],
    ['runsc=a b:NoSchedule', /not allowed/],
  ] as const) {
    it(`given "${taint}", when validated, then it is refused`, () => {
      assert.throws(() => validateTaint(taint), (err: unknown) => err instanceof NodeValueError && detail.test(err.detail) && /key|value/.test(err.hint));
    });
  }
});

describe('explainJoinFailure', () => {
  const echoed = `I0101 kubeadm join 192.0.2.10:6443 --token ${TOKEN} --discovery-token-ca-cert-hash ${HASH} --v=5\n`;
  const outputs: [string, string, string][] = [
    [
      'the current expired-token message (case E3)',
      '[preflight] Running pre-flight checks\nerror execution phase preflight: couldn\'t validate the identity of the API Server: could not find a JWS signature in the cluster-info ConfigMap for token ID "k8s9zq"\nTo see the stack trace of this error execute with --v=5 or higher',
      'token-expired-or-unknown',
    ],
    ['the retry line of kubeadm --v=5', 'I0917 06:47:36.603845    2820 token.go:250] [discovery] Retrying due to error: could not find a JWS signature in the cluster-info ConfigMap for token ID "k8s9zq"', 'token-expired-or-unknown'],
    ['the 1.10-1.18 message', '[discovery] Failed to connect to API Server "192.0.2.10:6443": token id "k8s9zq" is invalid for this cluster or it has expired. Use "kubeadm token create" on the control-plane node to create a new valid token', 'token-expired-or-unknown'],
    ['the 1.9 message', '[discovery] Failed to connect to API Server "192.0.2.10:6443": there is no JWS signed token in the cluster-info ConfigMap. This token id "k8s9zq" is invalid for this cluster, can\'t connect', 'token-expired-or-unknown'],
    ['Unauthorized on kubeadm-config', 'error execution phase preflight: unable to fetch the kubeadm-config ConfigMap: failed to get config map: Unauthorized', 'token-expired-or-unknown'],
    [
      'two CRI sockets (case E2)',
      "Found multiple CRI endpoints on the host. Please define which one do you wish to use by setting the 'criSocket' field in the kubeadm configuration file: unix:///var/run/containerd/containerd.sock, unix:///var/run/cri-dockerd.sock\nTo see the stack trace of this error execute with --v=5 or higher",
      'multiple-cri-sockets',
    ],
    [
      'a node that already joined',
      'error execution phase preflight: [preflight] Some fatal errors occurred:\n\t[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: /etc/kubernetes/kubelet.conf already exists\n\t[ERROR Port-10250]: Port 10250 is in use\n\t[ERROR FileAvailable--etc-kubernetes-pki-ca.crt]: /etc/kubernetes/pki/ca.crt already exists',
      'already-joined',
    ],
    ['port 10250 alone', 'error execution phase preflight: [preflight] Some fatal errors occurred:\n\t[ERROR Port-10250]: Port 10250 is in use', 'kubelet-port-in-use'],
    ['a wrong token secret', "couldn't validate the identity of the API Server: failed to verify JWS signature of received cluster info object, can't trust this API Server", 'token-secret-mismatch'],
    ['a wrong CA hash', `error execution phase preflight: couldn't validate the identity of the API Server: cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "sha256:${'c'.repeat(64)}" are pinned`, 'ca-hash-mismatch'],
    ['an unreachable endpoint', 'failed to request the cluster-info ConfigMap: Get "https://192.0.2.10:6443/api/v1/namespaces/kube-public/configmaps/cluster-info?timeout=10s": dial tcp 192.0.2.10:6443: connect: connection refused', 'api-server-unreachable'],
  ];
  for (const [what, output, kind] of outputs) {
    it(`given ${what}, when explained, then it is recognised as ${kind} with next steps and without the token`, () => {
      const x = explainJoinFailure(echoed + output);
      assert.ok(x, 'recognised');
      assert.equal(x.kind, kind);
      assert.ok(x.what && x.why && x.next.length > 0);
      const shown = JSON.stringify(x);
      assert.ok(!shown.includes(SECRET) && !shown.includes(TOKEN) && !shown.includes(HEX), `secret leaked: ${shown}`);
    });
  }

  it('given the expired token, when explained, then the next step is a new join command from a control-plane node', () => {
    const x = explainJoinFailure(outputs[0]![1])!;
    assert.match(x.next.join(' '), /kubeadm token create --print-join-command/);
    assert.match(x.why, /24 hours/);
  });

  it('given two CRI sockets, when explained, then both sockets are named and --cri-socket is the way out', () => {
    const x = explainJoinFailure(outputs[5]![1])!;
    assert.match(x.why, /unix:\/\/\/var\/run\/containerd\/containerd\.sock, unix:\/\/\/var\/run\/cri-dockerd\.sock/);
    assert.match(x.next.join(' '), /--cri-socket/);
  });

  it('given output kubeadm did not fail with, when explained, then there is no explanation', () => {
    assert.equal(explainJoinFailure('This node has joined the cluster:\n* Certificate signing request was sent to apiserver'), undefined);
    assert.equal(explainJoinFailure(''), undefined);
  });
});
