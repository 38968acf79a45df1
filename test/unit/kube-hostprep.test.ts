import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import {
  commentOutSwap,
  ensureHostsEntry,
  ensureModulesLoad,
  ensureSysctl,
  explainSwap,
  hostPrepPlanOrder,
  parseProcSwaps,
  sysctlProcPath,
  unexplainedSwap,
  type HostEditResult,
} from '../../src/kube/hostprep.js';
import { sharedDir } from '../helpers/paths.js';
import { assertGoldenIn } from '../helpers/golden.js';

const hostDir = join(sharedDir(), 'fixtures', 'host');
const casesDir = join(sharedDir(), 'cases');
const read = (path: string): string => readFileSync(path, 'utf8');
const fixture = (name: string): string => read(join(hostDir, name));
const caseFile = (name: string): string => read(join(casesDir, name));
const hostFixtures = (prefix: string): string[] => readdirSync(hostDir).filter((f) => f.startsWith(prefix)).sort();
const lines = (text: string): string[] => text.split('\n');

const assertGolden = (name: string, text: string): void => assertGoldenIn('kube', name, text);

/** Runs an editor on its own output: nothing may change. */
function assertIdempotent(again: HostEditResult, first: HostEditResult): void {
  assert.equal(again.text, first.text);
  assert.equal(again.changed, false);
  assert.deepEqual(again.changes, []);
}

/** /proc/swaps as the kernel prints it. */
const procSwaps = (...rows: [string, string, number][]): string =>
  'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n' +
  rows.map(([f, t, size], i) => `${f.padEnd(40)}${t}\t\t${size}\t\t0\t\t-${i + 2}\n`).join('');

describe('commentOutSwap (case D1)', () => {
  it('given the case fstab with a tab-separated /swap.img line, when swap is commented out, then the result is exactly the expected file', () => {
    const r = commentOutSwap(caseFile('fstab-swapfile.fstab'));
    assert.equal(r.text, caseFile('fstab-swapfile.expected.fstab'));
    assert.equal(r.changed, true);
    assert.deepEqual(r.swapLines, [{ line: 4, device: '/swap.img' }]);
    assert.deepEqual(r.changes, ['line 4: commented out the swap entry /swap.img (options sw)']);
    assertIdempotent(commentOutSwap(r.text), r);
  });

  for (const name of hostFixtures('fstab-')) {
    it(`given ${name}, when swap is commented out, then the output matches the golden file, only swap lines gained a leading "#", and a second run is byte-identical`, () => {
      const input = fixture(name);
      const r = commentOutSwap(input);
      assertGolden(name.replace(/\.fstab$/, '.out.fstab'), r.text);

      const before = lines(input);
      const after = lines(r.text);
      assert.equal(after.length, before.length, 'no line added or removed');
      const changed = before.flatMap((l, i) => (l === after[i] ? [] : [i + 1]));
      assert.deepEqual(changed, r.swapLines.map((s) => s.line));
      for (const n of changed) {
        assert.equal(after[n - 1], '#' + before[n - 1]);
        assert.equal(before[n - 1]!.trim().split(/\s+/)[2], 'swap');
      }
      assert.equal(r.changed, changed.length > 0);
      assertIdempotent(commentOutSwap(r.text), r);
    });
  }

  it('given two swap partitions by UUID with tabs, when commented out, then both lines are reported with their devices', () => {
    const r = commentOutSwap(fixture('fstab-two-swap-partitions-by-uuid-tabs.fstab'));
    assert.deepEqual(r.swapLines, [
      { line: 4, device: 'UUID=343c4a05-59d3-48f1-9bfb-2abcb53bb2fc' },
      { line: 5, device: 'UUID=6959ff3c-c302-4af6-8c05-2284ac330e71' },
    ]);
  });

  it('given the installer fstab whose /swapfile line is already commented out, when run, then nothing changes and the old line is reported as already commented', () => {
    const input = fixture('fstab-debian-installer-commented-swapfile-floppy.fstab');
    const r = commentOutSwap(input);
    assert.equal(r.text, input);
    assert.equal(r.changed, false);
    assert.deepEqual(r.swapLines, []);
    assert.deepEqual(r.alreadyCommented, [{ line: 10, device: '/swapfile' }]);
  });

  it('given CRLF endings, an indented swap line and no final newline, when commented out, then only "#" is added', () => {
    const input = 'UUID=1 / ext4 defaults 0 1\r\n  /dev/sda2 none swap sw 0 0\r\n/swapfile none swap sw,pri=5 0 0';
    const r = commentOutSwap(input);
    assert.equal(r.text, 'UUID=1 / ext4 defaults 0 1\r\n#  /dev/sda2 none swap sw 0 0\r\n#/swapfile none swap sw,pri=5 0 0');
  });

  it('given a file system mounted at /swap that is not swap, when run, then it is left alone (only the type field counts)', () => {
    const input = '/dev/sdb1 /swap ext4 defaults 0 2\nswap /mnt/x tmpfs defaults 0 0\n';
    assert.equal(commentOutSwap(input).changed, false);
  });
});

describe('unexplainedSwap', () => {
  it('given the curtin fstab (no swap line) and /proc/swaps showing /swap.img, when compared, then /swap.img is reported as unexplained', () => {
    const fstab = fixture('fstab-ubuntu-curtin-no-swap-line-but-swap-active.fstab');
    const found = unexplainedSwap(procSwaps(['/swap.img', 'file', 2097148]), fstab);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.verdict, 'unexplained');
    assert.equal(found[0]!.swap.filename, '/swap.img');
    assert.equal(found[0]!.swap.sizeKiB, 2097148);
    assert.match(found[0]!.message, /^\/swap\.img \(file, 2\.0 GiB\) is active but no active fstab line names it/);
    assert.match(found[0]!.message, /systemctl list-units --type swap/);
  });

  it('given the yaki fstab naming /swap.img and that file active, when compared, then nothing is reported', () => {
    const fstab = fixture('fstab-ubuntu-swap-img-single-line-yaki-issue.fstab');
    const procs = procSwaps(['/swap.img', 'file', 4194300]);
    assert.deepEqual(unexplainedSwap(procs, fstab), []);
    assert.deepEqual(explainSwap(procs, fstab).map((f) => [f.verdict, f.fstabLines]), [['explained', [{ line: 1, device: '/swap.img' }]]]);
  });

  it('given the fstab after commentOutSwap while /swap.img is still on, when compared, then it is unexplained and the commented line is named', () => {
    const fstab = commentOutSwap(fixture('fstab-ubuntu-swap-img-single-line-yaki-issue.fstab')).text;
    const [f] = unexplainedSwap(procSwaps(['/swap.img', 'file', 4194300]), fstab);
    assert.equal(f?.verdict, 'unexplained');
    assert.deepEqual(f?.fstabLines, [{ line: 1, device: '/swap.img' }]);
    assert.match(f!.message, /fstab line 1 names it but is commented out/);
  });

  it('given two swap partitions by UUID in fstab, when /proc/swaps shows kernel device names, then they are "possibly" explained (no blkid here) and zram is unexplained', () => {
    const fstab = fixture('fstab-two-swap-partitions-by-uuid-tabs.fstab');
    const found = unexplainedSwap(procSwaps(['/dev/sda3', 'partition', 8388604], ['/dev/zram0', 'partition', 1048572]), fstab);
    assert.deepEqual(found.map((f) => [f.swap.filename, f.verdict]), [['/dev/sda3', 'possibly'], ['/dev/zram0', 'unexplained']]);
    assert.deepEqual(found[0]!.fstabLines.map((l) => l.line), [4, 5]);
    assert.match(found[0]!.message, /blkid \/dev\/sda3/);
    assert.match(found[1]!.message, /zram swap is set up at boot/);
  });

  it('given a swap file active under a UUID-only fstab, when compared, then it is unexplained (a UUID names a block device, not a file)', () => {
    const fstab = fixture('fstab-two-swap-partitions-by-uuid-tabs.fstab');
    assert.deepEqual(unexplainedSwap(procSwaps(['/swapfile', 'file', 1024]), fstab).map((f) => f.verdict), ['unexplained']);
  });

  it('given escaped names and a deleted swap file, when /proc/swaps is parsed, then names are decoded and the deletion is noted', () => {
    const parsed = parseProcSwaps(procSwaps(['/var/my\\040swap', 'file', 100], ['/old\\040(deleted)', 'file', 200]));
    assert.deepEqual(parsed.map((s) => [s.filename, s.deleted, s.line]), [['/var/my swap', false, 2], ['/old', true, 3]]);
    assert.deepEqual(unexplainedSwap(procSwaps(['/var/my\\040swap', 'file', 100]), '/var/my\\040swap none swap sw 0 0\n'), []);
  });

  it('given no active swap (header only or empty), when compared, then nothing is reported', () => {
    assert.deepEqual(unexplainedSwap(procSwaps(), fixture('fstab-ubuntu-curtin-no-swap-line-but-swap-active.fstab')), []);
    assert.deepEqual(unexplainedSwap('', ''), []);
  });
});

describe('ensureModulesLoad (case D2)', () => {
  it('given no file, when the k8s modules are ensured, then the text is exactly the expected modules-load file', () => {
    const r = ensureModulesLoad(null);
    assert.equal(r.text, caseFile('modules-load-k8s.expected.conf'));
    assert.equal(r.changed, true);
    assertIdempotent(ensureModulesLoad(r.text), r);
  });

  for (const name of hostFixtures('modules-load.d-')) {
    it(`given ${name}, when overlay and br_netfilter are ensured, then the output matches the golden file, keeps every line, and a second run is byte-identical`, () => {
      const input = fixture(name);
      const r = ensureModulesLoad(input);
      assertGolden(name.replace(/\.conf$/, '.out.conf'), r.text);
      assert.ok(r.text.startsWith(input), 'existing lines stay, new ones are appended');
      const listed = r.text.split('\n').map((l) => l.trim());
      assert.ok(listed.includes('overlay') && listed.includes('br_netfilter'));
      assertIdempotent(ensureModulesLoad(r.text), r);
    });
  }

  it('given the IPVS list with nf_conntrack_ipv4, when ensured, then overlay is added, nf_conntrack_ipv4 stays and is warned about', () => {
    const input = fixture('modules-load.d-k8s.conf-ipvs-nf_conntrack_ipv4.conf');
    const r = ensureModulesLoad(input);
    assert.equal(r.text, input + 'overlay\n');
    assert.deepEqual(r.changes, ['added overlay']);
    assert.equal(r.warnings.length, 1);
    assert.equal(r.warnings[0]!.line, 2);
    assert.match(r.warnings[0]!.message, /nf_conntrack_ipv4 no longer exists on kernels ≥ 4\.19 \(merged into nf_conntrack\)/);
    assert.ok(r.text.includes('nf_conntrack_ipv4\n'));
  });

  it('given an old kernel release, when the IPVS list is checked, then nf_conntrack_ipv4 is not warned about', () => {
    const r = ensureModulesLoad(fixture('modules-load.d-k8s.conf-ipvs-nf_conntrack_ipv4.conf'), undefined, { kernelRelease: '4.15.0-20-generic' });
    assert.deepEqual(r.warnings, []);
    assert.equal(ensureModulesLoad(fixture('modules-load.d-k8s.conf-ipvs-nf_conntrack_ipv4.conf'), undefined, { kernelRelease: '6.1.0-18-amd64' }).warnings.length, 1);
  });

  it('given comments, "br-netfilter" spelled with a dash and no final newline, when ensured, then the dash form counts and overlay goes on a new line', () => {
    const input = '# k8s\n; old style comment\nbr-netfilter';
    const r = ensureModulesLoad(input);
    assert.equal(r.text, input + '\noverlay\n');
    assert.deepEqual(r.changes, ['added overlay']);
  });

  it('given a CRLF file, when a module is added, then the new line ends with CRLF too', () => {
    assert.equal(ensureModulesLoad('br_netfilter\r\n').text, 'br_netfilter\r\noverlay\r\n');
  });

  it('given a module name with a space or slash, when ensured, then it is refused', () => {
    assert.throws(() => ensureModulesLoad(null, ['over lay']), /not a kernel module name/);
    assert.throws(() => ensureModulesLoad(null, ['../x']), /not a kernel module name/);
  });
});

describe('ensureSysctl (case D2)', () => {
  it('given no file, when the k8s sysctls are ensured, then the text is exactly the case sysctl-k8s.conf', () => {
    const r = ensureSysctl(null);
    assert.equal(r.text, caseFile('sysctl-k8s.conf'));
    assert.equal(r.changed, true);
    assert.deepEqual(r.conflicts, []);
    assertIdempotent(ensureSysctl(r.text), r);
  });

  it('given the case sysctl-k8s.conf, when ensured, then nothing changes', () => {
    const input = caseFile('sysctl-k8s.conf');
    const r = ensureSysctl(input);
    assert.equal(r.text, input);
    assert.equal(r.changed, false);
  });

  for (const name of hostFixtures('sysctl.d-')) {
    it(`given ${name}, when the k8s sysctls are ensured, then the output matches the golden file and a second run is byte-identical with no conflicts`, () => {
      const r = ensureSysctl(fixture(name));
      assertGolden(name.replace(/\.conf$/, '.out.conf'), r.text);
      const again = ensureSysctl(r.text);
      assertIdempotent(again, r);
      assert.deepEqual(again.conflicts, []);
    });
  }

  it('given the file that sets bridge-nf-call-ip6tables to 1 and later to 0, when ensured, then only the last (winning) line is fixed and the earlier one is reported', () => {
    const input = fixture('sysctl.d-k8s.conf-duplicate-conflicting-key-disable-ipv6.conf');
    const r = ensureSysctl(input);
    const before = lines(input);
    const after = lines(r.text);
    assert.equal(after.length, before.length);
    assert.deepEqual(before.flatMap((l, i) => (l === after[i] ? [] : [i + 1])), [9]);
    assert.equal(after[8], 'net.bridge.bridge-nf-call-ip6tables = 1');
    assert.deepEqual(r.conflicts, [{ key: 'net.bridge.bridge-nf-call-ip6tables', line: 4, value: '1', overriddenBy: 9 }]);
    assert.deepEqual(r.changes, ['line 9: net.bridge.bridge-nf-call-ip6tables = 0 → 1; the last setting wins — line 4 also set it (1)']);
    // IPv6 is disabled on this host: not the wizard's business, left alone.
    assert.ok(r.text.startsWith('net.ipv6.conf.all.disable_ipv6 = 1\nnet.ipv6.conf.default.disable_ipv6 = 1\n'));
    assert.ok(r.text.includes('net.ipv6.conf.all.forwarding = 0\n'));
  });

  it('given the old-docs file without ip_forward and without a final newline, when ensured, then a newline ends the old last line and ip_forward is appended', () => {
    const input = fixture('sysctl.d-k8s.conf-no-ip-forward-no-newline.conf');
    assert.ok(!input.endsWith('\n'));
    const r = ensureSysctl(input);
    assert.equal(r.text, input + '\nnet.ipv4.ip_forward = 1\n');
    assert.deepEqual(r.changes, ['added net.ipv4.ip_forward = 1']);
  });

  it('given a file without final newline that is already right, when ensured, then no newline is added', () => {
    const input = 'net.bridge.bridge-nf-call-ip6tables=1\nnet.bridge.bridge-nf-call-iptables=1\nnet.ipv4.ip_forward=1';
    assert.equal(ensureSysctl(input).text, input);
  });

  it('given the aligned docs file with ip_forward = 0, when ensured, then only the value changes and the alignment and comment stay', () => {
    const input = fixture('sysctl.d-99-kubernetes-cri.conf-aligned-comment.conf').replace('ip_forward                 = 1', 'ip_forward                 = 0');
    const r = ensureSysctl(input);
    assert.equal(r.text, fixture('sysctl.d-99-kubernetes-cri.conf-aligned-comment.conf'));
    assert.deepEqual(r.changes, ['line 3: net.ipv4.ip_forward = 0 → 1']);
  });

  it('given an aligned file missing a key, when ensured, then the new line lines up its "=" with the others', () => {
    const input = '#ver2\nnet.bridge.bridge-nf-call-iptables  = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\n';
    assert.equal(ensureSysctl(input).text, input + 'net.ipv4.ip_forward                 = 1\n');
  });

  it('given a file written without spaces around "=", when a key is added, then it follows that style', () => {
    assert.equal(ensureSysctl('net.ipv4.ip_forward=1\nnet.bridge.bridge-nf-call-iptables=1\n').text, 'net.ipv4.ip_forward=1\nnet.bridge.bridge-nf-call-iptables=1\nnet.bridge.bridge-nf-call-ip6tables=1\n');
  });

  it('given slash-separated and "-"-prefixed keys, a trailing blank and CRLF, when ensured, then they are recognised and only the value is replaced', () => {
    const input = 'net/bridge/bridge-nf-call-iptables = 0 \r\n-net.bridge.bridge-nf-call-ip6tables=1\r\nnet.ipv4.ip_forward =\r\n';
    const r = ensureSysctl(input);
    assert.equal(r.text, 'net/bridge/bridge-nf-call-iptables = 1 \r\n-net.bridge.bridge-nf-call-ip6tables=1\r\nnet.ipv4.ip_forward = 1\r\n');
    assertIdempotent(ensureSysctl(r.text), r);
  });

  it('given an earlier wrong setting overridden by a later right one, when ensured, then nothing changes but the earlier line is reported', () => {
    const input = 'net.ipv4.ip_forward = 0\nnet.ipv4.ip_forward = 1\nnet.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\n';
    const r = ensureSysctl(input);
    assert.equal(r.changed, false);
    assert.deepEqual(r.conflicts, [{ key: 'net.ipv4.ip_forward', line: 1, value: '0', overriddenBy: 2 }]);
  });

  it('given a commented-out key and a line without "=", when ensured, then the comment stays, the key is appended and the bad line is warned about', () => {
    const r = ensureSysctl('#net.ipv4.ip_forward = 1\nnonsense\n', { 'net.ipv4.ip_forward': '1' });
    assert.equal(r.text, '#net.ipv4.ip_forward = 1\nnonsense\nnet.ipv4.ip_forward = 1\n');
    assert.deepEqual(r.warnings.map((w) => w.line), [2]);
  });
});

describe('sysctlProcPath and the host preparation order', () => {
  it('given dot and slash keys, when mapped, then they name files under /proc/sys', () => {
    assert.equal(sysctlProcPath('net.bridge.bridge-nf-call-iptables'), '/proc/sys/net/bridge/bridge-nf-call-iptables');
    assert.equal(sysctlProcPath('net.ipv4.ip_forward'), '/proc/sys/net/ipv4/ip_forward');
    assert.equal(sysctlProcPath('net/ipv4/conf/eth0.1/rp_filter'), '/proc/sys/net/ipv4/conf/eth0.1/rp_filter');
    assert.equal(sysctlProcPath('net.ipv4.conf.eth0/1.rp_filter'), '/proc/sys/net/ipv4/conf/eth0.1/rp_filter');
    assert.equal(sysctlProcPath('-net.ipv4.ip_forward'), '/proc/sys/net/ipv4/ip_forward');
  });

  it('given keys that would leave /proc/sys, when mapped, then they are refused', () => {
    assert.throws(() => sysctlProcPath('net..ip_forward'), /not a sysctl key/);
    assert.throws(() => sysctlProcPath('../../etc/passwd'), /not a sysctl key/);
    assert.throws(() => sysctlProcPath(''), /not a sysctl key/);
  });

  it('given the defaults, when the plan is made, then modules load before the sysctl file is applied and every key is read back as 1', () => {
    const plan = hostPrepPlanOrder();
    assert.deepEqual(plan.map((a) => a.id), [
      'modprobe-overlay',
      'modprobe-br_netfilter',
      'write-modules-load',
      'write-sysctl',
      'apply-sysctl',
      'read-back-net.bridge.bridge-nf-call-ip6tables',
      'read-back-net.bridge.bridge-nf-call-iptables',
      'read-back-net.ipv4.ip_forward',
    ]);
    const at = (id: string): number => plan.findIndex((a) => a.id === id);
    assert.ok(at('modprobe-br_netfilter') < at('apply-sysctl'), 'bridge keys exist only after br_netfilter is loaded');
    assert.deepEqual(plan[0], { kind: 'command', id: 'modprobe-overlay', argv: ['modprobe', 'overlay'], mustSucceed: true, description: 'load overlay now' });
    const apply = plan[at('apply-sysctl')]!;
    assert.ok(apply.kind === 'command');
    assert.deepEqual(apply.argv, ['sysctl', '--system']);
    assert.equal(apply.mustSucceed, false, 'the read-back decides, not the exit status of unrelated files');
    const reads = plan.filter((a) => a.kind === 'read-back');
    assert.deepEqual(reads.map((a) => [a.path, a.expect]), [
      ['/proc/sys/net/bridge/bridge-nf-call-ip6tables', '1'],
      ['/proc/sys/net/bridge/bridge-nf-call-iptables', '1'],
      ['/proc/sys/net/ipv4/ip_forward', '1'],
    ]);
    const writes = plan.filter((a) => a.kind === 'write-file');
    assert.deepEqual(writes.map((a) => [a.path, a.file]), [['/etc/modules-load.d/k8s.conf', 'modules-load'], ['/etc/sysctl.d/k8s.conf', 'sysctl']]);
  });

  it('given apply "file" and other paths, when the plan is made, then it runs sysctl -p on that file and must succeed', () => {
    const plan = hostPrepPlanOrder({ apply: 'file', sysctlFile: '/etc/sysctl.d/90-k8s.conf' });
    const apply = plan.find((a) => a.id === 'apply-sysctl');
    assert.deepEqual(apply, { kind: 'command', id: 'apply-sysctl', argv: ['sysctl', '-p', '/etc/sysctl.d/90-k8s.conf'], mustSucceed: true, description: 'apply /etc/sysctl.d/90-k8s.conf' });
  });
});

describe('ensureHostsEntry', () => {
  const debianHosts = '127.0.0.1\tlocalhost\n127.0.1.1\tnode1.example.org\tnode1\n\n# The following lines are desirable for IPv6 capable hosts\n::1     localhost ip6-localhost ip6-loopback\nff02::1 ip6-allnodes\n';

  it('given the Debian default hosts file, when a control-plane entry is ensured, then one line is appended in the file\'s tab style', () => {
    const r = ensureHostsEntry(debianHosts, '192.0.2.10', 'cp.example');
    assert.equal(r.text, debianHosts + '192.0.2.10\tcp.example\n');
    assert.deepEqual(r.changes, ['added 192.0.2.10 cp.example']);
    assertIdempotent(ensureHostsEntry(r.text, '192.0.2.10', 'cp.example'), r);
  });

  it('given the name on its own line with another address, when ensured, then only that address changes and it is reported', () => {
    const input = debianHosts + '192.0.2.99   cp.example   # old control plane\n';
    const r = ensureHostsEntry(input, '192.0.2.10', 'cp.example');
    assert.equal(r.text, debianHosts + '192.0.2.10   cp.example   # old control plane\n');
    assert.deepEqual(r.changes, ['line 7: cp.example pointed to 192.0.2.99; now 192.0.2.10']);
  });

  it('given the name sharing a line with other names, when ensured, then only the name leaves that line and a new line is added', () => {
    const input = '127.0.0.1 localhost\n192.0.2.99 cp.example other.example';
    const r = ensureHostsEntry(input, '192.0.2.10', 'CP.example');
    assert.equal(r.text, '127.0.0.1 localhost\n192.0.2.99 other.example\n192.0.2.10 CP.example\n');
    assert.deepEqual(r.changes, ['line 2: removed CP.example from 192.0.2.99 (other.example stays)', 'added 192.0.2.10 CP.example']);
  });

  it('given a right line and a stale line for the same name, when ensured, then the stale line is commented out', () => {
    const r = ensureHostsEntry('192.0.2.99 cp.example\n192.0.2.10 cp.example\n', '192.0.2.10', 'cp.example');
    assert.equal(r.text, '#192.0.2.99 cp.example\n192.0.2.10 cp.example\n');
  });

  it('given the name mapped to an IPv6 address too, when an IPv4 entry is ensured, then the IPv6 line stays and is warned about', () => {
    const r = ensureHostsEntry('2001:db8::10 cp.example\n', '192.0.2.10', 'cp.example');
    assert.equal(r.text, '2001:db8::10 cp.example\n192.0.2.10 cp.example\n');
    assert.deepEqual(r.warnings.map((w) => w.line), [1]);
  });

  it('given a commented-out entry for the name, when ensured, then the comment is not counted and stays', () => {
    const r = ensureHostsEntry('#192.0.2.10 cp.example\n', '192.0.2.10', 'cp.example');
    assert.equal(r.text, '#192.0.2.10 cp.example\n192.0.2.10 cp.example\n');
  });

  it('given a bad address or name, when ensured, then it is refused', () => {
    assert.throws(() => ensureHostsEntry('', '192.0.2.300', 'cp'), /not an IP address/);
    assert.throws(() => ensureHostsEntry('', '192.0.2.1', 'cp example'), /not a host name/);
  });
});
