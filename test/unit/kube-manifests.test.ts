import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import {
  checkRuntimeClassFixture,
  readYamlDocuments,
  runtimeClassYaml,
  testPodYaml,
  yamlGet,
  yamlToJs,
  YamlSubsetError,
  type TestPodOptions,
} from '../../src/kube/manifests.js';
import { sharedDir } from '../helpers/paths.js';
import { assertGoldenIn } from '../helpers/golden.js';

const k8sDir = join(sharedDir(), 'fixtures', 'k8s');
const casesDir = join(sharedDir(), 'cases');
const read = (path: string): string => readFileSync(path, 'utf8');
const fixture = (name: string): string => read(join(k8sDir, name));

const assertGolden = (name: string, text: string): void => assertGoldenIn('kube', name, text);

/** The YAML without comments, blank lines and trailing blanks: what two equivalent files share. */
const structure = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.replace(/(^|\s)#.*$/, '').trimEnd())
    .filter((l) => l !== '');

const LABEL = { key: 'gvisor.example/runsc', value: 'true' };
const POD: TestPodOptions = { name: 'gvisor-wizard-check', namespace: 'default', runtimeClassName: 'gvisor', image: 'local/busybox:test', marker: '31338', nodeLabel: LABEL };

describe('runtimeClassYaml (case E6)', () => {
  const text = runtimeClassYaml({ handler: 'runsc', nodeLabel: LABEL });

  it('given handler runsc and the wizard node label, when written, then it matches the golden file', () => {
    assertGolden('runtimeclass-gvisor.yaml', text);
  });

  it('given the same input, when comments are set aside, then it is line for line the expected case file', () => {
    assert.deepEqual(structure(text), structure(read(join(casesDir, 'runtimeclass-gvisor.expected.yaml'))));
  });

  it('given the written YAML, when read back, then handler, name and the quoted node selector are there', () => {
    const [doc, ...rest] = readYamlDocuments(text);
    assert.equal(rest.length, 0);
    assert.deepEqual(yamlToJs(doc!.root), {
      apiVersion: 'node.k8s.io/v1',
      kind: 'RuntimeClass',
      metadata: { name: 'gvisor' },
      handler: 'runsc',
      scheduling: { nodeSelector: { 'gvisor.example/runsc': 'true' } },
    });
    const value = yamlGet(doc!.root, ['scheduling', 'nodeSelector', 'gvisor.example/runsc']);
    assert.equal(value?.kind === 'scalar' && value.style, 'double', 'the label value is a string, not a YAML boolean');
    const ls = text.split('\n');
    assert.ok(ls.includes('handler: runsc'));
    assert.ok(ls.includes('    gvisor.example/runsc: "true"'));
    assert.ok(text.endsWith('\n'));
  });

  it('given a custom name, handler and label, when written and checked, then the checker finds that handler', () => {
    const custom = runtimeClassYaml({ name: 'sandboxed', handler: 'gvisor', nodeLabel: { key: 'sandbox', value: 'yes' } });
    assert.match(custom, /^ {4}sandbox: "yes"$/m);
    const c = checkRuntimeClassFixture(custom, { handler: 'gvisor', name: 'sandboxed' });
    assert.equal(c.ok, true, JSON.stringify(c));
    assert.deepEqual(c.runtimeClasses[0]!.nodeSelector, { sandbox: 'yes' });
  });

  it('given a handler with a trailing space, upper case or a dot, when written, then it is refused', () => {
    for (const handler of ['runc ', 'Runsc', 'run.sc', '']) {
      assert.throws(() => runtimeClassYaml({ handler, nodeLabel: LABEL }), /RuntimeClass handler .* is not valid/);
    }
    assert.throws(() => runtimeClassYaml({ handler: 'runsc', nodeLabel: { key: 'bad key', value: 'true' } }), /node label key/);
    assert.throws(() => runtimeClassYaml({ handler: 'runsc', nodeLabel: { key: 'a/b', value: 'not ok' } }), /node label value/);
  });
});

describe('testPodYaml', () => {
  const text = testPodYaml(POD);

  it('given the isolation-check options, when written, then it matches the golden file', () => {
    assertGolden('pod-gvisor-check.yaml', text);
  });

  it('given the written Pod, when read back, then it runs "sleep <marker>" under the RuntimeClass on the labelled node and never restarts', () => {
    const [doc] = readYamlDocuments(text);
    const pod = yamlToJs(doc!.root) as { kind: string; metadata: Record<string, unknown>; spec: Record<string, unknown> };
    assert.equal(pod.kind, 'Pod');
    assert.deepEqual(pod.metadata.name, 'gvisor-wizard-check');
    assert.deepEqual(pod.metadata.namespace, 'default');
    assert.equal(pod.spec.runtimeClassName, 'gvisor');
    assert.equal(pod.spec.restartPolicy, 'Never');
    assert.deepEqual(pod.spec.nodeSelector, { 'gvisor.example/runsc': 'true' });
    const containers = pod.spec.containers as Record<string, unknown>[];
    assert.equal(containers.length, 1);
    assert.deepEqual(containers[0]!.command, ['sleep', '31338']);
    assert.equal(containers[0]!.image, 'local/busybox:test');
    // The marker must be a YAML string: a bare 31338 is a number and the API refuses it in command.
    const marker = yamlGet(doc!.root, ['spec', 'containers']);
    assert.ok(marker?.kind === 'seq');
    const command = yamlGet(marker.items[0], ['command']);
    assert.ok(command?.kind === 'seq');
    const arg = command.items[1];
    assert.ok(arg?.kind === 'scalar' && arg.style === 'double');
  });

  it('given the written Pod, when searched, then nothing privileged or host-level is asked for', () => {
    assert.doesNotMatch(text, /privileged: true|hostPID|hostNetwork|hostIPC|hostPath|allowPrivilegeEscalation: true|add:/);
    assert.match(text, /allowPrivilegeEscalation: false/);
    assert.match(text, /automountServiceAccountToken: false/);
  });

  it('given no namespace, when written, then no namespace line is written', () => {
    const { namespace: _ns, ...noNs } = POD;
    assert.doesNotMatch(testPodYaml(noNs), /namespace:/);
  });

  it('given a marker that is not digits or an image with a space, when written, then it is refused', () => {
    assert.throws(() => testPodYaml({ ...POD, marker: '31338; rm -rf /' }), /marker/);
    assert.throws(() => testPodYaml({ ...POD, image: 'busybox latest' }), /image/);
    assert.throws(() => testPodYaml({ ...POD, name: 'Check_Pod' }), /pod name/);
  });
});

describe('checkRuntimeClassFixture', () => {
  it('given the RuntimeClass whose handler is "runc " with a trailing space, when checked for runsc, then the handler is runc (trailing blank noted) and does not match', () => {
    const c = checkRuntimeClassFixture(fixture('runtimeclass-misconfigured-handler-runc-trailing-space.yaml'), { handler: 'runsc' });
    assert.equal(c.ok, false);
    const [rc] = c.runtimeClasses;
    assert.equal(rc?.name, 'gvisorclass');
    assert.equal(rc?.handler, 'runc');
    assert.equal(rc?.handlerRaw, 'runc ');
    assert.equal(rc?.handlerLine, 5);
    assert.equal(rc?.handlerTrailingBlanks, true);
    assert.equal(rc?.matches, false);
    assert.match(rc!.problems.join('\n'), /line 5: handler "runc" is not the runtime configured in containerd \("runsc"\): pods of this class run with runc, on the host kernel/);
    assert.match(rc!.notes.join('\n'), /trailing blanks after the handler "runc "/);
  });

  it('given the gardener RuntimeClass, when checked for runsc, then it matches and its node selector is read', () => {
    const c = checkRuntimeClassFixture(fixture('runtimeclass-gvisor-runsc-nodeselector.yaml'), { handler: 'runsc' });
    assert.equal(c.ok, true);
    assert.deepEqual(c.runtimeClasses[0]!.nodeSelector, { 'containerruntime.worker.gardener.cloud/gvisor': 'true' });
  });

  it('given the docs-style RuntimeClass with a leading blank line, comments and no final newline, when checked, then handler runsc matches', () => {
    const c = checkRuntimeClassFixture(fixture('runtimeclass-runsc-comments-leading-blank-no-trailing-newline.yaml'), { handler: 'runsc', name: 'myclass' });
    assert.equal(c.ok, true);
    assert.equal(c.runtimeClasses[0]!.handler, 'runsc');
    assert.equal(c.runtimeClasses[0]!.handlerLine, 10);
    assert.match(c.runtimeClasses[0]!.notes.join('\n'), /no scheduling\.nodeSelector/);
  });

  it('given two RuntimeClass documents with handler gvisor, when checked for runsc, then both are reported; checked for gvisor, both match', () => {
    const text = fixture('runtimeclass-handler-gvisor-scheduling-tolerations-multidoc.yaml');
    const c = checkRuntimeClassFixture(text, { handler: 'runsc' });
    assert.deepEqual(c.runtimeClasses.map((r) => [r.document, r.name, r.handler, r.matches]), [[1, 'gvisor', 'gvisor', false], [2, 'gvisor-unrestricted', 'gvisor', false]]);
    assert.match(c.runtimeClasses[0]!.problems[0]!, /no runtime for "gvisor" is configured/);
    assert.equal(checkRuntimeClassFixture(text, { handler: 'gvisor' }).ok, true);
    assert.deepEqual(checkRuntimeClassFixture(text, { name: 'gvisor-unrestricted' }).runtimeClasses.map((r) => r.document), [2]);
  });

  it('given Pod manifests only, when checked, then "no RuntimeClass" is the problem', () => {
    for (const name of ['pod-docker-in-gvisor-gke-sandbox.yaml', 'pod-runtimeclassname-no-trailing-newline.yaml', 'workloads-multidoc-pods-deployments-runtimeclassname.yaml']) {
      const c = checkRuntimeClassFixture(fixture(name), { handler: 'runsc' });
      assert.deepEqual(c.problems, ['no RuntimeClass in the text'], name);
    }
  });

  it('given a quoted handler with a space, an old apiVersion and an unquoted boolean label value, when checked, then each is reported', () => {
    const text = 'apiVersion: node.k8s.io/v1beta1\nkind: RuntimeClass\nmetadata:\n  name: x\nhandler: "runsc "\nscheduling:\n  nodeSelector:\n    a: true\n';
    const [rc] = checkRuntimeClassFixture(text, { handler: 'runsc' }).runtimeClasses;
    assert.equal(rc?.handler, 'runsc ');
    assert.equal(rc?.matches, false);
    assert.equal(rc?.problems.length, 2);
    assert.match(rc!.problems[0]!, /not a DNS label/);
    assert.match(rc!.problems[1]!, /line 8: nodeSelector a: true is read as a boolean\/null, not a string: quote it \("true"\)/);
    assert.match(rc!.notes[0]!, /v1beta1 was removed in 1\.25/);
  });

  it('given YAML the reader does not support, when checked, then the problem names the line', () => {
    const c = checkRuntimeClassFixture('kind: RuntimeClass\nhandler: &h runsc\n');
    assert.deepEqual(c.problems, ['cannot read the YAML: line 2: anchors, aliases and tags are not supported']);
  });
});

describe('readYamlDocuments on every k8s fixture', () => {
  const kinds: Record<string, (string | null)[]> = {
    'pod-docker-in-gvisor-gke-sandbox.yaml': ['Pod'],
    'pod-runtimeclassname-no-trailing-newline.yaml': ['Pod'],
    'runtimeclass-gvisor-runsc-nodeselector.yaml': ['RuntimeClass'],
    'runtimeclass-handler-gvisor-scheduling-tolerations-multidoc.yaml': ['RuntimeClass', 'RuntimeClass'],
    'runtimeclass-misconfigured-handler-runc-trailing-space.yaml': ['RuntimeClass'],
    'runtimeclass-runsc-comments-leading-blank-no-trailing-newline.yaml': ['RuntimeClass'],
    'workloads-multidoc-pods-deployments-runtimeclassname.yaml': ['Pod', 'Pod', 'Deployment', 'Deployment', 'StatefulSet', 'Job', 'CronJob', 'Service', 'Service'],
  };
  it('given the fixture list, when compared with the table here, then every fixture is covered', () => {
    assert.deepEqual(readdirSync(k8sDir).filter((f) => f.endsWith('.yaml')).sort(), Object.keys(kinds).sort());
  });
  for (const [name, want] of Object.entries(kinds)) {
    it(`given ${name}, when read, then its documents have the kinds ${want.join(', ')}`, () => {
      const docs = readYamlDocuments(fixture(name));
      assert.deepEqual(docs.map((d) => yamlToJs(yamlGet(d.root, ['kind']))), want);
    });
  }

  it('given the workloads file, when read, then nested values, flow lists and block scalars come out right', () => {
    const docs = readYamlDocuments(fixture('workloads-multidoc-pods-deployments-runtimeclassname.yaml'));
    const cron = yamlToJs(docs[6]!.root) as { spec: { schedule: string; jobTemplate: { spec: { template: { spec: { runtimeClassName: string; containers: { command: string[] }[] } } } } } };
    assert.equal(cron.spec.schedule, '0 2 * * *');
    const podSpec = cron.spec.jobTemplate.spec.template.spec;
    assert.equal(podSpec.runtimeClassName, 'gvisor');
    assert.deepEqual(podSpec.containers[0]!.command, ['/bin/sh', '-c', 'echo "Running backup at $(date)"\n# Your backup logic here\necho "Backup complete"\n']);
    const gke = yamlToJs(readYamlDocuments(fixture('pod-docker-in-gvisor-gke-sandbox.yaml'))[0]!.root) as { spec: { containers: { securityContext: { capabilities: { add: string } } }[] } };
    assert.equal(gke.spec.containers[0]!.securityContext.capabilities.add, '["all"]');
  });

  it('given a tab used for indentation, when read, then a YamlSubsetError names the line', () => {
    assert.throws(() => readYamlDocuments('a:\n\tb: 1\n'), (e: unknown) => e instanceof YamlSubsetError && e.line === 2);
  });
});
