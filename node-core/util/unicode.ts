/**
 * The path of the first string in a value that is not well-formed Unicode (a lone UTF-16
 * surrogate), or undefined. Such text cannot be stored or sent as UTF-8 without being changed,
 * so it is refused at the boundary instead of being replaced silently.
 */
export function illFormedStringPath(value: unknown, depth = 0): string | undefined {
  if (typeof value === 'string') return value.isWellFormed() ? undefined : '';
  if (depth > 32 || typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return undefined;
  const entries: Array<[string, unknown]> = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  for (const [key, child] of entries) {
    if (!key.isWellFormed()) return key.toWellFormed();
    const inner = illFormedStringPath(child, depth + 1);
    if (inner !== undefined) return inner === '' ? key : `${key}.${inner}`;
  }
  return undefined;
}
