/**
 * The SQL both store engines share, and the one spelling they differ in: how the n-th
 * parameter of a statement is written (`?` for SQLite, `$n` for Postgres; each
 * engine's `db.ts` exports its {@link Placeholder}). The row modules beside this file
 * map rows to records and records to columns once; the statements built here from
 * those columns run unchanged on both engines.
 *
 * @example
 * ```ts
 * const messages = columns<{ text: string; at: number }>({ text: (m) => m.text, created_at: (m) => m.at })
 * insertSql('messages', messages, (n) => `$${n}`) // INSERT INTO messages (text, created_at) VALUES ($1, $2)
 * messages.values({ text: 'hi', at: 1 })           // ['hi', 1]
 * ```
 */

/** How an engine writes its n-th (1-based) statement parameter. */
export type Placeholder = (n: number) => string;

/** A statement and its parameters, in the order of their placeholders. */
export interface Query {
  sql: string;
  params: unknown[];
}

/** The columns a record is written to, and its values in the same order. */
export interface Columns<T> {
  readonly names: readonly string[];
  values(record: T): unknown[];
}

/** Columns from one `column → value of the record` map: names and values cannot drift apart. */
export function columns<T>(encode: Record<string, (record: T) => unknown>): Columns<T> {
  const names = Object.keys(encode);
  const getters = Object.values(encode);
  return { names, values: (record) => getters.map((get) => get(record)) };
}

/** `count` placeholders separated by commas, numbered from `from`. */
export function placeholders(placeholder: Placeholder, count: number, from = 1): string {
  return Array.from({ length: count }, (_, i) => placeholder(from + i)).join(', ');
}

/**
 * `sql` with each `?` written as the engine's placeholder, numbered in order: a
 * statement whose only difference between engines is that spelling, written once.
 * `sql` holds no other `?` (in a string literal, or Postgres' jsonb `?` operator).
 */
export function statement(sql: string, placeholder: Placeholder): string {
  let n = 0;
  return sql.replace(/\?/g, () => placeholder(++n));
}

/** `INSERT INTO table (columns) VALUES (placeholders)` for a record's columns. */
export function insertSql<T>(table: string, into: Columns<T>, placeholder: Placeholder): string {
  const values = placeholders(placeholder, into.names.length);
  return `INSERT INTO ${table} (${into.names.join(', ')}) VALUES (${values})`;
}

/**
 * Collects `WHERE` conditions and their parameters, numbering placeholders in order.
 *
 * @example
 * ```ts
 * const where = new Conditions((n) => `$${n}`)
 * where.add('owner = ?', 'test:a').add('state IN (?)', 'active', 'paused')
 * `SELECT * FROM jobs ${where.sql()} LIMIT ${where.param(10)}`
 * // SELECT * FROM jobs WHERE owner = $1 AND state IN ($2, $3) LIMIT $4
 * ```
 */
export class Conditions {
  readonly params: unknown[] = [];
  private readonly parts: string[] = [];

  constructor(private readonly placeholder: Placeholder) {}

  /** Adds `condition`, whose one `?` stands for every value given (comma separated). */
  add(condition: string, ...values: unknown[]): this {
    const slots = placeholders(this.placeholder, values.length, this.params.length + 1);
    this.params.push(...values);
    this.parts.push(condition.replace('?', slots));
    return this;
  }

  /** Adds one parameter outside the conditions (a LIMIT) and returns its placeholder. */
  param(value: unknown): string {
    this.params.push(value);
    return this.placeholder(this.params.length);
  }

  /** The conditions joined by AND, `WHERE`-prefixed; empty when there are none. */
  sql(): string {
    return this.parts.length ? `WHERE ${this.parts.join(' AND ')}` : '';
  }
}
