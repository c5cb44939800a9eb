// The desktop shell: the only module that imports electron. It opens one locked-down window
// (context isolation, sandbox, no Node in the page, one CSP, no navigation off the app's exact
// origin, no popups, no permissions), serves the UI over app://samantic and the open project's
// images over samantic-media://, forwards the renderer's API calls over IPC to the service in a
// worker thread (paths confined to what the user picked or confirmed natively), pushes progress
// events back and owns the native menu and dialogs. The decisions live in policy.ts.
/// <reference types="electron-vite/node" />

import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
// sharp must be loaded by the main thread before any worker uses it: on glibc Linux libvips must
// stay mapped until every thread is done (sharp's documentation, "worker threads").
import 'sharp';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  net,
  protocol,
  session,
  shell,
  type IpcMainInvokeEvent,
  type MenuItemConstructorOptions,
} from 'electron';
import type { CallResult } from '../core/api/dispatch';
import { EXPORT_METHODS } from '../server/confine';
import { CONTENT_SECURITY_POLICY, MEDIA_SCHEME } from '../server/security';
import startServiceWorker from '../server/service-worker?nodeWorker';
import { PromptRoutedBackend, spawnPromptWorker } from '../server/prompt-host';
import { WorkerBackend } from '../server/service-host';
import type { WorkerInit } from '../server/service-worker';
import {
  APP_INDEX_URL,
  APP_SCHEME,
  appOriginOf,
  appRequestFile,
  decideExport,
  decideImportSource,
  decideOpenFolder,
  isSameOrigin,
  isTrustedSender,
  PathGrants,
  permissionAllowed,
  webPreferences,
  type PathDecision,
} from './policy';

const CALL_CHANNEL = 'samantic:call';
const EVENT_CHANNEL = 'samantic:event';

/**
 * Methods only the desktop shell offers, outside the core contract: native dialogs. The renderer
 * calls them through the same `call` bridge; the server transport does not have them.
 */
export const SHELL_METHODS = ['pickFolder', 'pickExportFile'] as const;

const here = dirname(fileURLToPath(import.meta.url));
const rendererUrl = process.env.ELECTRON_RENDERER_URL;
const rendererDir = join(here, '../renderer');
/** The origin the window may show; IPC from anything else is refused. */
const appOrigin = appOriginOf(rendererUrl);
/** The UI's one CSP, sent as a header with every page (app:// and the dev server alike). */
const PAGE_CSP = CONTENT_SECURITY_POLICY;

// Must run before `ready`: lets the custom schemes use fetch/Image like https and stream bytes.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);
app.enableSandbox();

let mainWindow: BrowserWindow | null = null;

// ---------------------------------------------------------------------------- service worker

const service = new WorkerBackend(
  () =>
    startServiceWorker({
      workerData: { modelsDir: join(app.getAppPath(), 'models'), stateDir: app.getPath('userData') } satisfies WorkerInit,
    }),
  (message) => mainWindow?.webContents.send(EVENT_CHANNEL, { type: 'warning', message }),
);
service.onEvent((event) => mainWindow?.webContents.send(EVENT_CHANNEL, event));
// Clicks go to a prompt worker of their own (out/main/prompt-worker.js), so they never wait for the generator.
const calls = new PromptRoutedBackend(service, spawnPromptWorker, (message) =>
  mainWindow?.webContents.send(EVENT_CHANNEL, { type: 'warning', message }),
);

// ---------------------------------------------------------------------------- IPC

function trustedSender(e: IpcMainInvokeEvent): boolean {
  const frame = e.senderFrame;
  return isTrustedSender(
    {
      senderId: e.sender.id,
      windowId: mainWindow?.webContents.id ?? null,
      frameUrl: frame?.url ?? null,
      isTopFrame: !!frame && frame.parent === null,
    },
    appOrigin,
  );
}

/** Folders and export files the user picked or confirmed in a native dialog. */
const grants = new PathGrants();

const CONFIRM: Record<Extract<PathDecision, { ok: false }>['what'], { button: string; message: string; detail: string }> = {
  folder: {
    button: 'Open',
    message: 'Open the folder',
    detail: 'Samantic will read its photos and keep its project in a .samantic folder inside it.',
  },
  export: { button: 'Write', message: 'Write the export to', detail: 'This file is outside the project folder.' },
  import: { button: 'Read', message: 'Import the annotations in', detail: 'This path is outside the project folder.' },
};

/** A path the renderer named outside what the user picked: allowed only after a native confirmation. */
async function confirmPath(decision: Extract<PathDecision, { ok: false }>): Promise<boolean> {
  if (!mainWindow) return false;
  const r = await dialog.showMessageBox(mainWindow, {
    type: 'question',
    buttons: [CONFIRM[decision.what].button, 'Cancel'],
    defaultId: 1,
    cancelId: 1,
    message: `${CONFIRM[decision.what].message} ${decision.confirm}?`,
    detail: CONFIRM[decision.what].detail,
  });
  if (r.response !== 0) return false;
  if (decision.what === 'export') grants.grantFile(decision.confirm);
  else if (decision.what === 'folder') grants.grantFolder(decision.confirm);
  return true;
}

const REFUSED: CallResult = { ok: false, error: { code: 'forbidden', message: 'Not allowed: choose the folder or file in the dialog.' } };

/** openFolder, exports and imports: the same confinement as the server, with native consent instead of roots. */
async function confinedArgs(method: string, args: unknown): Promise<{ ok: true; args: unknown } | { ok: false }> {
  if (method === 'openFolder') {
    const recent = await service.call('listRecent', undefined);
    const folders = recent.ok ? (recent.value as { folder: string }[]).map((r) => r.folder) : [];
    const d = decideOpenFolder(args, grants, folders);
    if (d.ok) return d;
    return (await confirmPath(d)) ? { ok: true, args } : { ok: false };
  }
  if (method === 'importAnnotations') {
    const summary = await service.call('getSummary', undefined);
    const folder = summary.ok ? ((summary.value as { folder?: string } | null)?.folder ?? null) : null;
    const d = decideImportSource(args, folder, grants);
    if (d.ok) return d;
    return (await confirmPath(d)) ? { ok: true, args } : { ok: false };
  }
  if (EXPORT_METHODS.includes(method)) {
    const summary = await service.call('getSummary', undefined);
    const folder = summary.ok ? ((summary.value as { folder?: string } | null)?.folder ?? null) : null;
    const d = decideExport(args, folder, grants);
    if (d.ok) return d;
    return (await confirmPath(d)) ? decideExport(args, folder, grants) : { ok: false };
  }
  return { ok: true, args };
}

async function shellMethod(method: (typeof SHELL_METHODS)[number], args: unknown): Promise<CallResult> {
  if (!mainWindow) return { ok: true, value: null };
  if (method === 'pickFolder') {
    const r = await dialog.showOpenDialog(mainWindow, { title: 'Open a folder of photos', properties: ['openDirectory'] });
    const picked = r.canceled ? null : (r.filePaths[0] ?? null);
    if (picked) grants.grantFolder(picked);
    return { ok: true, value: picked };
  }
  const suggested =
    args && typeof args === 'object' && typeof (args as { defaultPath?: unknown }).defaultPath === 'string'
      ? (args as { defaultPath: string }).defaultPath
      : 'annotations.json';
  const r = await dialog.showSaveDialog(mainWindow, {
    title: 'Export COCO annotations',
    defaultPath: suggested,
    filters: [{ name: 'COCO JSON', extensions: ['json'] }],
  });
  const picked = r.canceled ? null : (r.filePath ?? null);
  if (picked) grants.grantFile(picked);
  return { ok: true, value: picked };
}

ipcMain.handle(CALL_CHANNEL, async (e, method: unknown, args: unknown): Promise<CallResult> => {
  if (!trustedSender(e))
    return { ok: false, error: { code: 'forbidden', message: 'Call refused: it does not come from the Samantic window.' } };
  if (typeof method !== 'string') return { ok: false, error: { code: 'not-found', message: 'The method name must be a string.' } };
  if ((SHELL_METHODS as readonly string[]).includes(method)) return shellMethod(method as (typeof SHELL_METHODS)[number], args);
  const confined = await confinedArgs(method, args);
  if (!confined.ok) return REFUSED;
  // The worker's dispatcher checks the method against API_METHODS and validates the arguments.
  return calls.call(method, confined.args);
});

// ---------------------------------------------------------------------------- media protocol

async function handleMedia(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const m = /^\/(image|thumb)\/(\d{1,15})$/.exec(url.pathname);
  if (url.hostname !== 'media' || !m) return new Response('Not found', { status: 404 });
  const size = url.searchParams.has('size') ? Number(url.searchParams.get('size')) : undefined;
  // The worker resolves the id to a file of the open project and refuses anything outside its folder.
  try {
    const out = m[1] === 'image' ? await service.image(Number(m[2])) : await service.thumb(Number(m[2]), size);
    return new Response(new Uint8Array(out.body.buffer, out.body.byteOffset, out.body.byteLength), {
      status: 200,
      headers: { 'Content-Type': out.contentType, 'Cache-Control': 'no-cache' },
    });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return new Response(e.message ?? 'Error', { status: e.code === 'not-found' ? 404 : e.code === 'internal' ? 500 : 400 });
  }
}

/** app://samantic/...: the built UI, and nothing outside its folder. */
async function handleApp(request: Request): Promise<Response> {
  const file = appRequestFile(request.url, rendererDir);
  if (!file) return new Response('Not found', { status: 404 });
  const res = await net.fetch(pathToFileURL(file).href);
  const headers = new Headers(res.headers);
  headers.set('Content-Security-Policy', PAGE_CSP);
  headers.set('X-Content-Type-Options', 'nosniff');
  return new Response(res.body, { status: res.status, headers });
}

// ---------------------------------------------------------------------------- window and menu

function sendMenu(action: string): void {
  mainWindow?.webContents.send(EVENT_CHANNEL, { type: 'menu', action });
}

function buildMenu(): Menu {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Folder…', accelerator: 'CmdOrCtrl+O', click: () => sendMenu('open-folder') },
        { label: 'Export COCO…', accelerator: 'CmdOrCtrl+E', click: () => sendMenu('export') },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    {
      label: 'Edit',
      submenu: [
        // Sent to the page, which undoes text edits in a focused field and project actions otherwise.
        { label: 'Undo', accelerator: 'CmdOrCtrl+Z', click: () => sendMenu('undo') },
        { label: 'Redo', accelerator: 'CmdOrCtrl+Shift+Z', click: () => sendMenu('redo') },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
      ],
    },
    {
      label: 'View',
      submenu: [
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' as const }]),
      ],
    },
    {
      label: 'Help',
      submenu: [
        { label: 'Keyboard Shortcuts', accelerator: 'Shift+/', click: () => sendMenu('shortcuts') },
        { label: 'Project Page', click: () => void shell.openExternal('https://github.com/') },
      ],
    },
  ];
  return Menu.buildFromTemplate(template);
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 920,
    minWidth: 960,
    minHeight: 600,
    show: false,
    backgroundColor: '#16171a',
    title: 'Samantic',
    icon: join(app.getAppPath(), 'resources', 'icon.png'),
    webPreferences: webPreferences(join(here, '../preload/index.cjs')),
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-attach-webview', (e) => e.preventDefault());
  void win.loadURL(rendererUrl ?? APP_INDEX_URL);
  return win;
}

// Every web contents (the window, any frame): no navigation, redirect or frame navigation off the
// app's exact origin, no popups.
app.on('web-contents-created', (_e, contents) => {
  const guard = (e: { preventDefault(): void }, url: string) => {
    if (!isSameOrigin(url, appOrigin)) e.preventDefault();
  };
  contents.on('will-navigate', (e) => guard(e, e.url));
  contents.on('will-redirect', (e) => guard(e, e.url));
  contents.on('will-frame-navigate', (e) => guard(e, e.url));
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });

  app.whenReady().then(() => {
    // The dev server sends no CSP: add the same one app:// and the server send.
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      const headers = { ...details.responseHeaders };
      if (details.resourceType === 'mainFrame') headers['Content-Security-Policy'] = [PAGE_CSP];
      callback({ responseHeaders: headers });
    });
    session.defaultSession.setPermissionRequestHandler((_wc, permission, callback) => callback(permissionAllowed(permission)));
    session.defaultSession.setPermissionCheckHandler((_wc, permission) => permissionAllowed(permission));
    protocol.handle(APP_SCHEME, handleApp);
    protocol.handle(MEDIA_SCHEME, handleMedia);
    Menu.setApplicationMenu(buildMenu());
    void service.ready().catch((err: Error) => dialog.showErrorBox('Samantic could not start', err.message));
    mainWindow = createWindow();
    mainWindow.on('closed', () => (mainWindow = null));
    app.on('activate', () => {
      if (!mainWindow) mainWindow = createWindow();
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  let closing = false;
  app.on('before-quit', (e) => {
    // Let the worker close the project store cleanly (SQLite WAL checkpoint) before exiting.
    if (closing) return;
    e.preventDefault();
    closing = true;
    void calls.close().finally(() => app.quit());
  });
}
