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
  -- The usage ledger: one row per model call. cost_nanos is the cost in billionths of
  -- the configured currency (NULL: the model has no price); day is the UTC day of at.
  CREATE TABLE model_usage (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    day TEXT NOT NULL,
    model TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    cached_tokens INTEGER NOT NULL,
    latency_ms INTEGER NOT NULL,
    cost_nanos INTEGER,
    user_id TEXT,
    conversation_key TEXT,
    channel TEXT,
    job_id TEXT
  );
  CREATE INDEX model_usage_at ON model_usage (at);
  CREATE INDEX model_usage_user ON model_usage (user_id, at);
  CREATE INDEX model_usage_conversation ON model_usage (conversation_key, at);
  CREATE INDEX model_usage_channel ON model_usage (channel, at);
  CREATE INDEX model_usage_job ON model_usage (job_id, at);

  -- Budget alerts already sent (80 %, reached), once per key and period.
  CREATE TABLE usage_alerts (
    key TEXT NOT NULL,
    period TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (key, period)
  );
  `,
  `
  -- Scheduled jobs (jobs.ts): the scheduler reads only the earliest active next_run_at.
  CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    owner TEXT NOT NULL,                     -- principal channel:senderId
    conversation_key TEXT NOT NULL,
    target TEXT NOT NULL,                    -- JSON JobTarget
    instruction TEXT NOT NULL,
    schedule TEXT NOT NULL,                  -- JSON JobSchedule
    catch_up TEXT NOT NULL,                  -- run-once | skip
    max_tokens INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'active',    -- active | paused | cancelled | done
    next_run_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX jobs_due ON jobs (next_run_at) WHERE state = 'active';
  CREATE INDEX jobs_owner ON jobs (owner, state);
  CREATE INDEX jobs_conversation ON jobs (conversation_key);

  -- One receipt per run of a job, keyed by its due time.
  CREATE TABLE job_runs (
    job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    due_at INTEGER NOT NULL,
    outcome TEXT NOT NULL,                   -- queued | running | ok | failed | capped | skipped | cancelled
    note TEXT,
    started_at INTEGER,
    ended_at INTEGER,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    cost REAL,                               -- currency, when a price is known
    error TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (job_id, due_at)
  );
  CREATE INDEX job_runs_due ON job_runs (due_at);
  `,
  `
  -- History compaction: a session keeps the model's summary of its older messages.
  ALTER TABLE sessions ADD COLUMN summary TEXT;
  ALTER TABLE sessions ADD COLUMN summary_through INTEGER;
  ALTER TABLE sessions ADD COLUMN summary_at INTEGER;
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
