/** The only IPC channels between the page and the main process. */
export const CHANNELS = {
  call: 'dchat:call',
  event: 'dchat:event',
  deepLink: 'dchat:deep-link',
  /** The page says which chat is on screen (no notifications for it). */
  focusedChat: 'dchat:focused-chat',
} as const;
