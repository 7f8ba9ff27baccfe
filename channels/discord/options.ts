import type { WorkspaceFiles } from '../../core/stores.js';

/** What the Discord adapter and its gateway connection are built with (from `channels.discord`). */
export interface DiscordOptions {
  token?: string | undefined;
  /** Account name in conversation keys (default `default`). */
  account?: string;
  /** REST root without version (default https://discord.com/api); the gateway URL is fetched there. */
  apiRoot?: string | undefined;
  /** Show partial answers by editing a draft (`edit`) or send at the end (`none`). */
  streaming?: 'edit' | 'none';
  /** Open a thread on a mention in a server channel and answer there. */
  startThreads?: boolean;
  registerCommands?: boolean;
  /** Register slash commands in this guild only (instant) instead of globally. */
  commandGuildId?: string | undefined;
  /** Application id for commands (default: learnt at login). */
  applicationId?: string | undefined;
  requestTimeoutMs?: number;
  /** Milliseconds before an unanswered button press is acknowledged automatically. */
  autoAckMs?: number;
  /** Attachments fetched up to this size (0: kept as references). */
  maxFileMb?: number;
  fileTimeoutMs?: number;
  /** Where downloaded attachments are saved (the conversation workspaces). */
  files?: WorkspaceFiles;
}
