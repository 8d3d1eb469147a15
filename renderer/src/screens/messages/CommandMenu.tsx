import { useId, useState, type KeyboardEvent, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';

export interface BotCommand {
  readonly command: string;
  readonly description: string;
}

/** "/" then a command's beginning, nothing else yet: the menu offers the commands it may become. */
const TYPING_COMMAND = /^\/([a-z0-9_]*)$/i;

export interface CommandMenu {
  /** For the textarea: the list it controls and the option it points at (focus stays in the textarea). */
  readonly inputProps: { readonly 'aria-controls'?: string; readonly 'aria-activedescendant'?: string; readonly 'aria-autocomplete'?: 'list' };
  /** Keys for the menu while it is open; true when the key was the menu's. */
  onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>): boolean;
  /** The "Commands" button: opens the whole list (or closes it). */
  toggle(): void;
  readonly open: boolean;
  /** Whether this is a bot chat (the button shows). */
  readonly available: boolean;
  readonly list: React.ReactNode;
}

/**
 * The composer's commands menu in a bot chat. Typing "/" at the start opens a listbox of the
 * bot's commands, filtered by what follows; Up/Down choose, Enter or Tab insert "/command ",
 * Escape closes. The textarea keeps focus and points at the chosen option with
 * aria-activedescendant (a textbox with a listbox popup: a textarea may not take the combobox
 * role, and aria-expanded is not allowed on it).
 */
export function useCommandMenu(input: { readonly text: string; readonly setText: (text: string) => void; readonly commands: readonly BotCommand[] | null; readonly inputRef: RefObject<HTMLTextAreaElement | null> }): CommandMenu {
  const { t } = useTranslation('keyboards');
  const listId = useId();
  const [active, setActive] = useState(0);
  // Escape closes the menu until the text changes; the button opens it whatever the text.
  const [dismissed, setDismissed] = useState<string | null>(null);
  const [forced, setForced] = useState(false);
  const { text, commands } = input;
  const typed = TYPING_COMMAND.exec(text);
  const prefix = typed ? typed[1]!.toLowerCase() : '';
  const matches = (commands ?? []).filter((c) => c.command.startsWith(prefix));
  const open = commands !== null && (forced || (typed !== null && dismissed !== text && matches.length > 0));
  const shown = forced && !typed ? (commands ?? []) : matches;
  const current = Math.min(active, Math.max(shown.length - 1, 0));
  const optionId = (i: number) => `${listId}-${i}`;

  const close = () => {
    setForced(false);
    setDismissed(text);
    setActive(0);
  };
  const pick = (command: BotCommand) => {
    const next = `/${command.command} `;
    input.setText(next);
    setForced(false);
    setDismissed(next);
    setActive(0);
    input.inputRef.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>): boolean => {
    if (!open) return false;
    const move = (by: number) => setActive((current + by + shown.length) % Math.max(shown.length, 1));
    if (event.key === 'ArrowDown') move(1);
    else if (event.key === 'ArrowUp') move(-1);
    else if ((event.key === 'Enter' && !event.shiftKey) || (event.key === 'Tab' && !event.shiftKey)) {
      if (!shown[current]) return false;
      pick(shown[current]);
    } else if (event.key === 'Escape') close();
    else return false;
    event.preventDefault();
    return true;
  };

  const list = open ? (
    <>
      <ul id={listId} role="listbox" className="command-menu" aria-label={t('commandsLabel')}>
        {shown.map((c, i) => (
          <li
            key={c.command}
            id={optionId(i)}
            role="option"
            aria-selected={i === current}
            // Keeps focus in the textarea: a click picks without moving it.
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => pick(c)}
          >
            <span className="command-name">/{c.command}</span>
            <span className="command-description">{c.description}</span>
          </li>
        ))}
        {shown.length === 0 && (
          <li role="option" aria-selected={false} aria-disabled={true} id={optionId(0)}>
            {t('noCommands')}
          </li>
        )}
      </ul>
      <span className="sr-only" role="status">
        {t('commandsHint', { count: shown.length })}
      </span>
    </>
  ) : null;

  return {
    inputProps: open ? { 'aria-controls': listId, 'aria-autocomplete': 'list', ...(shown[current] ? { 'aria-activedescendant': optionId(current) } : {}) } : commands !== null ? { 'aria-autocomplete': 'list' } : {},
    onKeyDown,
    toggle: () => {
      if (open) close();
      else {
        setForced(true);
        setActive(0);
        input.inputRef.current?.focus();
      }
    },
    open,
    available: commands !== null,
    list,
  };
}
