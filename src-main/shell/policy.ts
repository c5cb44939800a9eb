// The desktop shell's security decisions, kept free of Electron so they are unit-tested as plain
// functions: the window's web preferences, which URLs the window may show (exact origin, by URL
// parsing), which IPC senders are trusted, how app:// requests map to files of the built UI, the
// paths the renderer may name (confine.ts), and the fuses a packaged build must flip.

import { isAbsolute, relative, resolve, sep } from 'node:path';
import { checkImportSource, checkOpenFolderArgs, confineExportPath } from '../server/confine';

/** The UI is served from app://samantic/ (a standard, secure custom scheme), never from file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'samantic';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/** The origin the window may show: the dev server's in development, app://samantic otherwise. */
export function appOriginOf(devServerUrl: string | undefined): string {
  if (!devServerUrl) return APP_ORIGIN;
  const u = new URL(devServerUrl);
  return `${u.protocol}//${u.host}`;
}

/**
 * True when `url` is on exactly `origin` (scheme, host and port). Parsed, never compared by
 * prefix: 'http://localhost:5173.evil.example/' is not 'http://localhost:5173'. Custom schemes
 * have no WHATWG origin ('null'), hence protocol and host.
 */
export function isSameOrigin(url: string, origin: string): boolean {
  let u: URL;
  let o: URL;
  try {
    u = new URL(url);
    o = new URL(origin);
  } catch {
    return false;
  }
  if (u.username || u.password) return false;
  return u.protocol === o.protocol && u.host === o.host && u.host !== '';
}

export interface SenderInfo {
  /** webContents id of the sender and of our main window (null when there is none). */
  senderId: number;
  windowId: number | null;
  /** URL of the sending frame, and whether it is the top frame. */
  frameUrl: string | null;
  isTopFrame: boolean;
}

/** Only the app's own top-level page in our window may call the API. */
export function isTrustedSender(s: SenderInfo, origin: string): boolean {
  return s.windowId !== null && s.senderId === s.windowId && s.isTopFrame && s.frameUrl !== null && isSameOrigin(s.frameUrl, origin);
}

/**
 * The file of the built UI an app:// request names, or null (another host, a path leaving the
 * folder, a malformed escape). '/' is index.html.
 */
export function appRequestFile(requestUrl: string, rendererDir: string): string | null {
  let u: URL;
  try {
    u = new URL(requestUrl);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  rel = rel === '/' || rel === '' ? 'index.html' : rel.replace(/^\/+/, '');
  const root = resolve(rendererDir);
  const file = resolve(root, rel);
  const r = relative(root, file);
  if (r === '' || r === '..' || r.startsWith('..' + sep) || isAbsolute(r)) return null;
  return file;
}

/** BrowserWindow webPreferences: isolated, sandboxed, no Node, no webviews. */
export function webPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  } as const;
}

/** Permissions the page may have: none (no camera, notifications, geolocation, clipboard reads...). */
export function permissionAllowed(_permission: string): boolean {
  return false;
}

/**
 * Electron fuses for a packaged build (flipped with @electron/fuses by the packaging step): no
 * running as plain Node, no NODE_OPTIONS or --inspect, the app only from its verified asar, and
 * file:// without extra privileges (the UI is on app://).
 */
export const PACKAGED_FUSES = {
  RunAsNode: false,
  EnableCookieEncryption: true,
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
  GrantFileProtocolExtraPrivileges: false,
} as const;

/**
 * Folders and files the user chose in a native dialog (or confirmed in one). The renderer may
 * name only these (and what lies under the folders); anything else needs the user's native
 * confirmation first, which a compromised page cannot give.
 */
export class PathGrants {
  private readonly folders = new Set<string>();
  private readonly files = new Set<string>();

  grantFolder(folder: string): void {
    this.folders.add(resolve(folder));
  }

  grantFile(file: string): void {
    this.files.add(resolve(file));
  }

  roots(extra: readonly string[] = []): string[] {
    return [...this.folders, ...extra.map((f) => resolve(f))];
  }

  pickedFiles(): ReadonlySet<string> {
    return this.files;
  }
}

export type PathDecision = { ok: true; args: unknown } | { ok: false; confirm: string; what: 'folder' | 'export' | 'import' };

/** openFolder: allowed under granted or recent folders; otherwise the folder needs confirming. */
export function decideOpenFolder(args: unknown, grants: PathGrants, recentFolders: readonly string[]): PathDecision {
  try {
    checkOpenFolderArgs(args, grants.roots(recentFolders));
    return { ok: true, args };
  } catch {
    const folder = (args as { folder?: unknown } | null)?.folder;
    return { ok: false, confirm: typeof folder === 'string' ? resolve(folder) : String(folder), what: 'folder' };
  }
}

/** exportCoco: inside the project folder or a picked file; otherwise the file needs confirming. */
export function decideExport(args: unknown, projectFolder: string | null, grants: PathGrants): PathDecision {
  const out = (args as { out?: unknown } | null)?.out;
  if (!projectFolder || typeof out !== 'string') return { ok: true, args };
  try {
    return { ok: true, args: { ...(args as object), out: confineExportPath(out, projectFolder, grants.pickedFiles()) } };
  } catch {
    return { ok: false, confirm: isAbsolute(out) ? resolve(out) : resolve(projectFolder, out), what: 'export' };
  }
}

/** importAnnotations: a source under granted folders or the project folder; otherwise it needs confirming. */
export function decideImportSource(args: unknown, projectFolder: string | null, grants: PathGrants): PathDecision {
  try {
    checkImportSource(args, grants.roots(), projectFolder);
    return { ok: true, args };
  } catch {
    const source = (args as { source?: unknown } | null)?.source;
    return { ok: false, confirm: typeof source === 'string' ? resolve(source) : String(source), what: 'import' };
  }
}
