import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_BUCKET, normalizeBaseUrl, parseRelease, releaseDirUrl } from '../../src/release/channel.js';

describe('parseRelease', () => {
  test('latest is release/latest', () => {
    assert.deepEqual(parseRelease('latest'), { channel: 'latest', name: 'latest', path: 'release/latest' });
  });

  test('nightly is nightly/latest', () => {
    assert.deepEqual(parseRelease('nightly'), { channel: 'nightly', name: 'nightly', path: 'nightly/latest' });
  });

  test('a pinned date is release/YYYYMMDD', () => {
    assert.deepEqual(parseRelease('20240729'), { channel: 'pinned', name: '20240729', path: 'release/20240729' });
  });

  test('a pinned date with a build number is release/YYYYMMDD.N', () => {
    assert.equal(parseRelease('20240729.0').path, 'release/20240729.0');
    assert.equal(parseRelease('20221219.12').path, 'release/20221219.12');
  });

  test('a leap day is a real date', () => {
    assert.equal(parseRelease('20240229').path, 'release/20240229');
  });

  for (const bad of ['20230229', '20241301', '20240431', '20240000', '20240100']) {
    test(`refuses ${bad}: not a real date`, () => {
      assert.throws(() => parseRelease(bad), (e: Error) => {
        assert.ok(e.message.includes(`"${bad}"`), e.message);
        assert.match(e.message, /not a real date/);
        assert.match(e.message, /YYYYMMDD/);
        return true;
      });
    });
  }

  for (const bad of ['stable', 'Latest', 'release-20240729', '2024-07-29', '202407', '20240729.', '20240729.x', 'v20240729', '']) {
    test(`refuses ${JSON.stringify(bad)}, naming it and the accepted forms`, () => {
      assert.throws(() => parseRelease(bad), (e: Error) => {
        assert.ok(e.message.includes(`"${bad}"`), e.message);
        assert.match(e.message, /"latest", "nightly", or a pinned release date YYYYMMDD or YYYYMMDD\.N/);
        return true;
      });
    });
  }
});

describe('releaseDirUrl', () => {
  test('builds the bucket URL of a release for an arch', () => {
    assert.equal(releaseDirUrl(DEFAULT_BUCKET, parseRelease('latest'), 'x86_64'), 'https://storage.googleapis.com/gvisor/releases/release/latest/x86_64');
    assert.equal(releaseDirUrl(DEFAULT_BUCKET, 'nightly', 'aarch64'), 'https://storage.googleapis.com/gvisor/releases/nightly/latest/aarch64');
    assert.equal(releaseDirUrl(DEFAULT_BUCKET, '20240729.0', 'x86_64'), 'https://storage.googleapis.com/gvisor/releases/release/20240729.0/x86_64');
  });

  test('a mirror replaces the bucket base and keeps the layout below it', () => {
    assert.equal(releaseDirUrl('http://mirror.example:8080/gvisor/', 'latest', 'aarch64'), 'http://mirror.example:8080/gvisor/release/latest/aarch64');
    assert.equal(releaseDirUrl('https://mirror.example//', '20240729', 'x86_64'), 'https://mirror.example/release/20240729/x86_64');
  });

  for (const bad of ['ftp://mirror.example/gvisor', 'file:///srv/gvisor', 'mirror.example/gvisor', '/srv/gvisor', 'https://user:pw@mirror.example/', 'https://mirror.example/?x=1']) {
    test(`refuses mirror ${bad}`, () => {
      assert.throws(() => normalizeBaseUrl(bad), /invalid mirror URL/);
    });
  }

  test('the error for a file: mirror points at --from-dir', () => {
    assert.throws(() => normalizeBaseUrl('file:///srv/gvisor'), /--from-dir/);
  });
});
