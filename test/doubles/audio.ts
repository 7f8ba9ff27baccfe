/**
 * OpenAI-compatible audio endpoints on 127.0.0.1, as the API reference documents them:
 * `POST /v1/audio/transcriptions` (multipart: `file`, `model`, optional `language`;
 * answers `{ text }`, 400 when the file is missing or its extension is not one the
 * API accepts) and `POST /v1/audio/speech` (JSON: `model`, `input`, `voice`,
 * `response_format`; answers audio bytes). Transcripts come from `transcripts`
 * (uploaded bytes as text → transcript), else a fixed sentence; every request is recorded.
 *
 * @example
 * ```ts
 * const audio = await startAudioDouble({ 'OggS-voice-1': 'remind me to buy milk' })
 * // media.transcription.baseUrl = audio.baseUrl
 * ```
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';

/** Extensions the OpenAI endpoint accepts (the format is read from the file name). */
const ACCEPTED = ['flac', 'mp3', 'mp4', 'mpeg', 'mpga', 'm4a', 'ogg', 'wav', 'webm'];

export interface AudioRequest {
  path: string;
  authorization: string | undefined;
  fields: Record<string, string>;
  file?: { name: string; type: string; bytes: Buffer };
}

export interface AudioDouble {
  baseUrl: string;
  requests: AudioRequest[];
  /** What /audio/speech returns (an Ogg page header, then the text it was asked to speak). */
  speechBytes(input: string): Buffer;
  close(): Promise<void>;
}

export async function startAudioDouble(
  transcripts: Record<string, string> = {},
): Promise<AudioDouble> {
  const double: AudioDouble = {
    baseUrl: '',
    requests: [],
    speechBytes: (input) => Buffer.concat([Buffer.from('OggS\0\u0002'), Buffer.from(input)]),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    void read(req).then(async (raw) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const request: AudioRequest = { path, authorization: req.headers.authorization, fields: {} };
      double.requests.push(request);
      const error = (status: number, message: string) =>
        res
          .writeHead(status, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { message, type: 'invalid_request_error' } }));
      if (path === '/v1/audio/transcriptions') {
        const form = await new Request('http://double/', {
          method: 'POST',
          headers: { 'content-type': req.headers['content-type'] ?? '' },
          body: new Uint8Array(raw),
        })
          .formData()
          .catch(() => undefined);
        if (!form) return error(400, 'expected multipart/form-data');
        for (const [key, value] of form) {
          if (typeof value === 'string') request.fields[key] = value;
          else
            request.file = {
              name: value.name,
              type: value.type,
              bytes: Buffer.from(await value.arrayBuffer()),
            };
        }
        if (!request.file) return error(400, "'file' is a required property");
        if (!request.fields.model) return error(400, "'model' is a required property");
        const extension = request.file.name.split('.').pop() ?? '';
        if (!ACCEPTED.includes(extension))
          return error(400, `Invalid file format. Supported formats: ${JSON.stringify(ACCEPTED)}`);
        const text = transcripts[request.file.bytes.toString('utf8')] ?? 'this is a voice note';
        return res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ text }));
      }
      if (path === '/v1/audio/speech') {
        const body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, string>;
        request.fields = body;
        if (!body.input || !body.model || !body.voice)
          return error(400, 'model, input and voice are required');
        const type = body.response_format === 'opus' ? 'audio/ogg' : 'audio/mpeg';
        return res.writeHead(200, { 'content-type': type }).end(double.speechBytes(body.input));
      }
      error(404, `Unknown path ${path}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  double.baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
  return double;
}

async function read(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
