/** Longest message the web chat page may send, in characters (the page and the adapter share it). */
export const MAX_TEXT = 20_000;
