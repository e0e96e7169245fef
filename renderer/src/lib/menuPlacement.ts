/**
 * Where a drop-down menu goes so that it stays inside the window: below its button, or above
 * when there is more room there, right-aligned with the button (or left-aligned when that keeps
 * it in), clamped to the window with a margin, and never taller than the room it has (it then
 * scrolls). Pure: rectangles in, a position out.
 */
export interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface MenuPlacement {
  left: number;
  top: number;
  maxHeight: number;
}

const MENU_MARGIN = 6;

export function placeMenu(anchor: Rect, menu: { width: number; height: number }, viewport: { width: number; height: number }, align: 'right' | 'left' = 'right'): MenuPlacement {
  const m = MENU_MARGIN;
  const below = viewport.height - anchor.bottom - m - 2;
  const above = anchor.top - m - 2;
  const down = menu.height <= below || below >= above;
  const room = Math.max(40, down ? below : above);
  const height = Math.min(menu.height, room);
  const top = down ? anchor.bottom + 2 : anchor.top - 2 - height;
  let left = align === 'right' ? anchor.right - menu.width : anchor.left;
  left = Math.min(left, viewport.width - m - menu.width);
  left = Math.max(m, left);
  return { left, top: Math.max(m, top), maxHeight: room };
}
