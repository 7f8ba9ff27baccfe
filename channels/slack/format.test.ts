import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, markdownToMrkdwn } from './format.js';

describe('markdownToMrkdwn', () => {
  it('converts emphasis, strike-through and headings', () => {
    expect(markdownToMrkdwn('**bold**, *italic*, _also_ and ~~gone~~')).toBe(
      '*bold*, _italic_, _also_ and ~gone~',
    );
    expect(markdownToMrkdwn('## A **title**')).toBe('*A title*');
    expect(markdownToMrkdwn('***both***')).toBe('*_both_*');
  });

  it('turns links into <url|text> and escapes &, <, >', () => {
    expect(markdownToMrkdwn('see [the docs](https://x.y/?a=1&b=2) & <tags>')).toBe(
      'see <https://x.y/?a=1&amp;b=2|the docs> &amp; &lt;tags&gt;',
    );
    expect(markdownToMrkdwn('<https://plain.example>')).toBe('<https://plain.example>');
    expect(markdownToMrkdwn('![cat](https://img/cat.png)')).toBe('<https://img/cat.png|cat>');
  });

  it('keeps code verbatim apart from escaping and drops the fence language', () => {
    const md = 'Run `a**b**<c>`:\n```ts\nconst x = a && b; // **not bold**\n```';
    expect(markdownToMrkdwn(md)).toBe(
      'Run `a**b**&lt;c&gt;`:\n```\nconst x = a &amp;&amp; b; // **not bold**\n```',
    );
  });

  it('closes a fence left open', () => {
    expect(markdownToMrkdwn('```\ncode')).toBe('```\ncode\n```');
  });

  it('renders bullets, quotes and rules', () => {
    expect(markdownToMrkdwn('- one\n  * two\n> quoted *x*\n---')).toBe(
      '• one\n  • two\n> quoted _x_\n──────────',
    );
  });

  it('does not touch snake_case or lone stars', () => {
    expect(markdownToMrkdwn('call get_time_now with 2 * 3 * 4')).toBe(
      'call get_time_now with 2 * 3 * 4',
    );
  });

  it('escapes plain text for the plain fallback', () => {
    expect(escapeMrkdwn('a < b > c & d')).toBe('a &lt; b &gt; c &amp; d');
  });

  it('renders ~~~ fences like ``` fences, without the language', () => {
    expect(markdownToMrkdwn('~~~js\na && b\n~~~')).toBe('```\na &amp;&amp; b\n```');
    expect(markdownToMrkdwn('```js\na && b\n```')).toBe('```\na &amp;&amp; b\n```');
  });

  it('keeps overlapping emphasis well formed and shows tables as a code block', () => {
    expect(markdownToMrkdwn('**bold _and** italic_')).toBe('*bold _and* italic_');
    expect(markdownToMrkdwn('| a | b |\n|---|---|\n| <x> | y |')).toBe(
      '```\na   | b\n&lt;x&gt; | y\n```',
    );
  });
});
