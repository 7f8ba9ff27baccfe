/**
 * Who speaks in the web chat. The page and its WebSocket need Parley's access
 * token, and whoever holds it can already change Parley from the admin console,
 * so every browser with the token is the owner: one sender, `web:owner`, which
 * the composition root lists among the built-in owners (it may answer approvals).
 */
export const WEB_SENDER = { id: 'owner', name: 'web user' } as const;

/** The access principal of {@link WEB_SENDER} (`<channel>:<sender id>`). */
export const WEB_PRINCIPAL = `web:${WEB_SENDER.id}`;
