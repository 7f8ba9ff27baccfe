/**
 * Schema migrations, applied in order at startup (see `migrate` in db.ts).
 * Append new entries; never edit one that has shipped.
 */
export const migrations: string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

  -- Durable inbox: one row per accepted inbound message (inbox.ts).
  CREATE TABLE inbox (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    platform_message_id TEXT NOT NULL,
    conversation_key TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',   -- pending | replying | done | failed
    attempts INTEGER NOT NULL DEFAULT 0,
    reply TEXT,                              -- JSON: { chunks: string[], sent: number }
    error TEXT,
    received_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (channel, platform_message_id)
  );
  CREATE INDEX inbox_unfinished ON inbox (state) WHERE state IN ('pending', 'replying');

  -- Conversations' sessions; the active one per key has ended_at NULL (sessions.ts).
  CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    channel TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    thread_id TEXT,
    chat_type TEXT NOT NULL,
    user_id TEXT,
    created_at INTEGER NOT NULL,
    ended_at INTEGER
  );
  CREATE INDEX sessions_key ON sessions (key, ended_at);
  CREATE INDEX sessions_user ON sessions (channel, user_id);

  CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    inbox_id INTEGER,
    role TEXT NOT NULL,                      -- system | user | assistant | tool
    content TEXT,
    sender_id TEXT,
    sender_name TEXT,
    tool_calls TEXT,                         -- JSON array in OpenAI shape
    tool_call_id TEXT,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX messages_session ON messages (session_id, id);
  CREATE INDEX messages_inbox ON messages (inbox_id);
  CREATE INDEX messages_sender ON messages (sender_id);

  -- Access policy (agent/access.ts).
  CREATE TABLE allowlist (
    channel TEXT NOT NULL,
    sender_id TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (channel, sender_id)
  );
  CREATE TABLE pairing_requests (
    code TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    sender_id TEXT NOT NULL,
    sender_name TEXT,
    status TEXT NOT NULL DEFAULT 'pending',  -- pending | approved | expired
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX pairing_sender ON pairing_requests (channel, sender_id, status);

  -- Tool approvals (agent/approvals.ts).
  CREATE TABLE approvals (
    id TEXT PRIMARY KEY,
    call_key TEXT NOT NULL UNIQUE,
    session_id INTEGER NOT NULL,
    conversation_key TEXT NOT NULL,
    channel TEXT NOT NULL,
    target TEXT NOT NULL,                    -- JSON OutboundTarget
    tool TEXT NOT NULL,
    args TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',  -- pending | approved | denied | expired
    decided_by TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    decided_at INTEGER
  );
  CREATE INDEX approvals_pending ON approvals (status, expires_at);
  CREATE TABLE session_grants (
    session_id INTEGER NOT NULL,
    tool TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, tool)
  );

  -- Channel auth state (e.g. WhatsApp creds and Signal keys), values JSON.
  CREATE TABLE auth_state (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (namespace, key)
  );

  -- Web chat messages waiting for (or replayed to) browser clients.
  CREATE TABLE web_outbox (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX web_outbox_client ON web_outbox (client_id, id);
  `,
  `
  -- Sequence numbers of the web outbox never go back, even after pruning every row.
  CREATE TABLE web_outbox_seq (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  INSERT INTO web_outbox_seq (id, client_id, payload, created_at)
    SELECT id, client_id, payload, created_at FROM web_outbox;
  DROP TABLE web_outbox;
  ALTER TABLE web_outbox_seq RENAME TO web_outbox;
  CREATE INDEX web_outbox_client ON web_outbox (client_id, id);

  -- The inbox knows its sender (purge and export of one user) and can be pruned.
  ALTER TABLE inbox ADD COLUMN sender_id TEXT;
  UPDATE inbox SET sender_id = json_extract(payload, '$.sender.id');
  CREATE INDEX inbox_sender ON inbox (channel, sender_id);
  CREATE INDEX inbox_finished ON inbox (updated_at) WHERE state IN ('done', 'failed');
  `,
  `
  -- Per-user memories (memory.ts). scope is one token naming (channel, user, group).
  -- The full-text index holds each word as <scope>x<word> (written by memory.ts), so a
  -- search reads only its own scope's postings and can never return another scope's row.
  CREATE TABLE memories (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    user_id TEXT NOT NULL,
    group_id TEXT,                           -- NULL: the user's own (DMs)
    scope TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX memories_scope ON memories (scope, id);
  CREATE INDEX memories_user ON memories (channel, user_id);
  CREATE VIRTUAL TABLE memories_fts USING fts5(terms, content = '', contentless_delete = 1);
  `,
];
