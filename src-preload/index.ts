// The renderer's only door to the main process: a generic forwarder. It knows no API method and
// adds no logic; the main process validates every call (method name, sender, arguments).
// Runs sandboxed, so it may use only contextBridge and ipcRenderer (and is bundled as CommonJS).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

/** IPC channel names; the shell (src-main/shell) uses the same strings. */
const CALL_CHANNEL = 'samantic:call';
const EVENT_CHANNEL = 'samantic:event';

contextBridge.exposeInMainWorld('samantic', {
  /** Resolves with { ok: true, value } or { ok: false, error: { code, message } }. */
  call: (method: string, args?: unknown): Promise<unknown> => ipcRenderer.invoke(CALL_CHANNEL, method, args),
  /** Subscribes to progress events; returns the unsubscribe function. */
  onEvent: (callback: (event: unknown) => void): (() => void) => {
    const listener = (_e: IpcRendererEvent, event: unknown) => callback(event);
    ipcRenderer.on(EVENT_CHANNEL, listener);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, listener);
    };
  },
  /** Base of the custom protocol that serves the open project's images. */
  mediaBase: 'samantic-media://media/',
});
