import type { ReactNode } from 'react';
import { MENTION } from '../../mentions.ts';

/** A message's text with `@name` mentions marked (and named as mentions for screen readers). */
export function MessageText(props: { readonly text: string; readonly ownUsernames: readonly string[] }) {
  const parts: ReactNode[] = [];
  let last = 0;
  for (const match of props.text.matchAll(MENTION)) {
    const start = match.index + match[1]!.length;
    const name = match[2]!;
    parts.push(props.text.slice(last, start));
    const me = props.ownUsernames.includes(name.slice(1).toLowerCase());
    parts.push(
      <mark key={start} className={me ? 'mention mention-me' : 'mention'}>
        {name}
      </mark>,
    );
    last = start + name.length;
  }
  parts.push(props.text.slice(last));
  return <>{parts}</>;
}

/** A search snippet with its matched words marked. */
export function Highlighted(props: { readonly text: string; readonly ranges: ReadonlyArray<readonly [number, number]> }) {
  const parts: ReactNode[] = [];
  let last = 0;
  for (const [start, end] of [...props.ranges].sort((a, b) => a[0] - b[0])) {
    if (start < last) continue;
    parts.push(props.text.slice(last, start));
    parts.push(<mark key={start}>{props.text.slice(start, end)}</mark>);
    last = end;
  }
  parts.push(props.text.slice(last));
  return <>{parts}</>;
}
