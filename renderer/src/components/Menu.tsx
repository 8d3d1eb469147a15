import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

export interface MenuItem {
  readonly id: string;
  readonly label: string;
  readonly onSelect: () => void;
  /** Shown checked (menuitemradio), e.g. the mute choice in force. */
  readonly checked?: boolean;
  readonly disabled?: boolean;
}

/**
 * A menu button and its ARIA menu (the WAI-ARIA menu button pattern): Enter, Space or ArrowDown
 * open it on the first item, ArrowUp on the last; arrows, Home and End move between items,
 * a letter jumps to the next item starting with it; Escape and Tab close it; choosing an item or
 * Escape returns focus to the button (unless the item moved focus on, e.g. into a dialog).
 * The list opens in the page's flow below its button rather than over other content, so it is
 * never clipped by a scrolling pane or at high zoom, and hides nothing that is read beside it.
 */
export function Menu(props: {
  readonly label: string;
  /** The button's visible content; the label is its accessible name. */
  readonly children: ReactNode;
  readonly items: readonly MenuItem[];
  readonly className?: string;
  readonly buttonClassName?: string;
}) {
  const [open, setOpen] = useState<false | 'first' | 'last'>(false);
  const button = useRef<HTMLButtonElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const menuId = useId();
  const items = props.items.filter((i) => !i.disabled);

  const entries = () => [...(list.current?.querySelectorAll<HTMLElement>('[role^="menuitem"]') ?? [])];
  useEffect(() => {
    if (!open) return;
    const all = entries();
    (open === 'first' ? all[0] : all[all.length - 1])?.focus();
    const onPointer = (event: PointerEvent) => {
      if (!list.current?.contains(event.target as Node) && !button.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointer);
    return () => document.removeEventListener('pointerdown', onPointer);
  }, [open]);

  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) button.current?.focus();
  };
  const onButtonKey = (event: KeyboardEvent) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      setOpen(event.key === 'ArrowDown' ? 'first' : 'last');
    }
  };
  const onMenuKey = (event: KeyboardEvent) => {
    const all = entries();
    const at = all.indexOf(document.activeElement as HTMLElement);
    const move = (to: number) => all[(to + all.length) % all.length]?.focus();
    if (event.key === 'ArrowDown') move(at + 1);
    else if (event.key === 'ArrowUp') move(at - 1);
    else if (event.key === 'Home') move(0);
    else if (event.key === 'End') move(all.length - 1);
    else if (event.key === 'Escape') close(true);
    else if (event.key === 'Tab') return close(false);
    else if (event.key.length === 1 && /\S/.test(event.key)) {
      const key = event.key.toLocaleLowerCase();
      const next = [...all.slice(at + 1), ...all.slice(0, at + 1)].find((el) => el.textContent?.trim().toLocaleLowerCase().startsWith(key));
      next?.focus();
    } else return;
    event.preventDefault();
    event.stopPropagation();
  };
  const choose = (item: MenuItem) => {
    close(true);
    // After focus is back on the button, so an action that opens a dialog returns focus there too.
    item.onSelect();
  };

  return (
    <div className={`menu ${props.className ?? ''}`}>
      <button
        ref={button}
        type="button"
        className={props.buttonClassName ?? 'secondary menu-button'}
        aria-haspopup="menu"
        aria-expanded={open !== false}
        aria-controls={open ? menuId : undefined}
        aria-label={props.label}
        onClick={() => setOpen((o) => (o ? false : 'first'))}
        onKeyDown={onButtonKey}
      >
        {props.children}
      </button>
      {open && (
        <ul ref={list} id={menuId} role="menu" aria-label={props.label} className="menu-list" onKeyDown={onMenuKey}>
          {items.map((item) => (
            <li
              key={item.id}
              role={item.checked === undefined ? 'menuitem' : 'menuitemradio'}
              aria-checked={item.checked}
              tabIndex={-1}
              data-item={item.id}
              onClick={() => choose(item)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault();
                  e.stopPropagation();
                  choose(item);
                }
              }}
            >
              {item.label}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
