import { FieldError } from '../../components/FieldError.tsx';

/**
 * A labelled input with its help and its error, linked for screen readers (aria-describedby,
 * aria-invalid). Amounts and addresses are written left to right in every language.
 */
export function TextField(props: {
  readonly id: string;
  readonly label: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly help?: string;
  readonly error: string | null;
  readonly inputMode?: 'decimal' | 'text';
  /** A long value without spaces (an address): a two-line field that wraps it, so all of it is in view at any zoom; Enter still submits. */
  readonly multiline?: boolean;
}) {
  const describedBy = [props.help ? `${props.id}-help` : '', props.error ? `${props.id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className="form-row">
      <label htmlFor={props.id}>{props.label}</label>
      {props.multiline ? (
        <textarea
          id={props.id}
          rows={2}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value.replace(/\s+/g, ''))}
          onKeyDown={(e) => {
            if (e.key !== 'Enter') return;
            e.preventDefault();
            e.currentTarget.form?.requestSubmit();
          }}
          autoComplete="off"
          spellCheck={false}
          dir="ltr"
          className="address-input"
          aria-invalid={props.error ? true : undefined}
          aria-describedby={describedBy || undefined}
        />
      ) : (
        <input
          id={props.id}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
          inputMode={props.inputMode ?? 'text'}
          autoComplete="off"
          spellCheck={false}
          dir="ltr"
          aria-invalid={props.error ? true : undefined}
          aria-describedby={describedBy || undefined}
        />
      )}
      {props.help && (
        <p id={`${props.id}-help`} className="hint">
          {props.help}
        </p>
      )}
      <FieldError id={`${props.id}-error`} error={props.error} />
    </div>
  );
}
