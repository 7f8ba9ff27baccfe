/**
 * Command-level policy for `shell`: which programs a command line runs, as parsed
 * by `shell-quote` (no regexes), and the owner's verdict from the allow and deny
 * lists (`sandbox.commands`). The parser sees through everything that runs another
 * program: pipelines, `&&` `||` `;` `&`, subshells and `$( )`, `sh -c` / `bash -c`,
 * wrappers (`env`, `xargs`, `nice`, `timeout`, `nohup`, `exec`, `command`, `busybox`),
 * and it names inline code after its interpreter and flag (`python3 -c`, `node -e`,
 * `perl -e`), which allowing `python3` does not cover. A shell that reads its
 * commands from stdin (`echo x | sh`) is the program `sh`, so `echo x | sh` is
 * never approved as `echo`. What cannot be seen statically (backticks, `eval`,
 * a variable as program, a glob as program) makes the line opaque: never
 * auto-approved, still denied when a denied program is visible.
 *
 * @example
 * ```ts
 * commandVerdict('ls -l | grep x', { allow: ['ls', 'grep'], deny: [] }) // 'allow'
 * commandVerdict('echo x | sh', { allow: ['echo'], deny: [] })          // 'ask'
 * commandVerdict('env rm -rf x', { allow: [], deny: ['rm'] })            // 'deny'
 * ```
 */
import { parse } from 'shell-quote';

export interface CommandLists {
  allow: readonly string[];
  deny: readonly string[];
}

export interface ParsedCommand {
  /** Every program the line runs (wrappers included), e.g. ['env', 'rm']. */
  programs: string[];
  /** Something runs that cannot be named statically. */
  opaque: boolean;
}

export type CommandVerdict = 'allow' | 'deny' | 'ask';

type Token = ReturnType<typeof parse>[number];

const SEPARATORS = new Set(['|', '||', '&&', ';', ';;', '&', '|&', '(', ')']);
const REDIRECTS = new Set(['<', '>', '>>', '>&', '<&', '<<', '<<<', '<>', '>|', '&>']);
const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh', 'busybox sh']);
/** Wrappers that run their remaining arguments as a command, with their option flags taking a value. */
const WRAPPERS: Record<string, Set<string>> = {
  env: new Set(['-u', '-C', '-S']),
  xargs: new Set(['-n', '-I', '-L', '-P', '-s', '-d', '-E', '-a', '-i']),
  nice: new Set(['-n']),
  nohup: new Set(),
  timeout: new Set(['-s', '-k']),
  exec: new Set(['-a']),
  command: new Set(),
  time: new Set(),
  stdbuf: new Set(['-i', '-o', '-e']),
  busybox: new Set(),
  sudo: new Set(['-u', '-g']),
  setsid: new Set(),
  chroot: new Set(),
};
/** Interpreters and the flags after which their code is given inline. */
const INLINE_CODE: Record<string, Set<string>> = {
  python: new Set(['-c']),
  python3: new Set(['-c']),
  node: new Set(['-e', '--eval', '-p', '--print']),
  perl: new Set(['-e', '-E']),
  ruby: new Set(['-e']),
  php: new Set(['-r']),
  lua: new Set(['-e']),
  deno: new Set(['eval']),
};
const OPAQUE_PROGRAMS = new Set(['eval', 'source', '.', 'trap']);

/** The programs `command` runs. */
export function parseCommand(command: string, depth = 0): ParsedCommand {
  const result: ParsedCommand = { programs: [], opaque: depth > 8 };
  if (result.opaque) return result;
  // shell-quote reads a newline as a space: make it the command separator it is.
  const tokens = parse(command.replace(/\r?\n/g, ' ; '), (name) => `$${name}`);
  let words: string[] = [];
  const flush = () => {
    simpleCommand(words, result, depth);
    words = [];
  };
  for (let i = 0; i < tokens.length; i++) {
    const token: Token = tokens[i]!;
    if (typeof token === 'string') {
      if (token.includes('`') || token.includes('$(')) result.opaque = true;
      words.push(token);
    } else if ('op' in token && token.op === 'glob') {
      words.push(token.pattern);
    } else if ('op' in token && REDIRECTS.has(token.op)) {
      i++; // the redirect's target is no word of the command
    } else if ('op' in token && SEPARATORS.has(token.op)) {
      if (token.op === '(' && words.at(-1) === '$') words.pop(); // $( … ): runs like a subshell
      flush();
    } else if (!('comment' in token)) result.opaque = true;
  }
  flush();
  return result;
}

/** One simple command: assignments, then the program and what it runs in turn. */
function simpleCommand(words: string[], result: ParsedCommand, depth: number): void {
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!)) i++;
  if (i >= words.length) return;
  const word = words[i]!;
  if (word.startsWith('$') || /[*?[]/.test(word)) {
    result.opaque = true;
    return;
  }
  const program = word.split('/').pop()!;
  const rest = words.slice(i + 1);
  if (OPAQUE_PROGRAMS.has(program)) result.opaque = true;
  if (SHELLS.has(program)) {
    shell(program, rest, result, depth);
    return;
  }
  if (program in WRAPPERS) {
    result.programs.push(program);
    simpleCommand(skipOptions(rest, WRAPPERS[program]!, program), result, depth);
    return;
  }
  const inline = INLINE_CODE[program];
  if (inline && rest.some((arg) => inline.has(arg))) {
    result.programs.push(`${program} ${rest.find((arg) => inline.has(arg))}`);
    return;
  }
  result.programs.push(program);
}

/** `sh -c '…'` is what it runs; any other shell call runs code we cannot see (stdin, a script). */
function shell(program: string, args: string[], result: ParsedCommand, depth: number): void {
  const flag = args.findIndex((arg) => /^-[a-z]*c[a-z]*$/.test(arg));
  const code = flag >= 0 ? args[flag + 1] : undefined;
  if (code === undefined) {
    result.programs.push(program);
    return;
  }
  const inner = parseCommand(code, depth + 1);
  result.programs.push(...inner.programs);
  result.opaque ||= inner.opaque;
}

/** The wrapper's arguments after its options (and the timeout's duration, env's assignments). */
function skipOptions(args: string[], withValue: Set<string>, wrapper: string): string[] {
  let i = 0;
  while (i < args.length) {
    const arg = args[i]!;
    if (withValue.has(arg)) i += 2;
    else if (arg.startsWith('-') && arg !== '-') i++;
    else if (wrapper === 'env' && arg.includes('=')) i++;
    else break;
  }
  if (wrapper === 'timeout' || (wrapper === 'nice' && /^\d+$/.test(args[i] ?? ''))) i++;
  return args.slice(i);
}

/** The owner's verdict on `command`: denied, allowed without asking, or ask (the tool's policy). */
export function commandVerdict(command: string, lists: CommandLists): CommandVerdict {
  let parsed: ParsedCommand;
  try {
    parsed = parseCommand(command);
  } catch {
    return 'ask'; // unparseable: never allowed by the lists
  }
  if (parsed.programs.some((program) => lists.deny.includes(program))) return 'deny';
  if (parsed.opaque || parsed.programs.length === 0) return 'ask';
  return parsed.programs.every((program) => lists.allow.includes(program)) ? 'allow' : 'ask';
}
