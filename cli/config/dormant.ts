/**
 * A channel whose credentials are configured (e.g. `TELEGRAM_BOT_TOKEN` exported)
 * but which is not enabled would otherwise be silently ignored. Parley does not
 * start it on its own (a token left in a shell profile must not put a bot online),
 * but `parley start`, `parley doctor` and `parley config validate` say so, with
 * both fixes. Which keys count as credentials comes from the `secret` metadata of
 * the module's schema.
 */
import { channelModules, sectionOf, sectionPath } from '../channels.js';
import { configFields, valueAt } from './fields.js';
import type { ParleyConfig } from './schema.js';
import { genericVariable } from './suggest.js';

export interface DormantChannel {
  /** Config path of the section, e.g. `channels.telegram`. */
  section: string;
  detail: string;
  fix: string;
}

/** One notice per channel that has a credential set but is not enabled. */
export function dormantChannels(config: ParleyConfig): DormantChannel[] {
  const notices: DormantChannel[] = [];
  for (const module of channelModules) {
    const section = sectionOf(module, config);
    if (module.enabled(section)) continue;
    const path = sectionPath(module);
    const set = configFields(module.config, path).filter((field) => {
      const value = valueAt(section, field.key.slice(path.length + 1).split('.'));
      return field.secret && typeof value === 'string' && value !== '';
    });
    if (set.length === 0) continue;
    const named = set.map((field) => (field.env ? `${field.key}, env ${field.env}` : field.key));
    notices.push({
      section: path,
      detail: `a credential is set (${named.join('; ')}) but the ${module.id} channel is not enabled, so it does not run`,
      fix: `set ${path}.enabled: true in parley.yaml (or ${genericVariable(`${path}.enabled`)}=true), or remove the credential if it is not meant for Parley.`,
    });
  }
  return notices;
}

/** The notice as one line, for logs and `parley config validate`. */
export const dormantLine = (notice: DormantChannel): string =>
  `${notice.section}: ${notice.detail}. Fix: ${notice.fix}`;
