import { useEffect, useState } from 'react';
import { useApp } from '../state/store.ts';

/**
 * Announces incoming messages to screen readers. The region exists from the start (a region
 * added together with its text is often not read), and each announcement replaces the last.
 */
export function LiveRegion() {
  const announcement = useApp((s) => s.announcement);
  const [text, setText] = useState('');
  useEffect(() => {
    if (!announcement) return;
    // Clear first, so the same text twice is still announced twice.
    const clear = setTimeout(() => setText(''), 0);
    const show = setTimeout(() => setText(announcement.text), 50);
    return () => {
      clearTimeout(clear);
      clearTimeout(show);
    };
  }, [announcement]);
  return (
    <div id="announcer" className="sr-only" role="status" aria-live="polite" aria-atomic="true">
      {text}
    </div>
  );
}
