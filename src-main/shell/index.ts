// The desktop shell: the only module that imports electron. It opens one locked-down window
// (context isolation, sandbox, no Node in the page, CSP, no navigation, no popups), forwards the
// renderer's API calls over IPC to the service running in a worker thread, pushes progress events
// back, serves the open project's images over the samantic-media:// protocol and owns the native
// menu and dialogs. All logic lives in the core; this file only wires it.
/// <reference types="electron-vite/node" />

import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
// sharp must be loaded by the main thread before any worker uses it: on glibc Linux libvips must
// stay mapped until every thread is done (sharp's documentation, "worker threads").
import 'sharp';
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell, type IpcMainInvokeEvent, type MenuItemConstructorOptions } from 'electron';
import type { CallResult } from '../core/api/dispatch';
import { CONTENT_SECURITY_POLICY } from '../server/security';
import startServiceWorker from '../server/service-worker?nodeWorker';
import { PromptRoutedBackend, spawnPromptWorker } from '../server/prompt-host';
import { WorkerBackend } from '../server/service-host';
import type { WorkerInit } from '../server/service-worker';

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

const service = new WorkerBackend(
  () => startServiceWorker({ workerData: { modelsDir: join(app.getAppPath(), 'models'), stateDir: app.getPath('userData') } satisfies WorkerInit }),
  (message) => mainWindow?.webContents.send(EVENT_CHANNEL, { type: 'warning', message }),
);
service.onEvent((event) => mainWindow?.webContents.send(EVENT_CHANNEL, event));
// Clicks go to a prompt worker of their own (out/main/prompt-worker.js), so they never wait for the generator.
const calls = new PromptRoutedBackend(service, spawnPromptWorker, (message) => mainWindow?.webContents.send(EVENT_CHANNEL, { type: 'warning', message }));

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
  return calls.call(method, args);
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
    return new Response(new Uint8Array(out.body.buffer, out.body.byteOffset, out.body.byteLength), { status: 200, headers: { 'Content-Type': out.contentType, 'Cache-Control': 'no-cache' } });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return new Response(e.message ?? 'Error', { status: e.code === 'not-found' ? 404 : e.code === 'internal' ? 500 : 400 });
  }
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
