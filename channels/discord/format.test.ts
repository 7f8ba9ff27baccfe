import { describe, expect, it } from 'vitest';
import { renderDiscord } from './format.js';

describe('renderDiscord', () => {
  it('keeps what Discord renders itself', () => {
    const text = '# Title\n**bold** *it* ~~s~~ `code` [link](https://x.org)\n> quote\n- item';
    expect(renderDiscord(text)).toBe(text);
  });

  it('turns deep headings into bold lines, images into links, rules and <br> into text', () => {
    expect(renderDiscord('#### Notes ####')).toBe('**Notes**');
    expect(
      renderDiscord('see ![chart](https://x.org/c.png "t") and ![](https://x.org/d.png)'),
    ).toBe('see [chart](https://x.org/c.png) and https://x.org/d.png');
    expect(renderDiscord('a\n---\nb<br>c')).toBe('a\n──────────\nb\nc');
  });

  it('shows a table as an aligned monospace block', () => {
    const table = '| name | n |\n|------|---:|\n| alpha | 1 |\n| b | 22 |';
    expect(renderDiscord(`Totals:\n${table}\nend`)).toBe(
      ['Totals:', '```', 'name  | n', 'alpha | 1', 'b     | 22', '```', 'end'].join('\n'),
    );
  });

  it('never touches fenced code', () => {
    const code = '```md\n#### not a heading\n| a | b |\n|---|---|\n![x](y)\n```';
    expect(renderDiscord(code)).toBe(code);
  });

  it('renders ~~~ fences as ``` fences with their language', () => {
    expect(renderDiscord('~~~py\nprint("**x**")\n~~~')).toBe('```py\nprint("**x**")\n```');
    expect(renderDiscord('```py\nprint("**x**")\n```')).toBe('```py\nprint("**x**")\n```');
  });

  it('escapes what would become markup, leaves mentions alone', () => {
    expect(renderDiscord('**bold _and** italic_')).toBe('**bold \\_and** italic\\_');
    expect(renderDiscord('\\*not italic\\* and 5*3, snake_case, 2 * 3')).toBe(
      '\\*not italic\\* and 5\\*3, snake_case, 2 * 3',
    );
    expect(renderDiscord('@everyone <@123> look')).toBe('@everyone <@123> look');
  });
});
