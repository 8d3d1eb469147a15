/**
 * The single-pane layout: below this width (a narrow window, or browser zoom of about 170 % and
 * more on a 1280 px window) the chats view shows the chat list or the conversation, not both, and
 * the navigation folds behind a menu button. app.css uses the same breakpoint (48rem = 768 CSS px).
 */
export const SINGLE_PANE_QUERY = '(max-width: 48rem)';

export const isSinglePane = (): boolean => typeof matchMedia !== 'undefined' && matchMedia(SINGLE_PANE_QUERY).matches;

/** Focuses an element if it is shown (an element in a hidden pane cannot take focus); true when it did. */
export function focusIfShown(element: HTMLElement | null | undefined): boolean {
  if (!element || element.getClientRects().length === 0) return false;
  element.focus();
  return document.activeElement === element;
}
