import { describe, expect, it } from 'vitest';
import { placeholder as postgres } from '../postgres/db.js';
import { placeholder as sqlite } from '../sqlite/db.js';
import { acceptSql, inboxColumns, inboxSql } from './inbox.js';

describe('shared inbox statements', () => {
  it('number the accept insert for Postgres, its extra lane column last', () => {
    const sql = acceptSql(postgres, ['lane']).replace(/\s+/g, ' ');
    expect(sql).toBe(
      'INSERT INTO inbox (channel, platform_message_id, conversation_key, payload, sender_id, received_at, updated_at, lane)' +
        ' VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (channel, platform_message_id) DO NOTHING',
    );
    expect(acceptSql(sqlite)).toContain(`VALUES (${inboxColumns.names.map(() => '?').join(', ')})`);
  });

  it('number every parameter of a statement in order, the same statement on both engines', () => {
    const pg = inboxSql(postgres);
    const lite = inboxSql(sqlite);
    expect(pg.interrupted).toBe(
      `UPDATE inbox SET attempts = attempts - 1, updated_at = $1 WHERE id = $2 AND state = 'pending' AND attempts > 0`,
    );
    expect(pg.byMessage).toMatch(/WHERE channel = \$1 AND platform_message_id = \$2$/);
    for (const name of Object.keys(pg) as (keyof typeof pg)[]) {
      expect(pg[name].replace(/\$\d+/g, '?')).toBe(lite[name]);
      const numbers = [...pg[name].matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
      expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    }
  });
});
