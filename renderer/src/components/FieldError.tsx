/** An error next to the form or action it is about, read out as soon as it appears. */
export function FieldError(props: { readonly error: string | null; readonly id?: string }) {
  if (!props.error) return null;
  return (
    <p id={props.id} className="field-error" role="alert">
      {props.error}
    </p>
  );
}
