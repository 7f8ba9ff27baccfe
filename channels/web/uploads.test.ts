import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorkspaceFiles, workspaceFor } from '../../sessions/workspace/index.js';
import { tempDir } from '../../test/harness.js';
import { shownName, sniffImage, Uploads } from './uploads.js';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

describe('web chat uploads', () => {
  const setup = () => {
    const dir = tempDir();
    let now = 1_000_000;
    const uploads = new Uploads(
      createWorkspaceFiles(dir),
      (id) => `web:local:${id}`,
      () => now,
    );
    return { dir, uploads, later: (ms: number) => (now += ms) };
  };

  it('saves into the conversation workspace under a random name; the browser name is only a hint', async () => {
    const { dir, uploads } = setup();
    const receipt = await uploads.save('conv-0001', '../../../etc/passwd', Buffer.from('notes'));
    expect(receipt).toMatchObject({ name: 'passwd', kind: 'document', size: 5 });
    const [taken] = uploads.take('conv-0001', [receipt.id]) as Exclude<
      ReturnType<Uploads['take']>,
      string
    >;
    const path = taken!.attachment.path!;
    expect(dirname(path)).toBe(workspaceFor(dir, 'web:local:conv-0001'));
    expect(basename(path)).toMatch(/passwd$/);
    expect(basename(path)).not.toBe('passwd');
    expect(readFileSync(path, 'utf8')).toBe('notes');
    expect(taken!.attachment.dataBase64).toBeUndefined();
  });

  it('reads the image type from the bytes and hands images over as saved files, not base64', async () => {
    const { uploads } = setup();
    const receipt = await uploads.save('conv-0001', 'photo.txt', PNG);
    expect(receipt.kind).toBe('image');
    const taken = uploads.take('conv-0001', [receipt.id]);
    expect(taken).not.toBeTypeOf('string');
    const { attachment } = (taken as Exclude<typeof taken, string>)[0]!;
    expect(attachment).toMatchObject({ kind: 'image', mimeType: 'image/png' });
    expect(attachment.dataBase64).toBeUndefined();
    expect(readFileSync(attachment.path!)).toEqual(PNG);
    expect(sniffImage(Buffer.from('GIF89a'))).toBe('image/gif');
    expect(sniffImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffImage(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
    expect(sniffImage(Buffer.from('<svg onload=alert(1)>'))).toBeUndefined();
  });

  it('gives each upload once, to its own conversation, for an hour', async () => {
    const { uploads, later } = setup();
    const a = await uploads.save('conv-0001', 'a.txt', Buffer.from('a'));
    const b = await uploads.save('conv-0001', 'b.txt', Buffer.from('b'));
    expect(uploads.take('conv-0002', [a.id])).toMatch(/attach it again/);
    expect(uploads.take('conv-0001', [a.id, 'unknown'])).toMatch(/attach it again/);
    expect(uploads.take('conv-0001', [a.id])).toHaveLength(1);
    expect(uploads.take('conv-0001', [a.id])).toMatch(/attach it again/);
    later(3600_001);
    expect(uploads.take('conv-0001', [b.id])).toMatch(/attach it again/);
  });

  it('shows plain file names', () => {
    expect(shownName('C:\\Users\\ann\\report.pdf')).toBe('report.pdf');
    expect(shownName('a\u0000b\u001f.txt')).toBe('ab.txt');
    expect(shownName('../')).toBe('file');
    expect(shownName('x'.repeat(300))).toHaveLength(100);
  });
});
