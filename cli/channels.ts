/**
 * Which messenger channels run, built from config. Each channel adds its one
 * constructor call here; the web chat and terminal are wired in app.ts.
 */
import type { ChannelAdapter } from '../channels/adapter.js';
import type { AppContext } from './context.js';

export function createMessengerChannels(context: AppContext): ChannelAdapter[] {
  const channels: ChannelAdapter[] = [];
  void context;
  return channels;
}
