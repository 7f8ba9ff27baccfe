/**
 * The raw Slack payloads the adapter reads, narrowed to the fields it uses. Bodies
 * arrive from the Events API (`event_callback`) and from interactivity
 * (`block_actions`), over HTTP or Socket Mode alike; fixtures in `fixtures/` are
 * captured examples of each.
 */

/** A file shared in a message (only metadata; the bytes need the bot token). */
export interface SlackFile {
  id: string;
  name?: string;
  mimetype?: string;
  size?: number;
  /** Needs `Authorization: Bearer <bot token>` (scope files:read). */
  url_private?: string;
  url_private_download?: string;
}

/** `app_mention` and `message` events share this shape. */
export interface SlackMessageEvent {
  type: 'app_mention' | 'message' | string;
  subtype?: string;
  channel?: string;
  channel_type?: 'im' | 'mpim' | 'channel' | 'group' | string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts?: string;
  thread_ts?: string;
  parent_user_id?: string;
  files?: SlackFile[];
  user_profile?: { display_name?: string; real_name?: string; name?: string };
}

/** The Events API envelope (`type: event_callback`). */
export interface SlackEventEnvelope {
  type: 'event_callback';
  team_id?: string;
  event_id?: string;
  event_time?: number;
  event: SlackMessageEvent;
}

/** One pressed button of a `block_actions` payload. */
export interface SlackBlockAction {
  type: string;
  action_id?: string;
  block_id?: string;
  value?: string;
  action_ts?: string;
}

/** The interactivity payload sent when a Block Kit button is pressed. */
export interface SlackBlockActionsBody {
  type: 'block_actions';
  trigger_id?: string;
  user: { id: string; name?: string; username?: string; team_id?: string };
  team?: { id: string } | null;
  channel?: { id: string; name?: string };
  container?: { type?: string; channel_id?: string; message_ts?: string; thread_ts?: string };
  message?: { ts?: string; thread_ts?: string; text?: string; blocks?: unknown[] };
  actions: SlackBlockAction[];
}

/** Who the bot is, from `auth.test`: needed to strip mentions and ignore itself. */
export interface SlackIdentity {
  teamId: string;
  botUserId: string;
  botId?: string;
}
