// The desktop shell: the only module that imports electron. It opens one locked-down window
// (context isolation, sandbox, no Node in the page, CSP, no navigation, no popups), forwards the
// renderer's API calls over IPC to the service running in a worker thread, pushes progress events
// back, serves the open project's images over the samantic-media:// protocol and owns the native
// menu and dialogs. All logic lives in the core; this file only wires it.
/// <reference types="electron-vite/node" />

import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
// sharp must be loaded by the main thread before any worker uses it: on glibc Linux libvips must
// stay mapped until every thread is done (sharp's documentation, "worker threads").
import 'sharp';
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell, type IpcMainInvokeEvent, type MenuItemConstructorOptions } from 'electron';
import type { CallResult } from '../core/api/dispatch';
import type { ApiErrorPayload } from '../core/api/contract';
import { CONTENT_SECURITY_POLICY } from '../server/security';
import startServiceWorker from './service-worker?nodeWorker';
import type { FromWorker, ToWorker, WorkerInit } from './service-worker';

const CALL_CHANNEL = 'samantic:call';
const EVENT_CHANNEL = 'samantic:event';
const MEDIA_SCHEME = 'samantic-media';

/**
 * Methods only the desktop shell offers, outside the core contract: native dialogs. The renderer
 * calls them through the same `call` bridge; the server transport does not have them.
 */
export const SHELL_METHODS = ['pickFolder', 'pickExportFile'] as const;

const here = dirname(fileURLToPath(import.meta.url));
const rendererUrl = process.env.ELECTRON_RENDERER_URL;
const rendererFile = join(here, '../renderer/index.html');
/** The page the window may show; IPC from anything else is refused. */
const appOrigin = rendererUrl ? new URL(rendererUrl).origin : pathToFileURL(rendererFile).href;

// Must run before `ready`: lets the custom scheme use fetch/Image like https and stream bytes.
protocol.registerSchemesAsPrivileged([
  { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);
app.enableSandbox();

let mainWindow: BrowserWindow | null = null;

// ---------------------------------------------------------------------------- service worker

let worker: Worker | null = null;
let workerReady: Promise<void> | null = null;
let nextId = 1;
const pending = new Map<number, (m: FromWorker) => void>();

function workerGone(message: string): ApiErrorPayload {
  return { code: 'internal', message };
}

function ensureWorker(): Promise<void> {
  if (workerReady) return workerReady;
  const init: WorkerInit = { modelsDir: join(app.getAppPath(), 'models'), stateDir: app.getPath('userData') };
  const w = startServiceWorker({ workerData: init });
  worker = w;
  workerReady = new Promise<void>((ready, fail) => {
    w.on('message', (m: FromWorker) => {
      if (m.kind === 'ready') return ready();
      if (m.kind === 'fatal') return fail(Object.assign(new Error(m.error.message), { code: m.error.code }));
      if (m.kind === 'event') return mainWindow?.webContents.send(EVENT_CHANNEL, m.event);
      if (m.kind === 'warning') return mainWindow?.webContents.send(EVENT_CHANNEL, { type: 'warning', message: m.message });
      if ('id' in m) {
        const done = pending.get(m.id);
        pending.delete(m.id);
        done?.(m);
      }
    });
    w.on('error', (err) => fail(err));
    w.on('exit', (code) => {
      // A crash (native abort, out of memory) must not leave calls hanging; the next call restarts it.
      const error = workerGone(`The processing worker stopped (exit code ${code}). Your last change may be lost; try again.`);
      for (const [id, done] of pending) done({ kind: 'result', id, result: { ok: false, error } });
      pending.clear();
      worker = null;
      workerReady = null;
    });
  });
  return workerReady;
}

/** A worker message before the id is assigned (Omit distributed over the union). */
type Outgoing = ToWorker extends infer T ? (T extends ToWorker ? Omit<T, 'id'> : never) : never;

async function toWorker(msg: Outgoing): Promise<FromWorker> {
  await ensureWorker();
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    worker!.postMessage({ ...msg, id } as ToWorker);
  });
}

async function callService(method: string, args: unknown): Promise<CallResult> {
  try {
    const reply = await toWorker({ kind: 'call', method, args });
    return reply.kind === 'result' ? reply.result : { ok: false, error: workerGone('Unexpected reply from the worker.') };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { ok: false, error: { code: e.code ?? 'internal', message: `Samantic could not start its service: ${e.message}` } };
  }
}

// ---------------------------------------------------------------------------- IPC

/** Only the app's own top-level page in our window may call the API. */
function trustedSender(e: IpcMainInvokeEvent): boolean {
  const frame = e.senderFrame;
  if (!mainWindow || e.sender.id !== mainWindow.webContents.id || !frame || frame.parent !== null) return false;
  const url = frame.url;
  return rendererUrl ? new URL(url).origin === appOrigin : url.split(/[?#]/)[0] === appOrigin;
}

async function shellMethod(method: (typeof SHELL_METHODS)[number], args: unknown): Promise<CallResult> {
  if (!mainWindow) return { ok: true, value: null };
  if (method === 'pickFolder') {
    const r = await dialog.showOpenDialog(mainWindow, { title: 'Open a folder of photos', properties: ['openDirectory'] });
    return { ok: true, value: r.canceled ? null : (r.filePaths[0] ?? null) };
  }
  const suggested = args && typeof args === 'object' && typeof (args as { defaultPath?: unknown }).defaultPath === 'string'
    ? (args as { defaultPath: string }).defaultPath
    : 'annotations.json';
  const r = await dialog.showSaveDialog(mainWindow, {
    title: 'Export COCO annotations',
    defaultPath: suggested,
    filters: [{ name: 'COCO JSON', extensions: ['json'] }],
  });
  return { ok: true, value: r.canceled ? null : (r.filePath ?? null) };
}

ipcMain.handle(CALL_CHANNEL, async (e, method: unknown, args: unknown): Promise<CallResult> => {
  if (!trustedSender(e)) return { ok: false, error: { code: 'forbidden', message: 'Call refused: it does not come from the Samantic window.' } };
  if (typeof method !== 'string') return { ok: false, error: { code: 'not-found', message: 'The method name must be a string.' } };
  if ((SHELL_METHODS as readonly string[]).includes(method)) return shellMethod(method as (typeof SHELL_METHODS)[number], args);
  // The worker's dispatcher checks the method against API_METHODS and validates the arguments.
  return callService(method, args);
});

// ---------------------------------------------------------------------------- media protocol

async function handleMedia(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const m = /^\/(image|thumb)\/(\d{1,15})$/.exec(url.pathname);
  if (url.hostname !== 'media' || !m) return new Response('Not found', { status: 404 });
  const size = url.searchParams.has('size') ? Number(url.searchParams.get('size')) : undefined;
  // The worker resolves the id to a file of the open project and refuses anything outside its folder.
  const reply = await toWorker({ kind: 'media', what: m[1] as 'image' | 'thumb', imageId: Number(m[2]), size });
  if (reply.kind !== 'media') return new Response('Unexpected reply', { status: 500 });
  if (!reply.ok) return new Response(reply.error.message, { status: reply.error.code === 'not-found' ? 404 : 400 });
  return new Response(reply.body, { status: 200, headers: { 'Content-Type': reply.contentType, 'Cache-Control': 'no-cache' } });
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
      submenu: [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }, ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' as const }])],
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
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (e, url) => {
    if (!url.startsWith(rendererUrl ?? appOrigin)) e.preventDefault();
  });
  win.webContents.on('will-attach-webview', (e) => e.preventDefault());
  if (rendererUrl) void win.loadURL(rendererUrl);
  else void win.loadFile(rendererFile);
  return win;
}

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-redirect', (e, url) => {
    if (!url.startsWith(rendererUrl ?? appOrigin)) e.preventDefault();
  });
});

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });

  app.whenReady().then(() => {
    // The dev server page has no meta CSP of its own guarantee; send the same policy as the server.
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      const headers = { ...details.responseHeaders };
      if (details.resourceType === 'mainFrame') headers['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY.replace("img-src 'self'", `img-src 'self' ${MEDIA_SCHEME}:`)];
      callback({ responseHeaders: headers });
    });
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    protocol.handle(MEDIA_SCHEME, handleMedia);
    Menu.setApplicationMenu(buildMenu());
    void ensureWorker().catch((err: Error) => dialog.showErrorBox('Samantic could not start', err.message));
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
    if (closing || !worker) return;
    e.preventDefault();
    closing = true;
    const timeout = new Promise((r) => setTimeout(r, 3000));
    void Promise.race([toWorker({ kind: 'close' }), timeout]).finally(() => {
      void worker?.terminate();
      app.quit();
    });
  });
}
