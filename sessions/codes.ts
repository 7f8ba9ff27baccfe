/**
 * Short codes people read aloud or type back (pairing codes, approval ids), made of
 * unambiguous characters (no 0/O, 1/I/L).
 */
import { randomInt } from 'node:crypto';

const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

export function newCode(length = 8): string {
  let code = '';
  for (let i = 0; i < length; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/** A code as typed back (spaces around it, any case) in the form it was stored. */
export const normalizeCode = (typed: string): string => typed.trim().toUpperCase();
