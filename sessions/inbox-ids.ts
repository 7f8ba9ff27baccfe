/** What the inbox keeps of a message answered with silence: the ids, enough to deduplicate. */
import type { InboundMessage } from '../core/contract.js';

export function idsOnly(message: InboundMessage): InboundMessage {
  return {
    channel: message.channel,
    account: message.account,
    conversationId: message.conversationId,
    ...(message.threadId ? { threadId: message.threadId } : {}),
    sender: { id: message.sender.id },
    chatType: message.chatType,
    mentionsBot: false,
    repliesToBot: false,
    text: '',
    attachments: [],
    platformMessageId: message.platformMessageId,
    timestamp: message.timestamp,
  };
}
