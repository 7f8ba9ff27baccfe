/**
 * Block Kit for messages with buttons (tool-call approvals): the rendered text in a
 * section block (≤ 3,000 characters, which is why the adapter's chunks never exceed
 * that) followed by an actions block whose buttons carry {@link OutboundButton.data}
 * as their `value`; a press comes back as a `block_actions` payload.
 */
import type { types } from '@slack/bolt';
import type { OutboundButton } from '../../core/contract.js';

type KnownBlock = types.KnownBlock;

/** Slack's limits for one section text, one button label and one button value. */
export const SECTION_LIMIT = 3000;
const LABEL_LIMIT = 75;
const VALUE_LIMIT = 2000;
const OUTCOME_BLOCK = 'parley_outcome';

/** A section with `text` and a row of buttons. */
export function messageBlocks(text: string, buttons: OutboundButton[]): KnownBlock[] {
  return [
    { type: 'section', text: { type: 'mrkdwn', text: text.slice(0, SECTION_LIMIT) || ' ' } },
    {
      type: 'actions',
      block_id: 'parley_actions',
      elements: buttons.slice(0, 25).map((button, index) => ({
        type: 'button' as const,
        action_id: `parley_button_${index}`,
        text: { type: 'plain_text' as const, text: button.label.slice(0, LABEL_LIMIT) },
        value: button.data.slice(0, VALUE_LIMIT),
        ...(button.style ? { style: button.style } : {}),
      })),
    },
  ];
}

/**
 * The pressed prompt with the outcome of the press below it. The buttons stay while
 * the request is open (a refused press, not the owner, leaves them for the owner) and
 * come off once it is settled (`final`), so a decided request can't be pressed again.
 */
export function answeredBlocks(
  promptBlocks: unknown[] | undefined,
  prompt: string,
  outcome: string,
  final: boolean,
): KnownBlock[] {
  const kept = (promptBlocks ?? [
    { type: 'section', text: { type: 'mrkdwn', text: prompt.slice(0, SECTION_LIMIT) || ' ' } },
  ]) as KnownBlock[];
  return [
    ...kept.filter(
      (block) => block.block_id !== OUTCOME_BLOCK && !(final && block.type === 'actions'),
    ),
    {
      type: 'context',
      block_id: OUTCOME_BLOCK,
      elements: [{ type: 'mrkdwn', text: outcome.slice(0, SECTION_LIMIT) }],
    },
  ];
}
