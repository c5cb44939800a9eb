// Keyboard shortcuts: one table is both the key handler and the help overlay, so the overlay can
// never list a key that does nothing and no key works that the overlay does not list. Entries are
// in precedence order (the first binding that takes a key wins); the overlay groups them by group.

import * as actions from './actions';
import * as editing from './editing.svelte';
import { app } from './state.svelte';

type Group = 'General' | 'Selection' | 'Classes' | 'Editing' | 'Review' | 'View';

/** Which key events a shortcut takes and what it does with them. */
interface Binding {
  /** KeyboardEvent.key values; single characters are compared lower-cased. */
  keys: readonly string[];
  /** Ctrl (or Cmd) held; default: neither Ctrl nor Alt. */
  ctrl?: boolean;
  /** Shift must be held (true) or not (false); default: either. */
  shift?: boolean;
  /** Taken with any modifier (Esc). */
  anyModifier?: boolean;
  /** Taken only when this holds (the view, the tool, an open project). */
  when?: (e: KeyboardEvent) => boolean;
  run: (e: KeyboardEvent) => void;
}

export interface Shortcut {
  keys: string;
  what: string;
  group: Group;
  /** Absent for pointer gestures, which the image view handles itself. */
  bind?: Binding;
}

/** Zoom/fit requests go to the image view, which owns the stage. */
export const viewCommands = { fit: () => {}, zoom: (_factor: number) => {} };

/** The gallery tells how many tiles a row holds (its grid reflows with the window). */
export const galleryCommands = { columns: () => 1 };

/** Answers in the review queue go to the review view, which knows the segment asked about. */
export const reviewCommands = {
  accept: () => {},
  assign: (_classId: number) => {},
  background: () => {},
  skip: () => {},
  acceptGuesses: () => {},
};

const DIGITS = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];
const inProject = () => app.summary !== null && app.view !== 'start';
const inView = (view: typeof app.view) => () => inProject() && app.view === view;
const brushing = () => inView('image')() && (editing.edit.tool === 'brush' || editing.edit.tool === 'eraser');

function classOfDigit(key: string, then: (classId: number) => void): void {
  const cls = app.orderedClasses[Number(key) - 1];
  if (cls) then(cls.id);
  else app.toast('info', `There is no class ${key}; the class list has ${app.orderedClasses.length}.`);
}

function escape(): void {
  if (app.question) app.answer(false);
  else if (app.helpOpen) app.helpOpen = false;
  else if (editing.hasDraft()) editing.cancelDraft();
  else if (app.exportOpen) app.exportOpen = false;
  else if (app.splitClassId !== null) app.splitClassId = null;
  else app.selection = new Set();
}

const tool = (t: Parameters<typeof editing.setTool>[0]) => () => editing.setTool(t);
const opacity = (delta: number) => () => (app.opacity = Math.min(1, Math.max(0, +(app.opacity + delta).toFixed(2))));

export const SHORTCUTS: Shortcut[] = [
  {
    keys: 'Esc',
    what: 'Clear the selection / close a dialog',
    group: 'General',
    bind: { keys: ['Escape'], anyModifier: true, run: escape },
  },
  { keys: 'Esc', what: 'Drop the mask being built', group: 'Editing' },
  { keys: '?', what: 'Show or hide this help', group: 'General', bind: { keys: ['?'], run: () => (app.helpOpen = !app.helpOpen) } },
  {
    keys: 'Ctrl+Z',
    what: 'Undo the last change',
    group: 'General',
    bind: { keys: ['z'], ctrl: true, shift: false, when: inProject, run: () => void actions.undo() },
  },
  {
    keys: 'Ctrl+Shift+Z  /  Ctrl+Y',
    what: 'Redo',
    group: 'General',
    bind: {
      keys: ['z', 'y'],
      ctrl: true,
      when: (e) => inProject() && (e.key.toLowerCase() === 'y' || e.shiftKey),
      run: () => void actions.redo(),
    },
  },
  {
    keys: 'Ctrl+E',
    what: 'Export or import a dataset…',
    group: 'General',
    bind: { keys: ['e'], ctrl: true, when: inProject, run: () => (app.exportOpen = true) },
  },
  { keys: 'Click', what: 'Select the innermost segment under the pointer', group: 'Selection' },
  { keys: 'Shift+Click  /  Ctrl+Click', what: 'Add or remove a segment', group: 'Selection' },
  { keys: 'Drag', what: 'Select the segments inside a rectangle (Shift adds)', group: 'Selection' },
  {
    keys: 'Ctrl+A',
    what: 'Select every segment of the image',
    group: 'Selection',
    bind: { keys: ['a'], ctrl: true, when: () => app.view === 'image', run: () => app.setSelection(app.segments.map((s) => s.id)) },
  },
  // The image view's tools come before the keys every view shares.
  {
    keys: 'Enter',
    what: 'Keep the mask (new segment, or replaces the one selected segment)',
    group: 'Editing',
    bind: { keys: ['Enter'], when: () => inView('image')() && editing.hasDraft(), run: () => void editing.commitDraft() },
  },
  {
    keys: 'Shift+Delete',
    what: 'Delete the selected segments',
    group: 'Editing',
    bind: { keys: ['Delete'], shift: true, when: inView('image'), run: () => void editing.deleteSelection() },
  },
  {
    keys: '[  /  ]',
    what: 'Smaller / larger brush (brush and eraser tools)',
    group: 'Editing',
    bind: {
      keys: ['[', ']'],
      when: brushing,
      run: (e) => editing.resizeBrush(e.key === '[' ? 1 / editing.BRUSH_STEP : editing.BRUSH_STEP),
    },
  },
  { keys: 'V', what: 'Select tool', group: 'Editing', bind: { keys: ['v'], when: inView('image'), run: tool('select') } },
  {
    keys: 'P',
    what: 'Point tool: click = positive, right-click / Alt+click = negative; hover previews',
    group: 'Editing',
    bind: { keys: ['p'], when: inView('image'), run: tool('point') },
  },
  {
    keys: 'R',
    what: 'Box tool: drag a box around the object',
    group: 'Editing',
    bind: { keys: ['r'], when: inView('image'), run: tool('box') },
  },
  { keys: 'D', what: 'Brush on the selected segment', group: 'Editing', bind: { keys: ['d'], when: inView('image'), run: tool('brush') } },
  {
    keys: 'E',
    what: 'Eraser on the selected segment',
    group: 'Editing',
    bind: { keys: ['e'], when: inView('image'), run: tool('eraser') },
  },
  {
    keys: 'M',
    what: 'Merge the selected segments into one',
    group: 'Editing',
    bind: { keys: ['m'], when: inView('image'), run: () => void editing.mergeSelection() },
  },
  {
    keys: '←  /  →  /  ↑  /  ↓',
    what: 'Gallery: move between images (finished or not)',
    group: 'View',
    bind: {
      keys: ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'],
      when: inView('gallery'),
      run: (e) => {
        const row = galleryCommands.columns();
        const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -row, ArrowDown: row }[e.key] ?? 0;
        actions.moveGalleryCursor(step);
      },
    },
  },
  {
    keys: 'Enter',
    what: 'Gallery: open the image',
    group: 'View',
    bind: { keys: ['Enter'], when: () => inView('gallery')() && app.currentImageId !== null, run: () => actions.openGalleryCursor() },
  },
  // The review queue answers before the keys every view shares.
  {
    keys: '1 … 9',
    what: 'Review: move it to class 1 … 9, next',
    group: 'Review',
    bind: { keys: DIGITS, when: inView('review'), run: (e) => classOfDigit(e.key, reviewCommands.assign) },
  },
  {
    keys: 'Enter  /  A',
    what: 'Review: the class is right, next',
    group: 'Review',
    bind: { keys: ['Enter', 'a'], when: inView('review'), run: () => reviewCommands.accept() },
  },
  {
    keys: 'B',
    what: 'Review: it is background, next',
    group: 'Review',
    bind: { keys: ['b', 'Delete', 'Backspace'], when: inView('review'), run: () => reviewCommands.background() },
  },
  {
    keys: 'L',
    what: "Review: accept the largest group of look-alikes' guesses at once",
    group: 'Review',
    bind: { keys: ['l'], when: inView('review'), run: () => reviewCommands.acceptGuesses() },
  },
  {
    keys: '→',
    what: 'Review: skip for now',
    group: 'Review',
    bind: { keys: ['ArrowRight'], when: inView('review'), run: () => reviewCommands.skip() },
  },
  {
    keys: 'S',
    what: 'Select similar segments (all images)',
    group: 'Selection',
    bind: { keys: ['s'], when: inProject, run: () => void actions.selectSimilar() },
  },
  {
    keys: '1 … 9',
    what: 'Assign the selection to class 1 … 9',
    group: 'Classes',
    bind: { keys: DIGITS, when: inProject, run: (e) => classOfDigit(e.key, (id) => void actions.assignSelection(id)) },
  },
  {
    keys: 'N',
    what: 'New class from the selection',
    group: 'Classes',
    bind: { keys: ['n'], when: inProject, run: () => void actions.createClassFromSelection() },
  },
  {
    keys: 'Delete  /  B',
    what: 'Mark the selection as background (removed on purpose, not exported)',
    group: 'Classes',
    bind: { keys: ['Delete', 'Backspace', 'b'], when: inProject, run: () => void actions.removeSelection() },
  },
  {
    keys: 'U',
    what: 'Make the selection unassigned (no class yet; restores background)',
    group: 'Classes',
    bind: { keys: ['u'], when: inProject, run: () => void actions.unassignSelection() },
  },
  { keys: 'Right-click', what: 'Assign menu', group: 'Classes' },
  {
    keys: 'Q',
    what: 'Open the review queue (least confident first)',
    group: 'View',
    bind: { keys: ['q'], when: inProject, run: () => (app.view = 'review') },
  },
  { keys: 'G', what: 'Back to the gallery', group: 'View', bind: { keys: ['g'], when: inProject, run: () => (app.view = 'gallery') } },
  {
    keys: 'O',
    what: 'Show or hide outlines',
    group: 'View',
    bind: { keys: ['o'], when: inProject, run: () => (app.showOutlines = !app.showOutlines) },
  },
  {
    keys: 'H',
    what: 'Show or hide the segments marked as background (to restore them)',
    group: 'View',
    bind: { keys: ['h'], when: inProject, run: () => (app.showBackground = !app.showBackground) },
  },
  {
    keys: '[  /  ]',
    what: 'Less / more mask opacity (other tools)',
    group: 'View',
    bind: { keys: ['[', ']'], when: inProject, run: (e) => opacity(e.key === '[' ? -0.1 : 0.1)() },
  },
  { keys: 'Wheel', what: 'Zoom at the pointer', group: 'View' },
  { keys: 'Space+Drag  /  Middle-drag', what: 'Pan', group: 'View' },
  {
    keys: 'F  /  0',
    what: 'Fit the image to the window',
    group: 'View',
    bind: { keys: ['f', '0'], when: inView('image'), run: () => viewCommands.fit() },
  },
  {
    keys: '+  /  −',
    what: 'Zoom in / out',
    group: 'View',
    bind: { keys: ['+', '=', '-', '_'], when: inView('image'), run: (e) => viewCommands.zoom(e.key === '+' || e.key === '=' ? 1.25 : 0.8) },
  },
  {
    keys: '←  /  →',
    what: 'Previous / next image',
    group: 'View',
    bind: { keys: ['ArrowLeft', 'ArrowRight'], when: inView('image'), run: (e) => actions.stepImage(e.key === 'ArrowLeft' ? -1 : 1) },
  },
];

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

/** Whether a binding takes this key event (its key and modifiers, then its condition). */
export function takes(b: Binding, e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>): boolean {
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (!b.keys.includes(key)) return false;
  if (!b.anyModifier) {
    if (e.altKey || (b.ctrl ?? false) !== (e.ctrlKey || e.metaKey)) return false;
    if (b.shift !== undefined && b.shift !== e.shiftKey) return false;
  }
  return b.when?.(e as KeyboardEvent) ?? true;
}

/** Global keydown handler: the first shortcut that takes the key runs; returns true when one did. */
export function handleKey(e: KeyboardEvent): boolean {
  const typed = typing(e.target);
  // A question waits for its answer: Esc declines, its buttons take the rest (Enter, Tab).
  if (app.question && e.key !== 'Escape') return false;
  for (const s of SHORTCUTS) {
    const b = s.bind;
    // While typing in a field only Esc is ours.
    if (!b || (typed && !b.anyModifier) || !takes(b, e)) continue;
    b.run(e);
    return true;
  }
  return false;
}
