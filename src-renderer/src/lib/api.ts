// The renderer's one way to reach the service. In the desktop app the preload exposes
// window.samantic (IPC); in a browser the page talks HTTP + WebSocket to the origin that served it
// (`samantic serve`). Components never see the difference: they call `api.<method>(args)`.

import { API_METHODS, type ApiErrorPayload, type ApiMethod, type ProgressEvent, type SamanticApi } from '@contract';

/** What src-preload/index.ts exposes; kept structural so the renderer needs no Electron types. */
interface DesktopBridge {
  call(method: string, args?: unknown): Promise<{ ok: true; value: unknown } | { ok: false; error: ApiErrorPayload }>;
  onEvent(callback: (event: unknown) => void): () => void;
  mediaBase: string;
}

/** Events the desktop shell adds to the service's ProgressEvents (menu clicks, warnings). */
export type ShellEvent = { type: 'menu'; action: string } | { type: 'warning'; message: string };
export type AppEvent = ProgressEvent | ShellEvent;

/** An API error with the service's code, so the UI can react to e.g. 'no-project'. */
export class ApiError extends Error {
  constructor(
    public readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Reconnect delays for the event socket: quick at first, then at most every few seconds. */
const RECONNECT_DELAYS_MS = [250, 500, 1000, 2000, 4000];

const bridge = (globalThis as { samantic?: DesktopBridge }).samantic;
export const isDesktop = bridge !== undefined;

/** Where the server's access token is kept for this tab, so a reload still works. */
const TOKEN_KEY = 'samantic.token';

/**
 * The server's access token (browser only): taken from the page's ?token= (the URL printed by
 * `samantic serve`), kept in this tab's sessionStorage, and removed from the address bar so it
 * does not end up in history or a shared screenshot.
 */
function takeToken(): string {
  if (isDesktop || typeof location === 'undefined') return '';
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    try {
      sessionStorage.setItem(TOKEN_KEY, fromUrl);
    } catch {
      /* storage disabled: the token still works until the tab reloads */
    }
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

const token = takeToken();

/** `url` with the token as a query parameter (for <img> and WebSocket, which cannot send headers). */
function withToken(url: string): string {
  if (!token) return url;
  return `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
}

async function httpCall(method: string, args: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`/api/${encodeURIComponent(method)}`, {
      method: 'POST',
      headers: token ? { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` } : { 'Content-Type': 'application/json' },
      body: args === undefined ? '' : JSON.stringify(args),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError('network', 'Cannot reach the Samantic server. Is `samantic serve` still running?');
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError('network', `The server answered ${res.status} with something that is not JSON.`);
  }
  if (!res.ok) {
    const e = (body ?? {}) as Partial<ApiErrorPayload>;
    throw new ApiError(e.code ?? 'internal', e.message ?? `The server answered ${res.status}.`);
  }
  return body;
}

async function desktopCall(method: string, args: unknown): Promise<unknown> {
  const r = await bridge!.call(method, args);
  if (!r.ok) throw new ApiError(r.error.code, r.error.message);
  return r.value;
}

/** Calls one API method by name; rejects with ApiError. */
export function call(method: string, args?: unknown): Promise<unknown> {
  return isDesktop ? desktopCall(method, args) : httpCall(method, args);
}

function buildApi(): SamanticApi {
  const out: Record<string, (args?: unknown) => Promise<unknown>> = {};
  for (const m of API_METHODS) out[m] = (args?: unknown) => call(m, args);
  return out as unknown as SamanticApi;
}

/** The typed service API. */
export const api: SamanticApi = buildApi();

const listeners = new Set<(e: AppEvent) => void>();
let socketStarted = false;
let connectionListener: ((connected: boolean) => void) | null = null;

function startSocket(): void {
  if (socketStarted) return;
  socketStarted = true;
  if (isDesktop) {
    bridge!.onEvent((e) => listeners.forEach((l) => l(e as AppEvent)));
    return;
  }
  let attempt = 0;
  const connect = () => {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(withToken(`${proto}//${location.host}/events`));
    ws.onopen = () => {
      attempt = 0;
      connectionListener?.(true);
    };
    ws.onmessage = (m) => {
      try {
        const e = JSON.parse(String(m.data)) as AppEvent;
        listeners.forEach((l) => l(e));
      } catch {
        /* a malformed frame is dropped; the next event refreshes the state anyway */
      }
    };
    ws.onclose = () => {
      connectionListener?.(false);
      setTimeout(connect, RECONNECT_DELAYS_MS[Math.min(attempt++, RECONNECT_DELAYS_MS.length - 1)]);
    };
  };
  connect();
}

/** Subscribes to service events; returns the unsubscribe function. */
export function onEvent(listener: (e: AppEvent) => void): () => void {
  startSocket();
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Called with false when the event socket drops and true when it is back (browser only). */
export function onConnectionChange(listener: (connected: boolean) => void): void {
  connectionListener = listener;
}

/** URL of an image of the open project (full size or a thumbnail of at most `size` px). */
export function mediaUrl(kind: 'image' | 'thumb', imageId: number, size?: number): string {
  const query = kind === 'thumb' && size ? `?size=${size}` : '';
  return isDesktop ? `${bridge!.mediaBase}${kind}/${imageId}${query}` : withToken(`/media/${kind}/${imageId}${query}`);
}

/** Native folder dialog (desktop only); null when cancelled or in a browser. */
export async function pickFolder(): Promise<string | null> {
  return isDesktop ? ((await desktopCall('pickFolder', undefined)) as string | null) : null;
}

/** Native save dialog for the export file (desktop only). */
export async function pickExportFile(defaultPath: string): Promise<string | null> {
  return isDesktop ? ((await desktopCall('pickExportFile', { defaultPath })) as string | null) : null;
}

export type { ApiMethod };
