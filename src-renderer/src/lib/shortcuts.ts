// Keyboard shortcuts: one table drives both the key handler and the help overlay, so the overlay
// can never list a key that does nothing.

import * as actions from './actions';
import * as editing from './editing.svelte';
import { app } from './state.svelte';

export interface Shortcut {
  keys: string;
  what: string;
  group: 'General' | 'Selection' | 'Classes' | 'Editing' | 'Review' | 'View';
}

/** Zoom/fit requests go to the image view, which owns the stage. */
export const viewCommands = { fit: () => {}, zoom: (_factor: number) => {} };

/** Answers in the review queue go to the review view, which knows the segment asked about. */
export const reviewCommands = { accept: () => {}, assign: (_classId: number) => {}, background: () => {}, skip: () => {} };

export const SHORTCUTS: Shortcut[] = [
  { keys: '?', what: 'Show or hide this help', group: 'General' },
  { keys: 'Ctrl+Z', what: 'Undo the last change', group: 'General' },
  { keys: 'Ctrl+Shift+Z  /  Ctrl+Y', what: 'Redo', group: 'General' },
  { keys: 'Ctrl+E', what: 'Export or import a dataset…', group: 'General' },
  { keys: 'Esc', what: 'Clear the selection / close a dialog', group: 'General' },
  { keys: 'Click', what: 'Select the innermost segment under the pointer', group: 'Selection' },
  { keys: 'Shift+Click  /  Ctrl+Click', what: 'Add or remove a segment', group: 'Selection' },
  { keys: 'Drag', what: 'Select the segments inside a rectangle (Shift adds)', group: 'Selection' },
  { keys: 'Ctrl+A', what: 'Select every segment of the image', group: 'Selection' },
  { keys: 'S', what: 'Select similar segments (all images)', group: 'Selection' },
  { keys: '1 … 9', what: 'Assign the selection to class 1 … 9', group: 'Classes' },
  { keys: 'N', what: 'New class from the selection', group: 'Classes' },
  { keys: 'Delete  /  B', what: 'Mark the selection as background', group: 'Classes' },
  { keys: 'Right-click', what: 'Assign menu', group: 'Classes' },
  { keys: 'V', what: 'Select tool', group: 'Editing' },
  { keys: 'P', what: 'Point tool: click = positive, right-click / Alt+click = negative; hover previews', group: 'Editing' },
  { keys: 'R', what: 'Box tool: drag a box around the object', group: 'Editing' },
  { keys: 'Enter', what: 'Keep the mask (new segment, or replaces the one selected segment)', group: 'Editing' },
  { keys: 'Esc', what: 'Drop the mask being built', group: 'Editing' },
  { keys: 'D', what: 'Brush on the selected segment', group: 'Editing' },
  { keys: 'E', what: 'Eraser on the selected segment', group: 'Editing' },
  { keys: '[  /  ]', what: 'Smaller / larger brush (brush and eraser tools)', group: 'Editing' },
  { keys: 'M', what: 'Merge the selected segments into one', group: 'Editing' },
  { keys: 'Shift+Delete', what: 'Delete the selected segments', group: 'Editing' },
  { keys: 'Enter  /  A', what: 'Review: the class is right, next', group: 'Review' },
  { keys: '1 … 9', what: 'Review: move it to class 1 … 9, next', group: 'Review' },
  { keys: 'B', what: 'Review: it is background, next', group: 'Review' },
  { keys: '→', what: 'Review: skip for now', group: 'Review' },
  { keys: 'Q', what: 'Open the review queue (least confident first)', group: 'View' },
  { keys: 'Wheel', what: 'Zoom at the pointer', group: 'View' },
  { keys: 'Space+Drag  /  Middle-drag', what: 'Pan', group: 'View' },
  { keys: 'F  /  0', what: 'Fit the image to the window', group: 'View' },
  { keys: '+  /  −', what: 'Zoom in / out', group: 'View' },
  { keys: '←  /  →', what: 'Previous / next image', group: 'View' },
  { keys: 'G', what: 'Back to the gallery', group: 'View' },
  { keys: 'O', what: 'Show or hide outlines', group: 'View' },
  { keys: '[  /  ]', what: 'Less / more mask opacity (other tools)', group: 'View' },
];

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

/** Global keydown handler; returns true when it handled the key. */
export function handleKey(e: KeyboardEvent): boolean {
  const ctrl = e.ctrlKey || e.metaKey;
  const key = e.key;
  if (key === 'Escape') {
    if (app.helpOpen) app.helpOpen = false;
    else if (editing.hasDraft()) editing.cancelDraft();
    else if (app.exportOpen) app.exportOpen = false;
    else if (app.splitClassId !== null) app.splitClassId = null;
    else app.selection = new Set();
    return true;
  }
  if (typing(e.target)) return false;
  const inProject = app.summary !== null && app.view !== 'start';
  if (ctrl && !e.altKey) {
    const k = key.toLowerCase();
    if (k === 'z' && !e.shiftKey && inProject) return (void actions.undo(), true);
    if (((k === 'z' && e.shiftKey) || k === 'y') && inProject) return (void actions.redo(), true);
    if (k === 'e' && inProject) return ((app.exportOpen = true), true);
    if (k === 'a' && app.view === 'image') return (app.setSelection(app.segments.map((s) => s.id)), true);
    return false;
  }
  if (e.altKey) return false;
  if (key === '?') return ((app.helpOpen = !app.helpOpen), true);
  if (!inProject) return false;
  const brushing = editing.edit.tool === 'brush' || editing.edit.tool === 'eraser';
  if (app.view === 'image') {
    if (key === 'Enter' && editing.hasDraft()) return (void editing.commitDraft(), true);
    if (key === 'Delete' && e.shiftKey) return (void editing.deleteSelection(), true);
    if (brushing && key === '[') return (editing.resizeBrush(1 / editing.BRUSH_STEP), true);
    if (brushing && key === ']') return (editing.resizeBrush(editing.BRUSH_STEP), true);
    const tool = ({ v: 'select', p: 'point', r: 'box', d: 'brush', e: 'eraser' } as const)[
      key.toLowerCase() as 'v' | 'p' | 'r' | 'd' | 'e'
    ];
    if (tool) return (editing.setTool(tool), true);
    if (key.toLowerCase() === 'm') return (void editing.mergeSelection(), true);
  }
  if (app.view === 'review') {
    if (/^[1-9]$/.test(key)) {
      const cls = app.orderedClasses[Number(key) - 1];
      if (cls) reviewCommands.assign(cls.id);
      else app.toast('info', `There is no class ${key}; the class list has ${app.orderedClasses.length}.`);
      return true;
    }
    const k = key.toLowerCase();
    if (k === 'enter' || k === 'a') return (reviewCommands.accept(), true);
    if (k === 'b' || k === 'delete' || k === 'backspace') return (reviewCommands.background(), true);
    if (key === 'ArrowRight') return (reviewCommands.skip(), true);
  }
  if (/^[1-9]$/.test(key)) {
    const cls = app.orderedClasses[Number(key) - 1];
    if (cls) void actions.assignSelection(cls.id);
    else app.toast('info', `There is no class ${key}; the class list has ${app.orderedClasses.length}.`);
    return true;
  }
  switch (key.toLowerCase()) {
    case 's':
      return (void actions.selectSimilar(), true);
    case 'n':
      return (void actions.createClassFromSelection(), true);
    case 'delete':
    case 'backspace':
    case 'b':
      return (void actions.removeSelection(), true);
    case 'g':
      return ((app.view = 'gallery'), true);
    case 'q':
      return ((app.view = 'review'), true);
    case 'o':
      return ((app.showOutlines = !app.showOutlines), true);
    case '[':
      return ((app.opacity = Math.max(0, +(app.opacity - 0.1).toFixed(2))), true);
    case ']':
      return ((app.opacity = Math.min(1, +(app.opacity + 0.1).toFixed(2))), true);
  }
  if (app.view !== 'image') return false;
  switch (key) {
    case 'ArrowLeft':
      return (actions.stepImage(-1), true);
    case 'ArrowRight':
      return (actions.stepImage(1), true);
    case 'f':
    case 'F':
    case '0':
      return (viewCommands.fit(), true);
    case '+':
    case '=':
      return (viewCommands.zoom(1.25), true);
    case '-':
    case '_':
      return (viewCommands.zoom(0.8), true);
  }
  return false;
}
