/**
 * Baileys' AuthenticationState kept in an {@link AuthStateStore} (SQLite), instead of
 * `useMultiFileAuthState`, whose own source warns it is not for production.
 *
 *   makeWASocket({ auth: state }) ──keys.set()──► AuthStateStore.write (one transaction)
 *                                 ──creds.update──► saveCreds()
 *
 * Credentials live under the key `creds`, each Signal key under `key:<type>:<id>`,
 * all serialised with Baileys' `BufferJSON` so Buffers survive the round trip. A
 * `keys.set()` batch is written in one transaction: a crash either keeps the whole
 * batch or none of it, and no key update is lost to an async write race.
 */
import {
  type AuthenticationCreds,
  type AuthenticationState,
  BufferJSON,
  initAuthCreds,
  proto,
  type SignalDataSet,
  type SignalDataTypeMap,
} from '@whiskeysockets/baileys';
import type { AuthStateStore } from '../../core/stores.js';

export interface SqliteAuthState {
  /** Hand this to the socket; `state.creds` is replaced on {@link clear}. */
  readonly state: AuthenticationState;
  /** Persists the current credentials (call on every `creds.update`). */
  saveCreds(): void;
  /** Forgets the pairing: deletes every key and starts from fresh credentials. */
  clear(): void;
  /** True once a phone has been linked (credentials name an account). */
  paired(): boolean;
  /**
   * Reads the stored credentials again (the adapter does before it connects): a node
   * taking the connection over from another node uses what that node last stored.
   */
  reload(): void;
}

const CREDS = 'creds';
const keyName = (type: string, id: string) => `key:${type}:${id}`;

const encode = (value: unknown): string => JSON.stringify(value, BufferJSON.replacer);
const decode = <T>(text: string): T => JSON.parse(text, BufferJSON.reviver) as T;

/** Loads (or initialises) the auth state stored in `store`. */
export function sqliteAuthState(store: AuthStateStore): SqliteAuthState {
  const storedCreds = () => {
    const stored = store.get(CREDS);
    return stored ? decode<AuthenticationCreds>(stored) : initAuthCreds();
  };
  const state: AuthenticationState = {
    creds: storedCreds(),
    keys: {
      get: (type, ids) => readKeys(store, type, ids),
      set: (data) => store.write(keyEntries(data)),
      clear: () => void store.clear(),
    },
  };
  return {
    state,
    saveCreds: () => store.write([[CREDS, encode(state.creds)]]),
    clear: () => {
      store.clear();
      state.creds = initAuthCreds();
    },
    paired: () => Boolean(state.creds.me?.id),
    reload: () => {
      if (store.get(CREDS) !== undefined) state.creds = storedCreds();
    },
  };
}

function readKeys<T extends keyof SignalDataTypeMap>(
  store: AuthStateStore,
  type: T,
  ids: string[],
): { [id: string]: SignalDataTypeMap[T] } {
  const found: { [id: string]: SignalDataTypeMap[T] } = {};
  for (const id of ids) {
    const text = store.get(keyName(type, id));
    if (text === undefined) continue;
    let value: unknown = decode(text);
    if (type === 'app-state-sync-key')
      value = proto.Message.AppStateSyncKeyData.fromObject(value as Record<string, unknown>);
    found[id] = value as SignalDataTypeMap[T];
  }
  return found;
}

function keyEntries(data: SignalDataSet): [string, string | null][] {
  const entries: [string, string | null][] = [];
  for (const [type, byId] of Object.entries(data)) {
    for (const [id, value] of Object.entries(byId ?? {})) {
      entries.push([keyName(type, id), value ? encode(value) : null]);
    }
  }
  return entries;
}
