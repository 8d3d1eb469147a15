/** `@name` mentions: an @ not inside a word or an e-mail address, then a username ([a-z0-9_]{3,32}). */
export const MENTION = /(^|[^A-Za-z0-9_.@])(@[A-Za-z0-9_]{3,32})(?![A-Za-z0-9_])/g;

/** Whether a text mentions a username (as the node decides it notifies in a muted chat). */
export function mentionsUser(text: string, username: string): boolean {
  for (const match of text.matchAll(MENTION)) if (match[2]!.slice(1).toLowerCase() === username.toLowerCase()) return true;
  return false;
}
