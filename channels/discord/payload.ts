/**
 * Outbound message bodies for Discord's REST API: the last step before the
 * platform call in the sender pipeline (format → chunk → throttle → retry → here).
 *
 * Every body carries `allowed_mentions: { parse: [] }`: whatever the model writes
 * (`@everyone`, `@here`, `<@&role>`, `<@user>`), nobody is pinged. Buttons become
 * one action row per five buttons, their `custom_id` being the button's `data`.
 *
 * A piece of a reply carries its delivery key as `nonce` with `enforce_nonce: true`:
 * Discord then checks the nonce for uniqueness over the past few minutes and, when
 * the bot already created a message with it, returns that message instead of
 * creating another. A piece sent again by the node that took over a crashed one's
 * lane is therefore one message, not two.
 */
import {
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIComponentInMessageActionRow,
  ButtonStyle,
  ComponentType,
  type RESTPostAPIChannelMessageJSONBody,
} from 'discord.js';
import type { OutboundButton, OutboundMessage } from '../../core/contract.js';

/** Discord's limits on components. */
const BUTTONS_PER_ROW = 5;
const MAX_ROWS = 5;
const MAX_LABEL = 80;
const MAX_CUSTOM_ID = 100;

/** Mentions are never parsed from bot messages. */
export const NO_MENTIONS = { parse: [] } as const;

/** The JSON body of a create or edit message request. */
export function messageBody(
  message: OutboundMessage,
  replyToMessageId?: string,
): RESTPostAPIChannelMessageJSONBody {
  return {
    content: message.text,
    allowed_mentions: { parse: [] },
    ...(message.buttons?.length ? { components: buttonRows(message.buttons) } : {}),
    ...(replyToMessageId
      ? { message_reference: { message_id: replyToMessageId, fail_if_not_exists: false } }
      : {}),
    ...(message.delivery ? { nonce: message.delivery.key, enforce_nonce: true } : {}),
  };
}

/** Buttons as action rows (five per row, at most five rows). */
export function buttonRows(
  buttons: OutboundButton[],
): APIActionRowComponent<APIComponentInMessageActionRow>[] {
  const rows: APIActionRowComponent<APIComponentInMessageActionRow>[] = [];
  for (let i = 0; i < buttons.length && rows.length < MAX_ROWS; i += BUTTONS_PER_ROW) {
    rows.push({
      type: ComponentType.ActionRow,
      components: buttons.slice(i, i + BUTTONS_PER_ROW).map(button),
    });
  }
  return rows;
}

function button(spec: OutboundButton): APIButtonComponentWithCustomId {
  return {
    type: ComponentType.Button,
    style:
      spec.style === 'primary'
        ? ButtonStyle.Primary
        : spec.style === 'danger'
          ? ButtonStyle.Danger
          : ButtonStyle.Secondary,
    label: spec.label.slice(0, MAX_LABEL),
    custom_id: spec.data.slice(0, MAX_CUSTOM_ID),
  };
}
