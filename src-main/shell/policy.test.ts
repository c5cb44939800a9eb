import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_ORIGIN,
  appOriginOf,
  appRequestFile,
  decideExport,
  decideImportSource,
  decideOpenFolder,
  isSameOrigin,
  isTrustedSender,
  PACKAGED_FUSES,
  PathGrants,
  permissionAllowed,
  webPreferences,
} from './policy';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'samantic-policy-'));
  mkdirSync(join(dir, 'photos', 'sub'), { recursive: true });
  mkdirSync(join(dir, 'ui', 'assets'), { recursive: true });
  symlinkSync('/etc', join(dir, 'photos', 'escape'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('navigation', () => {
  it('compares exact origins by parsing, never by prefix', () => {
    const dev = appOriginOf('http://localhost:5173/');
    expect(dev).toBe('http://localhost:5173');
    expect(isSameOrigin('http://localhost:5173/index.html?x=1#y', dev)).toBe(true);
    for (const evil of [
      'http://localhost:5173.evil.example/',
      'http://localhost:51730/',
      'https://localhost:5173/',
      'http://localhost:5173@evil.example/',
      'http://user:pw@localhost:5173/',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'not a url',
    ]) {
      expect(isSameOrigin(evil, dev), evil).toBe(false);
    }
    expect(appOriginOf(undefined)).toBe(APP_ORIGIN);
    expect(isSameOrigin('app://samantic/index.html', APP_ORIGIN)).toBe(true);
    expect(isSameOrigin('app://samantic.evil/index.html', APP_ORIGIN)).toBe(false);
    expect(isSameOrigin('app://other/index.html', APP_ORIGIN)).toBe(false);
  });

  it('trusts only the top frame of our window on the app origin', () => {
    const ok = { senderId: 1, windowId: 1, frameUrl: 'app://samantic/index.html', isTopFrame: true };
    expect(isTrustedSender(ok, APP_ORIGIN)).toBe(true);
    expect(isTrustedSender({ ...ok, senderId: 2 }, APP_ORIGIN)).toBe(false);
    expect(isTrustedSender({ ...ok, windowId: null }, APP_ORIGIN)).toBe(false);
    expect(isTrustedSender({ ...ok, isTopFrame: false }, APP_ORIGIN)).toBe(false);
    expect(isTrustedSender({ ...ok, frameUrl: 'https://evil.example/' }, APP_ORIGIN)).toBe(false);
    expect(isTrustedSender({ ...ok, frameUrl: null }, APP_ORIGIN)).toBe(false);
  });
});

describe('app:// files', () => {
  it('maps requests to files inside the UI folder only', () => {
    const ui = join(dir, 'ui');
    expect(appRequestFile('app://samantic/', ui)).toBe(join(ui, 'index.html'));
    expect(appRequestFile('app://samantic/assets/a.js?v=1', ui)).toBe(join(ui, 'assets', 'a.js'));
    // The URL parser folds encoded dot segments at the root: still inside the folder.
    expect(appRequestFile('app://samantic/%2e%2e/secret', ui)).toBe(join(ui, 'secret'));
    for (const bad of [
      'app://samantic/..%2f..%2fetc/passwd',
      'app://other/index.html',
      'file:///etc/passwd',
      'app://samantic/%E0%A4%A',
      'app://samantic/a%00b',
    ]) {
      expect(appRequestFile(bad, ui), bad).toBeNull();
    }
  });
});

describe('window and permissions', () => {
  it('isolates the page and grants no permission', () => {
    expect(webPreferences('/p.cjs')).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
      webSecurity: true,
    });
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) expect(permissionAllowed(p)).toBe(false);
    expect(PACKAGED_FUSES).toMatchObject({
      RunAsNode: false,
      EnableNodeOptionsEnvironmentVariable: false,
      EnableNodeCliInspectArguments: false,
      OnlyLoadAppFromAsar: true,
    });
  });
});

describe('paths the renderer names', () => {
  it('opens picked or recent folders (and below); anything else needs confirming', () => {
    const grants = new PathGrants();
    const photos = join(dir, 'photos');
    expect(decideOpenFolder({ folder: photos }, grants, []).ok).toBe(false);
    grants.grantFolder(photos);
    expect(decideOpenFolder({ folder: join(photos, 'sub') }, grants, []).ok).toBe(true);
    expect(decideOpenFolder({ folder: '/etc' }, grants, [])).toEqual({ ok: false, confirm: '/etc', what: 'folder' });
    expect(decideOpenFolder({ folder: join(photos, 'escape') }, grants, []).ok).toBe(false);
    expect(decideOpenFolder({ folder: '/srv' }, new PathGrants(), ['/srv']).ok).toBe(true);
  });

  it('exports inside the project folder or to a picked file; relative paths resolve against the folder', () => {
    const grants = new PathGrants();
    const photos = join(dir, 'photos');
    expect(decideExport({ out: 'coco.json' }, photos, grants)).toEqual({ ok: true, args: { out: join(photos, 'coco.json') } });
    expect(decideExport({ out: '../../x.json' }, photos, grants).ok).toBe(false);
    expect(decideExport({ out: join(photos, 'escape', 'x.json') }, photos, grants).ok).toBe(false);
    expect(decideExport({ out: '/tmp/picked.json' }, photos, grants)).toEqual({ ok: false, confirm: '/tmp/picked.json', what: 'export' });
    grants.grantFile('/tmp/picked.json');
    expect(decideExport({ out: '/tmp/picked.json' }, photos, grants)).toEqual({ ok: true, args: { out: '/tmp/picked.json' } });
  });

  it('imports annotations from the project folder or a granted folder; anything else needs confirming', () => {
    const grants = new PathGrants();
    const photos = join(dir, 'photos');
    expect(decideImportSource({ format: 'coco', source: join(photos, 'coco.json') }, photos, grants).ok).toBe(true);
    expect(decideImportSource({ format: 'coco', source: '/srv/labels/coco.json' }, photos, grants)).toEqual({
      ok: false,
      confirm: '/srv/labels/coco.json',
      what: 'import',
    });
    grants.grantFolder('/srv/labels');
    expect(decideImportSource({ format: 'coco', source: '/srv/labels/coco.json' }, photos, grants).ok).toBe(true);
  });
});
