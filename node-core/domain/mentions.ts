/**
 * Whether a text mentions a username as `@username` (not inside a longer name or an e-mail
 * address: `bob@example.org` and `@bobby` do not mention `bob`). Usernames are [a-z0-9_]{3,32}.
 */
export function mentions(text: string, username: string): boolean {
  if (!/^[a-z0-9_]{3,32}$/.test(username)) return false;
  return new RegExp(`(^|[^A-Za-z0-9_.@])@${username}(?![A-Za-z0-9_])`, 'i').test(text);
}
