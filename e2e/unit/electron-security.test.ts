import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { APP_INDEX_URL, APP_ORIGIN, appFileFor } from '../../electron/app-protocol.ts';
import { isAppUrl, isExternalLinkAllowed } from '../../electron/security.ts';

describe('the app:// protocol serves the renderer and nothing else', () => {
  const root = path.resolve('/opt/dchat/resources/app.asar/dist/renderer');

  it('maps app://dchat/ paths to files inside the renderer folder', () => {
    assert.deepEqual(appFileFor(APP_INDEX_URL, root), { file: path.join(root, 'index.html'), type: 'text/html; charset=utf-8' });
    assert.deepEqual(appFileFor(`${APP_ORIGIN}/`, root), { file: path.join(root, 'index.html'), type: 'text/html; charset=utf-8' });
    assert.equal(appFileFor(`${APP_ORIGIN}/assets/index-abc.js`, root)?.file, path.join(root, 'assets', 'index-abc.js'));
    assert.equal(appFileFor(`${APP_ORIGIN}/assets/index-abc.js?v=1#x`, root)?.file, path.join(root, 'assets', 'index-abc.js'));
  });

  it('refuses escapes, encoded separators, other hosts and unknown file types', () => {
    for (const url of [
      `${APP_ORIGIN}/../../etc/passwd`,
      `${APP_ORIGIN}/%2e%2e/%2e%2e/etc/passwd`,
      `${APP_ORIGIN}/assets%2F..%2F..%2Fsecret.js`,
      `${APP_ORIGIN}/assets/..%5C..%5Csecret.js`,
      `${APP_ORIGIN}//etc/passwd.js`,
      `${APP_ORIGIN}/x%00.js`,
      `${APP_ORIGIN}/%E0%A4%A.js`,
      'app://other/index.html',
      'file:///etc/passwd',
      `${APP_ORIGIN}/data/dchat.db`,
      `${APP_ORIGIN}/node-secret`,
      'not a url',
    ]) {
      assert.equal(appFileFor(url, root), undefined, url);
    }
  });

  it('lets the window reach only its own origin and the blobs it made', () => {
    assert.ok(isAppUrl(`${APP_ORIGIN}/assets/x.css`, APP_ORIGIN));
    assert.ok(isAppUrl('blob:app://dchat/1234', APP_ORIGIN));
    for (const url of ['file:///opt/dchat/resources/app.asar/dist/renderer/index.html', 'https://example.com/', 'app://dchat.evil/x', 'http://127.0.0.1:8080/api/identities']) {
      assert.equal(isAppUrl(url, APP_ORIGIN), false, url);
    }
  });

  it('opens only https links to a named host in the browser', () => {
    assert.ok(isExternalLinkAllowed('https://dchat.example/help'));
    for (const url of ['http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'https://user:pw@example.com/', 'dchat://invite/x', 'nonsense']) {
      assert.equal(isExternalLinkAllowed(url), false, url);
    }
  });
});
