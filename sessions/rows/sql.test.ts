import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { placeholder as postgres } from '../postgres/db.js';
import { placeholder as sqlite } from '../sqlite/db.js';
import { Conditions, columns, insertSql, statement } from './sql.js';

const people = columns<{ name: string; age: number }>({
  name: (p) => p.name,
  age: (p) => p.age,
});

describe('shared SQL builders', () => {
  it('number Postgres parameters in the order they are added, a list taking one each', () => {
    const where = new Conditions(postgres).add('owner = ?', 'a').add('state IN (?)', 'x', 'y');
    const sql = `SELECT * FROM jobs ${where.sql()} LIMIT ${where.param(5)}`;
    expect(sql).toBe('SELECT * FROM jobs WHERE owner = $1 AND state IN ($2, $3) LIMIT $4');
    expect(where.params).toEqual(['a', 'x', 'y', 5]);
    expect(new Conditions(postgres).sql()).toBe('');
  });

  it('number each ? of a shared statement for Postgres, and leave it as is for SQLite', () => {
    const sql = 'UPDATE t SET a = ?, b = ? WHERE id = ? AND c > 0';
    expect(statement(sql, postgres)).toBe('UPDATE t SET a = $1, b = $2 WHERE id = $3 AND c > 0');
    expect(statement(sql, sqlite)).toBe(sql);
    expect(statement('SELECT 1', postgres)).toBe('SELECT 1');
  });

  it('write a record to the columns it names and read it back on SQLite', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE people (name TEXT, age INTEGER)');
    expect(insertSql('people', people, postgres)).toBe(
      'INSERT INTO people (name, age) VALUES ($1, $2)',
    );
    const insert = db.prepare(insertSql('people', people, sqlite));
    for (const person of [
      { name: 'ann', age: 30 },
      { name: 'bob', age: 40 },
      { name: 'cy', age: 50 },
    ])
      insert.run(...people.values(person));
    const where = new Conditions(sqlite).add('age >= ?', 35).add('name IN (?)', 'ann', 'cy');
    const sql = `SELECT name FROM people ${where.sql()} LIMIT ${where.param(10)}`;
    expect(db.prepare(sql).all(...where.params)).toEqual([{ name: 'cy' }]);
    db.close();
  });
});
