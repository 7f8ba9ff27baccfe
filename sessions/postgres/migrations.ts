/**
 * Postgres schema migrations, applied in order at startup by `migrate` (db.ts) in one
 * transaction under an advisory lock. The same tables as `sessions/sqlite/migrations.ts`
 * (timestamps are BIGINT milliseconds there too), plus what several nodes need to share
 * work: conversation leases with fencing tokens and the node registry.
 * Append new entries; never edit one that has shipped.
 */
export const migrations: string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

  -- Durable inbox: one row per accepted inbound message (inbox.ts). lane is the
  -- conversation key, or a key of its own for control messages (approval answers,
  -- button presses), which must not wait behind their conversation's running turn.
  CREATE TABLE inbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel TEXT NOT NULL,
    platform_message_id TEXT NOT NULL,
    conversation_key TEXT NOT NULL,
    lane TEXT NOT NULL,
    payload TEXT NOT NULL,
    sender_id TEXT,
    state TEXT NOT NULL DEFAULT 'pending',   -- pending | replying | done | failed
    attempts INTEGER NOT NULL DEFAULT 0,
    reply TEXT,                              -- JSON: { chunks: string[], sent: number }
    error TEXT,
    received_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (channel, platform_message_id)
  );
  CREATE INDEX inbox_unfinished ON inbox (lane, id) WHERE state IN ('pending', 'replying');
  CREATE INDEX inbox_sender ON inbox (channel, sender_id);
  CREATE INDEX inbox_finished ON inbox (updated_at) WHERE state IN ('done', 'failed');

  CREATE TABLE sessions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key TEXT NOT NULL,
    channel TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    thread_id TEXT,
    chat_type TEXT NOT NULL,
    user_id TEXT,
    created_at BIGINT NOT NULL,
    ended_at BIGINT
  );
  CREATE INDEX sessions_key ON sessions (key, ended_at);
  CREATE INDEX sessions_user ON sessions (channel, user_id);

  CREATE TABLE messages (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    inbox_id BIGINT,
    role TEXT NOT NULL,
    content TEXT,
    sender_id TEXT,
    sender_name TEXT,
    tool_calls TEXT,
    tool_call_id TEXT,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX messages_session ON messages (session_id, id);
  CREATE INDEX messages_inbox ON messages (inbox_id);
  CREATE INDEX messages_sender ON messages (sender_id);

  CREATE TABLE allowlist (
    channel TEXT NOT NULL,
    sender_id TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (channel, sender_id)
  );
  CREATE TABLE pairing_requests (
    code TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    sender_id TEXT NOT NULL,
    sender_name TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
  );
  CREATE INDEX pairing_sender ON pairing_requests (channel, sender_id, status);

  CREATE TABLE approvals (
    id TEXT PRIMARY KEY,
    call_key TEXT NOT NULL UNIQUE,
    session_id BIGINT NOT NULL,
    conversation_key TEXT NOT NULL,
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    tool TEXT NOT NULL,
    args TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    decided_by TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    decided_at BIGINT
  );
  CREATE INDEX approvals_pending ON approvals (status, expires_at);
  CREATE TABLE session_grants (
    session_id BIGINT NOT NULL,
    tool TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, tool)
  );

  CREATE TABLE auth_state (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (namespace, key)
  );

  -- An identity column never hands out a number twice, also after every row is pruned.
  CREATE TABLE web_outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX web_outbox_client ON web_outbox (client_id, id);

  -- Work distribution (leases.ts): one node at a time runs a lane's rows; each take-over
  -- raises the fence, and every inbox write of a turn checks it in its transaction.
  CREATE TABLE lane_leases (
    lane TEXT PRIMARY KEY,
    node_id TEXT NOT NULL,
    fence BIGINT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
  );

  -- Every accepted row wakes the worker nodes (LISTEN parley_work), delivered at commit.
  CREATE FUNCTION parley_notify_work() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('parley_work', ''); RETURN NULL; END $$;
  CREATE TRIGGER inbox_work AFTER INSERT ON inbox
    FOR EACH STATEMENT EXECUTE FUNCTION parley_notify_work();

  -- Nodes and the named leases they hold (channel connections), for /readyz and admin.
  CREATE TABLE nodes (
    node_id TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    seen_at TIMESTAMPTZ NOT NULL
  );
  CREATE TABLE named_leases (
    name TEXT PRIMARY KEY,
    node_id TEXT NOT NULL,
    fence BIGINT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
  );
  `,
];
